import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, authApi, blocksApi, callsApi, configureAuth, rtcApi, usersApi } from '../../src/api/endpoints';
import { request } from '../../src/api/http';

const id = '0192f3a4-1234-7abc-8def-0123456789ab';
const at = '2026-11-26T10:00:00.000Z';

interface Sent {
  url: string;
  init: RequestInit;
}

/** The network, as `fetch` sees it: each request gets `answer(url)`; what was sent is kept. */
function network(answer: (url: string) => Response | Promise<Response>): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return answer(url);
  });
  return sent;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

beforeEach(() => configureAuth({ token: () => 'the.token', onUnauthorized: () => undefined }));
afterEach(() => vi.unstubAllGlobals());

describe('request', () => {
  it('returns an answer that matches its schema, sending the token and the query', async () => {
    const sent = network(() => json(200, [{ id, username: 'bob', online: true }]));
    await expect(usersApi.list({ q: 'bo' })).resolves.toEqual([{ id, username: 'bob', online: true }]);
    expect(sent[0]!.url).toBe('/api/v1/users?q=bo');
    expect((sent[0]!.init.headers as Record<string, string>)['authorization']).toBe('Bearer the.token');
  });

  it('turns a success body its schema refuses into INVALID_RESPONSE, saying which request and where', async () => {
    network(() => json(200, { accessToken: 'a.b.c', expiresAt: 'tomorrow' }));
    const error = await failure(authApi.login({ username: 'alice', password: 'pw' }));
    expect(error).toMatchObject({ status: 200, code: 'INVALID_RESPONSE' });
    expect(error.message).toBe('POST /auth/login answered 200 with not a LoginResponse: /expiresAt must match format "date-time"');
  });

  it('turns a success body that is not JSON (a proxy page) into INVALID_RESPONSE', async () => {
    network(() => new Response('<html>Welcome to nginx</html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    expect(await failure(usersApi.me())).toMatchObject({ status: 200, code: 'INVALID_RESPONSE' });
  });

  it('reads the error body of a failed request, with the blocking call of a 409', async () => {
    network(() => json(409, { error: { code: 'CALLER_BUSY', message: 'You are in a call', callId: id } }));
    expect(await failure(callsApi.create({ calleeId: id }))).toMatchObject({ status: 409, code: 'CALLER_BUSY', message: 'You are in a call', callId: id });
  });

  it('does not trust an error body outside the contract: INVALID_RESPONSE for a 4xx, INTERNAL_ERROR for a 5xx', async () => {
    network(() => json(400, { error: 'Bad Request', message: 'Client Error', statusCode: 400 }));
    expect(await failure(usersApi.me())).toMatchObject({ status: 400, code: 'INVALID_RESPONSE' });
    network(() => json(404, { error: { code: 'NO_SUCH_CODE', message: 'x' } }));
    expect(await failure(usersApi.me())).toMatchObject({ status: 404, code: 'INVALID_RESPONSE' });
    network(() => new Response('<html>502 Bad Gateway</html>', { status: 502 }));
    expect(await failure(usersApi.me())).toMatchObject({ status: 502, code: 'INTERNAL_ERROR' });
  });

  it('reports no answer at all as NETWORK, and lets an abort through as an abort', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await failure(usersApi.me())).toMatchObject({ status: 0, code: 'NETWORK', message: 'Failed to fetch' });
    vi.stubGlobal('fetch', async () => {
      throw new DOMException('The operation was aborted.', 'AbortError');
    });
    await expect(usersApi.me()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('tells the session when a token stopped working, and not for a request sent without one', async () => {
    const unauthorized = vi.fn();
    configureAuth({ token: () => 'old.token', onUnauthorized: unauthorized });
    network(() => json(401, { error: { code: 'UNAUTHORIZED', message: 'Token expired' } }));
    expect(await failure(usersApi.me())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(unauthorized).toHaveBeenCalledTimes(1);
    network(() => json(401, { error: { code: 'INVALID_CREDENTIALS', message: 'Wrong username or password' } }));
    expect(await failure(authApi.login({ username: 'alice', password: 'nope' }))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(unauthorized).toHaveBeenCalledTimes(1);
  });

  it('does not end the session when a re-entered password is wrong (401 INVALID_CREDENTIALS), only when the token is refused', async () => {
    const unauthorized = vi.fn();
    configureAuth({ token: () => 'the.token', onUnauthorized: unauthorized });
    network(() => json(401, { error: { code: 'INVALID_CREDENTIALS', message: 'The password is wrong' } }));
    expect(await failure(authApi.changePassword({ currentPassword: 'wrong-password', newPassword: 'a-new-password-123' }))).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    expect(await failure(usersApi.deleteMe({ password: 'wrong-password' }))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(unauthorized).not.toHaveBeenCalled();
    network(() => json(401, { error: { code: 'UNAUTHORIZED', message: 'A valid access token is required' } }));
    await failure(authApi.logout());
    expect(unauthorized).toHaveBeenCalledTimes(1);
  });

  it('reads a 204 as the NoContent answer: logout and account deletion', async () => {
    const sent = network(() => new Response(null, { status: 204 }));
    await expect(authApi.logout()).resolves.toBeNull();
    await expect(usersApi.deleteMe({ password: 'my-long-password' })).resolves.toBeNull();
    expect(sent.map((s) => `${s.init.method} ${s.url}`)).toEqual(['POST /api/v1/auth/logout', 'DELETE /api/v1/users/me']);
    expect((sent[0]!.init.headers as Record<string, string>)['authorization']).toBe('Bearer the.token');
    expect(sent[1]!.init.body).toBe(JSON.stringify({ password: 'my-long-password' }));
  });
});

describe('the endpoints', () => {
  // What each endpoint's route really answers; each must pass, and `{}` must fail, its endpoint's check.
  const answers: [name: string, call: () => Promise<unknown>, path: string, body: unknown][] = [
    ['register', () => authApi.register({ username: 'alice', password: 'password1' }), '/api/v1/auth/register', { id, username: 'alice' }],
    ['login', () => authApi.login({ username: 'alice', password: 'password1' }), '/api/v1/auth/login', { accessToken: 'a.b.c', expiresAt: at }],
    ['me', () => usersApi.me(), '/api/v1/users/me', { id, username: 'alice' }],
    ['list', () => usersApi.list(), '/api/v1/users', []],
    ['list page', () => usersApi.list({ limit: 10, after: 'bob' }), '/api/v1/users?limit=10&after=bob', []],
    ['blocks', () => blocksApi.list(), '/api/v1/blocks', [{ id, username: 'mallory', blockedAt: at }]],
    ['create', () => callsApi.create({ calleeId: id }), '/api/v1/calls', { callId: id, status: 'created', callee: { id, username: 'bob' }, ringExpiresAt: at, ringing: true }],
    ['get', () => callsApi.get(id), `/api/v1/calls/${id}`, { callId: id, status: 'active', callerId: id, calleeId: id, createdAt: at, answeredAt: at }],
    ['end', () => callsApi.end(id), `/api/v1/calls/${id}/end`, { status: 'ended', endReason: 'hangup' }],
    ['history', () => callsApi.history({ limit: 5 }), '/api/v1/calls?limit=5', []],
    ['rtc config', () => rtcApi.config(), '/api/v1/rtc/config', { iceServers: [], iceTransportPolicy: 'all', expiresAt: at }],
  ];

  it.each(answers)('%s accepts its route’s answer and refuses another shape', async (_name, call, path, body) => {
    const sent = network(() => json(200, body));
    await expect(call()).resolves.toEqual(body);
    expect(sent[0]!.url).toBe(path);
    network(() => json(200, { unexpected: true }));
    expect(await failure(call())).toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('checks against the answer it names, whatever the path', async () => {
    network(() => json(200, { id, username: 'alice' }));
    await expect(request('GET', '/users/me', 'UserDto')).resolves.toEqual({ id, username: 'alice' });
    expect(await failure(request('GET', '/users/me', 'UserList'))).toMatchObject({ code: 'INVALID_RESPONSE' });
  });
});

describe('requests answered 204', () => {
  it('block and unblock send PUT and DELETE and take an empty 204', async () => {
    const sent = network(() => new Response(null, { status: 204 }));
    await blocksApi.block(id);
    await blocksApi.unblock(id);
    expect(sent.map((s) => [s.init.method, s.url])).toEqual([
      ['PUT', `/api/v1/users/${id}/block`],
      ['DELETE', `/api/v1/users/${id}/block`],
    ]);
  });

  it('turn an error body into its ApiError, and any other success into INVALID_RESPONSE', async () => {
    network(() => json(404, { error: { code: 'USER_NOT_FOUND', message: 'No such user' } }));
    expect(await failure(blocksApi.block(id))).toMatchObject({ status: 404, code: 'USER_NOT_FOUND' });
    network(() => json(200, {}));
    expect(await failure(blocksApi.block(id))).toMatchObject({ code: 'INVALID_RESPONSE' });
  });
});
