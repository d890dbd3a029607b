import type { CallDto, CallHistoryItem, CallMedia, CallRole, CallStatus, EndReason, ErrorCode, RelayedEnvelope, ServerMessage } from '@parley/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../http/errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { ConnectionRef, Delivery, Send } from '../signaling/delivery.js';
import type { RelaySender } from './relay-route.js';
import type { CallRecord, EndGuard, NamedCallRecord, Store } from '../store/types.js';
import type { UserCache } from '../users/cache.js';
import { Deadlines, type Deadline } from './deadlines.js';
import { LiveCalls, other, roleOf, withNames, type LiveCall } from './live-calls.js';
import { endEventFor, transition, type CallEvent } from './machine.js';

export interface CallTimings {
  ringTimeoutMs: number;
  reconnectGraceMs: number;
  /** At most `max` unanswered calls from one caller to one callee within `windowMs` (see {@link CallService.create}). */
  pairRingLimit: { max: number; windowMs: number };
}

/** How a node tells the others that a call changed (cluster mode); absent in one process. */
export interface CallReplication {
  publish(call: NamedCallRecord): void;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The answer for a callee in another call, and for one who blocked the caller: the two must not differ. */
const calleeBusy = (username: string) => new AppError('CALLEE_BUSY', `${username} is unavailable`);

/** How often an operation reads a call again after a conditional write found it changed. */
const MAX_RETRIES = 3;

export function toCallDto(row: CallRecord): CallDto {
  return {
    callId: row.id,
    status: row.status,
    callerId: row.callerId,
    calleeId: row.calleeId,
    createdAt: iso(row.createdAt),
    ...(row.answeredAt === null ? {} : { answeredAt: iso(row.answeredAt) }),
    ...(row.endedAt === null ? {} : { endedAt: iso(row.endedAt) }),
    ...(row.endReason === null ? {} : { endReason: row.endReason }),
  };
}

/** The event a deadline means, and what must still hold in the row for it to apply. */
function eventOf(deadline: Deadline): { event: CallEvent; guard: EndGuard } {
  return deadline.kind === 'ring'
    ? { event: 'ring_timeout', guard: { kind: 'ring_expired' } }
    : { event: 'connection_lost', guard: { kind: 'grace_expired', role: deadline.role } };
}

/**
 * The call lifecycle: creates calls, moves them through the state machine, binds each side to one connection,
 * keeps the ring and reconnect deadlines, and relays signaling between the two bound connections.
 *
 * The database is the one source of truth. Every transition is a conditional write (`store/types.ts`): of any
 * number of attempts, on any number of nodes, exactly one gets the row back, and only that one announces the
 * change. The winner applies the new row to this node's copy of the live calls (`LiveCalls`) and publishes it to
 * the other nodes, so the relay path and the ring of a newly connected device read memory, never the database. A
 * copy that turns out stale (an event the copy refuses, or a write that finds the row changed) is refreshed from
 * the database before anything is refused.
 */
export class CallService {
  private readonly live: LiveCalls;
  private readonly deadlines: Deadlines;
  /** Set by {@link shutdown}: the store closes next, so no timer may start and no write begin. */
  private stopped = false;
  /** Writes started by socket events (a connection closing) that shutdown must wait for. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly users: UserCache,
    private readonly delivery: Delivery,
    private readonly timings: CallTimings,
    private readonly log: FastifyBaseLogger,
    private readonly metrics: Metrics,
    private readonly replication: CallReplication | null = null,
  ) {
    this.live = new LiveCalls(metrics);
    this.deadlines = new Deadlines((callId, deadline, at) => this.track(this.deadlineReached(callId, deadline, at)));
  }

  /** Single process: ends the calls a previous process left open; returns how many. */
  async recoverAfterRestart(now = Date.now()): Promise<number> {
    const ended = await this.store.calls.endAllLive('server_restart', now);
    this.metrics.callsEnded.inc({ reason: 'server_restart' }, ended.length);
    if (ended.length > 0) this.log.warn({ calls: ended.map((c) => c.id) }, 'ended calls left open by the previous run');
    return ended.length;
  }

