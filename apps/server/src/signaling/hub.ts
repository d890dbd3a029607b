import type { ServerMessage } from '@parley/protocol';
import { assertNever, CLOSE_CODES } from '@parley/protocol';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Metrics } from '../observability/metrics.js';
import type { RelayRoute } from '../calls/relay-route.js';
import type { ConnectionRef, Send } from './delivery.js';
import type { PresenceSink } from './presence.js';
import { textFrame } from './text-frame.js';
import type { TokenBucket } from './token-bucket.js';

/**
 * Sessions of a user that end while the user stays: one logged out, or all but the one that changed the password
 * (whose sockets stay open and now belong to the new generation, as its fresh token does).
 */
export type SessionEnd = { kind: 'logout'; sessionId: string } | { kind: 'password-changed'; keep: string; generation: number };

export interface Connection extends ConnectionRef {
  readonly username: string;
  /** The session of the token the socket was opened with (`generation` moves on when that session changes password). */
  readonly session: { readonly id: string; generation: number };
  readonly socket: WebSocket;
  /** The TCP (or TLS) stream under `socket`: corked while a turn of the event loop queues frames to it. */
  readonly transport: Duplex;
  readonly bucket: TokenBucket;
  /** Messages refused in a row by the rate limit; too many and the connection is closed. */
  throttled: number;
  /** Answered the last ping. */
  alive: boolean;
  /** The callId of the last relayed frame read from this socket: the next frame of that call reuses the string. */
  recentCallId: string | undefined;
  /** Where the call service sent this socket's last relayed frame (calls/relay-route.ts). */
  relayRoute: RelayRoute | undefined;
  /**
   * The frames of a connection are handled one after the other: while one waits for the database (a rejoin, an
   * accept), the next waits for it, so nothing overtakes a bind it depends on. Null when nothing is pending.
   */
  pending: Promise<void> | null;
}

/**
 * Who is connected: users to their sockets, and delivery to them. Knows nothing about calls. Every send checks the
 * socket's outgoing buffer so a client that stops reading cannot make the server hold unbounded memory.
 */
export class SignalingHub implements PresenceSink {
  private readonly connections = new Map<string, Connection>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly corked: Connection[] = [];
  /** Set while the last frame of a read is handled: see {@link handlingFrame}. */
  private lastFrameOfRead = false;

  constructor(
    readonly limits: { maxConnectionsPerUser: number; maxBufferedBytes: number },
    private readonly metrics: Metrics,
  ) {}

  /** Takes in a connection of this node (the directory decides whether it may stay: the per-user cap). */
  add(conn: Connection): void {
    let mine = this.byUser.get(conn.userId);
    if (!mine) {
      mine = new Set();
      this.byUser.set(conn.userId, mine);
      this.metrics.onlineUsers.inc();
    }
    mine.add(conn);
    this.connections.set(conn.id, conn);
    this.metrics.wsConnections.inc();
  }

  /** Forgets a connection; false when it was not here. */
  remove(conn: Connection): boolean {
    if (!this.connections.delete(conn.id)) return false;
    this.metrics.wsConnections.dec();
    const mine = this.byUser.get(conn.userId);
    mine?.delete(conn);
    if (mine && mine.size === 0) {
      this.byUser.delete(conn.userId);
      this.metrics.onlineUsers.dec();
    }
    return true;
  }

