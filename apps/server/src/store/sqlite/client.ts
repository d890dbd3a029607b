import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDataDir } from '../../support/data-dir.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema>;

export interface DbHandle {
  db: Db;
  sqlite: Database.Database;
  close(): void;
}

/** Committed drizzle-kit migrations; the same relative path from `src/store/sqlite` and `dist/store/sqlite`. */
export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle/sqlite');

/** How many migrations the code expects applied (readiness). */
export const expectedMigrations = (JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

/** Opens (creating if needed) the database file and applies pending migrations. */
export function openDatabase(path: string): DbHandle {
  const isFile = path !== ':memory:';
  if (isFile) ensureDataDir(dirname(path));
  const created = isFile && !existsSync(path);
  const sqlite = new Database(path);
  // Password hashes and call history: the owner's alone (the WAL and shared-memory files SQLite makes next to it
  // take the database file's mode).
  if (created) chmodSync(path, 0o600);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return { db, sqlite, close: () => sqlite.close() };
}

/** True when the database answers and every committed migration is applied. */
export function isDatabaseReady(handle: DbHandle): boolean {
  try {
    const row = handle.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number } | undefined;
    return row !== undefined && row.n >= expectedMigrations;
  } catch {
    return false;
  }
}
