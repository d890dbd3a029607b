import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as schema from './schema.js';

export type PgDb = NodePgDatabase<typeof schema>;

/** Committed drizzle-kit migrations for PostgreSQL; the same relative path from `src/store/pg` and `dist/store/pg`. */
export const pgMigrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle/pg');

export const expectedPgMigrations = (JSON.parse(readFileSync(join(pgMigrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

/** Any number that names this lock among the advisory locks of the database: "parley migrations". */
const MIGRATION_LOCK = 0x7061_726c;

export interface PgHandle {
  db: PgDb;
  pool: pg.Pool;
  /**
   * A separate small pool for the node heartbeat and the reaper: queued behind a burst of requests on the main
   * pool, a heartbeat could be late enough for the other nodes to declare this one dead.
   */
  liveness: PgDb;
  close(): Promise<void>;
}

/**
 * Connects a pool to `url` and applies pending migrations. Several nodes may start at once: the migrations run
 * under an advisory lock, so one node applies them and the others find them applied.
 */
export async function openPg(url: string, options: { poolSize?: number } = {}): Promise<PgHandle> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server (PostgreSQL restarted) reports it here; the pool replaces it.
  pool.on('error', () => undefined);
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client, { schema }), { migrationsFolder: pgMigrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
  const livenessPool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
  livenessPool.on('error', () => undefined);
  return {
    db: drizzle(pool, { schema }),
    pool,
    liveness: drizzle(livenessPool, { schema }),
    close: async () => {
      await Promise.all([pool.end(), livenessPool.end()]);
    },
  };
}
