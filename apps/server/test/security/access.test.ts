import { CLIENT_MESSAGE_TYPES, type ClientMessageType } from '@parley/protocol';
import { badTokens, connect, forgeToken, sessionClaims, type BadTokenKind } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectCall, ring } from '../helpers/calls.js';
import { createUser, request, type TestUser } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';

const METRICS_TOKEN = 'metrics-token-for-access-tests-0123456789';

/** Every route that needs a logged-in user, with a request that would succeed for the right user. */
function protectedRoutes(callId: string, calleeId: string): { method: string; path: string; body?: unknown }[] {
  return [
    { method: 'GET', path: '/users/me' },
    { method: 'GET', path: '/users' },
    { method: 'GET', path: '/users?q=a' },
    { method: 'GET', path: '/users?limit=5&after=a' },
    { method: 'PUT', path: `/users/${callId}/block` },
    { method: 'DELETE', path: `/users/${callId}/block` },
    { method: 'GET', path: '/blocks' },
    { method: 'POST', path: '/calls', body: { calleeId } },
    { method: 'GET', path: '/calls' },
    { method: 'GET', path: `/calls/${callId}` },
    { method: 'POST', path: `/calls/${callId}/end` },
    { method: 'GET', path: '/rtc/config' },
    { method: 'POST', path: '/auth/logout' },
    { method: 'POST', path: '/auth/password', body: { currentPassword: 'whatever-it-was', newPassword: 'a-new-password-long-enough' } },
    { method: 'DELETE', path: '/users/me', body: { password: 'whatever-it-was' } },
  ];
}

/**
 * A server with a live call between alice and bob, a deleted user, and the secrets needed to forge tokens. Every
 * answer is checked for what it must not reveal.
 */
async function scene() {
  const server = await startServer({ METRICS_TOKEN, TURN_URLS: 'turn:127.0.0.1:3478', TURN_SECRET: 'turn-secret-for-access-tests-0123456789' });
  const [alice, bob, eve, ghost] = await Promise.all([createUser(server), createUser(server), createUser(server), createUser(server)]);
  const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
  const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
  // A valid token of a user who no longer exists.
  expect(await server.app.parley.userCache.delete(ghost.id)).toBe(true);
  const tokens = badTokens(server.config.jwtSecret, alice.id, ghost.id);
  tokens['deleted-user'] = ghost.token;
  return { server, alice, bob, eve, ghost, aliceWs, bobWs, callId, tokens };
}

/** What an unauthorised answer may never contain: other users' names and ids, the live call's id, secrets. */
function secretsOf(s: Awaited<ReturnType<typeof scene>>): string[] {
  return [s.alice.username, s.bob.username, s.ghost.username, s.alice.id, s.bob.id, s.callId, s.server.config.jwtSecret, 'turn-secret-for-access-tests-0123456789'];
}

function expectNoLeak(text: string, secrets: string[]): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\bat [^\s]+ \(?[^\s]*:\d+:\d+\)?/); // no stack frames
}

const BAD_KINDS: BadTokenKind[] = ['none', 'garbage', 'expired', 'other-secret', 'alg-none', 'alg-hs512', 'no-subject', 'no-expiry', 'no-session', 'deleted-user'];

