import { assertNever, CLOSE_CODES } from '@parley/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { CallService } from '../calls/service.js';
import type { Metrics } from '../observability/metrics.js';
import type { SignalingHub } from '../signaling/hub.js';
import type { Presence, PresenceFeed } from '../signaling/presence.js';
import type { NamedCallRecord, Store } from '../store/types.js';
import type { BusHandlers, BusMessage } from './bus.js';
import type { NodeIdentity } from './node-id.js';
import type { LinkSettings } from './node-link.js';
import { RedisBus } from './redis-bus.js';
import { RedisDirectory } from './redis-directory.js';

export interface ClusterSettings {
  redisUrl: string;
  /** How often this node heartbeats and looks for dead nodes. */
  heartbeatMs: number;
  /** A node silent this long is declared dead. */
  deadAfterMs: number;
  /** How often this node sweeps the database for overdue deadlines. */
  sweepMs: number;
  reconnectGraceMs: number;
  maxConnectionsPerUser: number;
  /** Direct links between nodes for what one sends to another; null: Redis carries everything. */
  link: LinkSettings | null;
}

/**
 * Presence across nodes: a change is shown to this node's sockets and broadcast to the others. A change that
 * cannot be sent (the bus is down) is kept, latest state per user, and sent when the bus is back.
 */
class ClusterPresence implements Presence {
  private readonly unsent = new Map<string, boolean>();

  constructor(
    private readonly feed: PresenceFeed,
    private readonly send: (message: BusMessage) => boolean,
  ) {}

  changed(userId: string, online: boolean): void {
    this.feed.changed(userId, online);
    if (!this.send({ kind: 'presence', user: userId, online })) this.unsent.set(userId, online);
  }

  /** A change another node announced: shown here, not sent on. */
  changedElsewhere(userId: string, online: boolean): void {
    this.feed.changed(userId, online);
  }

  /** Sends what could not be sent while the bus was down. */
  flush(): void {
    for (const [user, online] of [...this.unsent]) {
      if (this.send({ kind: 'presence', user, online })) this.unsent.delete(user);
    }
  }

  stop(): void {
    this.feed.stop();
  }
}

/**
 * This process as one node of a cluster: the Redis bus and directory, its heartbeat in the database, the reaper
 * that declares silent nodes dead, the sweep of overdue deadlines, and what happens when any of that goes wrong:
 *
 * - The bus lost messages (Redis reconnected, a sequence number skipped): re-assert this node's directory entries,
 *   reload the live calls from the database and tell this node's sockets what they may have missed.
 * - Another node stopped heart-beating: one node reaps it, in one transaction putting the call sides it carried
 *   into their reconnect grace; its connections leave the directory and their users' presence is updated.
 * - This node finds its own heartbeat refused: it was declared dead while it was not running (a pause, a cut).
 *   It fences itself: closes its sockets (their clients reconnect, perhaps to another node, and rejoin), takes a
 *   new name, and joins again.
 */
export class ClusterNode {
  readonly bus: RedisBus;
  readonly directory: RedisDirectory;
  readonly presence: ClusterPresence;
  readonly replication = { publish: (call: NamedCallRecord) => this.bus.broadcast({ kind: 'call', call }) };
  private calls: CallService | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private beating = false;
  private sweeping = false;
  private resyncing: Promise<void> | null = null;
  private resyncAgain = false;
  /** A resync failed (Redis went away again): the next heartbeat tries once the bus is up. */
  private pendingResync = false;
  private stopped = false;

  constructor(
    private readonly settings: ClusterSettings,
    private readonly identity: NodeIdentity,
    private readonly store: Store,
    private readonly hub: SignalingHub,
    feed: PresenceFeed,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
  ) {
    const handlers: BusHandlers = {
      message: (message) => this.received(message),
      gap: (reason) => this.gap(reason),
      state: (up) => this.log[up ? 'info' : 'warn']({ node: this.identity.id }, up ? 'cluster bus up' : 'cluster bus down'),
    };
    this.bus = new RedisBus(settings.redisUrl, identity.id, handlers, log, settings.link);
    metrics.watchBus(this.bus.stats);
    this.directory = new RedisDirectory(this.bus.commands, hub, () => this.identity.id, settings.maxConnectionsPerUser, log);
    this.presence = new ClusterPresence(feed, (message) => {
      if (!this.bus.up) return false;
      this.bus.broadcast(message);
      return true;
    });
  }

  /** Joins: Redis, the nodes table, the live calls; then the heartbeat and the sweep. */
  async start(calls: CallService): Promise<void> {
    this.calls = calls;
    await this.bus.start();
    await this.store.nodes.register(this.identity.id, Date.now());
    await calls.loadLive();
    this.heartbeat = setInterval(() => void this.beat(), this.settings.heartbeatMs);
    this.sweeper = setInterval(() => void this.sweep(), this.settings.sweepMs);
    this.log.info({ node: this.identity.id }, 'joined the cluster');
  }

