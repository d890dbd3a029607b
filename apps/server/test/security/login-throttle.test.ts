import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLoginThrottle, type LoginThrottle } from '../../src/auth/login-throttle.js';
import { ClusterLoginThrottle, RedisLoginThrottle } from '../../src/auth/redis-login-throttle.js';
import { RedisOrLocal } from '../../src/cluster/redis-fallback.js';
import { sleep } from '../helpers/calls.js';
import { connected, reconnected, startTestRedis, type TestRedis } from '../helpers/redis.js';

const silent = pino({ level: 'silent' });
let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => redis?.stop());

/** A node's throttle as app.ts builds it in a cluster, on a Redis client of its own; `alone` counts its lone decisions. */
function clusterThrottle(max: number, windowMs: number, timeoutMs?: number) {
  const counter = { alone: 0 };
  const client = redis.client();
  const throttle = new ClusterLoginThrottle(
    new RedisLoginThrottle(client, max, windowMs),
    new MemoryLoginThrottle(max, windowMs),
    new RedisOrLocal('login_throttle', silent, () => (counter.alone += 1), timeoutMs),
    silent,
  );
  return { throttle, client, counter };
}

/**
 * What every `LoginThrottle` must do, whatever its store: run against each implementation. The Redis one runs
 * against a real redis-server, emptied before each case.
 */
const implementations: [string, (max: number, windowMs: number) => Promise<LoginThrottle>][] = [
  ['in memory', async (max, windowMs) => new MemoryLoginThrottle(max, windowMs)],
  [
    'in Redis',
    async (max, windowMs) => {
      const client = await connected(redis.client());
      await client.flushdb();
      return new RedisLoginThrottle(client, max, windowMs);
    },
  ],
];

describe.each(implementations)('LoginThrottle (%s)', (_name, make) => {
  it('grants exactly the limit of reservations made at once, and says how long the rest must wait', async () => {
    const throttle = await make(10, 60_000);
    const answers = await Promise.all(Array.from({ length: 50 }, () => throttle.reserve('alice')));
    expect(answers.filter((a) => a.ok)).toHaveLength(10);
    const refused = answers.filter((a) => !a.ok);
    expect(refused).toHaveLength(40);
    for (const answer of refused) {
      expect(answer.retryAfterMs).toBeGreaterThan(0);
      expect(answer.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it('keeps a failed attempt’s slot, frees the username on a success, and leaves other usernames alone', async () => {
    const throttle = await make(2, 60_000);
    const first = await throttle.reserve('alice');
    if (!first.ok) throw new Error('the first attempt must be granted');
    await first.settle(false);
    const second = await throttle.reserve('alice');
    if (!second.ok) throw new Error('the second attempt must be granted');
    expect((await throttle.reserve('alice')).ok).toBe(false);
    expect((await throttle.reserve('bob')).ok).toBe(true);
    await second.settle(true);
    const afterSuccess = await Promise.all([throttle.reserve('alice'), throttle.reserve('alice'), throttle.reserve('alice')]);
    expect(afterSuccess.map((a) => a.ok)).toEqual([true, true, false]);
  });

  it('opens a fresh window once the old one ran out', async () => {
    const throttle = await make(1, 200);
    expect((await throttle.reserve('alice')).ok).toBe(true);
    expect((await throttle.reserve('alice')).ok).toBe(false);
    await sleep(250);
    expect((await throttle.reserve('alice')).ok).toBe(true);
  });

  it('lets a success clear only the window it was counted in', async () => {
    const throttle = await make(1, 200);
    const old = await throttle.reserve('alice');
    if (!old.ok) throw new Error('the first attempt must be granted');
    await sleep(250);
    expect((await throttle.reserve('alice')).ok).toBe(true);
    await old.settle(true);
    expect((await throttle.reserve('alice')).ok).toBe(false);
  });
});

describe('ClusterLoginThrottle: the limit shared by every node', () => {
  it('grants the limit once across nodes, however many ask at once', async () => {
    await (await connected(redis.client())).flushdb();
    const nodes = [clusterThrottle(10, 60_000), clusterThrottle(10, 60_000), clusterThrottle(10, 60_000)];
    await Promise.all(nodes.map((n) => connected(n.client)));
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => nodes[i % 3]!.throttle.reserve('carol')));
    expect(answers.filter((a) => a.ok)).toHaveLength(10);
    expect(nodes.map((n) => n.counter.alone)).toEqual([0, 0, 0]);
  });

  it('decides on this node alone while Redis is down, and shares the limit again once it is back', async () => {
    const node = clusterThrottle(2, 60_000);
    const other = clusterThrottle(2, 60_000);
    await Promise.all([connected(node.client), connected(other.client)]);
    await node.client.flushdb();
    expect((await node.throttle.reserve('dave')).ok).toBe(true);
    expect((await other.throttle.reserve('dave')).ok).toBe(true);
    expect((await node.throttle.reserve('dave')).ok).toBe(false);

    await redis.server.stop();
    try {
      // This node's memory knows nothing of the shared window: it grants its own limit, and no more.
      const alone = await Promise.all([1, 2, 3].map(() => node.throttle.reserve('dave')));
      expect(alone.map((a) => a.ok)).toEqual([true, true, false]);
      expect(node.counter.alone).toBe(3);
      // A success on the way still logs in: clearing the window is best effort.
      const eve = await node.throttle.reserve('eve');
      if (!eve.ok) throw new Error('eve must be granted');
      await eve.settle(true);
    } finally {
      await redis.server.start();
    }
    await reconnected([node.client, other.client]);
    // Redis came back empty: a new shared window, seen by both nodes.
    expect((await node.throttle.reserve('dave')).ok).toBe(true);
    expect((await other.throttle.reserve('dave')).ok).toBe(true);
    expect((await other.throttle.reserve('dave')).ok).toBe(false);
    expect((await node.throttle.reserve('dave')).ok).toBe(false);
  });

  it('does not wait for a stalled Redis longer than its timeout', async () => {
    const node = clusterThrottle(2, 60_000, 300);
    await connected(node.client);
    redis.server.process.signal('SIGSTOP');
    try {
      const started = Date.now();
      expect((await node.throttle.reserve('frank')).ok).toBe(true);
      // Generous bound on a loaded machine; without the timeout it would wait for as long as Redis is stopped.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(node.counter.alone).toBe(1);
    } finally {
      redis.server.process.signal('SIGCONT');
    }
  });
});