  /**
   * Cluster: takes in every live call from the database (a node starting, or resyncing after the bus lost
   * messages). Calls this node held that are gone from the database ended while it was not listening: their end
   * is told to this node's connections of both users. Returns the calls now held.
   */
  async loadLive(): Promise<{ ended: string[] }> {
    const rows = await this.store.calls.listLive();
    const seen = new Set(rows.map((row) => row.id));
    const ended: string[] = [];
    for (const call of [...this.live.all()]) {
      if (seen.has(call.id)) continue;
      const row = await this.store.calls.findById(call.id);
      this.live.drop(call.id);
      this.deadlines.sync(call.id, undefined);
      ended.push(call.id);
      if (row?.endReason) this.announceEnded(row.id, call.userIds, row.endReason, 'here');
    }
    for (const row of rows) this.remember(row);
    return { ended };
  }

  // ---------- REST ----------

  async create(callerId: string, calleeId: string, connectionId: string | undefined, media: CallMedia = 'video') {
    if (callerId === calleeId) throw new AppError('CANNOT_CALL_SELF', 'You cannot call yourself');
    const [caller, callee] = await Promise.all([this.users.findById(callerId), this.users.findById(calleeId)]);
    if (!caller) throw new AppError('UNAUTHORIZED', 'Your account no longer exists');
    if (!callee) throw new AppError('USER_NOT_FOUND', 'No such user');
    // A callee who blocked the caller is "busy", exactly as when in another call: the caller must not learn of
    // the block (they also see the callee offline). Checked in the database, so every node of a cluster agrees.
    if (await this.store.blocks.has(calleeId, callerId)) throw calleeBusy(callee.username);
    await this.checkPairRingLimit(callerId, callee.username, calleeId);
    if (connectionId !== undefined && !(await this.delivery.isConnectionOf(callerId, connectionId))) {
      throw new AppError('VALIDATION_FAILED', 'connectionId is not an open connection of yours');
    }
    // Whether a device of the callee is rung at once; the caller is told either way (`ringing`, or `call:ringing`
    // when a device connects later), so it can say "calling" until something rings.
    const ringing = await this.delivery.isOnline(calleeId);
    const now = Date.now();
    const ringExpiresAt = now + this.timings.ringTimeoutMs;
    const result = await this.store.calls.create({ callerId, calleeId, callerConn: connectionId ?? null, now, ringExpiresAt, rangAt: ringing ? now : null, media });
    if (!result.ok) {
      const { blocking } = result;
      const callerBusy = blocking.callerId === callerId || blocking.calleeId === callerId;
      throw callerBusy
        ? new AppError('CALLER_BUSY', 'You are already in a call', blocking.id)
        : // Someone else's call: say the callee is busy, but its id is theirs to know, not the caller's.
          calleeBusy(callee.username);
    }
    const call = this.commit(withNames(result.call, { caller: caller.username, callee: callee.username }));
    this.deadlines.arm(result.call.id, { kind: 'ring' }, ringExpiresAt);
    this.metrics.callsCreated.inc();
    this.log.info({ callId: result.call.id, userId: callerId, calleeId }, 'call created');
    if (call !== undefined) this.delivery.toUser(calleeId, this.incoming(call));
    return { call: result.call, callee, ringExpiresAt: iso(ringExpiresAt), ringing };
  }

  /**
   * A ringing callee counts as busy for everyone else (one incoming call at a time; there is no call waiting), so
   * one account re-dialling a callee as each ring ends could keep them unreachable. Counting that caller's
   * unanswered calls to that callee in a window, from the calls table (every node sees the same rows), stops it
   * after a few rings; only that pair is refused, and an answered call does not count.
   */
  private async checkPairRingLimit(callerId: string, calleeName: string, calleeId: string): Promise<void> {
    const { max, windowMs } = this.timings.pairRingLimit;
    const now = Date.now();
    const { count, oldest } = await this.store.calls.unansweredSince(callerId, calleeId, now - windowMs);
    if (count < max) return;
    throw AppError.rateLimited(`You have called ${calleeName} too often without an answer; try again later`, ((oldest ?? now) + windowMs - now) / 1000);
  }

  async get(userId: string, callId: string): Promise<CallDto> {
    return toCallDto(await this.rowFor(userId, callId));
  }

  /** A participant ends the call: cancel or reject while ringing, hang up when active. Idempotent once ended. */
  async end(userId: string, callId: string): Promise<EndReason> {
    // A ringing call can be answered between reading it and ending it: then it is hung up instead.
    for (let attempt = 0; attempt <= MAX_RETRIES; attempt += 1) {
      const row = await this.rowFor(userId, callId);
      if (row.status === 'ended') {
        if (row.endReason === null) throw new Error(`Call ${callId} ended without a reason`);
        this.forgetEnded(row);
        return row.endReason;
      }
      const role = row.callerId === userId ? 'caller' : 'callee';
      const reason = await this.finish(row, endEventFor(row.status, role));
      if (reason !== null) return reason;
    }
    throw new Error(`Call ${callId} kept changing while it was being ended`);
  }

