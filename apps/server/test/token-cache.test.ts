import { forgeToken } from '@parley/testkit';
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
    const token = forgeToken({ payload: { sub: user.id, iat: exp - 60, exp }, secret: server.config.jwtSecret });
    for (let i = 0; i < 3; i++) expect((await request(server, 'GET', '/users/me', { token })).status).toBe(200);
    expect(await server.app.userFromToken(token)).toEqual({ user: { id: user.id, username: user.username }, expiresAt: exp * 1000 });
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
    expect(cache.remember('a', { sub: 'u1', exp })).toEqual({ sub: 'u1', expiresAt: exp * 1000 });
    expect(cache.get('a', exp * 1000)).toEqual({ sub: 'u1', expiresAt: exp * 1000 });
    expect(cache.get('a', exp * 1000 + 1)).toBeUndefined();
    expect(cache.size).toBe(0);

    expect(cache.remember('no-exp', { sub: 'u1' })).toBeUndefined();
    expect(cache.remember('infinite-exp', { sub: 'u1', exp: Number.POSITIVE_INFINITY })).toBeUndefined();
    expect(cache.remember('nbf', { sub: 'u1', exp, nbf: exp - 10 })).toEqual({ sub: 'u1', expiresAt: exp * 1000 });
    expect(cache.remember('no-sub', { exp })).toBeUndefined();
    expect(cache.size).toBe(0);

    cache.remember('t1', { sub: 'u1', exp });
    cache.remember('t2', { sub: 'u2', exp });
    cache.remember('t3', { sub: 'u3', exp });
    expect(cache.size).toBe(2);
    expect(cache.get('t1', 0)).toBeUndefined();
    expect(cache.get('t3', 0)?.sub).toBe('u3');
  });
});
