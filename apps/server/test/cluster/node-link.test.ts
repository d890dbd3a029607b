import { createHmac } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/cluster/bus.js';
import { encodeBatch, encodeEntry } from '../../src/cluster/bus-wire.js';
import { linkKey, SWITCH_WAIT_MS } from '../../src/cluster/node-link.js';
import { RedisBus } from '../../src/cluster/redis-bus.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { connected, frameNumbers, numberedFrame, startTestRedis, waitUntil, type TestRedis } from '../helpers/redis.js';

/**
 * Direct links between nodes, against a real redis-server and real TCP: what one node sends to another moves from
 * Redis onto the link without a frame lost or reordered, back to Redis when the link goes, and only a holder of
 * the cluster's key may open one. The receiver's side is also driven by hand, as a raw socket that knows the key,
 * to pin down when it holds, hands on and drops what a link brings.
 */

let redis: TestRedis;
const buses: RedisBus[] = [];
const sockets: Socket[] = [];
const KEY = linkKey('a-secret-every-node-of-the-test-cluster-shares');

beforeAll(async () => {
  redis = await startTestRedis();
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

afterAll(async () => {
  await redis.stop();
});

const log = pino({ level: 'silent' });
const frame = numberedFrame;
const numbers = frameNumbers;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Node {
  bus: RedisBus;
  received: BusMessage[];
  gaps: string[];
}

async function node(id: string, key: Buffer | null = KEY): Promise<Node> {
  const received: BusMessage[] = [];
  const gaps: string[] = [];
  const handlers = { message: (m: BusMessage) => received.push(m), gap: (reason: string) => gaps.push(reason), state: () => undefined };
  const bus = new RedisBus(redis.server.url, id, handlers, log, key === null ? null : { address: { host: '127.0.0.1', port: 0 }, advertise: null, key });
  buses.push(bus);
  await bus.start();
  return { bus, received, gaps };
}

/** Waits until the bus has its link to the other node up, and what it sent through Redis before has arrived. */
async function linkUp(bus: RedisBus): Promise<void> {
  await waitUntil(() => bus.stats.links().out === 1);
  await sleep(50);
}

/** Counts the Redis messages published to a node's channel. */
async function publishesTo(id: string): Promise<{ count: number }> {
  const publishes = { count: 0 };
  const counter = await connected(redis.client());
  await counter.subscribe(`parley:node:${id}`);
  counter.on('message', () => (publishes.count += 1));
  return publishes;
}

/** Sends frames `from`…`to - 1`, a few per millisecond, the way a busy node relays. */
async function stream(bus: RedisBus, target: string, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    bus.send(target, frame(n));
    if (n % 4 === 3) await sleep(1);
  }
}

/** A raw link into node `to`, as node `from` opens one: greeting, answer, OK. */
async function rawLink(to: string, from: string, key = KEY): Promise<{ socket: Socket; answer: string; closed: Promise<void> }> {
  const address = await (await connected(redis.client())).get(`parley:link:${to}`);
  const [host = '', port = ''] = address?.split(' ') ?? [];
  const socket = connect({ host, port: Number(port) });
  sockets.push(socket);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  let text = '';
  const answer = await new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.startsWith('PARLEY-LINK 1 ') && text.indexOf('\n') > 0 && !text.includes('answered')) {
        const nonce = text.slice('PARLEY-LINK 1 '.length, text.indexOf('\n'));
        socket.write(`${from} ${to} ${createHmac('sha256', key).update(`${nonce}|${from}|${to}`).digest('hex')}\n`);
        text = 'answered';
      } else if (text.startsWith('answered') && text.endsWith('\n')) resolve(text.slice('answered'.length, -1));
    });
  });
  return { socket, answer, closed };
}

const startFrame = (seq: number) => {
  const data = Buffer.alloc(11);
  data.writeUInt32BE(7, 0);
  data[4] = 0x53;
  data.writeUIntBE(seq, 5, 6);
  return data;
};
const batchFrame = (messages: BusMessage[]) => {
  const body = Buffer.concat([Buffer.from('B'), ...messages.flatMap(encodeEntry)]);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
};
const publishAs = async (from: string, to: string, seq: number, messages: BusMessage[]) =>
  (await connected(redis.client())).publish(`parley:node:${to}`, encodeBatch(seq, from, messages.flatMap(encodeEntry)));

