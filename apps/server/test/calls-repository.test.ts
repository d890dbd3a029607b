import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { CallRepository } from '../src/calls/repository.js';
import { migrationsFolder } from '../src/db/client.js';
import * as schema from '../src/db/schema.js';

/** An in-memory database with the migrations, a repository on it, and every query it runs. */
function setup() {
  const sqlite = new Database(':memory:');
  const queries: { sql: string; params: unknown[] }[] = [];
  const db = drizzle(sqlite, { schema, logger: { logQuery: (sql, params) => queries.push({ sql, params }) } });
  migrate(db, { migrationsFolder });
  sqlite.prepare("insert into users values ('a', 'a', 'a', 'h', 1), ('b', 'b', 'b', 'h', 1), ('c', 'c', 'c', 'h', 1)").run();
  // A long history: what a query on live calls must not read through.
  const ended = sqlite.prepare("insert into calls (id, caller_id, callee_id, status, created_at, ended_at, end_reason) values (?, 'a', 'b', 'ended', ?, ?, 'hangup')");
  sqlite.transaction(() => {
    for (let i = 0; i < 2000; i++) ended.run(`old-${i}`, i, i + 1);
  })();
  queries.length = 0;
  return { sqlite, repo: new CallRepository(db), queries };
}

function plan(sqlite: Database.Database, query: { sql: string; params: unknown[] }): string {
  return sqlite
    .prepare(`explain query plan ${query.sql}`)
    .all(...query.params)
    .map((row) => (row as { detail: string }).detail)
    .join(' | ');
}

describe('CallRepository', () => {
  it('finds live calls through the partial index, not through the users’ whole history', () => {
    const { sqlite, repo, queries } = setup();
    const created = repo.insertIfBothFree('a', 'b', 10_000);
    expect(created.ok).toBe(true);
    const blocked = repo.insertIfBothFree('c', 'b', 10_001);
    expect(blocked).toMatchObject({ ok: false, blocking: { callerId: 'a', calleeId: 'b', status: 'created' } });
    expect(repo.listLive().map((c) => c.callerId)).toEqual(['a']);
    const liveQueries = queries.filter((q) => q.sql.startsWith('select') && q.sql.includes('"status" in'));
    expect(liveQueries.length).toBe(3);
    for (const query of liveQueries) {
      const detail = plan(sqlite, query);
      expect(detail, query.sql).toContain('calls_live_idx');
      expect(detail, query.sql).not.toMatch(/SCAN calls|caller_created_idx|callee_created_idx/);
    }
    expect(repo.endAllLive('server_restart', 10_002).map((c) => [c.callerId, c.status, c.endReason])).toEqual([['a', 'ended', 'server_restart']]);
    expect(repo.listLive()).toEqual([]);
  });

  it('runs the same prepared statements again with new values', () => {
    const { repo } = setup();
    const first = repo.insertIfBothFree('a', 'b', 10_000);
    if (!first.ok) throw new Error('not created');
    expect(repo.markActive(first.call.id, 'created', 10_001)).toBe(true);
    expect(repo.markActive(first.call.id, 'created', 10_002)).toBe(false);
    expect(repo.markEnded(first.call.id, 'active', 'hangup', 10_003)).toBe(true);
    expect(repo.findById(first.call.id)).toMatchObject({ status: 'ended', answeredAt: 10_001, endedAt: 10_003, endReason: 'hangup' });
    const second = repo.insertIfBothFree('b', 'c', 10_004);
    if (!second.ok) throw new Error('not created');
    expect(repo.markEnded(second.call.id, 'created', 'cancelled', 10_005)).toBe(true);
    expect(repo.findById(second.call.id)).toMatchObject({ callerId: 'b', calleeId: 'c', status: 'ended', answeredAt: null, endReason: 'cancelled' });
    expect(repo.listRecent(2).map((c) => c.id)).toEqual([second.call.id, first.call.id]);
    expect(repo.history('b', 10).map((h) => [h.callerName, h.calleeName])).toEqual([
      ['b', 'c'],
      ['a', 'b'],
      ...Array.from({ length: 8 }, () => ['a', 'b']),
    ]);
    expect(repo.history('c', 10, 10_004)).toEqual([]);
    expect(repo.history('c', 10, 10_005).map((h) => h.id)).toEqual([second.call.id]);
  });
});
