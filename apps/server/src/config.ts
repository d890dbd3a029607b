import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import proxyAddr from '@fastify/proxy-addr';
import type { DatabaseConfig } from './store/index.js';
import { ensureDataDir } from './support/data-dir.js';

/** Everything the server reads from its environment, validated once at start. No `process.env` elsewhere. */
export interface Config {
  nodeEnv: 'production' | 'development' | 'test';
  host: string;
  port: number;
  /** The SQLite file (also where the data folder is: the generated secret, LAN certificates). */
  databasePath: string;
  /** Where the state lives: the SQLite file, or PostgreSQL when `DATABASE_URL` is set. */
  database: DatabaseConfig;
  /** Cluster mode (`REDIS_URL` set): this process is one of several nodes; null runs one process on its own. */
  cluster: {
    redisUrl: string;
    heartbeatMs: number;
    deadAfterMs: number;
    sweepMs: number;
    /** Where this node listens for direct links from the other nodes, and what it tells them; null: Redis carries all. */
    link: { address: { host: string; port: number }; advertise: { host: string; port: number } | null } | null;
  } | null;
  jwtSecret: string;
  /** Where the secret came from when JWT_SECRET was unset: the file in the data folder, and whether it was just made. */
  jwtSecretFile: { path: string; created: boolean } | null;
  jwtExpiresInSeconds: number;
  callRingTimeoutMs: number;
  callReconnectGraceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Pretty, human-readable logs (development); JSON otherwise. */
  logPretty: boolean;
  /** Built SPA to serve at `/`, or null to serve the API only. */
  webDistDir: string | null;
  corsOrigins: string[];
  /**
   * Reverse proxies whose `X-Forwarded-For/-Proto/-Host` are believed (Fastify's `trustProxy` as an IP/CIDR list, or
   * proxy-addr's `loopback`, `linklocal`, `uniquelocal`); null: none, the socket's address is the client's.
   */
  trustProxy: string[] | null;
  /** Limits on HTTP connections, so a client that sends slowly or not at all cannot hold them. */
  http: {
    /** The whole request (headers and body) must arrive within this; then 408 and the connection is closed. */
    requestTimeoutMs: number;
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: number;
    /** A connection on which nothing moves for this long is closed (not an upgraded WebSocket: the heartbeat watches those). */
    connectionTimeoutMs: number;
    /** Open connections from one client address (0: no cap); the addresses of trusted proxies are not capped. */
    maxConnectionsPerIp: number;
  };
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  rateLimits: {
    authPerMinutePerIp: number;
    loginFailuresPerUsername: number;
    loginFailureWindowMs: number;
    callsPerMinutePerUser: number;
    /** Every other signed-in route (history, a call, hanging up, RTC config, blocks, `/users/me`), per user and route. */
    apiPerMinutePerUser: number;
    /**
     * Unanswered calls (missed, declined, cancelled) one caller may place to one callee within `ringWindowMs`;
     * past it the pair gets 429 while everyone else still gets through.
     */
    ringsPerPair: number;
    ringWindowMs: number;
    /** `GET /users` pages per user per minute. */
    userListPerMinutePerUser: number;
    wsMessageBurst: number;
    wsMessagesPerSecond: number;
    wsMaxConnectionsPerUser: number;
  };
  wsPingIntervalMs: number;
  /** Presence changes are coalesced over this window into one frame per socket. */
  presenceBatchMs: number;
  /** Outgoing bytes queued for one socket before it is closed as a slow consumer. */
  wsMaxBufferedBytes: number;
  ice: { stunUrls: string[]; turnUrls: string[]; turnSecret: string | null; turnTtlSeconds: number; transportPolicy: 'all' | 'relay' };
  /** Bearer token for `GET /metrics`; metrics are off when unset. */
  metricsToken: string | null;
  /** HTTPS: a given certificate (TLS_CERT/TLS_KEY) or, in LAN mode, a self-signed one kept in the data folder. */
  tls: { certPath: string; keyPath: string; selfSigned: boolean } | null;
  /** LAN demo mode: listen on all interfaces over HTTPS and print the URLs to open. */
  lanMode: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['production', 'development', 'test'] as const;

/** The repository's default data folder, `<repo>/data`, wherever the server is started from. */
const defaultDataDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../data');
const defaultWebDist = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function oneOf<const T extends readonly string[]>(env: Env, name: string, values: T, fallback: T[number]): T[number] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const found = values.find((v) => v === raw);
  if (found === undefined) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return found;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `12h`, `30m`, `45s`, `3600` (seconds). */
function duration(env: Env, name: string, fallbackSeconds: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackSeconds;
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!match) throw new ConfigError(`${name} must look like 3600, 45s, 30m, 12h or 7d, got "${raw}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds < 60 || seconds > 30 * 86400) throw new ConfigError(`${name} must be between 1 minute and 30 days`);
  return seconds;
}

/**
 * `TRUST_PROXY`: the proxies' addresses. A hop count is refused: Fastify 5 disabled it, because trusting "the last
 * n hops" trusts whoever connects, and a client talking to the server directly could then pick its own address.
 */
function trustProxy(env: Env): string[] | null {
  const entries = list(env, 'TRUST_PROXY');
  if (entries.length === 0) return null;
  if (entries.some((entry) => /^\d+$/.test(entry) || entry === 'true')) {
    throw new ConfigError('TRUST_PROXY must list the proxies\' addresses (e.g. 127.0.0.1 or 10.0.0.0/8,::1), not a hop count or true: those would trust any client');
  }
  try {
    proxyAddr.compile(entries);
  } catch (error) {
    throw new ConfigError(`TRUST_PROXY must be a comma-separated list of IP addresses, CIDR ranges, loopback, linklocal or uniquelocal: ${(error as Error).message}`);
  }
  return entries;
}

const MIN_SECRET_LENGTH = 32;

/** An optional shared secret (unset or empty: null); a short one is refused, as it could be guessed. */
function optionalSecret(env: Env, name: string): string | null {
  const value = env[name];
  if (value === undefined || value === '') return null;
  if (value.length < MIN_SECRET_LENGTH) throw new ConfigError(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
  return value;
}

/**
 * An unset JWT_SECRET is generated once and kept next to the database (mode 0600), so restarts keep sessions and
 * `pnpm start` needs no setup in any NODE_ENV. Read back, the file must still be the owner's alone and long enough:
 * a secret others can read, or one cut short, would let anyone mint sessions.
 */
function jwtSecret(env: Env, dataDir: string): { secret: string; file: Config['jwtSecretFile'] } {
  const given = env['JWT_SECRET'];
  if (given !== undefined && given !== '') {
    if (given.length < MIN_SECRET_LENGTH) throw new ConfigError(`JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    return { secret: given, file: null };
  }
  const path = join(dataDir, 'jwt-secret');
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(`${path} is readable by others (mode ${mode.toString(8)}): run \`chmod 600 ${path}\` or set JWT_SECRET`);
    }
    const secret = readFileSync(path, 'utf8').trim();
    if (secret.length < MIN_SECRET_LENGTH) throw new ConfigError(`${path} holds a secret shorter than ${MIN_SECRET_LENGTH} characters: delete it to generate a new one, or set JWT_SECRET`);
    return { secret, file: { path, created: false } };
  }
  ensureDataDir(dataDir);
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(path, secret, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { secret, file: { path, created: true } };
}