  /** How many connections `userId` has on this node. */
  count(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Every connection of this node. */
  all(): IterableIterator<Connection> {
    return this.connections.values();
  }

  /** Every user with at least one open connection. */
  onlineUserIds(): string[] {
    return [...this.byUser.keys()];
  }

  /** Closes every connection of `userId` (its sessions ended). */
  closeUser(userId: string, code: number, reason: string): void {
    for (const conn of this.byUser.get(userId) ?? []) conn.socket.close(code, reason);
  }

  /** Closes the connections of the sessions `end` names with 4001, as an expired token: the client logs in again. */
  endSessions(userId: string, end: SessionEnd): void {
    for (const conn of this.byUser.get(userId) ?? []) {
      switch (end.kind) {
        case 'logout':
          if (conn.session.id === end.sessionId) conn.socket.close(CLOSE_CODES.TOKEN_EXPIRED, 'Logged out');
          break;
        case 'password-changed':
          if (conn.session.id === end.keep) conn.session.generation = Math.max(conn.session.generation, end.generation);
          else conn.socket.close(CLOSE_CODES.TOKEN_EXPIRED, 'Password changed');
          break;
        default:
          assertNever(end);
      }
    }
  }

  isOnline(userId: string): boolean {
    return this.byUser.has(userId);
  }

  get size(): number {
    return this.connections.size;
  }

  isOpen(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  ownerOf(connectionId: string): string | undefined {
    return this.connections.get(connectionId)?.userId;
  }

  toUser(userId: string, message: ServerMessage, exceptConnectionId?: string): void {
    if (this.byUser.has(userId)) this.toUserEncoded(userId, JSON.stringify(message), exceptConnectionId);
  }

  /** An already-encoded frame to every connection of the user on this node, but `exceptConnectionId`. */
  toUserEncoded(userId: string, frame: string, exceptConnectionId?: string): void {
    const mine = this.byUser.get(userId);
    if (!mine) return;
    const framed = textFrame(frame);
    for (const conn of mine) if (conn.id !== exceptConnectionId) this.write(conn, framed);
  }

  toConnection(connectionId: string, message: ServerMessage): boolean {
    const conn = this.connections.get(connectionId);
    return conn !== undefined && this.send(conn, JSON.stringify(message));
  }

  /** An already-encoded frame (UTF-8 JSON text) to one connection of this node. */
  rawToConnection(connectionId: string, frame: Buffer): boolean {
    const conn = this.connections.get(connectionId);
    return conn !== undefined && this.send(conn, frame);
  }

  /** {@link rawToConnection} with the connection looked up once, for a run of frames; undefined when not here. */
  sender(connectionId: string): Send | undefined {
    const conn = this.connections.get(connectionId);
    return conn === undefined ? undefined : (frame) => this.send(conn, frame);
  }

  /** One encoded text frame to every open connection but those of `exceptUsers` (presence batches). */
  broadcastEncoded(frame: Buffer, exceptUsers?: ReadonlySet<string>): void {
    const framed = textFrame(frame);
    for (const conn of this.connections.values()) if (exceptUsers?.has(conn.userId) !== true) this.write(conn, framed);
  }

  /** Sends a text frame: a string, or its UTF-8 bytes when they are at hand (no re-encoding per socket). */
  send(conn: Connection, data: string | Buffer): boolean {
    return this.write(conn, textFrame(data));
  }

  /**
   * Writes a frame made by {@link textFrame} — framed here, written in one piece, not through `socket.send`
   * (text-frame.ts) — so a frame for many sockets is framed once and the same buffer goes to each.
   */
  private write(conn: Connection, frame: Buffer): boolean {
    const { socket } = conn;
    if (socket.readyState !== socket.OPEN) return false;
    if (socket.bufferedAmount > this.limits.maxBufferedBytes) {
      socket.close(CLOSE_CODES.SLOW_CONSUMER, 'Slow consumer: outgoing buffer full');
      // A peer that stops reading will not complete the close handshake either.
      setTimeout(() => socket.terminate(), 1000).unref();
      return false;
    }
    // Corked when more of this read may follow (see `cork`); a stream already corked queues it behind the rest.
    if (!this.lastFrameOfRead) this.cork(conn);
    conn.transport.write(frame);
    return true;
  }

  /**
   * A frame of a connection's read is being handled (until {@link frameHandled}); `lastOfRead` when the read holds
   * nothing after it (`readHoldsMore`). After the last frame of a read nothing more of it can be relayed in this
   * turn, so a socket with nothing queued gets its frame in a write of its own at once: at one frame per read (real
   * signaling, a candidate now and then) the cork and the uncork after the turn are pure cost. Only what the
   * handler sends synchronously counts; what it sends later (after a database read) is corked as any other send.
   */
  handlingFrame(lastOfRead: boolean): void {
    this.lastFrameOfRead = lastOfRead;
  }

  frameHandled(): void {
    this.lastFrameOfRead = false;
  }

  /**
   * Frames sent to a socket in one turn of the event loop leave in one write: a TCP read often carries several
   * frames of one sender, relayed to the same peer, and every write is a syscall (the relay's main cost). The
   * stream is uncorked right after the current turn, so nothing waits longer than the code already running.
   */
  private cork(conn: Connection): void {
    // `ws` corks only inside a send and uncorks before returning, so a corked stream here was corked by us.
    if (conn.transport.writableCorked > 0) return;
    conn.transport.cork();
    if (this.corked.push(conn) === 1) process.nextTick(this.uncorkAll);
  }

  private readonly uncorkAll = (): void => {
    for (const conn of this.corked) conn.transport.uncork();
    this.corked.length = 0;
  };

  /**
   * Pings every socket once per interval and drops those that did not answer the previous ping. A sweep is spread
   * over the interval in slices (at most one every 100 ms): pinging 5,000 sockets at once is 5,000 writes in one
   * turn of the event loop, a 50-100 ms stall that every frame relayed meanwhile would wait out. A new sweep starts
   * only once the interval has passed since the last one began, however soon the last one ran out of sockets: with
   * fewer sockets than slices it would otherwise come round again within a few slices and drop any client that
   * did not answer within that (a busy client, a slow link) instead of within the interval.
   */
  startHeartbeat(intervalMs: number): void {
    const slices = Math.max(1, Math.min(100, Math.floor(intervalMs / 100)));
    const sliceMs = intervalMs / slices;
    // Undefined between sweeps: a Map iterator keeps the tables it has seen (and the connections in them) alive,
    // so one parked on an emptied map would hold every socket it ever saw.
    let sweep: Iterator<Connection> | undefined;
    let nextSweepAt = 0;
    this.heartbeat = setInterval(() => {
      const now = performance.now();
      if (sweep === undefined) {
        // Half a slice early: the timer's own lateness must not push every sweep a slice later than the last.
        if (now < nextSweepAt - sliceMs / 2) return;
        sweep = this.connections.values();
        nextSweepAt = now + intervalMs;
      }
      let budget = Math.max(1, Math.ceil(this.connections.size / slices));
      while (budget-- > 0) {
        const next = sweep.next();
        if (next.done) {
          sweep = undefined;
          return;
        }
        const conn = next.value;
        if (!conn.alive) {
          conn.socket.terminate();
          continue;
        }
        conn.alive = false;
        conn.socket.ping();
      }
    }, sliceMs);
    this.heartbeat.unref();
  }

  /** Closes every socket and stops the heartbeat (server shutdown: 1001, clients reconnect). */
  closeAll(code: number, reason: string): void {
    clearInterval(this.heartbeat);
    this.closeEvery(code, reason);
  }

  /**
   * Resolves once every socket has closed (their 'close' handlers have run), dropping those whose peers have not
   * completed the closing handshake within `ms`.
   */
  async closed(ms: number): Promise<void> {
    const settle = async (until: number) => {
      while (this.connections.size > 0 && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await settle(performance.now() + ms);
    for (const conn of this.connections.values()) conn.socket.terminate();
    await settle(performance.now() + 1_000);
  }

  /** Closes every socket, and keeps serving new ones (a fenced cluster node starting over). */
  closeEvery(code: number, reason: string): void {
    for (const conn of this.connections.values()) conn.socket.close(code, reason);
  }
}