  async history(userId: string, limit: number, before?: number): Promise<CallHistoryItem[]> {
    const rows = await this.store.calls.history(userId, limit, before);
    return rows.map((row) => {
      const outgoing = row.callerId === userId;
      return {
        callId: row.id,
        status: row.status,
        direction: outgoing ? 'outgoing' : 'incoming',
        peer: outgoing ? { id: row.calleeId, username: row.calleeName } : { id: row.callerId, username: row.callerName },
        createdAt: iso(row.createdAt),
        ...(row.answeredAt === null ? {} : { answeredAt: iso(row.answeredAt) }),
        ...(row.endedAt === null ? {} : { endedAt: iso(row.endedAt) }),
        ...(row.endReason === null ? {} : { endReason: row.endReason }),
        ...(row.answeredAt !== null && row.endedAt !== null ? { durationMs: row.endedAt - row.answeredAt } : {}),
      };
    });
  }

  /** The live call of a user, if any (for operators and tests). */
  liveCallOf(userId: string): { callId: string; status: CallStatus } | undefined {
    const call = this.live.ofUser(userId);
    return call && { callId: call.id, status: call.status };
  }

  liveCount(): Readonly<Record<'created' | 'active', number>> {
    return this.live.count();
  }

  // ---------- WebSocket ----------

  /**
   * A new connection of a user who is being rung hears the ring at once; the first one to hear it after the call
   * was created tells the caller that it rings now.
   */
  connectionOpened(conn: ConnectionRef): void {
    const call = this.live.ofUser(conn.userId);
    if (call && call.status === 'created' && call.userIds.callee === conn.userId) {
      if (this.delivery.toConnection(conn.id, this.incoming(call)) && call.rangAt === null) this.track(this.announceRinging(call));
    }
  }

  /** The call reached a device of the callee for the first time: the caller hears it rings (once, whichever node). */
  private async announceRinging(call: LiveCall): Promise<void> {
    const row = await this.store.calls.markRang(call.id, Date.now());
    if (row === null) return;
    const rung = this.commit(withNames(row, call.names));
    if (rung !== undefined) this.toSide(rung, 'caller', { type: 'call:ringing', payload: { callId: call.id } });
  }

  /** A bound connection went away: the call waits out the reconnect grace for that side. */
  connectionClosed(conn: ConnectionRef): void {
    if (this.stopped) return;
    const call = this.live.ofUser(conn.userId);
    if (!call) return;
    const role = roleOf(call, conn.userId);
    if (!role || call.conn[role] !== conn.id) return;
    this.track(this.leave(call.id, role, conn));
  }

  async accept(conn: ConnectionRef, callId: string): Promise<void> {
    const call = await this.requireLive(conn.userId, callId, 'accept');
    this.requireCallee(call, conn.userId, 'accept');
    if (call.status === 'active') throw this.alreadyAnswered(call, conn);
    const now = Date.now();
    const row = await this.store.calls.accept(callId, conn.id, now);
    if (row === null) {
      const fresh = await this.refresh(callId);
      if (fresh?.status === 'active') throw this.alreadyAnswered(fresh, conn);
      throw new AppError('CALL_NOT_RINGING', 'The call is no longer ringing', callId);
    }
    const accepted = this.commit(withNames(row, call.names));
    this.log.info({ callId, userId: conn.userId }, 'call accepted');
    const message: ServerMessage = { type: 'call:accept', payload: { callId } };
    if (accepted !== undefined) this.toSide(accepted, 'caller', message);
    this.delivery.toConnection(conn.id, message);
    this.delivery.toUser(conn.userId, { type: 'call:ended', payload: { callId, reason: 'answered_elsewhere' } }, conn.id);
  }

  async reject(conn: ConnectionRef, callId: string): Promise<void> {
    const call = await this.requireLive(conn.userId, callId, 'reject');
    this.requireCallee(call, conn.userId, 'decline');
    if (call.status !== 'created') throw new AppError('CALL_NOT_RINGING', 'The call is no longer ringing', callId);
    const row = await this.endCall(call, 'reject', { kind: 'none' }, Date.now(), { before: { type: 'call:reject', payload: { callId } } });
    if (row === null) throw new AppError('CALL_NOT_RINGING', 'The call is no longer ringing', callId);
  }

