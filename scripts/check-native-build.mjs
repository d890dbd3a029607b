// After a cold install (.ci/run): prove that better-sqlite3's native addon was made by this install — compiled here
// or fetched as a prebuilt binary — rather than taken from a cache, and that it loads.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const startedAt = Number(process.argv[2]) * 1000;
const store = join('node_modules', '.pnpm');
const folder = readdirSync(store).find((name) => name.startsWith('better-sqlite3@'));
if (folder === undefined) throw new Error('better-sqlite3 is not installed');
const pkg = join(store, folder, 'node_modules', 'better-sqlite3');
const addon = join(pkg, 'build', 'Release', 'better_sqlite3.node');
if (!existsSync(addon)) throw new Error(`${addon} is missing: better-sqlite3 was neither built nor fetched`);
const made = statSync(addon).mtimeMs;
if (Number.isFinite(startedAt) && made < startedAt) throw new Error(`${addon} predates this install: it came from a cache`);
const how = existsSync(join(pkg, 'build', 'Release', 'obj.target')) ? 'compiled from source' : 'fetched as a prebuilt binary';
const require = createRequire(join(process.cwd(), 'apps', 'server', 'package.json'));
const Database = require('better-sqlite3');
const version = new Database(':memory:').prepare('select sqlite_version() as v').get().v;
console.log(`ci: better-sqlite3 (${folder}) ${how} by this install at ${new Date(made).toISOString()}; it loads (SQLite ${version})`);
