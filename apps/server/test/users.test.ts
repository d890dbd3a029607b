import { connect } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '@parley/protocol';
import { createUser, request, type Reply } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

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

describe('GET /users in pages', () => {
  /** `n` users straight into the store (registering through the API would hash n passwords). */
  async function manyUsers(server: TestServer, n: number): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const name = `member${String(i).padStart(4, '0')}`;
      const created = await server.app.parley.store.users.create(name, 'not-a-hash', Date.now());
      if (!created.ok) throw new Error(`${name} taken`);
      names.push(name);
    }
    return names;
  }

  /** The `after` of the `Link: <…>; rel="next"` header, or null on the last page. */
  function nextPage(link: string | null): string | null {
    if (link === null) return null;
    const match = /^<([^>]+)>; rel="next"$/.exec(link);
    if (match?.[1] === undefined) throw new Error(`unexpected Link: ${link}`);
    return match[1].replace(/^\/api\/v1/, '');
  }

  it('bounds every page and walks everyone exactly once by the Link header', async () => {
    const server = await startServer();
    const me = await createUser(server, 'viewer');
    const names = await manyUsers(server, 260);
    const first = await request(server, 'GET', '/users', { token: me.token });
    expect(first.body).toHaveLength(LIMITS.userListDefaultLimit);
    const seen: string[] = [];
    let path: string | null = '/users?limit=100';
    let pages = 0;
    while (path !== null) {
      const page: Reply<{ username: string }[]> = await request(server, 'GET', path, { token: me.token });
      expect(page.status).toBe(200);
      expect(page.body.length).toBeLessThanOrEqual(LIMITS.userListMaxLimit);
      seen.push(...page.body.map((u) => u.username));
      path = nextPage(page.headers.get('link'));
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
    expect((await request(server, 'GET', '/users?limit=101', { token: me.token })).status).toBe(400);
    expect((await request(server, 'GET', '/users?limit=0', { token: me.token })).status).toBe(400);
  });

  it('pages a search too, and a page that ends the list names no next one', async () => {
    const server = await startServer();
    const me = await createUser(server, 'viewer');
    await manyUsers(server, 30);
    const first = await request(server, 'GET', '/users?q=MEMBER001&limit=6', { token: me.token });
    expect(first.body.map((u: { username: string }) => u.username)).toEqual(['member0010', 'member0011', 'member0012', 'member0013', 'member0014', 'member0015']);
    const next = nextPage(first.headers.get('link'));
    expect(next).toBe('/users?q=MEMBER001&limit=6&after=member0015');
    const second = await request(server, 'GET', next ?? '', { token: me.token });
    expect(second.body.map((u: { username: string }) => u.username)).toEqual(['member0016', 'member0017', 'member0018', 'member0019']);
    expect(second.headers.get('link')).toBeNull();
  });

  it('answers 429 past the per-user rate limit, and only to that user', async () => {
    const server = await startServer({ USERS_RATE_LIMIT_PER_MINUTE: '5' });
    const [me, other] = await Promise.all([createUser(server, 'viewer'), createUser(server, 'other')]);
    for (let i = 0; i < 5; i += 1) expect((await request(server, 'GET', '/users', { token: me.token })).status).toBe(200);
    const limited = await request(server, 'GET', '/users', { token: me.token });
    expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect((await request(server, 'GET', '/users', { token: other.token })).status).toBe(200);
  });
});
