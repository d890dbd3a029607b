import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { FOREIGN_WRITE_CHECK_MS, UserRepository } from '../src/users/repository.js';
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
    expect(server.app.userFromToken(ghost.token)?.user.id).toBe(ghost.id);
    expect(server.app.parley.users.delete(ghost.id)).toBe(true);
    expect((await request(server, 'GET', '/users/me', { token: ghost.token })).status).toBe(401);
    expect(server.app.userFromToken(ghost.token)).toBeUndefined();
  });

  it(`a user deleted through another connection is refused within ${FOREIGN_WRITE_CHECK_MS} ms`, async () => {
    const server = await startServer();
    const [ghost, other] = await Promise.all([createUser(server), createUser(server)]);
    expect((await request(server, 'GET', '/users/me', { token: ghost.token })).status).toBe(200);
    const elsewhere = openDatabase(server.config.databasePath);
    try {
      expect(new UserRepository(elsewhere.db).delete(ghost.id)).toBe(true);
    } finally {
      elsewhere.close();
    }
    const deletedAt = Date.now();
    expect(await untilStatus(server, ghost.token, 401, 5_000)).toBeGreaterThanOrEqual(0);
    // The bound plus slack for a busy test machine.
    expect(Date.now() - deletedAt).toBeLessThanOrEqual(FOREIGN_WRITE_CHECK_MS + 400);
    expect((await request(server, 'GET', '/users/me', { token: ghost.token })).status).toBe(401);
    expect(server.app.userFromToken(ghost.token)).toBeUndefined();
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

  it('counts foreign commits whichever notices them first, a lookup or a poll (what the account watch relies on)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cache-'));
    dirs.push(dir);
    const mine = openDatabase(join(dir, 'parley.db'));
    const theirs = openDatabase(join(dir, 'parley.db'));
    try {
      const repo = new UserRepository(mine.db);
      const other = new UserRepository(theirs.db);
      const created = other.create('ann', 'hash');
      if (!created.ok) throw new Error('not created');
      const start = repo.pollForeignWrites();
      expect(repo.pollForeignWrites()).toBe(start);
      other.delete(created.user.id);
      // A lookup (past its 100 ms bound) notices the foreign commit first; the next poll still reports it.
      expect(repo.findById(created.user.id, Date.now() + 1000)).toBeUndefined();
      expect(repo.pollForeignWrites()).toBe(start + 1);
      expect(repo.pollForeignWrites()).toBe(start + 1);
      // Its own commits are not foreign.
      repo.create('ben', 'hash');
      expect(repo.pollForeignWrites()).toBe(start + 1);
    } finally {
      theirs.close();
      mine.close();
    }
  });

  it('shares one frozen object per user, and forgets a user deleted through it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cache-'));
    dirs.push(dir);
    const handle = openDatabase(join(dir, 'parley.db'));
    try {
      const repo = new UserRepository(handle.db, 2);
      const created = ['ann', 'ben', 'cat'].map((name) => {
        const result = repo.create(name, 'hash');
        if (!result.ok) throw new Error('not created');
        return result.user;
      });
      const first = repo.findById(created[0]!.id);
      expect(first).toEqual(created[0]);
      expect(repo.findById(created[0]!.id)).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      for (const user of created) expect(repo.findById(user.id)).toEqual(user);
      expect(repo.findById('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect(repo.delete(created[1]!.id)).toBe(true);
      expect(repo.findById(created[1]!.id)).toBeUndefined();
      expect(repo.findById(created[2]!.id)).toEqual(created[2]);
    } finally {
      handle.close();
    }
  });
});
