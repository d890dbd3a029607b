import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { BusMessage } from './bus.js';
import { decodeEntries } from './bus-wire.js';

/**
 * Direct links between nodes, for what one node sends to another (relayed frames above all): a TCP connection from
 * the sender to the receiver, so a frame costs a write on one node and a read on the other instead of a trip through
 * Redis (a third process woken, a read and a write in it). Redis stays the control plane, carries broadcasts to the
 * nodes without a link, and everything while there is none (not yet opened, the peer has none, it broke).
 *
 * Order per sender and receiver is kept across the two paths:
 * - **Onto the link.** Once the link is up, the sender sends what its bus has queued through Redis and a marker
 *   behind it, and opens the link with the marker's sequence number; the receiver holds what comes over the link
 *   until it has seen the marker (or for {@link SWITCH_WAIT_MS}, when it was lost: a gap). From then on the link
 *   carries everything the sender sends that node, its broadcasts included (their Redis copy names the nodes that
 *   got them by link, which skip it), so a change and the frames that follow it arrive in the order they were sent.
 * - **Back to Redis.** A sender whose link broke sends through Redis again. A receiver that gets a Redis message
 *   from a node whose link it has taken into use (a broadcast that does not name it, or anything on its own
 *   channel) drops that link, so nothing older can arrive after it: frames still in flight on the link are lost
 *   (the bus is at most once; the receiver resyncs, as for any gap).
 *
 * Only nodes of the cluster may open a link: the receiver sends a nonce, the sender answers with an HMAC of it
 * under a key derived from the shared JWT secret. The link is not encrypted (like Redis without TLS): it belongs
 * on the nodes' private network.
 *
 *     receiver → sender:  "PARLEY-LINK 1 <nonce>\n"
 *     sender → receiver:  "<from> <to> <hmac>\n"
 *     receiver → sender:  "OK\n"   (or "NO\n" and the end)
 *     sender → receiver:  frames: <u32 length> <type> <payload>
 *                           "S" <u48 seq>   the Redis marker the link starts behind (first frame, once)
 *                           "B" <entries>   bus messages, as in bus-wire.ts
 */

export interface LinkAddress {
  host: string;
  port: number;
}

export interface LinkSettings {
  /** Where this node listens for links (port 0: any free one). */
  address: LinkAddress;
  /** What it tells the others, when that differs (a port mapped by a container, a proxy); default: `address`. */
  advertise: LinkAddress | null;
  /** The HMAC key links are opened with: {@link linkKey} of the cluster's shared secret. */
  key: Buffer;
}

/** What the links need of the bus around them. */
export interface LinkBusSide {
  nodeId(): string;
  /**
   * Sends what the bus has queued now, then a marker to `node` through Redis, behind everything this node sent
   * there before (broadcasts too); returns the marker's sequence number.
   */
  switchOver(node: string): number;
  /** The sequence number of the last Redis message seen from `node` on this node's channel. */
  lastSeenFrom(node: string): number | undefined;
  message(message: BusMessage, from: string): void;
  gap(reason: string): void;
}

/** The key links are opened with, derived from the cluster's shared secret (never the secret itself). */
export function linkKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('parley node link v1').digest();
}

const GREETING = 'PARLEY-LINK 1 ';
const addressKey = (node: string) => `parley:link:${node}`;
/** How long the address of a node stays in Redis without being renewed. */
const ADDRESS_TTL_MS = 90_000;
const ADDRESS_RENEW_MS = 30_000;
const HANDSHAKE_MS = 5_000;
const MAX_LINE = 512;
/** How long a receiver holds a new link's messages for the Redis marker sent before them. */
export const SWITCH_WAIT_MS = 1_000;
const MAX_FRAME = 16 * 1024 * 1024;
/** A link whose peer reads slower than this much piles up is given up (and Redis takes over). */
const MAX_BACKLOG = 8 * 1024 * 1024;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
const START = 0x53; // S
const BATCH = 0x42; // B

/** The link frame of a batch of bus entries. */
function batchFrame(parts: readonly Buffer[]): Buffer {
  let length = 1;
  for (const part of parts) length += part.length;
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32BE(length, 0);
  head[4] = BATCH;
  return Buffer.concat([head, ...parts], length + 4);
}

/**
 * A handshake line: `pending` (what came before, as latin1 text) and `chunk` read up to the first LF. The line and
 * what follows it; the text so far while no LF has come; null once it is longer than a line may be.
 */
function readLine(pending: string, chunk: Buffer): { line: string; rest: string } | string | null {
  const text = pending + chunk.toString('latin1');
  const end = text.indexOf('\n');
  if (end < 0) return text.length > MAX_LINE ? null : text;
  if (end > MAX_LINE) return null;
  return { line: text.slice(0, end), rest: text.slice(end + 1) };
}

