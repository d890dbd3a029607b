import { forgeToken, sessionClaims } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import { bearerToken } from '../src/auth/plugin.js';
import { VerifiedTokenCache } from '../src/auth/token-cache.js';
import { createUser, request } from './helpers/http.js';
import { startServer } from './helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('verified-token cache', () => {
  it('refuses a token that worked (and was cached) once its exp has passed, on REST and for the WebSocket', async () => {
    const server = await startServer();
    const user = await createUser(server);
    // Expires at the start of a second ≥ 1 s away: used (and cached) well before, refused right after.
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = forgeToken({ payload: { sub: user.id, iat: exp - 60, exp, ...sessionClaims() }, secret: server.config.jwtSecret });
    for (let i = 0; i < 3; i++) expect((await request(server, 'GET', '/users/me', { token })).status).toBe(200);
    expect(await server.app.userFromToken(token)).toEqual({ user: { id: user.id, username: user.username }, expiresAt: exp * 1000, sessionId: expect.any(String), generation: 0 });
    await sleep(exp * 1000 + 5 - Date.now());
    const res = await request(server, 'GET', '/users/me', { token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    expect(await server.app.userFromToken(token)).toBeUndefined();
    // The user's normal token still works.
    expect((await request(server, 'GET', '/users/me', { token: user.token })).status).toBe(200);
  });

  it('a cached token does not make a tampered copy of it valid', async () => {
    const server = await startServer();
    const user = await createUser(server);
    expect((await request(server, 'GET', '/users/me', { token: user.token })).status).toBe(200);
    const [head, payload, signature] = user.token.split('.') as [string, string, string];
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    for (const bad of [`${head}.${payload}.${flipped}`, `${head}.${payload}.`, `${head}.${payload}`, `${user.token}x`]) {
      expect((await request(server, 'GET', '/users/me', { token: bad })).status, bad).toBe(401);
    }
  });

  it('reads the Authorization header exactly as @fastify/jwt did', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('BEARER abc')).toBe('abc');
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
    expect(bearerToken('Bearer  abc')).toBeUndefined();
    expect(bearerToken('Bearer abc def')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearerabc')).toBeUndefined();
    expect(bearerToken('abc')).toBeUndefined();
    // Odd forms @fastify/jwt accepted (any whitespace after the scheme, then one space) or refused.
    expect(bearerToken('Bearer\tx abc')).toBe('abc');
    expect(bearerToken('bearer\tabc')).toBeUndefined();
    expect(bearerToken('Bearer abc ')).toBeUndefined();
  });

  it('keeps entries only until exp, refuses tokens without exp, never caches ones with nbf, and stays bounded', () => {
    const cache = new VerifiedTokenCache(2);
    const exp = 1_700_000_000;
    const session = { jti: 's1', gen: 0 };
    const entry = { sub: 'u1', expiresAt: exp * 1000, sessionId: 's1', generation: 0 };
    expect(cache.remember('a', { sub: 'u1', exp, ...session })).toEqual(entry);
    expect(cache.get('a', exp * 1000)).toEqual(entry);
    expect(cache.get('a', exp * 1000 + 1)).toBeUndefined();
    expect(cache.size).toBe(0);

    expect(cache.remember('no-exp', { sub: 'u1', ...session })).toBeUndefined();
    expect(cache.remember('infinite-exp', { sub: 'u1', exp: Number.POSITIVE_INFINITY, ...session })).toBeUndefined();
    expect(cache.remember('nbf', { sub: 'u1', exp, nbf: exp - 10, ...session })).toEqual(entry);
    expect(cache.remember('no-sub', { exp, ...session })).toBeUndefined();
    // Without a session id and generation a token could not be ended: refused.
    expect(cache.remember('no-jti', { sub: 'u1', exp, gen: 0 })).toBeUndefined();
    expect(cache.remember('no-gen', { sub: 'u1', exp, jti: 's1' })).toBeUndefined();
    expect(cache.remember('bad-gen', { sub: 'u1', exp, jti: 's1', gen: 1.5 })).toBeUndefined();
    expect(cache.remember('long-jti', { sub: 'u1', exp, jti: 'x'.repeat(65), gen: 0 })).toBeUndefined();
    expect(cache.size).toBe(0);

    cache.remember('t1', { sub: 'u1', exp, ...session });
    cache.remember('t2', { sub: 'u2', exp, ...session });
    cache.remember('t3', { sub: 'u3', exp, ...session });
    expect(cache.size).toBe(2);
    expect(cache.get('t1', 0)).toBeUndefined();
    expect(cache.get('t3', 0)?.sub).toBe('u3');
  });
});
