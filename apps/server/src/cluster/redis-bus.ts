import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Bus, BusHandlers, BusMessage } from './bus.js';
import { decodeBatch, encodeBatch, encodeEntry } from './bus-wire.js';
import { NodeLinks, type LinkSettings } from './node-link.js';
import type { BusStats } from '../observability/metrics.js';

const PREFIX = 'parley:';
const ALL = `${PREFIX}all`;
const ALL_BYTES = Buffer.from(ALL);
const nodeChannel = (node: string) => `${PREFIX}node:${node}`;

/**
 * The cluster bus on Redis pub/sub: a channel per node and one for all. At most once, by design (Socket.IO's
 * Redis adapter learned it the hard way): while Redis is unreachable nothing is queued — the publisher has no
 * offline queue, so a frame is dropped rather than delivered late — and every reconnect or skipped sequence number
 * is reported as a gap, after which the node resyncs from the database.
 *
 * What a turn of the event loop sends leaves at the end of the turn, one PUBLISH per run of messages to the same
 * channel (bus-wire.ts), so the order of all messages is kept and a burst of relayed frames for one node costs
 * one command on each side instead of one per frame.
 *
 * With {@link LinkSettings}, what goes to another node travels over a direct link to it once one is up, broadcasts
 * included (node-link.ts); Redis carries what goes to nodes without a link.
 */
export class RedisBus implements Bus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly seqs = new Map<string, number>();
  /** What this turn of the event loop has sent so far: runs of entries per channel (and node, null: all), in order. */
  private readonly outbox: { channel: string; node: string | null; parts: Buffer[] }[] = [];
  /** Direct links to the other nodes, when this node has them. */
  private readonly links: NodeLinks | null;
  /** The end-of-turn send, while the outbox holds anything. */
  private round: NodeJS.Immediate | undefined;
  /** Last sequence number seen per `<channel kind>|<publisher>`. */
  private readonly lastSeen = new Map<string, number>();
  /** Batches sent to single nodes, by path. */
  private readonly sentBy = { link: 0, redis: 0 };
  private subscribedAs: string;
  private wasUp = false;
  private hasBeenUp = false;
  dropped = 0;

  constructor(
    url: string,
    private nodeId: string,
    private readonly handlers: BusHandlers,
    private readonly log: FastifyBaseLogger,
    links: LinkSettings | null = null,
  ) {
    const options = {
      // Commands issued in one turn of the event loop leave in one write. PUBLISH is batched by the bus itself.
      enableAutoPipelining: true,
      autoPipeliningIgnoredCommands: ['publish'],
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
    this.sub.on('messageBuffer', (channel: Buffer, data: Buffer) => this.received(channel, data));
    this.links =
      links === null
        ? null
        : new NodeLinks(
            links,
            {
              nodeId: () => this.nodeId,
              switchOver: (node) => {
                if (this.outbox.length > 0) this.flush();
                return this.publishNow(nodeChannel(node), [], []);
              },
              lastSeenFrom: (node) => this.lastSeen.get(`n|${node}`),
              message: (message, from) => this.handlers.message(message, from),
              gap: (reason) => this.handlers.gap(reason),
            },
            this.pub,
            log,
          );
  }

  /** Connects and subscribes; rejects when Redis cannot be reached now. */
  async start(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect()]);
    await this.sub.subscribe(ALL, nodeChannel(this.nodeId));
    await this.links?.start();
  }

  get up(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  send(node: string, message: BusMessage): void {
    this.publish(nodeChannel(node), node, message);
  }

  broadcast(message: BusMessage): void {
    this.publish(ALL, null, message);
  }

  /** For the metrics: batches sent to single nodes by path, links up by direction. */
  readonly stats: BusStats = {
    sent: () => ({ ...this.sentBy }),
    links: () => this.links?.up() ?? { out: 0, in: 0 },
  };

  /** A node was declared dead: its links go. */
  forgetNode(node: string): void {
    this.links?.forget(node);
  }

  /** This node has a new name (it was fenced): listen on its new channel instead. */
  async rename(nodeId: string): Promise<void> {
    const old = this.subscribedAs;
    this.nodeId = nodeId;
    this.subscribedAs = nodeId;
    await this.sub.subscribe(nodeChannel(nodeId));
    await this.sub.unsubscribe(nodeChannel(old));
    await this.links?.renamed(old);
  }

  /** The Redis client for the rest of the node's Redis work (directory, rate limits): the publisher's connection. */
  get commands(): Redis {
    return this.pub;
  }

  async close(): Promise<void> {
    // What this turn has sent so far (a node's goodbye on SIGTERM) leaves before the connection closes.
    if (this.outbox.length > 0) this.flush();
    await this.links?.close();
    this.sub.disconnect();
    this.pub.disconnect();
  }

  private publish(channel: string, node: string | null, message: BusMessage): void {
    const parts = encodeEntry(message);
    const last = this.outbox.at(-1);
    if (last !== undefined && last.channel === channel) {
      last.parts.push(...parts);
      return;
    }
    if (this.outbox.push({ channel, node, parts }) === 1) this.round = setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    clearImmediate(this.round);
    this.round = undefined;
    for (const { channel, node, parts } of this.outbox) {
      if (node === null) {
        // A broadcast: over every link that is up, and through Redis for the rest (naming the linked, who skip it).
        this.publishNow(channel, parts, this.links?.broadcast(parts) ?? []);
        continue;
      }
      if (this.links?.send(node, parts) === true) {
        this.sentBy.link += 1;
        continue;
      }
      this.sentBy.redis += 1;
      this.publishNow(channel, parts, []);
    }
    this.outbox.length = 0;
  };

  /** One Redis message now (no entries: a marker); returns its sequence number. */
  private publishNow(channel: string, parts: readonly Buffer[], linked: readonly string[]): number {
    const seq = (this.seqs.get(channel) ?? 0) + 1;
    this.seqs.set(channel, seq);
    if (this.pub.status !== 'ready') {
      this.dropped += 1;
      return seq;
    }
    this.pub.publish(channel, encodeBatch(seq, this.nodeId, parts, linked)).catch(() => {
      this.dropped += 1;
    });
    return seq;
  }

  private received(channel: Buffer, data: Buffer): void {
    let batch;
    try {
      batch = decodeBatch(data);
    } catch {
      batch = undefined;
    }
    if (batch === undefined) {
      this.log.warn({ channel: channel.toString() }, 'dropped an unreadable bus message');
      return;
    }
    const { seq, from, linked, messages } = batch;
    if (from === this.nodeId) return;
    const toAll = channel.equals(ALL_BYTES);
    const key = `${toAll ? 'a' : 'n'}|${from}`;
    const last = this.lastSeen.get(key);
    this.lastSeen.set(key, seq);
    if (last !== undefined && seq !== last + 1) this.handlers.gap(`${seq - last - 1} message(s) from ${from} lost`);
    // A broadcast this node got over its link from the sender: already handed on (or held) in its place there.
    if (toAll && linked.includes(this.nodeId)) return;
    for (const message of messages) this.handlers.message(message, from);
    if (toAll) this.links?.redisBroadcastSeen(from);
    else this.links?.redisSeen(from, seq);
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
      void this.links?.register();
    }
    this.hasBeenUp = true;
  }
}
