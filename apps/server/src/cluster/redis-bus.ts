import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Bus, BusHandlers, BusMessage } from './bus.js';

const PREFIX = 'parley:';
const ALL = `${PREFIX}all`;
const nodeChannel = (node: string) => `${PREFIX}node:${node}`;

/**
 * Wire format, one Redis pub/sub message each: `<kind><seq>\t<from>\t…`. A frame for a connection (the relay's
 * hot path) is `d<seq>\t<from>\t<conn>\t<frame>`, the frame last and as it is (it may hold tabs); every other
 * message is `j<seq>\t<from>\t<json>`. `seq` counts per channel and publisher, so a receiver sees a lost message
 * as a skipped number.
 */
function encode(seq: number, from: string, message: BusMessage): string {
  return message.kind === 'deliver' ? `d${seq}\t${from}\t${message.conn}\t${message.frame}` : `j${seq}\t${from}\t${JSON.stringify(message)}`;
}

function field(text: string, start: number): [string, number] | undefined {
  const end = text.indexOf('\t', start);
  return end < 0 ? undefined : [text.slice(start, end), end + 1];
}

function decode(text: string): { seq: number; from: string; message: BusMessage } | undefined {
  const head = field(text, 1);
  const sender = head && field(text, head[1]);
  if (head === undefined || sender === undefined) return undefined;
  const seq = Number(head[0]);
  const from = sender[0];
  if (text[0] === 'd') {
    const conn = field(text, sender[1]);
    if (conn === undefined) return undefined;
    return { seq, from, message: { kind: 'deliver', conn: conn[0], frame: text.slice(conn[1]) } };
  }
  if (text[0] !== 'j') return undefined;
  return { seq, from, message: JSON.parse(text.slice(sender[1])) as BusMessage };
}

/**
 * The cluster bus on Redis pub/sub: a channel per node and one for all. At most once, by design (Socket.IO's
 * Redis adapter learned it the hard way): while Redis is unreachable nothing is queued — the publisher has no
 * offline queue, so a frame is dropped rather than delivered late — and every reconnect or skipped sequence number
 * is reported as a gap, after which the node resyncs from the database.
 */
export class RedisBus implements Bus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly seqs = new Map<string, number>();
  /** Last sequence number seen per `<channel kind>|<publisher>`. */
  private readonly lastSeen = new Map<string, number>();
  private subscribedAs: string;
  private wasUp = false;
  private hasBeenUp = false;
  dropped = 0;

  constructor(
    url: string,
    private nodeId: string,
    private readonly handlers: BusHandlers,
    private readonly log: FastifyBaseLogger,
  ) {
    const options = {
      // The relay publishes a frame per relayed message: commands issued in one turn of the event loop leave in one write.
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1_000),
      lazyConnect: true,
    };
    this.pub = new Redis(url, { ...options, connectionName: `parley-pub-${nodeId}` });
    // The subscriber must queue its SUBSCRIBE commands until connected; it never publishes.
    this.sub = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: `parley-sub-${nodeId}` });
    this.subscribedAs = nodeId;
    for (const client of [this.pub, this.sub]) {
      client.on('ready', () => this.stateChanged());
      client.on('close', () => this.stateChanged());
      client.on('error', (error: Error) => this.log.debug({ err: error }, 'redis connection error'));
    }
    this.sub.on('message', (channel: string, text: string) => this.received(channel, text));
  }

  /** Connects and subscribes; rejects when Redis cannot be reached now. */
  async start(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect()]);
    await this.sub.subscribe(ALL, nodeChannel(this.nodeId));
  }

  get up(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  send(node: string, message: BusMessage): void {
    this.publish(nodeChannel(node), message);
  }

  broadcast(message: BusMessage): void {
    this.publish(ALL, message);
  }

  /** This node has a new name (it was fenced): listen on its new channel instead. */
  async rename(nodeId: string): Promise<void> {
    const old = this.subscribedAs;
    this.nodeId = nodeId;
    this.subscribedAs = nodeId;
    await this.sub.subscribe(nodeChannel(nodeId));
    await this.sub.unsubscribe(nodeChannel(old));
  }

  /** The Redis client for the rest of the node's Redis work (directory, rate limits): the publisher's connection. */
  get commands(): Redis {
    return this.pub;
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    this.pub.disconnect();
  }

  private publish(channel: string, message: BusMessage): void {
    const seq = (this.seqs.get(channel) ?? 0) + 1;
    this.seqs.set(channel, seq);
    if (this.pub.status !== 'ready') {
      this.dropped += 1;
      return;
    }
    this.pub.publish(channel, encode(seq, this.nodeId, message)).catch(() => {
      this.dropped += 1;
    });
  }

  private received(channel: string, text: string): void {
    let decoded;
    try {
      decoded = decode(text);
    } catch {
      decoded = undefined;
    }
    if (decoded === undefined) {
      this.log.warn({ channel }, 'dropped an unreadable bus message');
      return;
    }
    const { seq, from, message } = decoded;
    if (from === this.nodeId) return;
    const key = `${channel === ALL ? 'a' : 'n'}|${from}`;
    const last = this.lastSeen.get(key);
    this.lastSeen.set(key, seq);
    if (last !== undefined && seq !== last + 1) this.handlers.gap(`${seq - last - 1} message(s) from ${from} lost`);
    this.handlers.message(message, from);
  }

  private stateChanged(): void {
    const up = this.up;
    if (up === this.wasUp) return;
    this.wasUp = up;
    this.handlers.state(up);
    if (!up) return;
    // Every time but the first, the bus was down for a while: whatever was sent meanwhile is lost.
    if (this.hasBeenUp) {
      this.lastSeen.clear();
      this.handlers.gap('reconnected to redis');
    }
    this.hasBeenUp = true;
  }
}
