import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PRODUCTION_NODE_FLAGS } from '@parley/server/launch';
import { SqliteStore } from '@parley/server/store/sqlite';
import { forgeToken, sessionClaims } from '@parley/testkit';
import { argon2, OWASP_PARAMS } from './argon2.js';
import type { BenchUser } from './load/ws-load.js';
import { benchDir, freePort, probePath, serverDir, spawnNode, waitFor, type Proc } from './proc.js';

/** Limits raised so the bench measures throughput, not the abuse protections. */
export const RAISED_LIMITS = {
  AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
  LOGIN_FAILURES_PER_USERNAME: '1000000',
  CALLS_RATE_LIMIT_PER_MINUTE: '1000000',
  API_RATE_LIMIT_PER_MINUTE: '1000000',
  RINGS_PER_PAIR: '1000000',
  WS_MESSAGE_BURST: '1000000',
  WS_MESSAGES_PER_SECOND: '1000000',
  // Every load client connects from 127.0.0.1: thousands of sockets from one address.
  HTTP_MAX_CONNECTIONS_PER_IP: '0',
};

export interface ParleyServer {
  proc: Proc;
  port: number;
  baseUrl: string;
  jwtSecret: string;
  /** Users created before start, with tokens signed by the server's secret. */
  users: BenchUser[];
  stop(): Promise<void>;
}

/** An HS256 access token exactly as the server issues them (`{ sub, iat, exp, jti, gen }`), signed with its secret. */
export function signToken(secret: string, sub: string, ttlSeconds = 12 * 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return forgeToken({ payload: { sub, iat: now, exp: now + ttlSeconds, ...sessionClaims() }, secret });
}

/**
 * Creates `count` users straight in the database through the server's own repository, all with one real
 * argon2id hash. Registering thousands over HTTP would spend minutes in argon2 before measuring anything; the
 * login figure measures that path on its own.
 */
async function seedUsers(databasePath: string, count: number): Promise<{ id: string; username: string }[]> {
  const store = SqliteStore.open(databasePath);
  try {
    if (count === 0) return [];
    const hash = await argon2.hash('bench-password', { type: argon2.argon2id, ...OWASP_PARAMS });
    const now = Date.now();
    // One transaction for all: the SQLite store's writes run synchronously inside its async methods, so every
    // insert below happens inside it (one commit instead of thousands); the results are awaited after.
    const pending: ReturnType<typeof store.users.create>[] = [];
    store.handle.sqlite.transaction(() => {
      for (let i = 0; i < count; i++) pending.push(store.users.create(`bench${i}`, hash, now));
    })();
    return (await Promise.all(pending)).map((created, i) => {
      if (!created.ok) throw new Error(`could not seed user bench${i}`);
      return created.user;
    });
  } finally {
    await store.close();
  }
}

export interface ParleyOptions {
  seedUsers?: number;
  env?: Record<string, string>;
  nodeArgs?: string[];
  /**
   * Another build of the server to run (a folder laid out like apps/server), to compare two builds; also
   * `BENCH_SERVER_ROOT`.
   */
  root?: string;
  nice?: number;
  /** CPUs to pin the server to (`taskset -c`). */
  cpus?: string;
}

/**
 * The Node flags `pnpm start` runs the server with (`PRODUCTION_NODE_FLAGS` of the build's `dist/launch.js`), so the
 * bench runs the server as `pnpm start` does, whichever build `root` is. This workspace's server exports them; another
 * build (`root`, to compare two) is a folder, not a package, so its launcher is loaded from there.
 */
async function productionNodeFlags(root: string): Promise<readonly string[]> {
  if (resolve(root) === serverDir) return PRODUCTION_NODE_FLAGS;
  const launch = (await import(pathToFileURL(join(root, 'dist/launch.js')).href)) as { PRODUCTION_NODE_FLAGS?: unknown };
  const flags = launch.PRODUCTION_NODE_FLAGS;
  if (!Array.isArray(flags) || !flags.every((flag) => typeof flag === 'string')) {
    throw new Error(`${join(root, 'dist/launch.js')} exports no PRODUCTION_NODE_FLAGS: build the server first`);
  }
  return flags;
}

/**
 * The production build (`apps/server/dist/server.js`, NODE_ENV=production, the start script's Node flags) on a
 * free loopback port with a fresh database in a temp folder. The probe is preloaded for memory and profiles;
 * `--expose-gc` lets it force a GC.
 */
export async function startParley(options: ParleyOptions = {}): Promise<ParleyServer> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const databasePath = join(dir, 'parley.db');
  const seeded = await seedUsers(databasePath, options.seedUsers ?? 0);
  const port = await freePort();
  const jwtSecret = randomBytes(36).toString('base64url');
  const root = options.root ?? process.env['BENCH_SERVER_ROOT'] ?? serverDir;
  const proc = spawnNode({
    name: 'parley-server',
    script: join(root, 'dist/server.js'),
    cwd: root,
    nodeArgs: [...(await productionNodeFlags(root)), '--expose-gc', '--import', probePath, ...(options.nodeArgs ?? [])],
    ...(options.nice === undefined ? {} : { nice: options.nice }),
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET: jwtSecret,
      DATABASE_PATH: databasePath,
      ...RAISED_LIMITS,
      ...options.env,
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor('the Parley server', async () => (await fetch(`${baseUrl}/readyz`)).ok, 30_000, proc);
  return {
    proc,
    port,
    baseUrl,
    jwtSecret,
    users: seeded.map((u) => ({ id: u.id, token: signToken(jwtSecret, u.id) })),
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Baseline {
  proc: Proc;
  port: number;
  stop(): Promise<void>;
}

async function startBaseline(name: string, script: string, ready: (port: number) => Promise<boolean>, cpus?: string): Promise<Baseline> {
  const port = await freePort();
  const proc = spawnNode({
    name,
    script: join(benchDir, script),
    args: [String(port)],
    nodeArgs: ['--expose-gc', '--import', probePath],
    ...(cpus === undefined ? {} : { cpus }),
  });
  await waitFor(name, () => ready(port), 30_000, proc);
  return { proc, port, stop: () => proc.stop() };
}

/** The ~40-line `ws` relay (relay and connections figures). */
export const startRawRelay = (cpus?: string) =>
  startBaseline('raw-relay', 'src/baselines/raw-relay.ts', async (port) => (await fetch(`http://127.0.0.1:${port}/`)).status === 426, cpus);

/** A bare Fastify server (REST figure). */
export const startFastifyHello = () =>
  startBaseline('fastify-hello', 'src/baselines/fastify-hello.ts', async (port) => (await fetch(`http://127.0.0.1:${port}/hello`)).ok);

/** Registers a user over HTTP (the real argon2 path) and logs in. */
export async function registerAndLogin(baseUrl: string, username: string, password: string): Promise<BenchUser & { username: string }> {
  const json = { 'content-type': 'application/json' };
  const body = JSON.stringify({ username, password });
  const registered = await fetch(`${baseUrl}/api/v1/auth/register`, { method: 'POST', headers: json, body });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const { id } = (await registered.json()) as { id: string };
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: json, body });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  return { id, username, token: accessToken };
}
