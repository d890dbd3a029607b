import { connect } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import { createUser, request } from './helpers/http.js';
import { startServer } from './helpers/server.js';

describe('GET /users/me', () => {
  it('answers 401 without a token', async () => {
    const server = await startServer();
    const res = await request(server, 'GET', '/users/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('GET /users', () => {
  it('lists everyone but the caller, sorted, with online flags', async () => {
    const server = await startServer();
    const me = await createUser(server, 'mallory');
    const zed = await createUser(server, 'zed');
    await createUser(server, 'Bob');
    await createUser(server, 'alice');
    await connect(server, zed);
    const res = await request(server, 'GET', '/users', { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body.map((u: { username: string }) => u.username)).toEqual(['alice', 'Bob', 'zed']);
    expect(res.body.find((u: { username: string }) => u.username === 'zed').online).toBe(true);
    expect(res.body.find((u: { username: string }) => u.username === 'alice').online).toBe(false);
  });

  it('filters by a case-insensitive prefix, treating _ and % literally', async () => {
    const server = await startServer();
    const me = await createUser(server, 'me_myself');
    await createUser(server, 'anna');
    await createUser(server, 'Annabel');
    await createUser(server, 'bob');
    await createUser(server, 'a_b');
    await createUser(server, 'axb');
    const res = await request(server, 'GET', '/users?q=ANN', { token: me.token });
    expect(res.body.map((u: { username: string }) => u.username)).toEqual(['anna', 'Annabel']);
    const underscore = await request(server, 'GET', '/users?q=a_', { token: me.token });
    expect(underscore.body.map((u: { username: string }) => u.username)).toEqual(['a_b']);
    const percent = await request(server, 'GET', '/users?q=%25', { token: me.token });
    expect(percent.body).toEqual([]);
  });

  it('answers 401 without a token', async () => {
    const server = await startServer();
    expect((await request(server, 'GET', '/users')).status).toBe(401);
  });
});