  /** A participant's (new) connection takes the call back, e.g. after a reconnect or a page reload. */
  async rejoin(conn: ConnectionRef, callId: string, attempt = 0): Promise<void> {
    let call = this.live.get(callId) ?? (await this.refresh(callId));
    if (!call) {
      const row = await this.rowFor(conn.userId, callId);
      if (row.endReason !== null) this.delivery.toConnection(conn.id, { type: 'call:ended', payload: { callId, reason: row.endReason } });
      return;
    }
    const role = roleOf(call, conn.userId);
    if (!role) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', callId);
    if (role === 'callee' && call.status === 'created') throw new AppError('CALL_NOT_ACTIVE', 'Answer the call first', callId);
    call = await this.bind(call, role, conn);
    if (call === undefined) {
      if (attempt >= MAX_RETRIES) throw new Error(`Call ${callId} kept changing during a rejoin`);
      return this.rejoin(conn, callId, attempt + 1);
    }
    this.delivery.toConnection(conn.id, {
      type: 'call:rejoined',
      payload: { callId, role, peer: { id: call.userIds[other(role)], username: call.names[other(role)] } },
    });
  }

  /**
   * Forwards an offer, answer or candidate to the other side's bound connection, verbatim. Only inside an active
   * call and only from the sender's bound connection; while the other side is away the message is dropped (it
   * renegotiates when it is back). The common case is answered from memory, synchronously — and for the next frame
   * of the same call, while no call changed, from the route the last one took (relay-route.ts); anything else (a
   * call this node's copy does not show as active and bound to this connection) goes through {@link relaySlow}.
   */
  relay(conn: RelaySender, envelope: RelayedEnvelope, raw: Buffer): void | Promise<void> {
    const route = conn.relayRoute;
    if (route !== undefined && route.epoch === this.live.epoch && route.callId === envelope.callId) {
      if (route.send(raw)) this.metrics.countRelayed(envelope.type);
      return;
    }
    const call = this.live.get(envelope.callId);
    const role = call === undefined ? undefined : sideCarriedBy(call, conn);
    if (call !== undefined && role !== undefined) {
      const send = this.forward(call.conn[other(role)], envelope, raw);
      conn.relayRoute = send === undefined ? undefined : { callId: envelope.callId, epoch: this.live.epoch, send };
      return;
    }
    return this.relaySlow(conn, envelope, raw);
  }

  /** This node's timer for a deadline ran out. */
  private async deadlineReached(callId: string, deadline: Deadline, at: number): Promise<void> {
    if (this.stopped) return;
    const row = this.live.get(callId) ?? (await this.store.calls.findById(callId));
    if (row === undefined || row.status === 'ended') return;
    // A timer may run a hair before the wall clock reaches its deadline; it is due all the same.
    const ended = await this.due(row, deadline, Math.max(Date.now(), at));
    // This node's copy was behind the database (a change it has not heard of yet): judge by the stored row.
    if (ended === null && this.live.get(callId) !== undefined) {
      const fresh = await this.store.calls.findById(callId);
      if (fresh !== undefined && fresh.status !== 'ended' && fresh.version !== row.version) await this.due(fresh, deadline, Math.max(Date.now(), at));
    }
  }

  private due(row: CallRecord | LiveCall, deadline: Deadline, now: number) {
    const { event, guard } = eventOf(deadline);
    return this.endCall(row, event, guard, now);
  }

  /** Cluster: ends what is overdue in the database, whichever node set it (sweeps run on every node). */
  async sweep(now = Date.now()): Promise<void> {
    if (this.stopped) return;
    for (const row of await this.store.calls.overdue(now, 100)) {
      if (row.status === 'created' && row.ringExpiresAt !== null && row.ringExpiresAt <= now) {
        await this.due(row, { kind: 'ring' }, now);
        continue;
      }
      const role = row.callerAwayUntil !== null && row.callerAwayUntil <= now ? 'caller' : 'callee';
      await this.due(row, { kind: 'grace', role }, now);
    }
  }

  /** Cluster: a call changed on another node. */
  remoteChanged(record: NamedCallRecord): void {
    this.remember(record);
  }