describe('REST routes with a bad token', () => {
  it('every protected route answers 401 UNAUTHORIZED to every kind of bad token, revealing nothing', async () => {
    const s = await scene();
    const routes = protectedRoutes(s.callId, s.bob.id);
    let checked = 0;
    for (const kind of BAD_KINDS) {
      for (const route of routes) {
        const token = s.tokens[kind];
        const res = await request(s.server, route.method, route.path, { ...(token === undefined ? {} : { token }), ...(route.body ? { body: route.body } : {}) });
        expect.soft(res.status, `${kind} ${route.method} ${route.path}`).toBe(401);
        expect.soft(res.body, `${kind} ${route.method} ${route.path}`).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
        expectNoLeak(JSON.stringify(res.body), secretsOf(s));
        checked += 1;
      }
    }
    expect(checked).toBe(BAD_KINDS.length * routes.length);
    // Nothing above changed the call.
    const call = await request(s.server, 'GET', `/calls/${s.callId}`, { token: s.alice.token });
    expect(call.body.status).toBe('active');
  });

  it('a token forged exactly like the server signs them works, so the refusals above are about the token', async () => {
    const s = await scene();
    const now = Math.floor(Date.now() / 1000);
    const good = forgeToken({ payload: { sub: s.eve.id, iat: now, exp: now + 60, ...sessionClaims() }, secret: s.server.config.jwtSecret });
    expect((await request(s.server, 'GET', '/users/me', { token: good })).status).toBe(200);
  });

  it('the token the server issues is HS256, and the metrics endpoint does not take user tokens', async () => {
    const s = await scene();
    const [header] = s.alice.token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const res = await fetch(`${s.server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${s.alice.token}` } });
    expect(res.status).toBe(401);
    const ok = await fetch(`${s.server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it('covers every route the API documents as needing a token', async () => {
    const s = await scene();
    const spec = (s.server.app as unknown as { swagger(): { paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> } }).swagger();
    // Routes behind a user's access token (the metrics token guards /metrics, tested in limits.test.ts).
    const secured = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => (op.security ?? []).some((scheme) => 'bearerAuth' in scheme))
        .map(([method]) => `${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '').replace('{id}', ':id')}`),
    );
    const tested = new Set(protectedRoutes(':id', '').map((r) => `${r.method} ${r.path.split('?')[0]}`));
    expect(secured.length).toBeGreaterThan(0);
    for (const route of secured) expect(tested, route).toContain(route);
  });
});

describe('REST routes as a logged-in non-participant', () => {
  it('GET and end of another pair’s call answer 403 NOT_A_PARTICIPANT and leave the call alone', async () => {
    const s = await scene();
    for (const [method, path] of [['GET', `/calls/${s.callId}`], ['POST', `/calls/${s.callId}/end`]] as const) {
      const res = await request(s.server, method, path, { token: s.eve.token });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('NOT_A_PARTICIPANT');
      // The call id is Eve's own input; names and user ids of the participants must not come back.
      expectNoLeak(JSON.stringify(res.body), secretsOf(s).filter((x) => x !== s.callId));
    }
    const history = await request(s.server, 'GET', '/calls', { token: s.eve.token });
    expect(history.body).toEqual([]);
    expect((await request(s.server, 'GET', `/calls/${s.callId}`, { token: s.bob.token })).body.status).toBe('active');
  });

  it('gives nobody else the TURN credentials minted for a user', async () => {
    const s = await scene();
    const mine = await request(s.server, 'GET', '/rtc/config', { token: s.eve.token });
    expect(mine.status).toBe(200);
    const turn = mine.body.iceServers.find((x: { username?: string }) => x.username);
    expect(turn.username).toMatch(new RegExp(`:${s.eve.id}$`));
  });
});

/** Status of a WebSocket upgrade (101 when it opened). */
function upgradeStatus(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.terminate();
    });
    socket.on('error', () => resolve(0));
  });
}

describe('WebSocket upgrade with a bad token', () => {
  it('is refused with 401 for every kind of bad token, on both paths and all three ways of sending it', async () => {
    const s = await scene();
    const paths = [s.server.wsUrl, s.server.wsUrl.replace('/api/v1/ws', '/ws')];
    let checked = 0;
    for (const kind of BAD_KINDS) {
      const token = s.tokens[kind];
      for (const url of paths) {
        const attempts =
          token === undefined
            ? [upgradeStatus(url), upgradeStatus(url, { protocols: ['bearer'] })]
            : [
                upgradeStatus(url, { protocols: ['bearer', token] }),
                upgradeStatus(url, { headers: { authorization: `Bearer ${token}` } }),
                upgradeStatus(`${url}?token=${encodeURIComponent(token)}`),
              ];
        for (const status of await Promise.all(attempts)) {
          expect.soft(status, `${kind} ${url}`).toBe(401);
          checked += 1;
        }
      }
    }
    expect(checked).toBe(2 * 2 + (BAD_KINDS.length - 1) * 2 * 3);
    expect(await upgradeStatus(s.server.wsUrl, { protocols: ['bearer', s.eve.token] })).toBe(101);
  });
});

describe('WebSocket events from a non-participant', () => {
  const frames = (callId: string): Record<ClientMessageType, unknown> => ({
    'call:accept': { type: 'call:accept', payload: { callId } },
    'call:reject': { type: 'call:reject', payload: { callId } },
    'call:rejoin': { type: 'call:rejoin', payload: { callId } },
    'webrtc:offer': { type: 'webrtc:offer', payload: { callId, sdp: 'v=0 evil' } },
    'webrtc:answer': { type: 'webrtc:answer', payload: { callId, sdp: 'v=0 evil' } },
    'webrtc:ice-candidate': { type: 'webrtc:ice-candidate', payload: { callId, candidate: 'candidate:evil' } },
  });

  it.each(['active', 'ringing', 'ended'] as const)('every event on an %s call of others gets NOT_A_PARTICIPANT; the participants hear nothing', async (state) => {
    const server = await startServer();
    const [alice, bob, eve] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const [aliceWs, bobWs, eveWs] = await Promise.all([connect(server, alice), connect(server, bob), connect(server, eve)]);
    const callId = state === 'active' ? await connectCall(server, alice, aliceWs, bob, bobWs) : await ring(server, alice, aliceWs, bob, bobWs);
    if (state === 'ended') {
      await request(server, 'POST', `/calls/${callId}/end`, { token: alice.token });
      await Promise.all([aliceWs.next('call:ended'), bobWs.next('call:ended')]);
    }
    aliceWs.drain();
    bobWs.drain();
    const all = frames(callId);
    expect(Object.keys(all).sort()).toEqual([...CLIENT_MESSAGE_TYPES].sort());
    for (const type of CLIENT_MESSAGE_TYPES) {
      eveWs.send(all[type] as Record<string, unknown>);
      const error = await eveWs.next('error');
      expect.soft(error.payload, type).toEqual({ code: 'NOT_A_PARTICIPANT', message: expect.any(String), callId });
      expectNoLeak(JSON.stringify(error), [alice.username, bob.username, alice.id, bob.id]);
    }
    for (const ws of [aliceWs, bobWs]) {
      await ws.expectNone('webrtc:offer', 0);
      await ws.expectNone('webrtc:answer', 0);
      await ws.expectNone('webrtc:ice-candidate', 0);
      await ws.expectNone('call:peer-connection', 0);
      await ws.expectNone('call:ended', 0);
    }
    const stored = await request(server, 'GET', `/calls/${callId}`, { token: alice.token });
    expect(stored.body.status).toBe({ active: 'active', ringing: 'created', ended: 'ended' }[state]);
  });

  it('a socket stays bound to its own user: a frame cannot name someone else', async () => {
    const server = await startServer();
    const [alice, bob, eve] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const [aliceWs, bobWs, eveWs] = await Promise.all([connect(server, alice), connect(server, bob), connect(server, eve)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    for (const extra of [{ userId: alice.id }, { from: bob.id }, { connectionId: aliceWs.connectionId }]) {
      eveWs.send({ type: 'webrtc:offer', payload: { callId, sdp: 'v=0', ...extra } });
      expect((await eveWs.next('error')).payload.code).toBe('VALIDATION_FAILED');
    }
    eveWs.send({ type: 'webrtc:offer', payload: { callId, sdp: 'v=0' }, userId: alice.id });
    expect((await eveWs.next('error')).payload.code).toBe('VALIDATION_FAILED');
    await bobWs.expectNone('webrtc:offer', 100);
  });
});

describe('a user deleted while logged in', () => {
  it('loses REST and WebSocket access at once', async () => {
    const server = await startServer();
    const user: TestUser = await createUser(server);
    await server.app.parley.userCache.delete(user.id);
    expect((await request(server, 'GET', '/users/me', { token: user.token })).status).toBe(401);
    expect(await upgradeStatus(server.wsUrl, { protocols: ['bearer', user.token] })).toBe(401);
  });
});
