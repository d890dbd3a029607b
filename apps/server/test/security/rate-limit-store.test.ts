import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisOrLocal } from '../../src/cluster/redis-fallback.js';
import { sharedRateLimitStore } from '../../src/http/rate-limit-store.js';
import { connected, reconnected, startTestRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => redis?.stop());

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** A "node": @fastify/rate-limit on the shared store, two routes limited to 3 a minute per caller. */
async function node(alone: { count: number }) {
  const client = await connected(redis.client());
  const app = Fastify();
  apps.push(app);
  const redisOrLocal = new RedisOrLocal('rate_limit', pino({ level: 'silent' }), () => (alone.count += 1), 300);
  await app.register(rateLimit, { global: false, store: sharedRateLimitStore(client, redisOrLocal) });
  const limited = { config: { rateLimit: { max: 3, timeWindow: 60_000, keyGenerator: () => 'caller' } } };
  app.post('/a', limited, async () => ({ ok: true }));
  app.post('/b', limited, async () => ({ ok: true }));
  return { app, client, hit: async (url: string) => (await app.inject({ method: 'POST', url })).statusCode };
}

describe('the rate-limit store shared by every node', () => {
  it('counts a caller’s requests on every node together, each route apart', async () => {
    await (await connected(redis.client())).flushdb();
    const alone = { count: 0 };
    const [one, two] = [await node(alone), await node(alone)];
    expect([await one.hit('/a'), await two.hit('/a'), await one.hit('/a')]).toEqual([200, 200, 200]);
    expect([await two.hit('/a'), await one.hit('/a')]).toEqual([429, 429]);
    expect(await two.hit('/b')).toBe(200);
    expect(alone.count).toBe(0);
  });

  it('counts on each node alone while Redis is down (never a 500, never unlimited), and together again after', async () => {
    await (await connected(redis.client())).flushdb();
    const alone = { count: 0 };
    const [one, two] = [await node(alone), await node(alone)];
    await redis.server.stop();
    try {
      expect([await one.hit('/a'), await one.hit('/a'), await one.hit('/a'), await one.hit('/a')]).toEqual([200, 200, 200, 429]);
      expect(await two.hit('/a')).toBe(200);
      expect(alone.count).toBe(5);
    } finally {
      await redis.server.start();
    }
    await reconnected([one.client, two.client]);
    expect([await one.hit('/a'), await two.hit('/a'), await one.hit('/a'), await two.hit('/a')]).toEqual([200, 200, 200, 429]);
  });
});
