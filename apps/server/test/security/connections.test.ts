import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sleep } from '../helpers/calls.js';
import { createUser } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { connect, rawRequest } from '@parley/testkit';

interface HeldConnection {
  /** Resolves with the milliseconds from opening to the server closing the connection, and what it sent. */
  closed: Promise<{ afterMs: number; received: string }>;
  socket: net.Socket;
}

const sockets = new Set<net.Socket>();
afterEach(() => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
});

/** Opens a connection and writes `bytes`, then keeps it open until the server ends it. */
function hold(server: TestServer, bytes: string, localAddress = '127.0.0.1'): HeldConnection {
  const url = new URL(server.baseUrl);
  const started = performance.now();
  const socket = net.connect({ port: Number(url.port), host: url.hostname, localAddress }, () => socket.write(bytes));
  sockets.add(socket);
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) => {
    socket.on('close', () => resolve({ afterMs: performance.now() - started, received }));
    socket.on('error', () => {});
  });
  return { closed, socket };
}

/** A login whose body never finishes: it announces 16,000 bytes and sends 14. */
const slowLogin = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n{"username":"a';

const healthz = async (server: TestServer, localAddress?: string) => {
  const reply = await rawRequest(server.baseUrl, { method: 'GET', path: '/healthz', timeoutMs: 2000, ...(localAddress ? { localAddress } : {}) });
  return reply.ok ? reply.status : reply.error;
};

describe('requests whose body never arrives (HTTP_REQUEST_TIMEOUT_MS)', () => {
  it('drops 50 connections holding a half-sent body within seconds, the ones answered 429 too, and keeps answering meanwhile', async () => {
    const server = await startServer({ HTTP_REQUEST_TIMEOUT_MS: '1000', AUTH_RATE_LIMIT_PER_MINUTE: '10', HTTP_MAX_CONNECTIONS_PER_IP: '1000' });
    const held = Array.from({ length: 50 }, () => hold(server, slowLogin));
    await sleep(300);
    // Held, not yet dropped; the server answers others.
    expect(await healthz(server)).toBe(200);
    const results = await Promise.all(held.map((h) => h.closed));
    const slowest = Math.max(...results.map((r) => r.afterMs));
    expect(slowest, `slowest connection dropped after ${slowest.toFixed(0)} ms`).toBeLessThan(4000);
    // 40 of them were over the per-IP limit and answered 429 at once: they were dropped all the same.
    expect(results.filter((r) => r.received.startsWith('HTTP/1.1 429'))).toHaveLength(40);
    expect(results.filter((r) => r.received.startsWith('HTTP/1.1 408'))).toHaveLength(10);
    expect(await healthz(server)).toBe(200);
  });

  it('gives a request that arrived whole all the time it needs: the timeout is on receiving, not on answering', async () => {
    // One argon2 verify at a time on this machine: 30 logins queue for longer than the 1 s timeout.
    const server = await startServer({ HTTP_REQUEST_TIMEOUT_MS: '1000', ARGON2_TIME_COST: '6', AUTH_RATE_LIMIT_PER_MINUTE: '1000', LOGIN_FAILURES_PER_USERNAME: '1000' });
    await server.app.parley.hasher.warmUp();
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        rawRequest(server.baseUrl, {
          method: 'POST',
          path: '/api/v1/auth/login',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: `nobody${i}`, password: 'wrong-password' }),
          timeoutMs: 30_000,
        }),
      ),
    );
    const tookMs = performance.now() - started;
    expect(tookMs, 'the queue must outlast the timeout for this test to mean anything').toBeGreaterThan(1500);
    expect(replies.map((r) => (r.ok ? r.status : r.error))).toEqual(Array<number>(30).fill(401));
  });

  it('drops a connection that never finishes its headers', async () => {
    const server = await startServer({ HTTP_REQUEST_TIMEOUT_MS: '1000' });
    const { closed } = hold(server, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect((await closed).afterMs).toBeLessThan(4000);
  });

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const server = await startServer({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' });
    const { closed } = hold(server, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const result = await closed;
    expect(result.received).toMatch(/^HTTP\/1\.1 200/);
    expect(result.afterMs).toBeLessThan(3000);
  });

  it('leaves an upgraded WebSocket open however long it stays quiet', async () => {
    const server = await startServer({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '500', HTTP_CONNECTION_TIMEOUT_MS: '1000' });
    const alice = await createUser(server);
    const ws = await connect(server, alice);
    let closedEarly = false;
    void ws.closed.then(() => (closedEarly = true));
    // Past every HTTP timeout, and the connection checks that enforce them (every 500 ms here).
    await sleep(3500);
    expect(closedEarly).toBe(false);
    ws.sendRaw('{}');
    expect((await ws.next('error')).payload.code).toBe('UNKNOWN_MESSAGE_TYPE');
  });
});

describe('open connections per IP (HTTP_MAX_CONNECTIONS_PER_IP)', () => {
  it('closes connections past the cap at once, leaves other IPs alone, and frees a slot when one closes', async () => {
    const server = await startServer({ HTTP_MAX_CONNECTIONS_PER_IP: '5' });
    const held = Array.from({ length: 5 }, () => hold(server, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', '127.0.0.7'));
    await sleep(200);
    const sixth = hold(server, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', '127.0.0.7');
    const refused = await sixth.closed;
    expect(refused.received).toBe('');
    expect(refused.afterMs).toBeLessThan(1000);
    expect(await healthz(server, '127.0.0.8')).toBe(200);
    held[0]!.socket.destroy();
    await held[0]!.closed;
    await sleep(100);
    expect(await healthz(server, '127.0.0.7')).toBe(200);
  });

  it('counts open WebSockets against the cap', async () => {
    const server = await startServer({ HTTP_MAX_CONNECTIONS_PER_IP: '3' });
    const alice = await createUser(server);
    const open = (localAddress: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(server.wsUrl, ['bearer', alice.token], { localAddress });
        ws.once('open', () => resolve(ws)).once('error', reject);
      });
    const sockets = [await open('127.0.0.9'), await open('127.0.0.9'), await open('127.0.0.9')];
    await expect(open('127.0.0.9')).rejects.toThrow();
    expect(await healthz(server, '127.0.0.9')).not.toBe(200);
    expect(await healthz(server, '127.0.0.10')).toBe(200);
    for (const ws of sockets) expect(ws.readyState).toBe(WebSocket.OPEN);
    for (const ws of sockets) ws.close();
  });
});