  /**
   * Cluster: another node died with connections bound to these calls (the reaper put those sides away in the same
   * transaction). Their grace runs from now, exactly as if those sockets had closed.
   */
  async sidesLost(rows: readonly CallRecord[]): Promise<void> {
    for (const row of rows) {
      const held = this.live.get(row.id);
      const names = held?.names ?? (await this.namesOf(row));
      if (names === undefined) continue;
      const updated = this.commit(withNames(row, names));
      if (updated === undefined) continue;
      for (const role of ['caller', 'callee'] as const) {
        const awayUntil = updated.awayUntil[role];
        if (awayUntil === null || held?.awayUntil[role] === awayUntil) continue;
        this.deadlines.arm(updated.id, { kind: 'grace', role }, awayUntil);
        this.announceAway(updated, role);
      }
    }
  }

  /**
   * Cluster: after the bus lost messages, tell this node's connections what they may have missed: the ring of a
   * ringing call, and, for active calls whose other side is on another node, that the peer is there (so both
   * renegotiate, healing a lost offer, answer or candidate).
   */
  reannounce(isLocal: (connectionId: string) => boolean): void {
    for (const call of this.live.all()) {
      if (call.status === 'created') {
        this.delivery.toUserHere(call.userIds.callee, this.incoming(call));
        continue;
      }
      for (const role of ['caller', 'callee'] as const) {
        const mine = call.conn[role];
        const theirs = call.conn[other(role)];
        if (mine !== null && isLocal(mine) && theirs !== null && !isLocal(theirs)) {
          this.delivery.toConnection(mine, { type: 'call:peer-connection', payload: { callId: call.id, connected: true } });
        }
      }
    }
  }

  /** Stops every timer and waits for writes in flight; calls stay in the database as they are. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.deadlines.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Cluster drain: unlike {@link shutdown}, the sockets this node closes put their calls into the reconnect grace
   * (their clients rejoin through another node); this waits until those writes are done.
   */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.stopped = true;
    this.deadlines.stop();
  }

  // ---------- internals ----------

  private incoming(call: LiveCall): ServerMessage {
    return {
      type: 'call:incoming',
      payload: {
        callId: call.id,
        from: call.names.caller,
        callerId: call.userIds.caller,
        ringExpiresAt: iso(call.ringExpiresAt ?? call.createdAt + this.timings.ringTimeoutMs),
        ...(call.media === 'audio' ? { media: 'audio' as const } : {}),
      },
    };
  }

  private requireCallee(call: LiveCall, userId: string, action: string): void {
    const role = roleOf(call, userId);
    if (!role) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', call.id);
    if (role !== 'callee') throw new AppError('FORBIDDEN', `Only the callee can ${action}`, call.id);
  }

  private alreadyAnswered(call: LiveCall, conn: ConnectionRef): AppError {
    return call.conn.callee === conn.id
      ? new AppError('CALL_NOT_RINGING', 'The call is already answered', call.id)
      : new AppError('CALL_ANSWERED_ELSEWHERE', 'The call was answered on another device', call.id);
  }

  /** The stored call, if `userId` takes part in it. */
  private async rowFor(userId: string, callId: string): Promise<CallRecord> {
    const row = await this.store.calls.findById(callId);
    if (!row) throw new AppError('CALL_NOT_FOUND', 'Call not found', callId);
    if (row.callerId !== userId && row.calleeId !== userId) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', callId);
    return row;
  }

  /** The database's copy of a call, taken into this node's (which may have missed a change). */
  private async refresh(callId: string): Promise<LiveCall | undefined> {
    const row = await this.store.calls.findById(callId);
    if (row === undefined) return undefined;
    if (row.status === 'ended') {
      this.forgetEnded(row);
      return undefined;
    }
    const held = this.live.get(callId);
    const names = held?.names ?? (await this.namesOf(row));
    if (names === undefined) return undefined;
    this.remember(withNames(row, names));
    return this.live.get(callId);
  }

  private async namesOf(row: CallRecord): Promise<Record<CallRole, string> | undefined> {
    const [caller, callee] = await Promise.all([this.users.findById(row.callerId), this.users.findById(row.calleeId)]);
    return caller && callee ? { caller: caller.username, callee: callee.username } : undefined;
  }

