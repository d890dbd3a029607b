import { CLOSE_CODES, LIMITS } from '@parley/protocol';
import { connect, rawRequest } from '@parley/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { connectCall, sleep } from '../helpers/calls.js';
import { createUser, request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** The fixed windows (60 s) are passed by moving the clock, not by waiting: only `Date` is faked. */
function passOneMinute(): void {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.now() + 61_000);
}

afterEach(() => {
  vi.useRealTimers();
});

const register = (server: TestServer, username: string, localAddress = '127.0.0.1') =>
  rawRequest(server.baseUrl, {
    method: 'POST',
    path: '/api/v1/auth/register',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'password-123' }),
    localAddress,
  });

const login = (server: TestServer, username: string, password: string, localAddress = '127.0.0.1') =>
  rawRequest(server.baseUrl, {
    method: 'POST',
    path: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    localAddress,
  });

const statusOf = (reply: Awaited<ReturnType<typeof rawRequest>>) => (reply.ok ? reply.status : reply.error);

describe('auth requests per IP (AUTH_RATE_LIMIT_PER_MINUTE)', () => {
  it('caps registrations per IP with 429 RATE_LIMITED, leaves other IPs alone, and recovers after the window', async () => {
    const server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push(statusOf(await register(server, `reg_${i}`)));
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const limited = await register(server, 'reg_limited');
    expect(limited.ok && JSON.parse(limited.body)).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    expect(limited.ok && Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The refused registrations created nothing.
    expect(server.app.parley.users.findByUsername('reg_3')).toBeUndefined();

    expect(statusOf(await register(server, 'from_elsewhere', '127.0.0.2'))).toBe(201);

    passOneMinute();
    expect(statusOf(await register(server, 'reg_after'))).toBe(201);
  });

  it('caps logins per IP whatever the username, and recovers after the window', async () => {
    const server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '4', LOGIN_FAILURES_PER_USERNAME: '1000' });
    const user = await createUser(server); // one login used
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push(statusOf(await login(server, `someone${i}`, 'wrong-password')));
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(statusOf(await login(server, user.username, user.password))).toBe(429);
    expect(statusOf(await login(server, user.username, user.password, '127.0.0.3'))).toBe(200);
    passOneMinute();
    expect(statusOf(await login(server, user.username, user.password))).toBe(200);
  });
});

describe('client IP', () => {
  it('comes from the connection, so X-Forwarded-For cannot buy a fresh limit', async () => {
    const server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '2' });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) {
      const reply = await rawRequest(server.baseUrl, {
        method: 'POST',
        path: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i}`, 'x-real-ip': `198.51.100.${i}` },
        body: JSON.stringify({ username: 'nobody', password: 'wrong-password' }),
      });
      statuses.push(statusOf(reply));
    }
    expect(statuses).toEqual([401, 401, 429, 429]);
  });
});

describe('failed logins per username (LOGIN_FAILURES_PER_USERNAME)', () => {
  it('counts a username whatever its case and from any IP, and leaves other usernames alone', async () => {
    const server = await startServer({ LOGIN_FAILURES_PER_USERNAME: '2' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    expect(statusOf(await login(server, alice.username.toUpperCase(), 'wrong-password', '127.0.0.4'))).toBe(401);
    expect(statusOf(await login(server, alice.username, 'wrong-password', '127.0.0.5'))).toBe(401);
    expect(statusOf(await login(server, alice.username, alice.password, '127.0.0.6'))).toBe(429);
    expect(statusOf(await login(server, bob.username, bob.password))).toBe(200);
  });
});

describe('POST /calls per user (CALLS_RATE_LIMIT_PER_MINUTE)', () => {
  it('throttles one user, not another on the same IP, and recovers after the window', async () => {
    const server = await startServer({ CALLS_RATE_LIMIT_PER_MINUTE: '2' });
    const [alice, bob, carol] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const place = async (from: typeof alice, to: typeof alice) => {
      const res = await request(server, 'POST', '/calls', { token: from.token, body: { calleeId: to.id } });
      if (res.status === 201) await request(server, 'POST', `/calls/${res.body.callId}/end`, { token: from.token });
      return res;
    };
    expect((await place(alice, bob)).status).toBe(201);
    expect((await place(alice, bob)).status).toBe(201);
    const limited = await place(alice, bob);
    expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect((await place(carol, bob)).status).toBe(201);
    passOneMinute();
    expect((await place(alice, bob)).status).toBe(201);
  });
});

describe('WebSocket connections per user (WS_MAX_CONNECTIONS_PER_USER)', () => {
  it('refuses one over the cap with 4029, not other users, and frees the slot when one closes', async () => {
    const server = await startServer({ WS_MAX_CONNECTIONS_PER_USER: '2' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const first = await connect(server, alice);
    await connect(server, alice);
    // The upgrade succeeds and the hub closes the socket at once, before any hello.
    const third = new WebSocket(server.wsUrl, ['bearer', alice.token]);
    expect(await new Promise<number>((resolve) => third.on('close', (code) => resolve(code)))).toBe(CLOSE_CODES.TOO_MANY_CONNECTIONS);
    await connect(server, bob);
    await connect(server, bob);
    await first.close();
    await sleep(50);
    const again = await connect(server, alice);
    expect(again.connectionId).not.toBe('');
  });
});

describe('WebSocket frames (64 KiB, token bucket per connection)', () => {
  it('accepts a frame of exactly 64 KiB and closes with 1009 on one byte more, also when it comes in fragments', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const ws = await connect(server, alice);
    const exact = `{"type":"call:dance","payload":{"x":"${'x'.repeat(LIMITS.maxFrameBytes - 40)}"}}`;
    expect(Buffer.byteLength(exact)).toBe(LIMITS.maxFrameBytes);
    ws.sendRaw(exact);
    expect((await ws.next('error')).payload.code).toBe('UNKNOWN_MESSAGE_TYPE');

    // 5 fragments of 16 KiB: each is small, the message is not.
    const fragmented = await connect(server, alice);
    const piece = 'y'.repeat(16 * 1024);
    for (let i = 0; i < 5; i += 1) fragmented.socket.send(piece, { fin: i === 4 });
    expect((await fragmented.closed).code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG);

    const binary = await connect(server, alice);
    binary.sendRaw(Buffer.alloc(LIMITS.maxFrameBytes + 1), { binary: true });
    expect((await binary.closed).code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG);
  });

  it('throttles only the flooding connection: the same user’s other tab and a call in progress are unaffected', async () => {
    const server = await startServer({ WS_MESSAGE_BURST: '10', WS_MESSAGES_PER_SECOND: '5' });
    const [alice, bob, carol] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    const flooder = await connect(server, carol);
    const carolTab2 = await connect(server, carol);
    for (let i = 0; i < 18; i += 1) flooder.sendRaw('{}');
    await sleep(100);
    const codes = flooder.received.flatMap((m) => (m.type === 'error' ? [m.payload.code] : []));
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(8);
    carolTab2.sendRaw('{}');
    expect((await carolTab2.next('error')).payload.code).toBe('UNKNOWN_MESSAGE_TYPE');
    for (let i = 0; i < 8; i += 1) aliceWs.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: `candidate:${i}` } });
    for (let i = 0; i < 8; i += 1) expect((await bobWs.next('webrtc:ice-candidate')).payload.candidate).toBe(`candidate:${i}`);
  });
});
