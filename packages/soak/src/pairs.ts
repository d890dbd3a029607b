import type { CallEndedReason, CallRole, ServerMessage } from '@parley/protocol';
import { api, createAccounts, mapLimit, sleep, type Account } from './api.js';
import { connectWithBackoff, SignalingClient } from './client.js';

/**
 * Call pairs that trickle sequence-numbered ICE candidates to each other through the server, with every message
 * accounted for.
 *
 * When is a message owed to the peer? The server relays from a participant's bound connection to the other
 * participant's bound connection and drops what arrives while the other side is away (by design: it renegotiates
 * when back). So a message counts ("countable") when, at the moment it is sent:
 *   - the sender's connection is bound (it received `call:accept` or `call:rejoined`), and
 *   - the receiver's current connection is bound — the server bound it before saying so, and the sender acts
 *     after the receiver heard it, so the frame reaches the server after the binding;
 * and then neither connection fails within `inFlightMs` of the send (a frame in a socket that is torn down is
 * legitimately lost; such frames are reported as "in flight at a fault", delivered or not).
 * Every countable message must arrive exactly once, in order, at the right pair: anything else is lost,
 * duplicated, reordered or misrouted.
 */

const other = (role: CallRole): CallRole => (role === 'caller' ? 'callee' : 'caller');

interface Sent {
  at: number;
  countable: boolean;
  /** The receiver's binding (epoch) the message was meant for. */
  receiverEpoch: number;
  delivered: boolean;
}

export class Side {
  client: SignalingClient | undefined;
  bound = false;
  /** Increments each time this side's connection is (re)bound to the call. */
  epoch = 0;
  nextSendAt = 0;
  lastSeqFromPeer = -1;
  reconnecting = false;
  /** Closed on purpose and not coming back (abandoned, or the test is over). */
  gone = false;
  endedReason: CallEndedReason | undefined;
  readonly sent: Sent[] = [];
  constructor(
    readonly pair: Pair,
    readonly role: CallRole,
    readonly account: Account,
  ) {}

  get peer(): Side {
    return this.pair[other(this.role)];
  }
}

export class Pair {
  readonly caller: Side;
  readonly callee: Side;
  callId = '';
  /** Calls this pair made and how each must end. */
  readonly calls: { callId: string; expected: CallEndedReason }[] = [];
  constructor(
    readonly index: number,
    caller: Account,
    callee: Account,
  ) {
    this.caller = new Side(this, 'caller', caller);
    this.callee = new Side(this, 'callee', callee);
  }
}

export interface RelayStats {
  sent: number;
  countable: number;
  delivered: number;
  deliveredUncounted: number;
  lost: number;
  misrouted: number;
  duplicated: number;
  reordered: number;
  sentWhilePeerAway: number;
  inFlightAtFault: number;
  drops: number;
  reconnects: number;
  reconnectAttempts: number;
  maxReconnectAttempts: number;
  reconnectFailures: number;
  unexpectedCloses: Record<string, number>;
  expectedCloses: Record<string, number>;
  errors: Record<string, number>;
  unexpectedMessages: Record<string, number>;
  invalidFrames: number;
  peerConnectionNotices: number;
}

export interface EngineOptions {
  apiUrl: string;
  wsUrl: string;
  /**
   * Where a side connects (first time: `reconnect` false) — across the nodes of a cluster, say; `wsUrl` when absent.
   */
  wsUrlFor?: (side: Side, reconnect: boolean) => string;
  candidateIntervalMs?: number;
  inFlightMs?: number;
  /** Reconnect after an unexpected close (a crashed server): the web client's behaviour. */
  autoReconnect?: boolean;
}