describe('direct links between nodes', () => {
  it('move a steady stream from Redis onto the link without losing or reordering a frame', async () => {
    const a = await node('a');
    const b = await node('b');
    const publishes = await publishesTo('b');
    await stream(a.bus, 'b', 0, 400);
    await waitUntil(() => b.received.length === 400);
    await linkUp(a.bus);
    const byRedis = publishes.count;
    await stream(a.bus, 'b', 400, 1_200);
    await waitUntil(() => b.received.length === 1_200);
    expect(numbers(b.received)).toEqual([...Array(1_200).keys()]);
    // The first frames went through Redis while the link opened; after that Redis carried none.
    expect(byRedis).toBeGreaterThan(0);
    expect(publishes.count).toBe(byRedis);
    expect(b.gaps).toEqual([]);
    // The metrics say the same: one link up each way, the batches that went through Redis, the rest over the link.
    const metrics = createMetrics();
    metrics.watchBus(a.bus.stats);
    const text = await metrics.registry.metrics();
    expect(text).toContain('parley_cluster_links{direction="out"} 1');
    expect(text).toContain('parley_cluster_links{direction="in"} 1');
    // Redis carried one message more than the batches counted: the marker the link started behind.
    expect(text).toContain(`parley_cluster_bus_sends_total{path="redis"} ${byRedis - 1}`);
    expect(Number(/parley_cluster_bus_sends_total\{path="link"\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(50);
  });

  it('go back to Redis when a link goes, keep the order, and open again', async () => {
    const a = await node('a');
    const b = await node('b');
    const publishes = await publishesTo('b');
    await stream(a.bus, 'b', 0, 400);
    await waitUntil(() => b.received.length === 400);
    a.bus.forgetNode('b');
    const beforeRedis = publishes.count;
    await stream(a.bus, 'b', 400, 600);
    await waitUntil(() => numbers(b.received).at(-1) === 599);
    expect(publishes.count).toBeGreaterThan(beforeRedis);
    // A link opens again; Redis stops carrying the stream again.
    await stream(a.bus, 'b', 600, 800);
    await waitUntil(() => numbers(b.received).at(-1) === 799);
    await linkUp(a.bus);
    const afterReopen = publishes.count;
    await stream(a.bus, 'b', 800, 1_000);
    await waitUntil(() => numbers(b.received).at(-1) === 999);
    expect(publishes.count).toBe(afterReopen);
    // Frames in flight on the link that was dropped may be lost (the bus is at most once), never duplicated or reordered.
    const got = numbers(b.received);
    expect(got.every((n, i) => i === 0 || n > got[i - 1]!)).toBe(true);
    expect(got.filter((n) => n >= 600)).toEqual([...Array(400).keys()].map((n) => n + 600));
  });

  it('are refused to a node without the cluster’s key, which then sends through Redis', async () => {
    const b = await node('b');
    const stranger = await node('s', linkKey('some-other-secret-that-is-long-enough-to-pass'));
    const publishes = await publishesTo('b');
    await stream(stranger.bus, 'b', 0, 200);
    await waitUntil(() => b.received.length === 200);
    await sleep(50);
    await stream(stranger.bus, 'b', 200, 400);
    await waitUntil(() => b.received.length === 400);
    expect(numbers(b.received)).toEqual([...Array(400).keys()]);
    expect(publishes.count).toBeGreaterThan(50);
    const { answer, closed } = await rawLink('b', 'x', linkKey('a-guess'));
    expect(answer).toBe('NO');
    await closed;
  });

  it('hold what a new link brings until the Redis message sent before it has come', async () => {
    const b = await node('b');
    const { socket, answer } = await rawLink('b', 'x');
    expect(answer).toBe('OK');
    socket.write(startFrame(1));
    socket.write(batchFrame([frame(2), frame(3)]));
    await sleep(100);
    expect(b.received).toEqual([]);
    await publishAs('x', 'b', 1, [frame(1)]);
    await waitUntil(() => b.received.length === 3);
    expect(numbers(b.received)).toEqual([1, 2, 3]);
    expect(b.gaps).toEqual([]);
  });

  it('hand on what a new link holds after a while when the Redis message before it was lost, as a gap', async () => {
    const b = await node('b');
    const { socket } = await rawLink('b', 'x');
    socket.write(startFrame(5));
    socket.write(batchFrame([frame(6)]));
    await sleep(SWITCH_WAIT_MS / 2);
    expect(b.received).toEqual([]);
    await waitUntil(() => b.received.length === 1, SWITCH_WAIT_MS * 2);
    expect(numbers(b.received)).toEqual([6]);
    expect(b.gaps).toHaveLength(1);
  });

  it('drop a link whose sender has gone back to Redis, so nothing older arrives after newer', async () => {
    const b = await node('b');
    const { socket, closed } = await rawLink('b', 'x');
    socket.write(startFrame(0));
    socket.write(batchFrame([frame(1)]));
    await waitUntil(() => b.received.length === 1);
    await publishAs('x', 'b', 1, [frame(2)]);
    await closed;
    expect(numbers(b.received)).toEqual([1, 2]);
    expect(b.gaps).toHaveLength(1);
  });

  it('drop what a new link holds when a later Redis message shows its sender has already left it', async () => {
    const b = await node('b');
    const { socket, closed } = await rawLink('b', 'x');
    socket.write(startFrame(1));
    socket.write(batchFrame([frame(2)]));
    await sleep(50);
    // Redis message 1 never came (lost); message 2 was sent after the link broke, so the link's frame is older.
    await publishAs('x', 'b', 2, [frame(3)]);
    await closed;
    await sleep(SWITCH_WAIT_MS + 100);
    expect(numbers(b.received)).toEqual([3]);
    expect(b.gaps).toHaveLength(1);
  });

  it('carry the broadcasts too, in order with the frames, each once', async () => {
    const a = await node('a');
    const b = await node('b');
    await linkUp(a.bus);
    for (let n = 0; n < 300; n++) {
      if (n % 3 === 0) a.bus.broadcast(frame(n));
      else a.bus.send('b', frame(n));
      if (n % 4 === 3) await sleep(1);
    }
    await waitUntil(() => b.received.length >= 300);
    await sleep(100);
    expect(numbers(b.received)).toEqual([...Array(300).keys()]);
  });

  it('skip a Redis broadcast that names them as linked, and drop a link whose sender broadcast without naming them', async () => {
    const b = await node('b');
    const { socket, closed } = await rawLink('b', 'x');
    socket.write(startFrame(0));
    socket.write(batchFrame([frame(1)]));
    await waitUntil(() => b.received.length === 1);
    const all = async (seq: number, messages: BusMessage[], linked: string[]) =>
      (await connected(redis.client())).publish('parley:all', encodeBatch(seq, 'x', messages.flatMap(encodeEntry), linked));
    await all(1, [frame(1)], ['b']);
    await sleep(100);
    expect(numbers(b.received)).toEqual([1]);
    await all(2, [frame(2)], []);
    await closed;
    expect(numbers(b.received)).toEqual([1, 2]);
    expect(b.gaps).toHaveLength(1);
  });

  it('drop a link that sends something that is not a frame, and take a new one from the same node', async () => {
    const b = await node('b');
    const first = await rawLink('b', 'x');
    first.socket.write(Buffer.from([0, 0, 0, 3, 0x51, 1, 2]));
    await first.closed;
    expect(b.gaps).toHaveLength(1);
    const second = await rawLink('b', 'x');
    second.socket.write(startFrame(0));
    second.socket.write(batchFrame([frame(7)]));
    await waitUntil(() => b.received.length === 1);
    expect(numbers(b.received)).toEqual([7]);
  });

  it('leave everything to Redis on a node that has them turned off', async () => {
    const a = await node('a', null);
    const b = await node('b', null);
    const publishes = await publishesTo('b');
    await stream(a.bus, 'b', 0, 200);
    await waitUntil(() => b.received.length === 200);
    expect(numbers(b.received)).toEqual([...Array(200).keys()]);
    expect(publishes.count).toBeGreaterThan(20);
    expect(await (await connected(redis.client())).get('parley:link:b')).toBeNull();
  });
});