  /** Ready to serve: the bus is up (the database is checked by the caller). */
  get ready(): boolean {
    return this.bus.up;
  }

  /**
   * Leaving on purpose (SIGTERM), after this node's sockets were closed and their calls put into their grace:
   * forget its directory entries and its row, so no node waits for it to be declared dead.
   */
  async leave(): Promise<void> {
    this.stop();
    const offline = await this.directory.removeNode(this.identity.id).catch(() => [] as string[]);
    for (const user of offline) if (!this.hub.isOnline(user)) this.bus.broadcast({ kind: 'presence', user, online: false });
    await this.store.nodes.remove(this.identity.id).catch(() => undefined);
    this.log.info({ node: this.identity.id }, 'left the cluster');
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearInterval(this.sweeper);
  }

  async close(): Promise<void> {
    this.stop();
    this.presence.stop();
    await this.bus.close();
  }

  private received(message: BusMessage): void {
    switch (message.kind) {
      case 'deliver':
        this.hub.rawToConnection(message.conn, message.frame);
        return;
      case 'user':
        this.hub.toUserEncoded(message.user, message.frame, message.except);
        return;
      case 'call':
        this.calls?.remoteChanged(message.call);
        return;
      case 'presence':
        this.presence.changedElsewhere(message.user, message.online);
        return;
      case 'close-user':
        this.hub.closeUser(message.user, message.code, message.reason);
        return;
      case 'end-sessions':
        this.hub.endSessions(message.user, message.end);
        return;
      default:
        return assertNever(message);
    }
  }

  private gap(reason: string): void {
    if (this.stopped) return;
    this.metrics.busGaps.inc();
    this.log.warn({ node: this.identity.id, reason }, 'cluster bus lost messages: resyncing from the database');
    void this.resync();
  }

  /** One resync at a time; a gap during one asks for another after it. */
  private resync(): Promise<void> {
    if (this.resyncing !== null) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      do {
        this.resyncAgain = false;
        try {
          const listed = await this.directory.reassert();
          this.presence.flush();
          const { ended } = (await this.calls?.loadLive()) ?? { ended: [] };
          this.calls?.reannounce((conn) => this.identity.owns(conn));
          this.log.info({ node: this.identity.id, connections: listed, endedMeanwhile: ended.length }, 'resynced after a bus gap');
        } catch (error) {
          this.log.warn({ err: error }, 'resync failed; trying again at the next heartbeat');
          this.resyncAgain = false;
          this.pendingResync = true;
        }
      } while (this.resyncAgain);
      this.resyncing = null;
    })();
    return this.resyncing;
  }

  private async beat(): Promise<void> {
    if (this.beating || this.stopped) return;
    this.beating = true;
    try {
      const now = Date.now();
      if (!(await this.store.nodes.heartbeat(this.identity.id, now))) {
        await this.fence();
        return;
      }
      if (this.pendingResync || this.directory.needsReassert) {
        if (this.bus.up) {
          this.pendingResync = false;
          await this.resync();
        }
      }
      const reaped = await this.store.nodes.reap(now - this.settings.deadAfterMs, now + this.settings.reconnectGraceMs);
      for (const node of reaped.nodes) {
        this.log.warn({ node, by: this.identity.id }, 'declared a silent node dead');
        this.metrics.nodesReaped.inc();
        this.bus.forgetNode(node);
        const offline = await this.directory.removeNode(node).catch(() => [] as string[]);
        for (const user of offline) this.presence.changed(user, false);
      }
      await this.calls?.sidesLost(reaped.calls);
    } catch (error) {
      this.log.warn({ err: error }, 'cluster heartbeat failed');
    } finally {
      this.beating = false;
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      await this.calls?.sweep();
    } catch (error) {
      this.log.warn({ err: error }, 'sweeping overdue calls failed');
    } finally {
      this.sweeping = false;
    }
  }

  /** This node was declared dead while it was not running: start over under a new name. */
  private async fence(): Promise<void> {
    const old = this.identity.id;
    this.metrics.fenced.inc();
    this.log.warn({ node: old }, 'this node was declared dead: closing its sockets and joining again under a new name');
    this.hub.closeEvery(CLOSE_CODES.SERVICE_RESTART, 'Server node restarted; reconnect');
    const renamed = this.identity.renew();
    await this.bus.rename(renamed);
    await this.store.nodes.register(renamed, Date.now());
    await this.directory.removeNode(old).catch(() => undefined);
    await this.calls?.loadLive();
    this.log.info({ node: renamed, was: old }, 'joined the cluster again');
  }
}
