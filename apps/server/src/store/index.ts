import { PgStore } from './pg/store.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './types.js';

export type { Store } from './types.js';

/** Where the state lives: an embedded SQLite file (one process), or PostgreSQL shared by every node. */
export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'pg'; url: string; poolSize: number };

/** Opens the configured store and applies its pending migrations. */
export async function openStore(database: DatabaseConfig): Promise<Store> {
  switch (database.kind) {
    case 'sqlite':
      return SqliteStore.open(database.path);
    case 'pg':
      return PgStore.open(database.url, { poolSize: database.poolSize });
  }
}
