import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/cluster/bus.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { connected, startTestRedis, type TestRedis } from '../helpers/redis.js';

/**
 * The Redis bus's rounds, against a real redis-server: an idle bus sends at once, a busy one at most once per
 * `busFlushMs` (one PUBLISH then carries every message queued meanwhile, in order), and closing sends what waits.
 * A raw subscriber on the receiving node's channel counts the PUBLISHes.
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
const frame = (n: number): BusMessage => ({ kind: 'deliver', conn: 'b.conn-1', frame: Buffer.from(JSON.stringify({ n })) });
const numbers = (messages: BusMessage[]) => messages.map((m) => (m.kind === 'deliver' ? (JSON.parse(m.frame.toString()) as { n: number }).n : -1));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Node `a` sending to node `b`, with what `b` received and when each PUBLISH to `b`'s channel arrived. */
async function pair(busFlushMs: number) {
  const received: BusMessage[] = [];
  const publishes: number[] = [];
  const handlers = (into: BusMessage[]) => ({ message: (m: BusMessage) => into.push(m), gap: () => undefined, state: () => undefined });
  const a = new RedisBus(redis.server.url, 'a', handlers([]), log, busFlushMs);
  const b = new RedisBus(redis.server.url, 'b', handlers(received), log, busFlushMs);
  buses.push(a, b);
  await Promise.all([a.start(), b.start()]);
  const counter = await connected(redis.client());
  await counter.subscribe('parley:node:b');
  counter.on('message', () => publishes.push(performance.now()));
  return { a, received, publishes };
}

describe('the Redis bus', () => {
  it('sends at once when idle, and at most once per interval while busy: the queued messages then leave in one PUBLISH, in order', async () => {
    const busFlushMs = 400;
    const { a, received, publishes } = await pair(busFlushMs);
    const sentAt = performance.now();
    a.send('b', frame(0));
    await waitUntil(() => received.length === 1);
    // Idle: it did not wait for the interval.
    expect(publishes[0]! - sentAt).toBeLessThan(busFlushMs / 2);
    // Busy: twenty messages, each sent in a turn of its own, wait for the interval and leave together.
    for (let n = 1; n <= 20; n++) {
      a.send('b', frame(n));
      await nextTurn();
    }
    await waitUntil(() => received.length === 21);
    expect(numbers(received)).toEqual([...Array(21).keys()]);
    expect(publishes).toHaveLength(2);
    expect(publishes[1]! - publishes[0]!).toBeGreaterThanOrEqual(busFlushMs - 50);
  });

  it('with an interval of 0 sends every turn', async () => {
    const { a, received, publishes } = await pair(0);
    for (let n = 0; n < 10; n++) {
      a.send('b', frame(n));
      // A round trip to Redis between sends: each turn's message is on its own.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => received.length === 10);
    expect(numbers(received)).toEqual([...Array(10).keys()]);
    expect(publishes).toHaveLength(10);
  });

  it('sends what waits for its round when it closes (a node’s goodbye on SIGTERM is not lost)', async () => {
    const { a, received } = await pair(60_000);
    a.send('b', frame(0));
    await waitUntil(() => received.length === 1);
    a.send('b', frame(1));
    await nextTurn();
    expect(received).toHaveLength(1);
    await a.close();
    await waitUntil(() => received.length === 2, 2_000);
    expect(numbers(received)).toEqual([0, 1]);
  });
});
