/**
 * Tools that drive a Parley server from the outside, shared by the server's tests (in-process server), the soak and
 * the bench (child processes). They need only URLs and tokens, never the server's code.
 */
export * from './fuzz-http.js';
export * from './fuzz-ws.js';
export * from './raw-http.js';
export * from './tokens.js';
export * from './ws-client.js';