/** A link this node opens to another, by what it is doing. */
type Outbound =
  | { state: 'opening'; socket: Socket | null }
  | { state: 'up'; socket: Socket }
  | { state: 'down'; retryAt: number; failures: number };

/** A link another node opened to this one. */
interface Inbound {
  socket: Socket;
  from: string;
  /** `waiting`: its messages are held until the Redis marker `seq` from the sender has been seen. */
  state: { kind: 'started' } | { kind: 'waiting'; seq: number; held: BusMessage[][]; timer: NodeJS.Timeout } | { kind: 'live' };
}

export class NodeLinks {
  private readonly server: Server;
  private readonly outbound = new Map<string, Outbound>();
  private readonly inbound = new Map<string, Inbound>();
  private advertised: string | null = null;
  private renewal: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly settings: LinkSettings,
    private readonly side: LinkBusSide,
    private readonly redis: Redis,
    private readonly log: FastifyBaseLogger,
  ) {
    this.server = createServer((socket) => this.accepted(socket));
    this.server.on('error', (error) => this.log.warn({ err: error }, 'node link listener failed'));
  }

  /** Listens, and tells the other nodes where. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.address.port, this.settings.address.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const bound = this.server.address();
    const port = typeof bound === 'object' && bound !== null ? bound.port : this.settings.address.port;
    const { advertise } = this.settings;
    this.advertised = advertise === null ? `${this.settings.address.host} ${port}` : `${advertise.host} ${advertise.port}`;
    await this.register();
    await this.discover();
    this.renewal = setInterval(() => void this.register().then(() => this.discover()), ADDRESS_RENEW_MS);
    this.renewal.unref();
  }

  /**
   * Opens links to the nodes that have an address, so the first frames of a call need not wait for one (a node
   * that joins later opens its link here, and the link it opens makes this node open one back); forgets the
   * failed tries at nodes that are gone.
   */
  private async discover(): Promise<void> {
    const listed = new Set<string>();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', addressKey('*'), 'COUNT', 100);
        cursor = next;
        for (const key of keys) listed.add(key.slice(addressKey('').length));
      } while (cursor !== '0');
    } catch (error) {
      this.log.debug({ err: error }, 'could not list the node link addresses');
      return;
    }
    if (this.closed) return;
    for (const [node, link] of this.outbound) if (link.state === 'down' && !listed.has(node)) this.outbound.delete(node);
    for (const node of listed) if (node !== this.side.nodeId() && !this.outbound.has(node)) this.open(node, 0);
  }

  /** Puts this node's address (back) in Redis: at start, now and then, after Redis came back. */
  async register(): Promise<void> {
    if (this.advertised === null || this.closed) return;
    await this.redis.set(addressKey(this.side.nodeId()), this.advertised, 'PX', ADDRESS_TTL_MS).catch((error: unknown) => {
      this.log.debug({ err: error }, 'could not register the node link address');
    });
  }

  /**
   * Sends `parts` (bus entries) to `node` over its link, when there is one; false sends nothing, and the caller
   * sends through Redis (a link is opened meanwhile, for the messages after).
   */
  send(node: string, parts: readonly Buffer[]): boolean {
    const link = this.outbound.get(node);
    if (link?.state === 'up') return this.write(node, link.socket, batchFrame(parts));
    if (link === undefined) this.open(node, 0);
    else if (link.state === 'down' && Date.now() >= link.retryAt) this.open(node, link.failures);
    return false;
  }

  /**
   * Sends a broadcast's entries over every link that is up, so that each of those nodes gets it in order with what
   * else this node sends it; returns those nodes (the Redis copy names them, and they skip it).
   */
  broadcast(parts: readonly Buffer[]): string[] {
    const linked: string[] = [];
    let frame: Buffer | undefined;
    for (const [node, link] of this.outbound) {
      if (link.state !== 'up') continue;
      frame ??= batchFrame(parts);
      if (this.write(node, link.socket, frame)) linked.push(node);
    }
    return linked;
  }

  private write(node: string, socket: Socket, frame: Buffer): boolean {
    if (socket.writableLength > MAX_BACKLOG) {
      this.log.warn({ node }, 'a node link backed up: sending through Redis');
      socket.destroy();
      return false;
    }
    socket.write(frame);
    return true;
  }

  /**
   * A Redis message from `from` to this node was handed on: it may be the one a new link waits for, or it says
   * that the sender has left its link (which is then dropped, so nothing older arrives after it).
   */
  redisSeen(from: string, seq: number): void {
    const link = this.inbound.get(from);
    if (link === undefined) return;
    const { state } = link;
    if (state.kind === 'waiting' && seq === state.seq) return this.release(link);
    // A later one: the sender has already left the link it opened, and what the link holds is older than this.
    if (state.kind === 'live' || (state.kind === 'waiting' && seq > state.seq)) this.left(link);
  }

  /** A Redis broadcast from `from` that does not name this node as linked: `from` has left its link to it. */
  redisBroadcastSeen(from: string): void {
    const link = this.inbound.get(from);
    if (link?.state.kind === 'live') this.left(link);
  }

  /** The sender went back to Redis: what is still on its way over the link would come after newer messages. */
  private left(link: Inbound): void {
    this.dropInbound(link);
    this.side.gap(`the link from ${link.from} was left for Redis`);
  }

  /** How many links are up: opened by this node (out), by others (in). */
  up(): { out: number; in: number } {
    let out = 0;
    for (const link of this.outbound.values()) if (link.state === 'up') out += 1;
    let inbound = 0;
    for (const link of this.inbound.values()) if (!link.socket.destroyed) inbound += 1;
    return { out, in: inbound };
  }

  /** A node was declared dead: its links go. */
  forget(node: string): void {
    const out = this.outbound.get(node);
    if (out !== undefined && out.state !== 'down') out.socket?.destroy();
    this.outbound.delete(node);
    const link = this.inbound.get(node);
    if (link !== undefined) this.dropInbound(link);
  }

  /** This node took a new name (`old` was its name): links named after the old one go. */
  async renamed(old: string): Promise<void> {
    for (const node of [...this.outbound.keys()]) this.forget(node);
    for (const node of [...this.inbound.keys()]) this.forget(node);
    await this.redis.del(addressKey(old)).catch(() => undefined);
    await this.register();
    await this.discover();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.renewal);
    for (const link of this.outbound.values()) {
      if (link.state === 'up') link.socket.end();
      else if (link.state === 'opening') link.socket?.destroy();
    }
    this.outbound.clear();
    for (const link of [...this.inbound.values()]) this.dropInbound(link);
    if (this.advertised !== null && this.redis.status === 'ready') await this.redis.del(addressKey(this.side.nodeId())).catch(() => undefined);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // The sending side.

  private open(node: string, failures: number): void {
    if (this.closed) return;
    const link: Outbound = { state: 'opening', socket: null };
    this.outbound.set(node, link);
    const current = () => this.outbound.get(node) === link;
    /** After a link that was up, the next try comes soon; after failed tries, later and later. */
    const fail = (why: string, wasUp = false) => {
      if (!current() && !wasUp) return;
      const tries = wasUp ? 0 : failures;
      const wait = Math.min(RETRY_MIN_MS * 2 ** tries, RETRY_MAX_MS);
      this.outbound.set(node, { state: 'down', retryAt: Date.now() + wait, failures: tries + 1 });
      this.log.debug({ node, why, retryInMs: wait }, 'no node link: sending through Redis');
    };
    this.redis.get(addressKey(node)).then(
      (address) => {
        if (!current()) return;
        const [host, port] = address?.split(' ') ?? [];
        if (host === undefined || port === undefined) return fail('the node has no link address');
        const socket = connect({ host, port: Number(port), noDelay: true });
        link.socket = socket;
        this.handshake(node, socket, current, fail);
      },
      () => fail('redis did not answer'),
    );
  }

  private handshake(node: string, socket: Socket, current: () => boolean, fail: (why: string, wasUp?: boolean) => void): void {
    const timer = setTimeout(() => socket.destroy(new Error('handshake timed out')), HANDSHAKE_MS);
    let stage: 'greeting' | 'answer' | 'up' = 'greeting';
    let pending = '';
    socket.on('error', (error) => this.log.debug({ err: error, node }, 'node link error'));
    socket.on('close', () => {
      clearTimeout(timer);
      if (stage !== 'up') return fail(`the link closed during the handshake (${stage})`);
      const link = this.outbound.get(node);
      if (link?.state !== 'up' || link.socket !== socket) return;
      this.log.info({ node }, 'node link closed: sending through Redis');
      fail('the link closed', true);
    });
    socket.on('data', (chunk: Buffer) => {
      if (stage === 'up') return;
      const read = readLine(pending, chunk);
      if (read === null) return void socket.destroy();
      if (typeof read === 'string') return void (pending = read);
      const { line } = read;
      pending = read.rest;
      if (stage === 'greeting') {
        if (!line.startsWith(GREETING)) return void socket.destroy();
        const nonce = line.slice(GREETING.length);
        const from = this.side.nodeId();
        socket.write(`${from} ${node} ${this.mac(nonce, from, node)}\n`);
        stage = 'answer';
        return;
      }
      if (line !== 'OK' || !current()) return void socket.destroy();
      clearTimeout(timer);
      stage = 'up';
      // What the bus queued for this node leaves through Redis first, then a marker; the link starts behind it.
      const seq = this.side.switchOver(node);
      const start = Buffer.allocUnsafe(11);
      start.writeUInt32BE(7, 0);
      start[4] = START;
      start.writeUIntBE(seq, 5, 6);
      socket.write(start);
      this.outbound.set(node, { state: 'up', socket });
      this.log.info({ node }, 'node link up');
    });
  }

  private mac(nonce: string, from: string, to: string): string {
    return createHmac('sha256', this.settings.key).update(`${nonce}|${from}|${to}`).digest('hex');
  }

  // The receiving side.

  private accepted(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('error', (error) => this.log.debug({ err: error }, 'node link error'));
    const nonce = randomBytes(16).toString('hex');
    socket.write(`${GREETING}${nonce}\n`);
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_MS);
    let pending = '';
    const hello = (chunk: Buffer) => {
      const read = readLine(pending, chunk);
      if (read === null) return void socket.destroy();
      if (typeof read === 'string') return void (pending = read);
      socket.off('data', hello);
      clearTimeout(timer);
      const [from = '', to = '', mac = ''] = read.line.split(' ');
      const rest = Buffer.from(read.rest, 'latin1');
      const expected = Buffer.from(this.mac(nonce, from, to), 'hex');
      const given = Buffer.from(mac, 'hex');
      const genuine = given.length === expected.length && timingSafeEqual(given, expected);
      if (!genuine || to !== this.side.nodeId() || from === to || from.length === 0 || this.closed) {
        this.log.warn({ remote: socket.remoteAddress, genuine }, 'refused a node link');
        socket.end('NO\n');
        return;
      }
      const previous = this.inbound.get(from);
      if (previous !== undefined) this.dropInbound(previous);
      const link: Inbound = { socket, from, state: { kind: 'started' } };
      this.inbound.set(from, link);
      socket.write('OK\n');
      this.read(link, rest);
      if (!this.outbound.has(from)) this.open(from, 0);
    };
    socket.on('data', hello);
  }

  private read(link: Inbound, first: Buffer): void {
    let buffer = first;
    const take = (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (buffer.length >= 5) {
        const length = buffer.readUInt32BE(0);
        if (length === 0 || length > MAX_FRAME) return this.broken(link, 'an oversized frame');
        if (buffer.length < length + 4) return;
        const frame = buffer.subarray(4, length + 4);
        buffer = buffer.subarray(length + 4);
        if (!this.frame(link, frame)) return this.broken(link, 'an unreadable frame');
        if (this.inbound.get(link.from) !== link) return;
      }
    };
    link.socket.on('data', take);
    link.socket.on('close', (hadError) => {
      if (this.inbound.get(link.from) !== link) return;
      // A link that is still waiting keeps its held messages for the marker they follow (or its timer).
      if (link.state.kind !== 'waiting') this.inbound.delete(link.from);
      if (hadError) this.side.gap(`the link from ${link.from} broke`);
    });
    if (first.length > 0) take(Buffer.alloc(0));
  }

  /** Handles one frame; false when it is not one. */
  private frame(link: Inbound, frame: Buffer): boolean {
    const type = frame[0];
    if (type === START && frame.length === 7 && link.state.kind === 'started') {
      const seq = frame.readUIntBE(1, 6);
      if ((this.side.lastSeenFrom(link.from) ?? 0) >= seq) {
        link.state = { kind: 'live' };
        return true;
      }
      const timer = setTimeout(() => {
        this.side.gap(`the Redis marker before the link from ${link.from} did not come`);
        this.release(link);
      }, SWITCH_WAIT_MS);
      link.state = { kind: 'waiting', seq, held: [], timer };
      return true;
    }
    if (type !== BATCH || link.state.kind === 'started') return false;
    let messages;
    try {
      messages = decodeEntries(frame, 1);
    } catch {
      return false;
    }
    if (messages === undefined) return false;
    if (link.state.kind === 'waiting') link.state.held.push(messages);
    else for (const message of messages) this.side.message(message, link.from);
    return true;
  }

  private release(link: Inbound): void {
    const { state } = link;
    if (state.kind !== 'waiting') return;
    clearTimeout(state.timer);
    link.state = { kind: 'live' };
    if (link.socket.destroyed && this.inbound.get(link.from) === link) this.inbound.delete(link.from);
    for (const messages of state.held) for (const message of messages) this.side.message(message, link.from);
  }

  private broken(link: Inbound, why: string): void {
    this.log.warn({ node: link.from, why }, 'dropped a node link');
    this.dropInbound(link);
    this.side.gap(`the link from ${link.from} sent ${why}`);
  }

  private dropInbound(link: Inbound): void {
    if (link.state.kind === 'waiting') clearTimeout(link.state.timer);
    if (this.inbound.get(link.from) === link) this.inbound.delete(link.from);
    link.socket.destroy();
  }
}
