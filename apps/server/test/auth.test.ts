import { describe, expect, it } from 'vitest';
import { createUser, request } from './helpers/http.js';
import { rawRequest } from '@parley/testkit';
import { startServer, type TestServer } from './helpers/server.js';

describe('POST /auth/register', () => {
  it('creates a user and answers 201 with id and username', async () => {
    const server = await startServer();
    const res = await request(server, 'POST', '/auth/register', { body: { username: 'alice', password: 'password1234' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'alice' });
  });

  it('accepts a password of exactly 12 characters', async () => {
    const server = await startServer();
    const res = await request(server, 'POST', '/auth/register', { body: { username: 'alice', password: 'p'.repeat(12) } });
    expect(res.status).toBe(201);
  });

  it('refuses a taken username whatever its case with 409', async () => {
    const server = await startServer();
    await request(server, 'POST', '/auth/register', { body: { username: 'alice', password: 'password1234' } });
    const res = await request(server, 'POST', '/auth/register', { body: { username: 'ALICE', password: 'password4567' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('USERNAME_TAKEN');
  });

  it.each([
    ['a short username', { username: 'ab', password: 'password1234' }],
    ['a long username', { username: 'a'.repeat(33), password: 'password1234' }],
    ['a username with spaces', { username: 'al ice', password: 'password1234' }],
    ['a short password', { username: 'alice', password: 'short' }],
    ['a password of 11 characters (12 is the minimum)', { username: 'alice', password: 'p'.repeat(11) }],
    ['a long password', { username: 'alice', password: 'p'.repeat(257) }],
    ['a missing password', { username: 'alice' }],
    ['a number for username', { username: 12345, password: 'password1234' }],
    ['an extra field', { username: 'alice', password: 'password1234', admin: true }],
  ])('answers 400 VALIDATION_FAILED for %s', async (_name, body) => {
    const server = await startServer();
    const res = await request(server, 'POST', '/auth/register', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 400 INVALID_JSON for a broken body and 413 for a huge one', async () => {
    const server = await startServer();
    const broken = await request(server, 'POST', '/auth/register', { rawBody: '{"username":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('INVALID_JSON');
    const huge = await request(server, 'POST', '/auth/register', { body: { username: 'alice', password: 'x'.repeat(100_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('POST /auth/login', () => {
  it('returns a JWT that works on /users/me', async () => {
    const server = await startServer();
    const user = await createUser(server, 'carol');
    const me = await request(server, 'GET', '/users/me', { token: user.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: user.id, username: 'carol' });
  });

  it('gives an expiry that follows JWT_EXPIRES_IN', async () => {
    const server = await startServer({ JWT_EXPIRES_IN: '2h' });
    const user = await createUser(server);
    const login = await request(server, 'POST', '/auth/login', { body: { username: user.username, password: user.password } });
    const expiresIn = Date.parse(login.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(2 * 3600_000);
    const payload = JSON.parse(Buffer.from(login.body.accessToken.split('.')[1], 'base64url').toString());
    expect(payload.exp - payload.iat).toBe(7200);
  });

  it('answers the same 401 for an unknown user and a wrong password', async () => {
    const server = await startServer();
    const user = await createUser(server);
    const wrong = await request(server, 'POST', '/auth/login', { body: { username: user.username, password: 'wrong-password' } });
    const unknown = await request(server, 'POST', '/auth/login', { body: { username: 'nobody_here', password: 'wrong-password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('logs in with the username in another case', async () => {
    const server = await startServer();
    const user = await createUser(server, 'Dave');
    const res = await request(server, 'POST', '/auth/login', { body: { username: 'dave', password: user.password } });
    expect(res.status).toBe(200);
  });

  it('throttles a username after too many failures with 429, even with the right password', async () => {
    const server = await startServer({ LOGIN_FAILURES_PER_USERNAME: '3', LOGIN_FAILURE_WINDOW_MS: '1500' });
    const user = await createUser(server);
    for (let i = 0; i < 3; i += 1) {
      const res = await request(server, 'POST', '/auth/login', { body: { username: user.username, password: 'bad-password' } });
      expect(res.status).toBe(401);
    }
    const blocked = await request(server, 'POST', '/auth/login', { body: { username: user.username, password: user.password } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1600));
    const recovered = await request(server, 'POST', '/auth/login', { body: { username: user.username, password: user.password } });
    expect(recovered.status).toBe(200);
  });

  it('caps auth requests per IP with 429', async () => {
    const server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '5' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const res = await request(server, 'POST', '/auth/login', { body: { username: `nobody${i}`, password: 'whatever-pass' } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });
});

describe('credentials that are not valid UTF-8', () => {
  /** A JSON body written byte by byte: `password` goes on the wire exactly as given. */
  const postRaw = async (server: TestServer, path: string, username: string, password: Buffer) => {
    const body = Buffer.concat([Buffer.from(`{"username":"${username}","password":"`), password, Buffer.from('"}')]);
    const reply = await rawRequest(server.baseUrl, { method: 'POST', path: `/api/v1${path}`, headers: { 'content-type': 'application/json' }, body });
    if (!reply.ok) throw new Error(reply.error);
    return { status: reply.status, body: JSON.parse(reply.body) };
  };
  const invalid = Buffer.concat([Buffer.from('pass'), Buffer.from([0xff, 0xfe]), Buffer.from('word-long')]);
  const replacement = Buffer.from('pass\ufffd\ufffdword-long', 'utf8');

  it('are refused with 400 VALIDATION_FAILED instead of being read as U+FFFD', async () => {
    const server = await startServer();
    expect((await postRaw(server, '/auth/register', 'mallory', replacement)).status).toBe(201);
    // Decoded leniently, these bytes would be the password just registered.
    const login = await postRaw(server, '/auth/login', 'mallory', invalid);
    expect(login).toEqual({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/UTF-8/) } } });
    const register = await postRaw(server, '/auth/register', 'mallory2', invalid);
    expect(register).toEqual({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/UTF-8/) } } });
    expect(await server.app.parley.users.findByUsername('mallory2')).toBeUndefined();
    expect((await postRaw(server, '/auth/login', 'mallory', replacement)).status).toBe(200);
  });

  it('leave the JSON parser as it was otherwise: charset parameter, empty body, prototype poisoning, size limit', async () => {
    const server = await startServer();
    const send = (body: string | Buffer, contentType = 'application/json') =>
      rawRequest(server.baseUrl, { method: 'POST', path: '/api/v1/auth/register', headers: { 'content-type': contentType }, body }).then((r) =>
        r.ok ? [r.status, JSON.parse(r.body).error?.code] : [r.error],
      );
    expect(await send('{"username":"zoë_no","password":"pässword-long"}', 'application/json; charset=utf-8')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await send('{"username":"zoe","password":"pässword-long"}', 'application/json; charset=utf-8')).toEqual([201, undefined]);
    expect(await send('')).toEqual([400, 'INVALID_JSON']);
    expect(await send('{"username":"proto","password":"password-1234","__proto__":{"polluted":true}}')).toEqual([400, 'INVALID_JSON']);
    expect(await send('{"username":"ctor","password":"password-1234","constructor":{"prototype":{"polluted":true}}}')).toEqual([400, 'INVALID_JSON']);
    expect(await send(`{"username":"big","password":"${'x'.repeat(16 * 1024)}"}`)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
