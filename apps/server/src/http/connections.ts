import proxyAddr from '@fastify/proxy-addr';
import type { ServerOptions } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Config } from '../config.js';

/**
 * Node's own limits on a request, for `http.createServer` / `https.createServer`: the headers and the whole
 * request must arrive within `HTTP_REQUEST_TIMEOUT_MS` (then 408, connection closed). Node enforces them in a sweep
 * every `connectionsCheckingInterval` (30 s by default, which would let a stalled body live that much longer), so
 * the sweep runs at least twice per timeout. Upgraded WebSockets have left the HTTP server and are not swept.
 */
export function requestTimeoutOptions(http: Config['http']): Pick<ServerOptions, 'requestTimeout' | 'headersTimeout' | 'connectionsCheckingInterval'> {
  return {
    requestTimeout: http.requestTimeoutMs,
    headersTimeout: http.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.ceil(http.requestTimeoutMs / 2)),
  };
}

/** Whether an address is one of the TRUST_PROXY proxies. */
export function trustedProxyTest(trustProxy: string[] | null): (address: string) => boolean {
  if (trustProxy === null) return () => false;
  const trusted = proxyAddr.compile(trustProxy);
  return (address) => trusted(address, 0);
}

/**
 * Caps the connections one address holds open (HTTP keep-alive and WebSockets alike): one over the cap is closed
 * as soon as it is accepted, before a byte is read. A trusted proxy's address is everyone behind it, so it is not
 * capped (the proxy limits its own clients, e.g. nginx's `limit_conn`).
 */
export function capConnectionsPerIp(server: Server, maxPerIp: number, isTrustedProxy: (address: string) => boolean): void {
  if (maxPerIp === 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || isTrustedProxy(address)) return;
    const count = open.get(address) ?? 0;
    if (count >= maxPerIp) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