  /** The live call, or the error an `event` on a finished/unknown/foreign call deserves. */
  private async requireLive(userId: string, callId: string, event: CallEvent): Promise<LiveCall> {
    const call = this.live.get(callId) ?? (await this.refresh(callId));
    if (call) return call;
    const row = await this.rowFor(userId, callId);
    const result = transition(row.status, event);
    const code: ErrorCode = result.ok ? 'CALL_NOT_ACTIVE' : result.code;
    throw new AppError(code, code === 'CALL_NOT_RINGING' ? 'The call is no longer ringing' : 'The call has ended', callId);
  }

  private async relaySlow(conn: ConnectionRef, envelope: RelayedEnvelope, raw: Buffer, attempt = 0): Promise<void> {
    const { callId } = envelope;
    let call = await this.requireLive(conn.userId, callId, 'hangup');
    // A cluster node's copy can be behind the database: the bus is at most once (a call's new row lost while Redis
    // or a link was down arrives only with the next resync). Before refusing a frame, read the row.
    if (this.replication !== null && attempt === 0 && sideCarriedBy(call, conn) === undefined) {
      await this.refresh(callId);
      call = await this.requireLive(conn.userId, callId, 'hangup');
    }
    const role = roleOf(call, conn.userId);
    if (!role) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', callId);
    if (call.status !== 'active') throw new AppError('CALL_NOT_ACTIVE', 'The call is not active', callId);
    const mine = call.conn[role];
    let current: LiveCall | undefined = call;
    // Seed clients place calls without a connectionId: the caller's first connection that speaks carries it.
    if (mine === null) current = await this.bind(call, role, conn);
    else if (mine !== conn.id) throw new AppError('FORBIDDEN', 'This call is carried by another connection of yours', callId);
    if (current === undefined) {
      if (attempt >= MAX_RETRIES) throw new Error(`Call ${callId} kept changing during a relay`);
      return this.relaySlow(conn, envelope, raw, attempt + 1);
    }
    this.forward(current.conn[other(role)], envelope, raw);
  }

  /** Sends `raw` to the peer's connection (none while that side is away), counted if it went; how it was sent. */
  private forward(peer: string | null, envelope: RelayedEnvelope, raw: Buffer): Send | undefined {
    const send = peer === null ? undefined : this.delivery.sender(peer);
    if (send?.(raw) === true) this.metrics.countRelayed(envelope.type);
    return send;
  }

  /**
   * `role`'s side of the call is carried by `conn` from now on. Returns the new copy, or undefined when the call
   * changed meanwhile (the caller looks again).
   */
  private async bind(call: LiveCall, role: CallRole, conn: ConnectionRef): Promise<LiveCall | undefined> {
    const previous = call.conn[role];
    if (previous === conn.id) return call;
    const row = await this.store.calls.bind(call.id, role, conn.id, previous);
    if (row === null) {
      await this.refresh(call.id);
      return undefined;
    }
    const bound = this.commit(withNames(row, call.names));
    if (bound === undefined) return undefined;
    if (previous !== null) {
      this.delivery.toConnection(previous, { type: 'call:ended', payload: { callId: call.id, reason: 'answered_elsewhere' } });
    }
    // The peer must renegotiate with the new connection (a reloaded page has a fresh RTCPeerConnection).
    if (call.awayUntil[role] !== null || previous !== null) {
      this.toSide(bound, other(role), { type: 'call:peer-connection', payload: { callId: call.id, connected: true } });
      this.log.info({ callId: call.id, userId: conn.userId }, 'participant reconnected');
    }
    return bound;
  }

  private async leave(callId: string, role: CallRole, conn: ConnectionRef): Promise<void> {
    const awayUntil = Date.now() + this.timings.reconnectGraceMs;
    const row = await this.store.calls.leave(callId, role, conn.id, awayUntil);
    if (row === null) return;
    const names = this.live.get(callId)?.names ?? (await this.namesOf(row));
    if (names === undefined) return;
    const call = this.commit(withNames(row, names));
    if (call === undefined) return;
    this.deadlines.arm(callId, { kind: 'grace', role }, awayUntil);
    this.announceAway(call, role);
    this.log.info({ callId, userId: conn.userId }, 'participant connection lost; waiting for reconnect');
  }

  private announceAway(call: LiveCall, role: CallRole): void {
    this.toSide(call, other(role), {
      type: 'call:peer-connection',
      payload: { callId: call.id, connected: false, graceMs: this.timings.reconnectGraceMs },
    });
  }