/** A URL setting with one of `protocols` (`postgres:`…), or null when unset. */
function url(env: Env, name: string, protocols: readonly string[], example: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL like ${example}`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got ${parsed.protocol}//`);
  return raw;
}

/**
 * Cluster mode: every node shares one PostgreSQL and one Redis, and one JWT secret (a secret generated into each
 * node's own data folder would make every node refuse the others' tokens).
 */
function clusterConfig(env: Env, database: DatabaseConfig, jwtSecretGiven: boolean): Config['cluster'] {
  const redis = url(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://host:6379');
  if (redis === null) return null;
  if (database.kind !== 'pg') throw new ConfigError('REDIS_URL (cluster mode) needs DATABASE_URL: the nodes must share a PostgreSQL database, not each its own SQLite file');
  if (!jwtSecretGiven) throw new ConfigError('REDIS_URL (cluster mode) needs JWT_SECRET: every node must sign and check tokens with the same secret');
  const heartbeatMs = int(env, 'CLUSTER_HEARTBEAT_MS', 1_000, 50, 60_000);
  const deadAfterMs = int(env, 'CLUSTER_NODE_DEAD_AFTER_MS', 5_000, 100, 600_000);
  if (deadAfterMs < 2 * heartbeatMs) throw new ConfigError('CLUSTER_NODE_DEAD_AFTER_MS must be at least twice CLUSTER_HEARTBEAT_MS, or a node that is merely late is declared dead');
  return { redisUrl: redis, heartbeatMs, deadAfterMs, sweepMs: int(env, 'CLUSTER_SWEEP_MS', 250, 10, 60_000), link: linkConfig(env) };
}

/**
 * `NODE_LINK_ADDRESS`: `host:port` (`[v6]:port`) where this node takes direct links from the others; port 0 takes
 * any free one; `off`: Redis carries everything. The others are told that address, or `NODE_LINK_ADVERTISE` when
 * they reach this node by another (a port mapped by a container): what is told cannot be a wildcard.
 */
function linkConfig(env: Env): NonNullable<Config['cluster']>['link'] {
  const given = env['NODE_LINK_ADDRESS'];
  if (given === 'off') return null;
  const address = hostPort('NODE_LINK_ADDRESS', given === undefined || given === '' ? '127.0.0.1:0' : given);
  const advertised = env['NODE_LINK_ADVERTISE'];
  const advertise = advertised === undefined || advertised === '' ? null : hostPort('NODE_LINK_ADVERTISE', advertised);
  const told = advertise ?? address;
  if (told.host === '0.0.0.0' || told.host === '::') throw new ConfigError(`the other nodes cannot reach a wildcard address (${told.host}): set NODE_LINK_ADVERTISE to the address they reach this node by`);
  if (advertise !== null && advertise.port === 0) throw new ConfigError('NODE_LINK_ADVERTISE needs a port');
  return { address, advertise };
}

function hostPort(name: string, raw: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(raw);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !(port >= 0 && port <= 65_535)) throw new ConfigError(`${name} must be host:port (e.g. 10.0.0.5:7400 or [fd00::5]:7400)${name === 'NODE_LINK_ADDRESS' ? ' or off' : ''}, got ${raw}`);
  return { host, port };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'development');
  const databasePath = resolve(env['DATABASE_PATH'] || join(defaultDataDir, 'parley.db'));
  const pgUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/parley');
  const database: DatabaseConfig = pgUrl === null ? { kind: 'sqlite', path: databasePath } : { kind: 'pg', url: pgUrl, poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 1_000) };
  const dataDir = dirname(databasePath);
  const webDist = env['WEB_DIST_DIR'] === '' ? null : resolve(env['WEB_DIST_DIR'] ?? defaultWebDist);
  const tlsCert = env['TLS_CERT'];
  const tlsKey = env['TLS_KEY'];
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new ConfigError('TLS_CERT and TLS_KEY must be set together');
  const memoryCost = int(env, 'ARGON2_MEMORY_KIB', 19_456, 8_192, 1_048_576);
  // Before the secret: cluster mode refuses to start without a given one, so none may be generated first.
  const cluster = clusterConfig(env, database, Boolean(env['JWT_SECRET']));
  const secret = jwtSecret(env, dataDir);
  const lanMode = oneOf(env, 'LAN_MODE', ['0', '1'], '0') === '1';
  const tls =
    tlsCert && tlsKey
      ? { certPath: resolve(tlsCert), keyPath: resolve(tlsKey), selfSigned: false }
      : lanMode
        ? { certPath: join(dataDir, 'tls', 'cert.pem'), keyPath: join(dataDir, 'tls', 'key.pem'), selfSigned: true }
        : null;
  return {
    nodeEnv,
    host: env['HOST'] || (lanMode ? '0.0.0.0' : '127.0.0.1'),
    port: int(env, 'PORT', 3000, 0, 65_535),
    databasePath,
    database,
    cluster,
    jwtSecret: secret.secret,
    jwtSecretFile: secret.file,
    jwtExpiresInSeconds: duration(env, 'JWT_EXPIRES_IN', 12 * 3600),
    callRingTimeoutMs: int(env, 'CALL_RING_TIMEOUT_MS', 30_000, 100, 600_000),
    callReconnectGraceMs: int(env, 'CALL_RECONNECT_GRACE_MS', 10_000, 100, 600_000),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'warn' : 'info'),
    logPretty: (env['LOG_PRETTY'] ?? (nodeEnv === 'development' ? '1' : '0')) === '1',
    webDistDir: webDist !== null && existsSync(join(webDist, 'index.html')) ? webDist : null,
    corsOrigins: list(env, 'CORS_ORIGINS'),
    trustProxy: trustProxy(env),
    http: {
      requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
      keepAliveTimeoutMs: int(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 600_000),
      connectionTimeoutMs: int(env, 'HTTP_CONNECTION_TIMEOUT_MS', 60_000, 100, 3_600_000),
      maxConnectionsPerIp: int(env, 'HTTP_MAX_CONNECTIONS_PER_IP', 256, 0, 1_000_000),
    },
    argon2: {
      memoryCost,
      timeCost: int(env, 'ARGON2_TIME_COST', 2, 1, 10),
      parallelism: int(env, 'ARGON2_PARALLELISM', 1, 1, 16),
    },
    rateLimits: {
      authPerMinutePerIp: int(env, 'AUTH_RATE_LIMIT_PER_MINUTE', 100, 1, 1_000_000),
      loginFailuresPerUsername: int(env, 'LOGIN_FAILURES_PER_USERNAME', 10, 1, 1_000_000),
      loginFailureWindowMs: int(env, 'LOGIN_FAILURE_WINDOW_MS', 15 * 60_000, 1_000, 86_400_000),
      callsPerMinutePerUser: int(env, 'CALLS_RATE_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
      apiPerMinutePerUser: int(env, 'API_RATE_LIMIT_PER_MINUTE', 300, 1, 1_000_000),
      ringsPerPair: int(env, 'RINGS_PER_PAIR', 3, 1, 1_000_000),
      ringWindowMs: int(env, 'RINGS_PER_PAIR_WINDOW_MS', 10 * 60_000, 1_000, 86_400_000),
      userListPerMinutePerUser: int(env, 'USERS_RATE_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
      wsMessageBurst: int(env, 'WS_MESSAGE_BURST', 200, 1, 1_000_000),
      wsMessagesPerSecond: int(env, 'WS_MESSAGES_PER_SECOND', 50, 1, 1_000_000),
      wsMaxConnectionsPerUser: int(env, 'WS_MAX_CONNECTIONS_PER_USER', 10, 1, 100_000),
    },
    wsPingIntervalMs: int(env, 'WS_PING_INTERVAL_MS', 30_000, 100, 600_000),
    presenceBatchMs: int(env, 'PRESENCE_BATCH_MS', 250, 0, 10_000),
    wsMaxBufferedBytes: int(env, 'WS_MAX_BUFFERED_BYTES', 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    ice: {
      stunUrls: list(env, 'STUN_URLS'),
      turnUrls: list(env, 'TURN_URLS'),
      turnSecret: optionalSecret(env, 'TURN_SECRET'),
      turnTtlSeconds: int(env, 'TURN_TTL_SECONDS', 3600, 60, 7 * 86400),
      transportPolicy: oneOf(env, 'ICE_TRANSPORT_POLICY', ['all', 'relay'], 'all'),
    },
    metricsToken: optionalSecret(env, 'METRICS_TOKEN'),
    tls,
    lanMode,
  };
}

/** `parley create-user` reads the new password from here when set (scripts), else from stdin. */
export function cliPasswordFromEnv(env: Env = process.env): string | undefined {
  return env['PARLEY_PASSWORD'] || undefined;
}

/** The environment `pnpm start` runs the built server in: this one, with `NODE_ENV=production` unless it is set. */
export function productionEnv(env: Env = process.env): Env {
  return { ...env, NODE_ENV: env['NODE_ENV'] || 'production' };
}
