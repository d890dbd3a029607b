import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';

export interface TestServer {
  app: FastifyInstance;
  config: Config;
  baseUrl: string;
  apiUrl: string;
  wsUrl: string;
  /** Every log line the server wrote, as text. */
  logs: string[];
  dataDir: string;
  /** Stops the server; keeps the database file unless `removeData`. */
  close(options?: { removeData?: boolean }): Promise<void>;
}

const running = new Set<TestServer>();

/**
 * A real server on 127.0.0.1 with a random port and a fresh SQLite file. Pass `dataDir` to reopen an existing
 * database (restart tests). Logs are captured at debug level so tests can inspect them.
 */
export async function startServer(env: Record<string, string> = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'parley-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: join(dir, 'parley.db'),
    JWT_SECRET: env['JWT_SECRET'] ?? 'test-secret-'.padEnd(48, randomBytes(8).toString('hex')),
    WEB_DIST_DIR: '',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApp(config, { logStream: stream });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server did not bind a TCP port');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const server: TestServer = {
    app,
    config,
    baseUrl,
    apiUrl: `${baseUrl}/api/v1`,
    wsUrl: `ws://127.0.0.1:${address.port}/api/v1/ws`,
    logs,
    dataDir: dir,
    async close({ removeData = true } = {}) {
      running.delete(server);
      await app.close();
      if (removeData) rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

/** Stops every server a test started (call from afterEach). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.close()));
}
