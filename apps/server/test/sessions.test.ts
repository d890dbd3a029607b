import { CLOSE_CODES } from '@parley/protocol';
import { connect, type TestClient } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connectCall, sleep } from './helpers/calls.js';
import { createUser, request, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * How soon a socket of an ended session must be closed (ASVS V3.3.1/V3.3.3): measured here in tens of
 * milliseconds; the bound leaves room for a busy 2-core machine.
 */
const CLOSE_WITHIN_MS = 1000;

/** A second session of the same user: another login, as another device would. */
async function secondSession(server: TestServer, user: TestUser): Promise<TestUser> {
  const login = await request(server, 'POST', '/auth/login', { body: { username: user.username, password: user.password } });
  expect(login.status).toBe(200);
  return { ...user, token: login.body.accessToken };
}

/** How long until `client` closes (ms from `since`), with the code and reason; fails if it stays open for 5 s. */
async function closedAfter(client: TestClient, since: number): Promise<{ code: number; reason: string; ms: number }> {
  const stillOpen = sleep(5000).then(() => ({ code: -1, reason: 'still open' }));
  const closed = await Promise.race([client.closed, stillOpen]);
  return { ...closed, ms: Date.now() - since };
}

const status = async (server: TestServer, token: string) => (await request(server, 'GET', '/users/me', { token })).status;

describe('POST /auth/logout', () => {
  it('refuses the token from then on (REST and upgrade) and closes its open socket with 4001 at once; the other session goes on', async () => {
    const server = await startServer();
    const laptop = await createUser(server);
    const phone = await secondSession(server, laptop);
    const [laptopWs, laptopWs2, phoneWs] = await Promise.all([connect(server, laptop), connect(server, laptop, 'query'), connect(server, phone)]);

    const before = Date.now();
    const res = await request(server, 'POST', '/auth/logout', { token: laptop.token });
    expect(res.status).toBe(204);
    for (const ws of [laptopWs, laptopWs2]) {
      const closed = await closedAfter(ws, before);
      expect(closed).toMatchObject({ code: CLOSE_CODES.TOKEN_EXPIRED, reason: 'Logged out' });
      expect(closed.ms).toBeLessThan(CLOSE_WITHIN_MS);
    }
    expect(await status(server, laptop.token)).toBe(401);
    await expect(connect(server, laptop)).rejects.toThrow('upgrade refused: 401');
    // Logging out twice is refused like any other use of the token.
    expect((await request(server, 'POST', '/auth/logout', { token: laptop.token })).status).toBe(401);

    expect(await status(server, phone.token)).toBe(200);
    expect(phoneWs.socket.readyState).toBe(WebSocket.OPEN);
    // Logging in again starts a new session that works.
    expect(await status(server, (await secondSession(server, laptop)).token)).toBe(200);
  });

  it('is kept in the database: the token stays refused after a restart', async () => {
    const secret = 'restart-secret-'.padEnd(48, 'x');
    const server = await startServer({ JWT_SECRET: secret });
    const user = await createUser(server);
    const other = await secondSession(server, user);
    expect((await request(server, 'POST', '/auth/logout', { token: user.token })).status).toBe(204);
    await server.close({ removeData: false });
    const again = await startServer({ JWT_SECRET: secret }, server.dataDir);
    expect(await status(again, user.token)).toBe(401);
    expect(await status(again, other.token)).toBe(200);
  });
});

describe('POST /auth/password', () => {
  it('ends every other session (tokens refused, sockets closed with 4001); this one goes on with a fresh token and its socket', async () => {
    const server = await startServer();
    const here = await createUser(server);
    const elsewhere = await secondSession(server, here);
    const [hereWs, elsewhereWs] = await Promise.all([connect(server, here), connect(server, elsewhere)]);
    const newPassword = 'a-brand-new-password-123';

    const before = Date.now();
    const res = await request(server, 'POST', '/auth/password', { token: here.token, body: { currentPassword: here.password, newPassword } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), expiresAt: expect.any(String) });
    const closed = await closedAfter(elsewhereWs, before);
    expect(closed).toMatchObject({ code: CLOSE_CODES.TOKEN_EXPIRED, reason: 'Password changed' });
    expect(closed.ms).toBeLessThan(CLOSE_WITHIN_MS);

    expect(await status(server, elsewhere.token)).toBe(401);
    await expect(connect(server, elsewhere)).rejects.toThrow('upgrade refused: 401');
    // The old token of this session is outdated too; the fresh one works, and so does this session's socket.
    expect(await status(server, here.token)).toBe(401);
    const fresh: string = res.body.accessToken;
    expect(await status(server, fresh)).toBe(200);
    await sleep(300);
    expect(hereWs.socket.readyState).toBe(WebSocket.OPEN);
    await connect(server, { token: fresh });

    // The old password is refused, the new one logs in.
    expect((await request(server, 'POST', '/auth/login', { body: { username: here.username, password: here.password } })).status).toBe(401);
    expect((await request(server, 'POST', '/auth/login', { body: { username: here.username, password: newPassword } })).status).toBe(200);
    // Logging the fresh token out ends this session too, socket included.
    expect((await request(server, 'POST', '/auth/logout', { token: fresh })).status).toBe(204);
    expect((await closedAfter(hereWs, Date.now())).code).toBe(CLOSE_CODES.TOKEN_EXPIRED);
  });

  it('a wrong current password is a 401 counted by the login throttle, and changes nothing', async () => {
    const server = await startServer({ LOGIN_FAILURES_PER_USERNAME: '3' });
    const user = await createUser(server);
    const other = await secondSession(server, user);
    const otherWs = await connect(server, other);
    const body = { currentPassword: 'not-the-password-at-all', newPassword: 'a-brand-new-password-123' };
    for (let i = 0; i < 3; i++) {
      const res = await request(server, 'POST', '/auth/password', { token: user.token, body });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: expect.any(String) } });
    }
    // The username's failures are used up: the right password is refused now, here and at the login form.
    const throttled = await request(server, 'POST', '/auth/password', { token: user.token, body: { ...body, currentPassword: user.password } });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await request(server, 'POST', '/auth/login', { body: { username: user.username, password: user.password } })).status).toBe(429);
    // Nothing ended.
    expect(await status(server, user.token)).toBe(200);
    expect(await status(server, other.token)).toBe(200);
    expect(otherWs.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('a new password shorter than the policy allows is a 400, and changes nothing', async () => {
    const server = await startServer();
    const user = await createUser(server);
    const res = await request(server, 'POST', '/auth/password', { token: user.token, body: { currentPassword: user.password, newPassword: 'short-11chr' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(await status(server, user.token)).toBe(200);
    expect((await request(server, 'POST', '/auth/login', { body: { username: user.username, password: user.password } })).status).toBe(200);
  });
});

describe('DELETE /users/me', () => {
  it('with the password: ends the live call, closes every socket with 4001, refuses the token and the login', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const aliceTab = await connect(server, alice, 'header');
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);

    const before = Date.now();
    const res = await request(server, 'DELETE', '/users/me', { token: alice.token, body: { password: alice.password } });
    expect(res.status).toBe(204);
    const ended = await bobWs.next('call:ended', (m) => m.payload.callId === callId);
    expect(ended.payload.reason).toBe('hangup');
    expect(Date.now() - before).toBeLessThan(CLOSE_WITHIN_MS);
    for (const ws of [aliceWs, aliceTab]) {
      const closed = await closedAfter(ws, before);
      expect(closed).toMatchObject({ code: CLOSE_CODES.TOKEN_EXPIRED, reason: 'Account deleted' });
      expect(closed.ms).toBeLessThan(CLOSE_WITHIN_MS);
    }

    expect(await status(server, alice.token)).toBe(401);
    await expect(connect(server, alice)).rejects.toThrow('upgrade refused: 401');
    expect((await request(server, 'POST', '/auth/login', { body: { username: alice.username, password: alice.password } })).status).toBe(401);
    const list = await request(server, 'GET', '/users', { token: bob.token });
    expect(list.body.map((u: { id: string }) => u.id)).not.toContain(alice.id);
    // Bob is free to take another call.
    expect(server.app.parley.calls.liveCallOf(bob.id)).toBeUndefined();
    expect(bobWs.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('a wrong password is a 401 and deletes nothing', async () => {
    const server = await startServer();
    const user = await createUser(server);
    const ws = await connect(server, user);
    const res = await request(server, 'DELETE', '/users/me', { token: user.token, body: { password: 'not-the-password-at-all' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
    expect(await status(server, user.token)).toBe(200);
    expect(ws.socket.readyState).toBe(WebSocket.OPEN);
    // Without a body it is a 400, not a deletion.
    expect((await request(server, 'DELETE', '/users/me', { token: user.token })).status).toBe(400);
  });
});