const bump = (counts: Record<string, number>, key: string | number, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

export class PairEngine {
  readonly pairs: Pair[] = [];
  readonly stats: RelayStats = {
    sent: 0,
    countable: 0,
    delivered: 0,
    deliveredUncounted: 0,
    lost: 0,
    misrouted: 0,
    duplicated: 0,
    reordered: 0,
    sentWhilePeerAway: 0,
    inFlightAtFault: 0,
    drops: 0,
    reconnects: 0,
    reconnectAttempts: 0,
    maxReconnectAttempts: 0,
    reconnectFailures: 0,
    unexpectedCloses: {},
    expectedCloses: {},
    errors: {},
    unexpectedMessages: {},
    invalidFrames: 0,
    peerConnectionNotices: 0,
  };
  /** Closes are expected from now on (the test is killing or stopping the server). */
  expectCloses = false;
  /** Milliseconds from send to arrival of every delivered candidate. */
  readonly latencies: number[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<{ match: (side: Side, m: ServerMessage) => boolean; resolve: () => void }>();
  readonly interval: number;
  readonly inFlightMs: number;

  constructor(readonly options: EngineOptions) {
    this.interval = options.candidateIntervalMs ?? 200;
    this.inFlightMs = options.inFlightMs ?? 1000;
  }

  get sides(): Side[] {
    return this.pairs.flatMap((p) => [p.caller, p.callee]);
  }

  // ---------- setup ----------

  async createPairs(count: number, prefix: string): Promise<void> {
    const accounts = await createAccounts(this.options.apiUrl, prefix, count * 2);
    for (let i = 0; i < count; i += 1) this.pairs.push(new Pair(this.pairs.length, accounts[2 * i]!, accounts[2 * i + 1]!));
  }

  async connectAll(concurrency = 50): Promise<void> {
    await mapLimit(this.sides, concurrency, async (side) => this.attach(side, await SignalingClient.connect(this.wsUrl(side, false), side.account.token)));
  }

  /** Resolves when `side` receives a message matching `match` (registered before the action that causes it). */
  waitFor(side: Side, match: (m: ServerMessage) => boolean, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        match: (s: Side, m: ServerMessage) => s === side && match(m),
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`pair ${side.pair.index} ${side.role}: timed out waiting`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Caller rings callee; returns the call id once the callee heard it. */
  async ring(pair: Pair): Promise<string> {
    const incoming = new Promise<string>((resolve, reject) => {
      let callId = '';
      this.waitFor(pair.callee, (m) => m.type === 'call:incoming' && ((callId = m.payload.callId), true)).then(() => resolve(callId), reject);
    });
    const created = await api<{ callId: string }>(this.options.apiUrl, 'POST', '/calls', {
      token: pair.caller.account.token,
      body: { calleeId: pair.callee.account.id, connectionId: pair.caller.client?.connectionId },
    });
    if (created.status !== 201) throw new Error(`pair ${pair.index}: POST /calls ${created.status} ${JSON.stringify(created.body)}`);
    const heard = await incoming;
    if (heard !== created.body.callId) throw new Error(`pair ${pair.index}: rang ${heard}, created ${created.body.callId}`);
    return heard;
  }

  /** Rings and accepts: both sides bound, the call active. */
  async connectCall(pair: Pair): Promise<void> {
    const callId = await this.ring(pair);
    const accepted = [pair.caller, pair.callee].map((side) => this.waitFor(side, (m) => m.type === 'call:accept' && m.payload.callId === callId));
    pair.callId = callId;
    pair.callee.client!.send({ type: 'call:accept', payload: { callId } });
    await Promise.all(accepted);
  }

  /**
   * Calls that end before being answered, so every ringing end reason is exercised: the callee rejects, the
   * caller cancels, or nobody answers until the ring timeout.
   */
  async unansweredCall(pair: Pair, how: 'rejected' | 'cancelled' | 'missed', ringTimeoutMs: number): Promise<void> {
    const callId = await this.ring(pair);
    const ended = this.waitFor(pair.caller, (m) => m.type === 'call:ended' && m.payload.callId === callId, ringTimeoutMs + 10_000);
    if (how === 'rejected') pair.callee.client!.send({ type: 'call:reject', payload: { callId } });
    if (how === 'cancelled') await api(this.options.apiUrl, 'POST', `/calls/${callId}/end`, { token: pair.caller.account.token });
    await ended;
    pair.calls.push({ callId, expected: how });
  }

  // ---------- traffic ----------

  startTrickle(): void {
    const now = performance.now();
    for (const side of this.sides) side.nextSendAt = now + Math.random() * this.interval;
    this.ticker = setInterval(() => this.tick(), 10);
  }

  stopTrickle(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private tick(): void {
    const now = performance.now();
    for (const side of this.sides) {
      if (now < side.nextSendAt) continue;
      side.nextSendAt = now + this.interval * (0.5 + Math.random());
      if (side.bound && side.client?.open) this.sendCandidate(side, now);
    }
  }

  private sendCandidate(side: Side, now: number): void {
    const peer = side.peer;
    const seq = side.sent.length;
    const countable = peer.bound && peer.client?.open === true;
    side.sent.push({ at: now, countable, receiverEpoch: peer.epoch, delivered: false });
    this.stats.sent += 1;
    if (!countable) this.stats.sentWhilePeerAway += 1;
    const { index } = side.pair;
    side.client!.send({
      type: 'webrtc:ice-candidate',
      payload: {
        callId: side.pair.callId,
        candidate: {
          candidate: `candidate:${seq} 1 udp 2122260223 10.${(index >> 8) & 255}.${index & 255}.1 ${9000 + (seq % 1000)} typ host`,
          sdpMid: '0',
          sdpMLineIndex: 0,
          usernameFragment: `${index}.${side.role}.${seq}`,
        },
      },
    });
  }

  private onCandidate(side: Side, callId: string, tag: string | null | undefined): void {
    const [pairIndex, fromRole, seqText] = (tag ?? '').split('.');
    const seq = Number(seqText);
    const from = side.peer;
    if (callId !== side.pair.callId || Number(pairIndex) !== side.pair.index || fromRole !== from.role) {
      this.stats.misrouted += 1;
      return;
    }
    const record = from.sent[seq];
    if (!record) {
      this.stats.misrouted += 1;
      return;
    }
    if (record.delivered) {
      this.stats.duplicated += 1;
      return;
    }
    record.delivered = true;
    this.latencies.push(performance.now() - record.at);
    if (seq <= side.lastSeqFromPeer) this.stats.reordered += 1;
    side.lastSeqFromPeer = seq;
  }

  // ---------- connections ----------

  private wsUrl(side: Side, reconnect: boolean): string {
    return this.options.wsUrlFor?.(side, reconnect) ?? this.options.wsUrl;
  }

  attach(side: Side, client: SignalingClient): void {
    side.client = client;
    client.onMessage((m) => this.onMessage(side, client, m));
    client.onClose((code) => this.onClose(side, client, code));
  }

  private onMessage(side: Side, client: SignalingClient, m: ServerMessage): void {
    if (side.client !== client) return;
    switch (m.type) {
      case 'webrtc:ice-candidate':
        this.onCandidate(side, m.payload.callId, typeof m.payload.candidate === 'string' ? undefined : m.payload.candidate.usernameFragment);
        break;
      case 'call:accept':
        if (m.payload.callId === side.pair.callId) this.bind(side);
        break;
      case 'call:rejoined':
        if (m.payload.callId === side.pair.callId) this.bind(side);
        break;
      case 'call:ended':
        if (m.payload.callId === side.pair.callId) {
          side.endedReason = m.payload.reason;
          side.bound = false;
        }
        break;
      case 'call:peer-connection':
        this.stats.peerConnectionNotices += 1;
        break;
      case 'error':
        bump(this.stats.errors, m.payload.code);
        break;
      case 'call:incoming':
      case 'call:reject':
      case 'hello':
      case 'presence':
        break;
      default:
        bump(this.stats.unexpectedMessages, m.type);
    }
    for (const waiter of this.waiters) if (waiter.match(side, m)) waiter.resolve();
  }

  private bind(side: Side): void {
    side.epoch += 1;
    side.bound = true;
  }

  /** The side's connection is going away now: what was in flight to or from it is no longer owed. */
  private unbind(side: Side): void {
    if (!side.bound) return;
    side.bound = false;
    const since = performance.now() - this.inFlightMs;
    const forgive = (records: Sent[], match: (r: Sent) => boolean) => {
      for (let i = records.length - 1; i >= 0; i -= 1) {
        const r = records[i]!;
        if (r.at < since) break;
        if (r.countable && !r.delivered && match(r)) {
          r.countable = false;
          this.stats.inFlightAtFault += 1;
        }
      }
    };
    forgive(side.peer.sent, (r) => r.receiverEpoch === side.epoch);
    forgive(side.sent, () => true);
  }

  private onClose(side: Side, client: SignalingClient, code: number): void {
    if (side.client !== client) return;
    if (this.expectCloses || side.gone) bump(this.stats.expectedCloses, code);
    else bump(this.stats.unexpectedCloses, code);
    this.unbind(side);
    side.client = undefined;
    if (this.options.autoReconnect && !side.gone) void this.reconnect(side, 0);
  }

  /** A network failure: the connection is cut; the side comes back after `afterMs` and rejoins its call. */
  drop(side: Side, afterMs: number): void {
    const client = side.client;
    if (!client || side.reconnecting) return;
    this.stats.drops += 1;
    this.unbind(side);
    side.client = undefined;
    client.terminate();
    void this.reconnect(side, afterMs);
  }

  /** Leaves for good (closing the tab): the peer's call ends after the reconnect grace. */
  abandon(side: Side): void {
    side.gone = true;
    this.unbind(side);
    const client = side.client;
    side.client = undefined;
    client?.terminate();
  }

  private async reconnect(side: Side, afterMs: number): Promise<void> {
    side.reconnecting = true;
    try {
      if (afterMs > 0) await sleep(afterMs);
      const { client, attempts } = await connectWithBackoff(this.wsUrl(side, true), side.account.token);
      this.stats.reconnects += 1;
      this.stats.reconnectAttempts += attempts;
      this.stats.maxReconnectAttempts = Math.max(this.stats.maxReconnectAttempts, attempts);
      this.attach(side, client);
      if (side.pair.callId) client.send({ type: 'call:rejoin', payload: { callId: side.pair.callId } });
    } catch {
      this.stats.reconnectFailures += 1;
    } finally {
      side.reconnecting = false;
    }
  }

  /** Waits until no side is reconnecting and every side with a live call is bound again. */
  async settleConnections(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const unsettled = () => this.sides.filter((s) => !s.gone && (s.reconnecting || (s.endedReason === undefined && s.pair.callId !== '' && !s.bound)));
    while (unsettled().length > 0 && Date.now() < deadline) await sleep(50);
  }

  /** After the trickle stopped: waits for owed messages still on the way, then counts the lost ones. */
  async settleMessages(timeoutMs = 5000): Promise<RelayStats> {
    const deadline = Date.now() + timeoutMs;
    const owed = () => this.sides.reduce((n, s) => n + s.sent.filter((r) => r.countable && !r.delivered).length, 0);
    while (owed() > 0 && Date.now() < deadline) await sleep(50);
    let countable = 0;
    let delivered = 0;
    let deliveredUncounted = 0;
    for (const side of this.sides) {
      for (const r of side.sent) {
        if (r.countable) countable += 1;
        if (r.countable && r.delivered) delivered += 1;
        if (!r.countable && r.delivered) deliveredUncounted += 1;
      }
    }
    Object.assign(this.stats, { countable, delivered, deliveredUncounted, lost: countable - delivered });
    this.stats.invalidFrames = this.sides.reduce((n, s) => n + (s.client?.invalidFrames.length ?? 0), 0);
    return this.stats;
  }

  /** Checks through the API that each call a pair made ended as it should; lists the ones that did not. */
  async verifyEndings(): Promise<{ checked: number; byReason: Record<string, number>; wrong: string[] }> {
    const byReason: Record<string, number> = {};
    const wrong: string[] = [];
    let checked = 0;
    await mapLimit(this.pairs, 16, async (pair) => {
      for (const { callId, expected } of pair.calls) {
        const res = await api<{ status: string; endReason?: string }>(this.options.apiUrl, 'GET', `/calls/${callId}`, { token: pair.caller.account.token });
        checked += 1;
        bump(byReason, res.body.endReason ?? res.body.status);
        if (res.status !== 200 || res.body.status !== 'ended' || res.body.endReason !== expected) {
          wrong.push(`pair ${pair.index} call ${callId}: expected ended/${expected}, got ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    });
    return { checked, byReason, wrong };
  }

  /** Closes every connection, on purpose, without ending anything (nobody is in a call yet). */
  async disconnectAll(): Promise<void> {
    this.expectCloses = true;
    await Promise.all(this.sides.map((s) => s.client?.close()));
    this.expectCloses = false;
    this.stats.expectedCloses = {};
  }

  async closeAll(): Promise<void> {
    this.stopTrickle();
    for (const side of this.sides) side.gone = true;
    await Promise.all(this.sides.map((s) => s.client?.close()));
  }
}
