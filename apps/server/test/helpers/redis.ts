import type { BusMessage } from '../../src/cluster/bus.js';
import { startRedis, type RedisServer } from '@parley/services';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real redis-server of the test file's own, and clients configured as a cluster node's (no offline queue). */
export interface TestRedis {
  server: RedisServer;
  client(): Redis;
  /** Disconnects every client, stops the server and removes its folder. */
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  const server = await startRedis({ dir });
  const clients: Redis[] = [];
  return {
    server,
    client() {
      const client = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: true });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients.splice(0)) client.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A client that is connected before it is used (no offline queue: a command sent earlier would fail). */
export async function connected(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await redis.connect();
  return redis;
}

/** Waits until every client has reconnected (after the server was restarted). */
export async function reconnected(clients: Redis[], timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!clients.every((c) => c.status === 'ready')) {
    if (Date.now() - started > timeoutMs) throw new Error(`Redis clients not reconnected within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A bus frame for connection `b.conn-1` of node `b`, numbered; {@link frameNumbers} reads the numbers back. */
export const numberedFrame = (n: number): BusMessage => ({ kind: 'deliver', conn: 'b.conn-1', frame: Buffer.from(JSON.stringify({ n })) });
export const frameNumbers = (messages: BusMessage[]) => messages.map((m) => (m.kind === 'deliver' ? (JSON.parse(m.frame.toString()) as { n: number }).n : -1));

/** Polls `check` every 5 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
