import { connect } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createUser, request } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

describe('login timing', () => {
  it('takes about as long for an unknown username as for a wrong password (the dummy argon2 verify)', async () => {
    const server = await startServer({ LOGIN_FAILURES_PER_USERNAME: '100000', AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
    const user = await createUser(server);
    const timed = async (username: string) => {
      const started = performance.now();
      const res = await request(server, 'POST', '/auth/login', { body: { username, password: 'wrong-password-123' } });
      expect(res.status).toBe(401);
      return performance.now() - started;
    };
    // The first unknown-user login computes the dummy hash; measure after it.
    await timed('nobody_warmup');
    await timed(user.username);
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      unknown.push(await timed(`nobody_${i}`));
      wrong.push(await timed(user.username));
    }
    const ratio = median(unknown) / median(wrong);
    // Without the dummy verify an unknown user answers in ~1 ms against ~20 ms: a ratio near 0.05.
    expect(ratio, `unknown ${median(unknown).toFixed(1)} ms vs wrong password ${median(wrong).toFixed(1)} ms`).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

describe('secrets in logs and answers', () => {
  it('never writes passwords or tokens to the log, whatever way the token travels', async () => {
    const server = await startServer();
    const user = await createUser(server);
    const peer = await createUser(server);
    const wrongPassword = `wrong-${Math.random().toString(36).slice(2)}-pw`;
    const unknownPassword = `unknown-${Math.random().toString(36).slice(2)}-pw`;
    const tooLong = `toolong-${'z'.repeat(300)}`;
    const bodies: string[] = [];
    const record = (res: { body: unknown }) => bodies.push(JSON.stringify(res.body));

    record(await request(server, 'POST', '/auth/login', { body: { username: user.username, password: wrongPassword } }));
    record(await request(server, 'POST', '/auth/login', { body: { username: 'no_such_user', password: unknownPassword } }));
    record(await request(server, 'POST', '/auth/register', { body: { username: 'new_user', password: tooLong } }));
    record(await request(server, 'POST', '/auth/register', { rawBody: `{"username":"x","password":"${wrongPassword}"`, headers: { 'content-type': 'application/json' } }));
    record(await request(server, 'GET', '/users/me', { token: user.token }));
    record(await request(server, 'GET', '/no/such/route', { token: user.token }));
    record(await request(server, 'GET', '/rtc/config', { token: user.token }));
    record(await request(server, 'POST', '/calls', { token: user.token, body: { calleeId: peer.id } }));
    record(await request(server, 'GET', '/users', { token: user.token }));
    record(await request(server, 'GET', '/calls', { token: user.token }));
    const sockets = [await connect(server, user, 'query'), await connect(server, user, 'protocol'), await connect(server, user, 'header')];
    for (const ws of sockets) bodies.push(JSON.stringify(ws.received));
    await Promise.all(sockets.map((ws) => ws.close()));
    await server.close({ removeData: false });

    const logs = server.logs.join('');
    // The log is there and saw the query-string token (redacted): the checks below have something to look at.
    expect(logs).toContain('/api/v1/ws?[REDACTED]');
    expect(logs).toContain('user logged in');
    const signature = user.token.split('.')[2]!;
    // Password hashes neither: argon2id encodings start with `$argon2`.
    for (const secret of ['$argon2', user.password, peer.password, wrongPassword, unknownPassword, 'z'.repeat(300), user.token, signature, peer.token.split('.')[2]!]) {
      expect(logs).not.toContain(secret);
      for (const body of bodies) expect(body).not.toContain(secret);
    }
  });
});

describe('tokens in query strings', () => {
  /** Opens (or fails to open) a socket at `url`; resolves with 101 or the refusal's status. */
  const upgrade = (url: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(url);
      socket.on('open', () => {
        resolve(101);
        socket.close();
      });
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('error', () => resolve(0));
    });

  it('never reach the log, whatever the key looks like on the wire: %74oken, t%6Fken, TOKEN, access_token', async () => {
    const server = await startServer();
    const user = await createUser(server);
    const ws = (path: string, query: string) => upgrade(`${server.baseUrl.replace('http', 'ws')}${path}?${query}=${user.token}`);
    // Fastify decodes the keys, so the first two are `?token=` and open the socket.
    expect(await ws('/api/v1/ws', '%74oken')).toBe(101);
    expect(await ws('/ws', 't%6Fken')).toBe(101);
    expect(await ws('/api/v1/ws', 'TOKEN')).toBe(401);
    expect(await ws('/api/v1/ws', 'access_token')).toBe(401);
    expect(await ws('/api/v1/ws', 'x=1&%74%6f%6b%65%6e')).toBe(101);
    expect((await request(server, 'GET', `/users/me?token=${user.token}`, { token: user.token })).status).toBe(200);
    await server.close({ removeData: false });
    const logs = server.logs.join('');
    expect(logs).not.toContain(user.token);
    expect(logs).not.toContain(user.token.split('.')[2]!);
    expect(logs).not.toContain(user.token.split('.')[1]!);
    // The requests were logged (at info), their query strings were not.
    expect(logs.match(/"url":"\/(api\/v1\/)?ws\?\[REDACTED\]"/g)).toHaveLength(5);
    expect(logs).toContain('"url":"/api/v1/users/me?[REDACTED]"');
  });
});
