import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FOREIGN_WRITE_CHECK_MS } from '../src/app.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { UserCache } from '../src/users/cache.js';
import { createUser, request } from './helpers/http.js';
import { startServer } from './helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `GET /users/me` until it answers `status`: how long that took (ms), or -1 after `withinMs`. */
async function untilStatus(server: Awaited<ReturnType<typeof startServer>>, token: string, status: number, withinMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < withinMs) {
    if ((await request(server, 'GET', '/users/me', { token })).status === status) return Date.now() - start;
    await sleep(10);
  }
  return -1;
}

describe('user cache', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a deleted user is refused at once after a delete in this process, though their token was just used', async () => {
    const server = await startServer();
    const ghost = await createUser(server);
    expect((await request(server, 'GET', '/users/me', { token: ghost.token })).status).toBe(200);
    expect((await server.app.userFromToken(ghost.token))?.user.id).toBe(ghost.id);
    expect(await server.app.parley.userCache.delete(ghost.id)).toBe(true);
    expect((await request(server, 'GET', '/users/me', { token: ghost.token })).status).toBe(401);
    expect(await server.app.userFromToken(ghost.token)).toBeUndefined();
  });

  it(`a user deleted through another connection is refused within ${FOREIGN_WRITE_CHECK_MS} ms`, async () => {
    const server = await startServer();
    const [ghost, other] = await Promise.all([createUser(server), createUser(server)]);
    expect((await request(server, 'GET', '/users/me', { token: ghost.token })).status).toBe(200);
    const elsewhere = SqliteStore.open(server.config.databasePath);
    try {
      expect(await elsewhere.users.delete(ghost.id)).toBe(true);
    } finally {
      await elsewhere.close();
    }
    const deletedAt = Date.now();
    expect(await untilStatus(server, ghost.token, 401, 5_000)).toBeGreaterThanOrEqual(0);
    // The bound plus slack for a busy test machine.
    expect(Date.now() - deletedAt).toBeLessThanOrEqual(FOREIGN_WRITE_CHECK_MS + 400);
    expect((await request(server, 'GET', '/users/me', { token: ghost.token })).status).toBe(401);
    expect(await server.app.userFromToken(ghost.token)).toBeUndefined();
    // Everyone else is unaffected (found again in the database).
    expect((await request(server, 'GET', '/users/me', { token: other.token })).body).toEqual({ id: other.id, username: other.username });
  });

  it('a user deleted by the operator CLI (another process) is refused while the server runs', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cache-'));
    dirs.push(dir);
    const server = await startServer({ JWT_SECRET: 'x'.repeat(40) }, dir);
    const ghost = await createUser(server);
    expect((await request(server, 'GET', '/users/me', { token: ghost.token })).status).toBe(200);
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'delete-user', ghost.username], {
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'test', DATABASE_PATH: server.config.databasePath, JWT_SECRET: 'x'.repeat(40) },
    });
    expect(cli.status, cli.stderr).toBe(0);
    const deletedAt = Date.now();
    expect(await untilStatus(server, ghost.token, 401, 5_000)).toBeGreaterThanOrEqual(0);
    // The bound plus slack for a busy test machine.
    expect(Date.now() - deletedAt).toBeLessThanOrEqual(FOREIGN_WRITE_CHECK_MS + 400);
  });

  it('notices foreign commits whichever asks first, a lookup or the account watch, and not its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cache-'));
    dirs.push(dir);
    const mine = SqliteStore.open(join(dir, 'parley.db'));
    const theirs = SqliteStore.open(join(dir, 'parley.db'));
    try {
      const cache = new UserCache(mine.users, { kind: 'foreign-commits', count: () => mine.foreignCommitCount(), checkEveryMs: FOREIGN_WRITE_CHECK_MS });
      const created = await theirs.users.create('ann', 'hash', 1);
      if (!created.ok) throw new Error('not created');
      expect(await cache.findById(created.user.id)).toEqual(created.user);
      expect(cache.mayHaveChangedElsewhere()).toBe(true); // the create above
      expect(cache.mayHaveChangedElsewhere()).toBe(false);
      await theirs.users.delete(created.user.id);
      // A lookup (past its 100 ms bound) notices the foreign commit first; the watch still hears of it.
      expect(await cache.findById(created.user.id, Date.now() + 1000)).toBeUndefined();
      expect(cache.mayHaveChangedElsewhere()).toBe(true);
      expect(cache.mayHaveChangedElsewhere()).toBe(false);
      // Its own commits are not foreign.
      await mine.users.create('ben', 'hash', 1);
      expect(cache.mayHaveChangedElsewhere()).toBe(false);
    } finally {
      await theirs.close();
      await mine.close();
    }
  });

  it('shares one frozen object per user, and forgets a user deleted through it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cache-'));
    dirs.push(dir);
    const store = SqliteStore.open(join(dir, 'parley.db'));
    try {
      const cache = new UserCache(store.users, { kind: 'foreign-commits', count: () => store.foreignCommitCount(), checkEveryMs: FOREIGN_WRITE_CHECK_MS }, 2);
      const created = [];
      for (const name of ['ann', 'ben', 'cat']) {
        const result = await store.users.create(name, 'hash', 1);
        if (!result.ok) throw new Error('not created');
        created.push(result.user);
      }
      const first = await cache.findById(created[0]!.id);
      expect(first).toEqual(created[0]);
      expect(await cache.findById(created[0]!.id)).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      for (const user of created) expect(await cache.findById(user.id)).toEqual(user);
      expect(await cache.findById('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect(await cache.delete(created[1]!.id)).toBe(true);
      expect(await cache.findById(created[1]!.id)).toBeUndefined();
      expect(await cache.findById(created[2]!.id)).toEqual(created[2]);
    } finally {
      await store.close();
    }
  });

  it('trusts an entry for its maximum age only, when nothing tells of foreign commits (PostgreSQL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cache-'));
    dirs.push(dir);
    const store = SqliteStore.open(join(dir, 'parley.db'));
    try {
      const cache = new UserCache(store.users, { kind: 'max-age', maxAgeMs: 1000 });
      const created = await store.users.create('ann', 'hash', 1);
      if (!created.ok) throw new Error('not created');
      const now = Date.now();
      expect(await cache.findById(created.user.id, now)).toEqual(created.user);
      await store.users.delete(created.user.id);
      expect(cache.peek(created.user.id, now + 999)).toEqual(created.user);
      expect(cache.peek(created.user.id, now + 1001)).toBeUndefined();
      expect(await cache.findById(created.user.id, now + 1001)).toBeUndefined();
      expect(cache.mayHaveChangedElsewhere()).toBe(true);
    } finally {
      await store.close();
    }
  });
});
