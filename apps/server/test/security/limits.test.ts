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
    expect(await server.app.parley.users.findByUsername('reg_3')).toBeUndefined();

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

  const loginVia = (server: TestServer, forwardedFor: string, localAddress: string) =>
    rawRequest(server.baseUrl, {
      method: 'POST',
      path: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ username: 'nobody', password: 'wrong-password' }),
      localAddress,
    }).then(statusOf);

  it('comes from X-Forwarded-For behind a TRUST_PROXY proxy: two clients get two buckets', async () => {
    const server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '2', LOGIN_FAILURES_PER_USERNAME: '1000', TRUST_PROXY: '127.0.0.1' });
    const first = [];
    const second = [];
    for (let i = 0; i < 3; i += 1) {
      first.push(await loginVia(server, '198.51.100.1', '127.0.0.1'));
      second.push(await loginVia(server, '203.0.113.7, 198.51.100.2', '127.0.0.1'));
    }
    expect(first).toEqual([401, 401, 429]);
    expect(second).toEqual([401, 401, 429]);
    // A client that is not the proxy cannot choose its address by sending the header itself.
    const direct = [];
    for (let i = 0; i < 3; i += 1) direct.push(await loginVia(server, `198.51.100.${10 + i}`, '127.0.0.2'));
    expect(direct).toEqual([401, 401, 429]);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, even from the proxy’s address: everyone shares one bucket', async () => {
    const server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '2', LOGIN_FAILURES_PER_USERNAME: '1000' });
    const statuses = [await loginVia(server, '198.51.100.1', '127.0.0.1'), await loginVia(server, '198.51.100.2', '127.0.0.1'), await loginVia(server, '198.51.100.3', '127.0.0.1')];
    expect(statuses).toEqual([401, 401, 429]);
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

/** How many argon2 verifies actually ran, read from the server's own `parley_argon2_seconds` histogram. */
async function verifiesRun(server: TestServer): Promise<number> {
  const { values } = await server.app.parley.metrics.argon2Seconds.get();
  return values.find((v) => v.metricName === 'parley_argon2_seconds_count' && v.labels['op'] === 'verify')?.value ?? 0;
}

describe('failed logins per username under concurrency', () => {
  it('verifies at most the limit of parallel wrong guesses for one username: 90 at once → 10 verified, 80 refused', async () => {
    const server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
    const user = await createUser(server);
    const before = await verifiesRun(server);
    const replies = await Promise.all(
      Array.from({ length: 90 }, (_, i) => login(server, user.username, `wrong-password-${i}`, `127.0.1.${(i % 250) + 1}`)),
    );
    const statuses = replies.map(statusOf);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(80);
    expect((await verifiesRun(server)) - before).toBe(10);
  });

  it('refuses the right password with 429 after 199 parallel wrong guesses from 199 addresses', async () => {
    const server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
    const user = await createUser(server);
    const guesses = await Promise.all(
      Array.from({ length: 199 }, (_, i) => login(server, user.username, `wrong-password-${i}`, `127.0.2.${i + 1}`)),
    );
    expect(guesses.map(statusOf).filter((s) => s === 401)).toHaveLength(10);
    expect(guesses.map(statusOf).filter((s) => s === 429)).toHaveLength(189);
    const right = await login(server, user.username, user.password, '127.0.3.1');
    expect(statusOf(right)).toBe(429);
  });

  it('gives the slot back on success: the right password resets the count', async () => {
    const server = await startServer({ LOGIN_FAILURES_PER_USERNAME: '3' });
    const user = await createUser(server);
    for (let i = 0; i < 2; i += 1) expect(statusOf(await login(server, user.username, 'wrong-password'))).toBe(401);
    expect(statusOf(await login(server, user.username, user.password))).toBe(200);
    const again = await Promise.all(Array.from({ length: 5 }, () => login(server, user.username, 'wrong-password')));
    expect(again.map(statusOf).sort()).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('GET /metrics with a wrong token', () => {
  const METRICS_TOKEN = 'metrics-token-for-limit-tests-0123456789';
  const scrape = (server: TestServer, token: string, localAddress = '127.0.0.1') =>
    rawRequest(server.baseUrl, { method: 'GET', path: '/metrics', headers: { authorization: `Bearer ${token}` }, localAddress }).then(statusOf);

  it('gets 10 guesses per minute per IP, then 429; the right token is never limited, other IPs keep their guesses', async () => {
    const server = await startServer({ METRICS_TOKEN });
    const guesses = [];
    for (let i = 0; i < 12; i += 1) guesses.push(await scrape(server, `guess-${i}-${'x'.repeat(32)}`));
    expect(guesses).toEqual([...Array<number>(10).fill(401), 429, 429]);
    expect(await scrape(server, METRICS_TOKEN)).toBe(200);
    expect(await scrape(server, 'another-guess', '127.0.0.11')).toBe(401);
    passOneMinute();
    expect(await scrape(server, 'a-guess-after-the-window')).toBe(401);
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

describe('every other signed-in route per user (API_RATE_LIMIT_PER_MINUTE)', () => {
  it('answers 429 RATE_LIMITED past the limit on each route, counts each route apart, spares other users and recovers', async () => {
    const server = await startServer({ API_RATE_LIMIT_PER_MINUTE: '3' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const created = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    expect(created.status).toBe(201);
    const callId: string = created.body.callId;
    // Each route as `me` calls it with `other` as the other party: both users take part in the call.
    const routes: [method: string, path: (other: typeof alice) => string][] = [
      ['GET', () => '/users/me'],
      ['GET', () => '/calls'],
      ['GET', () => `/calls/${callId}`],
      ['POST', () => `/calls/${callId}/end`],
      ['GET', () => '/rtc/config'],
      ['GET', () => '/blocks'],
      ['PUT', (other) => `/users/${other.id}/block`],
      ['DELETE', (other) => `/users/${other.id}/block`],
    ];
    for (const [method, path] of routes) {
      const replies = [];
      for (let i = 0; i < 4; i += 1) replies.push(await request(server, method, path(bob), { token: alice.token }));
      const route = `${method} ${path(bob)}`;
      expect(replies.map((r) => r.status < 300), route).toEqual([true, true, true, false]);
      const limited = replies[3]!;
      expect([limited.status, limited.body.error?.code], route).toEqual([429, 'RATE_LIMITED']);
      expect(Number(limited.headers.get('retry-after')), route).toBeGreaterThan(0);
      // Alice's count is hers: bob still gets through on the same route.
      expect((await request(server, method, path(alice), { token: bob.token })).status, route).toBeLessThan(300);
    }
    // Without a token it is a 401, not a hit on anyone's count.
    expect((await request(server, 'GET', '/users/me')).status).toBe(401);
    passOneMinute();
    expect((await request(server, 'GET', '/users/me', { token: alice.token })).status).toBe(200);
    expect((await request(server, 'POST', `/calls/${callId}/end`, { token: alice.token })).status).toBe(200);
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