  /** To the side's bound connection, or to all its user's connections while it has none. */
  private toSide(call: LiveCall, role: CallRole, message: ServerMessage): void {
    const conn = call.conn[role];
    if (conn === null || !this.delivery.toConnection(conn, message)) this.delivery.toUser(call.userIds[role], message);
  }

  /**
   * A participant's terminal event on a stored call; returns the end reason, or null when the call changed under
   * the attempt (the caller reads it again).
   */
  private async finish(row: CallRecord, event: CallEvent): Promise<EndReason | null> {
    const ended = await this.endCall(row, event, { kind: 'none' }, Date.now());
    if (ended !== null) return ended.endReason;
    const fresh = await this.store.calls.findById(row.id);
    if (fresh?.status === 'ended' && fresh.endReason !== null) {
      this.forgetEnded(fresh);
      return fresh.endReason;
    }
    return null;
  }

  /**
   * Applies a terminal event as one conditional write; only the winner forgets the call here, publishes it and
   * tells both users. `before` goes to the caller's side ahead of `call:ended` (a decline's `call:reject`).
   */
  private async endCall(
    call: CallRecord | LiveCall,
    event: CallEvent,
    guard: EndGuard,
    now: number,
    options: { before?: ServerMessage } = {},
  ): Promise<(CallRecord & { endReason: EndReason }) | null> {
    const result = transition(call.status, event);
    if (!result.ok) throw new AppError(result.code, 'The call cannot do that now', call.id);
    if (result.to !== 'ended') throw new Error(`${event} does not end a call`);
    const row = await this.store.calls.end(call.id, [call.status], result.endReason, now, guard);
    if (row === null || row.endReason === null) return null;
    const held = this.live.get(call.id);
    const userIds = { caller: row.callerId, callee: row.calleeId };
    // Names matter only to live copies; an ended row just makes every node drop its copy.
    this.commit(withNames(row, held?.names ?? { caller: row.callerId, callee: row.calleeId }));
    this.metrics.callsEnded.inc({ reason: row.endReason });
    if (row.answeredAt !== null) this.metrics.callDuration.observe((now - row.answeredAt) / 1000);
    this.log.info({ callId: row.id, userId: row.callerId, calleeId: row.calleeId, reason: row.endReason }, 'call ended');
    if (options.before !== undefined && held !== undefined) this.toSide(held, 'caller', options.before);
    this.announceEnded(row.id, userIds, row.endReason);
    return { ...row, endReason: row.endReason };
  }

  /** `call:ended` to both users: everywhere, or (a node catching up on what it missed) to this node's sockets. */
  private announceEnded(callId: string, userIds: Readonly<Record<CallRole, string>>, reason: EndReason, where: 'everywhere' | 'here' = 'everywhere'): void {
    const ended: ServerMessage = { type: 'call:ended', payload: { callId, reason } };
    const send = where === 'here' ? this.delivery.toUserHere.bind(this.delivery) : this.delivery.toUser.bind(this.delivery);
    send(userIds.caller, ended);
    send(userIds.callee, ended);
  }

  /** A row read from the database shows the call ended: drop this node's copy (someone else announced it). */
  private forgetEnded(row: CallRecord): void {
    if (this.live.drop(row.id) !== undefined) this.deadlines.sync(row.id, undefined);
  }

  /** Applies a row this node wrote, and publishes it to the others. Returns the live copy (undefined once ended). */
  private commit(record: NamedCallRecord): LiveCall | undefined {
    const call = this.remember(record);
    this.replication?.publish(record);
    return call;
  }

  /** Applies a row to this node's copy of the live calls. */
  private remember(record: NamedCallRecord): LiveCall | undefined {
    const applied = this.live.apply(record);
    switch (applied.kind) {
      case 'stale':
        return this.live.get(record.id);
      case 'ended':
        this.deadlines.sync(record.id, undefined);
        return undefined;
      case 'live':
        this.deadlines.sync(record.id, applied.call);
        return applied.call;
    }
  }

  private track<T>(work: Promise<T>): void {
    const tracked = work.catch((error: unknown) => {
      if (!this.stopped) this.log.error({ err: error }, 'call bookkeeping failed');
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}

/** The side of an active `call` that `conn` carries, if it does: what a relayed frame needs. */
function sideCarriedBy(call: LiveCall, conn: ConnectionRef): CallRole | undefined {
  if (call.status !== 'active') return undefined;
  const role = roleOf(call, conn.userId);
  return role !== undefined && call.conn[role] === conn.id ? role : undefined;
}
