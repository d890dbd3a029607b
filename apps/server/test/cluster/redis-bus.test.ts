import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/cluster/bus.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { connected, frameNumbers, numberedFrame, startTestRedis, waitUntil, type TestRedis } from '../helpers/redis.js';

/**
 * The Redis bus's rounds, against a real redis-server: what one turn of the event loop sends to a node leaves in
 * one PUBLISH, in order; each turn sends its own; closing sends what the turn has queued. A raw subscriber on the
 * receiving node's channel counts the PUBLISHes.
 */

let redis: TestRedis;
const buses: RedisBus[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

afterAll(async () => {
  await redis.stop();
});

const log = pino({ level: 'silent' });
const frame = numberedFrame;
const numbers = frameNumbers;

/** Node `a` sending to node `b`, with what `b` received and how many PUBLISHes reached `b`'s channel. */
async function pair() {
  const received: BusMessage[] = [];
  const publishes = { count: 0 };
  const handlers = (into: BusMessage[]) => ({ message: (m: BusMessage) => into.push(m), gap: () => undefined, state: () => undefined });
  const a = new RedisBus(redis.server.url, 'a', handlers([]), log);
  const b = new RedisBus(redis.server.url, 'b', handlers(received), log);
  buses.push(a, b);
  await Promise.all([a.start(), b.start()]);
  const counter = await connected(redis.client());
  await counter.subscribe('parley:node:b');
  counter.on('message', () => (publishes.count += 1));
  return { a, received, publishes };
}

describe('the Redis bus', () => {
  it('sends what one turn queued for a node in one PUBLISH, in order, and each turn its own', async () => {
    const { a, received, publishes } = await pair();
    for (let n = 0; n < 20; n++) a.send('b', frame(n));
    await waitUntil(() => received.length === 20);
    expect(publishes.count).toBe(1);
    for (let n = 20; n < 25; n++) {
      a.send('b', frame(n));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => received.length === 25);
    expect(numbers(received)).toEqual([...Array(25).keys()]);
    expect(publishes.count).toBe(6);
  });

  it('sends what the turn has queued when it closes (a node’s goodbye on SIGTERM is not lost)', async () => {
    const { a, received } = await pair();
    a.send('b', frame(0));
    a.send('b', frame(1));
    await a.close();
    await waitUntil(() => received.length === 2, 2_000);
    expect(numbers(received)).toEqual([0, 1]);
  });
});
