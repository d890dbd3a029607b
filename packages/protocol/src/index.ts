export * from './backoff.js';
export * from './constants.js';
export * from './rest.js';
export * from './rest-check.js';
export * from './ws.js';
export * from './peer.js';
export * from './relay-scan.js';
