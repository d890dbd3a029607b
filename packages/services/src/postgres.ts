import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ServiceProcess } from './process.js';
import { freePort, waitUntil } from './ports.js';

export interface PostgresServer {
  readonly port: number;
  /** `postgres://parley@127.0.0.1:<port>/parley` (trust authentication on loopback). */
  readonly url: string;
  readonly process: ServiceProcess;
  stop(): Promise<void>;
  /** A further, empty database on the same server, e.g. one per test file. */
  createDatabase(name: string): string;
}

/** Debian's PostgreSQL programs, newest version first. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  const newest = versions[0];
  if (newest === undefined) throw new Error('PostgreSQL not found under /usr/lib/postgresql: apt-get install postgresql (bash .ci/run does)');
  return join(root, newest, 'bin');
}

const isRoot = () => process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root, its programs run as Debian's `postgres` user. */
function asServiceUser(binary: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * As root, the `postgres` user must be able to reach `dir`: every folder above it that keeps others out gets the
 * search bit (others may pass through, not list). Returns the folders changed.
 */
function letServiceUserReach(dir: string): string[] {
  const changed: string[] = [];
  for (let folder = dirname(resolve(dir)); folder !== dirname(folder); folder = dirname(folder)) {
    const mode = statSync(folder).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(folder, (mode & 0o7777) | 0o001);
      changed.push(folder);
    }
  }
  return changed;
}

function run(binary: string, args: string[]): void {
  const [command, argv] = asServiceUser(binary, args);
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
}

/**
 * A PostgreSQL server of its own: a cluster initialised in `dir` (kept when it already holds one), listening on
 * 127.0.0.1 only, trust authentication for the `parley` role, a `parley` database. `durable: false` (tests) turns
 * off fsync for speed. The systemwide service, if any, is never touched.
 */
export async function startPostgres(options: { dir: string; port?: number; durable?: boolean; log?: (line: string) => void; ownProcessGroup?: boolean }): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = resolve(options.dir);
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets, { recursive: true });
  if (isRoot()) {
    const changed = letServiceUserReach(dir);
    if (changed.length > 0) options.log?.(`let the postgres user pass through ${changed.join(', ')} (chmod o+x)`);
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
    chownSync(sockets, uid, gid);
  }
  const fresh = !existsSync(join(data, 'PG_VERSION'));
  if (fresh) {
    run(join(bin, 'initdb'), ['-D', data, '-U', 'parley', '-A', 'trust', '-E', 'UTF8', '--no-locale', ...(options.durable ? [] : ['--no-sync'])]);
  }
  const port = options.port ?? (await freePort());
  const settings = ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${sockets}`, '-c', 'max_connections=200'];
  if (!options.durable) settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const [command, argv] = asServiceUser(join(bin, 'postgres'), ['-D', data, '-p', String(port), ...settings]);
  const logFile = join(dir, 'postgres.log');
  const proc = new ServiceProcess('postgres', command, argv, logFile, { ownProcessGroup: options.ownProcessGroup ?? false });
  const ready = () => spawnSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]).status === 0;
  await waitUntil(`postgres on port ${port}`, async () => ready(), 30_000, () => proc.failure());
  const psql = (database: string, sql: string) => run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'parley', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
  const url = (name: string) => `postgres://parley@127.0.0.1:${port}/${name}`;
  if (fresh) psql('postgres', 'create database parley');
  return {
    port,
    url: url('parley'),
    process: proc,
    // "fast" shutdown: roll back open transactions, close connections, stop. Through pg_ctl, because a signal to
    // `runuser` does not reach the server it started.
    async stop() {
      if (proc.failure() !== null) return;
      const [stopCommand, stopArgs] = asServiceUser(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '15']);
      const result = spawnSync(stopCommand, stopArgs, { encoding: 'utf8' });
      if (result.status !== 0) proc.signal('SIGKILL');
      await proc.exited;
    },
    createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      psql('postgres', `create database ${name}`);
      return url(name);
    },
  };
}
