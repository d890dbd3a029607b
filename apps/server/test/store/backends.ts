import { startPostgres, type PostgresServer } from '@parley/services';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgStore } from '../../src/store/pg/store.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/types.js';

/**
 * The two store backends the conformance suite runs against: a fresh SQLite file per store, and a fresh database
 * per store on one real PostgreSQL server started for the test file (and stopped after it).
 */
export interface Backend {
  name: 'sqlite' | 'pg';
  open(): Promise<Store>;
  stop(): Promise<void>;
}

export function sqliteBackend(): Backend {
  const dirs: string[] = [];
  const stores: Store[] = [];
  return {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'parley-store-'));
      dirs.push(dir);
      const store = SqliteStore.open(join(dir, 'parley.db'));
      stores.push(store);
      return store;
    },
    async stop() {
      for (const store of stores.splice(0)) await store.close();
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function pgBackend(): Backend {
  let server: PostgresServer | undefined;
  let dir: string | undefined;
  let databases = 0;
  const stores: Store[] = [];
  return {
    name: 'pg',
    async open() {
      if (server === undefined) {
        dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
        server = await startPostgres({ dir });
      }
      databases += 1;
      const store = await PgStore.open(server.createDatabase(`store_${process.pid}_${databases}`), { poolSize: 20 });
      stores.push(store);
      return store;
    },
    async stop() {
      for (const store of stores.splice(0)) await store.close();
      await server?.stop();
      server = undefined;
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
