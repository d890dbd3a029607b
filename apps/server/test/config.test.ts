import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/store/sqlite/client.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'parley-config-')), 'parley.db');

describe('loadConfig', () => {
  it('has defaults a user can start with', () => {
    const config = loadConfig({ DATABASE_PATH: tmp() });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, callRingTimeoutMs: 30_000, callReconnectGraceMs: 10_000, jwtExpiresInSeconds: 43_200 });
    expect(config.argon2).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  });

  it('generates a JWT secret outside production and keeps it across restarts, readable only by the owner', () => {
    const db = tmp();
    const first = loadConfig({ DATABASE_PATH: db });
    const file = join(db, '..', 'jwt-secret');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATABASE_PATH: db }).jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(file, 'utf8')).toBe(first.jwtSecret);
  });

  it('starts in production with no configuration, generating the secret there too', () => {
    const db = tmp();
    const config = loadConfig({ NODE_ENV: 'production', DATABASE_PATH: db });
    expect(config.jwtSecretFile).toEqual({ path: join(db, '..', 'jwt-secret'), created: true });
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ NODE_ENV: 'production', DATABASE_PATH: db }).jwtSecretFile).toEqual({ path: join(db, '..', 'jwt-secret'), created: false });
  });

  it('makes the data folder for its owner only', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'parley-config-')), 'fresh', 'parley.db');
    loadConfig({ DATABASE_PATH: db });
    expect(statSync(join(db, '..')).mode & 0o777).toBe(0o700);
  });

  it('creates the database file for its owner only', () => {
    const db = tmp();
    openDatabase(db).close();
    expect(statSync(db).mode & 0o777).toBe(0o600);
  });

  it('refuses a generated secret that others can read or that was cut short', () => {
    const db = tmp();
    const file = join(db, '..', 'jwt-secret');
    loadConfig({ DATABASE_PATH: db });
    chmodSync(file, 0o644);
    expect(() => loadConfig({ DATABASE_PATH: db })).toThrow(/readable by others \(mode 644\)/);
    chmodSync(file, 0o600);
    writeFileSync(file, 'too-short-a-secret');
    expect(() => loadConfig({ DATABASE_PATH: db })).toThrow(/shorter than 32 characters/);
  });

  it.each([
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be between/],
    ['JWT_SECRET', 'short', /at least 32/],
    ['JWT_EXPIRES_IN', 'forever', /JWT_EXPIRES_IN/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['NODE_ENV', 'staging', /NODE_ENV must be one of/],
    ['CALL_RING_TIMEOUT_MS', '-5', /whole number/],
    ['TLS_CERT', '/tmp/cert.pem', /set together/],
    ['METRICS_TOKEN', 'metrics-token-123', /METRICS_TOKEN must be at least 32 characters/],
    ['TURN_SECRET', 'shared-secret', /TURN_SECRET must be at least 32 characters/],
    ['TRUST_PROXY', '1', /not a hop count/],
    ['TRUST_PROXY', 'true', /not a hop count/],
    ['TRUST_PROXY', '10.0.0.0/8,nginx.local', /invalid IP address: nginx.local/],
    ['TRUST_PROXY', '10.0.0.0/33', /invalid range/],
    ['HTTP_REQUEST_TIMEOUT_MS', '0', /between 100 and/],
    ['HTTP_MAX_CONNECTIONS_PER_IP', 'many', /whole number/],
  ])('explains a bad %s', (name, value, message) => {
    expect(() => loadConfig({ DATABASE_PATH: tmp(), [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_PATH: tmp(), [name]: value })).toThrow(message);
  });

  it('reads TRUST_PROXY as a list of addresses, ranges and proxy-addr’s names; unset trusts no proxy', () => {
    expect(loadConfig({ DATABASE_PATH: tmp() }).trustProxy).toBeNull();
    expect(loadConfig({ DATABASE_PATH: tmp(), TRUST_PROXY: ' 10.0.0.0/8, ::1 ,loopback' }).trustProxy).toEqual(['10.0.0.0/8', '::1', 'loopback']);
  });

  it('has HTTP timeouts and a per-IP connection cap by default', () => {
    expect(loadConfig({ DATABASE_PATH: tmp() }).http).toEqual({ requestTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, connectionTimeoutMs: 60_000, maxConnectionsPerIp: 256 });
    expect(loadConfig({ DATABASE_PATH: tmp(), HTTP_MAX_CONNECTIONS_PER_IP: '0' }).http.maxConnectionsPerIp).toBe(0);
  });

  it('reads durations in s, m, h and d', () => {
    expect(loadConfig({ DATABASE_PATH: tmp(), JWT_EXPIRES_IN: '30m' }).jwtExpiresInSeconds).toBe(1800);
    expect(loadConfig({ DATABASE_PATH: tmp(), JWT_EXPIRES_IN: '7d' }).jwtExpiresInSeconds).toBe(604_800);
  });

  describe('cluster mode', () => {
    const pg = 'postgres://parley@127.0.0.1:5432/parley';
    const secret = 's'.repeat(40);

    it('is off by default: SQLite, one process', () => {
      const config = loadConfig({ DATABASE_PATH: tmp() });
      expect(config.database).toEqual({ kind: 'sqlite', path: config.databasePath });
      expect(config.cluster).toBeNull();
    });

    it('takes PostgreSQL from DATABASE_URL and turns on with REDIS_URL', () => {
      const config = loadConfig({ DATABASE_PATH: tmp(), DATABASE_URL: pg, REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: secret });
      expect(config.database).toEqual({ kind: 'pg', url: pg, poolSize: 10 });
      expect(config.cluster).toEqual({
        redisUrl: 'redis://127.0.0.1:6379',
        heartbeatMs: 1000,
        deadAfterMs: 5000,
        sweepMs: 250,
        link: { address: { host: '127.0.0.1', port: 0 }, advertise: null },
      });
    });

    it('takes the direct links between nodes from NODE_LINK_ADDRESS and NODE_LINK_ADVERTISE, or turns them off', () => {
      const cluster = (env: Record<string, string>) => loadConfig({ DATABASE_PATH: tmp(), DATABASE_URL: pg, REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: secret, ...env }).cluster;
      expect(cluster({ NODE_LINK_ADDRESS: 'off' })?.link).toBeNull();
      expect(cluster({ NODE_LINK_ADDRESS: '10.0.0.5:7400' })?.link).toEqual({ address: { host: '10.0.0.5', port: 7400 }, advertise: null });
      expect(cluster({ NODE_LINK_ADDRESS: '[fd00::5]:7400' })?.link).toEqual({ address: { host: 'fd00::5', port: 7400 }, advertise: null });
      expect(cluster({ NODE_LINK_ADDRESS: '0.0.0.0:7400', NODE_LINK_ADVERTISE: 'node-3.internal:17400' })?.link).toEqual({
        address: { host: '0.0.0.0', port: 7400 },
        advertise: { host: 'node-3.internal', port: 17400 },
      });
    });

    it('refuses to start on SQLite, or without a JWT secret of its own (and generates none)', () => {
      const db = tmp();
      expect(() => loadConfig({ DATABASE_PATH: db, REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: secret })).toThrow(/needs DATABASE_URL/);
      expect(() => loadConfig({ DATABASE_PATH: db, DATABASE_URL: pg, REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/needs JWT_SECRET/);
      expect(existsSync(join(db, '..', 'jwt-secret'))).toBe(false);
    });

    it.each([
      [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres:\/\//],
      [{ DATABASE_URL: 'not a url' }, /DATABASE_URL must be a URL/],
      [{ DATABASE_URL: pg, JWT_SECRET: secret, REDIS_URL: 'http://x' }, /REDIS_URL must start with redis:\/\//],
      [{ DATABASE_URL: pg, JWT_SECRET: secret, REDIS_URL: 'redis://x', CLUSTER_HEARTBEAT_MS: '1000', CLUSTER_NODE_DEAD_AFTER_MS: '1500' }, /at least twice/],
      [{ DATABASE_URL: pg, JWT_SECRET: secret, REDIS_URL: 'redis://x', NODE_LINK_ADDRESS: '10.0.0.5' }, /NODE_LINK_ADDRESS must be host:port/],
      [{ DATABASE_URL: pg, JWT_SECRET: secret, REDIS_URL: 'redis://x', NODE_LINK_ADDRESS: '10.0.0.5:99999' }, /NODE_LINK_ADDRESS must be host:port/],
      [{ DATABASE_URL: pg, JWT_SECRET: secret, REDIS_URL: 'redis://x', NODE_LINK_ADDRESS: '0.0.0.0:7400' }, /wildcard/],
      [{ DATABASE_URL: pg, JWT_SECRET: secret, REDIS_URL: 'redis://x', NODE_LINK_ADVERTISE: '10.0.0.5:0' }, /NODE_LINK_ADVERTISE needs a port/],
    ])('explains a bad setting %j', (env, message) => {
      expect(() => loadConfig({ DATABASE_PATH: tmp(), ...env })).toThrow(message);
    });
  });
});
