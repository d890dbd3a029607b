import type { CallDto, CallHistoryItem, CallStatus, EndReason, ErrorCode, RelayedMessage, ServerMessage } from '@parley/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { CallRow } from '../db/schema.js';
import { AppError } from '../http/errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { ConnectionRef, Delivery } from '../signaling/delivery.js';
import type { UserRepository } from '../users/repository.js';
import { endEventFor, transition, type CallEvent } from './machine.js';
import type { CallRepository } from './repository.js';

type Role = 'caller' | 'callee';
const other = (role: Role): Role => (role === 'caller' ? 'callee' : 'caller');

/** A call that is ringing or active, with the connections carrying it. Mirrors its database row. */
interface LiveCall {
  readonly id: string;
  readonly userIds: Record<Role, string>;
  readonly names: Record<Role, string>;
  status: Extract<CallStatus, 'created' | 'active'>;
  readonly createdAt: number;
  answeredAt: number | null;
  /** The connection of each side that carries the call; undefined while that side is away (or not yet bound). */
  readonly bound: Partial<Record<Role, string>>;
  ringTimer: NodeJS.Timeout | undefined;
  readonly graceTimers: Partial<Record<Role, NodeJS.Timeout>>;
}

export interface CallTimings {
  ringTimeoutMs: number;
  reconnectGraceMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toCallDto(row: CallRow): CallDto {
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

/**
 * The call lifecycle: creates calls, moves them through the state machine (persisting each transition before
 * announcing it), binds each side to one connection, runs the ring and reconnect timers, and relays signaling
 * between the two bound connections. Live calls are kept in memory so the relay path never reads the database.
 */
export class CallService {
  private readonly live = new Map<string, LiveCall>();
  /** A user is in at most one live call (the busy rule), so this maps user → call. */
  private readonly liveByUser = new Map<string, LiveCall>();
  private readonly counts = { created: 0, active: 0 };
  /** Set by {@link shutdown}: the database closes next, so no timer may start (sockets still close after it). */
  private stopped = false;

  constructor(
    private readonly calls: CallRepository,
    private readonly users: UserRepository,
    private readonly delivery: Delivery,
    private readonly timings: CallTimings,
    private readonly log: FastifyBaseLogger,
    private readonly metrics: Metrics,
  ) {}

  /** Ends the calls a previous process left open; returns how many. */
  recoverAfterRestart(now = Date.now()): number {
    const ended = this.calls.endAllLive('server_restart', now);
    this.metrics.callsEnded.inc({ reason: 'server_restart' }, ended.length);
    if (ended.length > 0) this.log.warn({ calls: ended.map((c) => c.id) }, 'ended calls left open by the previous run');
    return ended.length;
  }

  // ---------- REST ----------

  create(callerId: string, calleeId: string, connectionId: string | undefined) {
    if (callerId === calleeId) throw new AppError('CANNOT_CALL_SELF', 'You cannot call yourself');
    const caller = this.users.findById(callerId);
    const callee = this.users.findById(calleeId);
    if (!caller) throw new AppError('UNAUTHORIZED', 'Your account no longer exists');
    if (!callee) throw new AppError('USER_NOT_FOUND', 'No such user');
    if (connectionId !== undefined && this.delivery.ownerOf(connectionId) !== callerId) {
      throw new AppError('VALIDATION_FAILED', 'connectionId is not an open connection of yours');
    }
    const now = Date.now();
    const result = this.calls.insertIfBothFree(callerId, calleeId, now);
    if (!result.ok) {
      const { blocking } = result;
      const callerBusy = blocking.callerId === callerId || blocking.calleeId === callerId;
      throw callerBusy
        ? new AppError('CALLER_BUSY', 'You are already in a call', blocking.id)
        : // Someone else's call: say the callee is busy, but its id is theirs to know, not the caller's.
          new AppError('CALLEE_BUSY', `${callee.username} is in another call`);
    }
    const call: LiveCall = {
      id: result.call.id,
      userIds: { caller: callerId, callee: calleeId },
      names: { caller: caller.username, callee: callee.username },
      status: 'created',
      createdAt: now,
      answeredAt: null,
      bound: connectionId === undefined ? {} : { caller: connectionId },
      ringTimer: undefined,
      graceTimers: {},
    };
    this.track(call);
    if (!this.stopped) call.ringTimer = setTimeout(() => this.finish(call, 'ring_timeout'), this.timings.ringTimeoutMs);
    this.metrics.callsCreated.inc();
    this.log.info({ callId: call.id, userId: callerId, calleeId }, 'call created');
    this.delivery.toUser(calleeId, this.incoming(call));
    return { call: result.call, callee, ringExpiresAt: iso(now + this.timings.ringTimeoutMs) };
  }

  get(userId: string, callId: string): CallDto {
    return toCallDto(this.rowFor(userId, callId));
  }

  /** A participant ends the call: cancel or reject while ringing, hang up when active. Idempotent once ended. */
  end(userId: string, callId: string): EndReason {
    const call = this.live.get(callId);
    if (!call) {
      const row = this.rowFor(userId, callId);
      if (row.endReason === null) throw new Error(`Call ${callId} is ${row.status} in the database but not live`);
      return row.endReason;
    }
    const role = this.roleOf(call, userId);
    if (!role) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', callId);
    return this.finish(call, endEventFor(call.status, role));
  }

  history(userId: string, limit: number, before?: number): CallHistoryItem[] {
    return this.calls.history(userId, limit, before).map((row) => {
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
    const call = this.liveByUser.get(userId);
    return call && { callId: call.id, status: call.status };
  }

  liveCount(): Readonly<Record<'created' | 'active', number>> {
    return this.counts;
  }

  // ---------- WebSocket ----------

  /** A new connection of a user who is being rung hears the ring at once. */
  connectionOpened(conn: ConnectionRef): void {
    const call = this.liveByUser.get(conn.userId);
    if (call && call.status === 'created' && call.userIds.callee === conn.userId) {
      this.delivery.toConnection(conn.id, this.incoming(call));
    }
  }

  /** A bound connection went away: the call waits out the reconnect grace for that side. */
  connectionClosed(conn: ConnectionRef): void {
    if (this.stopped) return;
    const call = this.liveByUser.get(conn.userId);
    if (!call) return;
    const role = this.roleOf(call, conn.userId);
    if (!role || call.bound[role] !== conn.id) return;
    delete call.bound[role];
    this.startGrace(call, role);
    this.log.info({ callId: call.id, userId: conn.userId }, 'participant connection lost; waiting for reconnect');
  }

  accept(conn: ConnectionRef, callId: string): void {
    const call = this.requireLive(conn.userId, callId, 'accept');
    this.requireCallee(call, conn.userId, 'accept');
    if (call.status === 'active') {
      throw call.bound.callee === conn.id
        ? new AppError('CALL_NOT_RINGING', 'The call is already answered', callId)
        : new AppError('CALL_ANSWERED_ELSEWHERE', 'The call was answered on another device', callId);
    }
    const now = Date.now();
    if (!this.calls.markActive(call.id, 'created', now)) return this.desynced(call, conn, 'accept');
    clearTimeout(call.ringTimer);
    call.ringTimer = undefined;
    this.count(call, -1);
    call.status = 'active';
    this.count(call, +1);
    call.answeredAt = now;
    call.bound.callee = conn.id;
    this.log.info({ callId, userId: conn.userId }, 'call accepted');
    const accepted: ServerMessage = { type: 'call:accept', payload: { callId } };
    this.toSide(call, 'caller', accepted);
    this.delivery.toConnection(conn.id, accepted);
    this.delivery.toUser(conn.userId, { type: 'call:ended', payload: { callId, reason: 'answered_elsewhere' } }, conn.id);
  }

  reject(conn: ConnectionRef, callId: string): void {
    const call = this.requireLive(conn.userId, callId, 'reject');
    this.requireCallee(call, conn.userId, 'decline');
    if (call.status !== 'created') throw new AppError('CALL_NOT_RINGING', 'The call is no longer ringing', callId);
    this.toSide(call, 'caller', { type: 'call:reject', payload: { callId } });
    this.finish(call, 'reject');
  }

  /** A participant's (new) connection takes the call back, e.g. after a reconnect or a page reload. */
  rejoin(conn: ConnectionRef, callId: string): void {
    const call = this.live.get(callId);
    if (!call) {
      const row = this.rowFor(conn.userId, callId);
      if (row.endReason !== null) this.delivery.toConnection(conn.id, { type: 'call:ended', payload: { callId, reason: row.endReason } });
      return;
    }
    const role = this.roleOf(call, conn.userId);
    if (!role) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', callId);
    if (role === 'callee' && call.status === 'created') throw new AppError('CALL_NOT_ACTIVE', 'Answer the call first', callId);
    this.bind(call, role, conn);
    this.delivery.toConnection(conn.id, {
      type: 'call:rejoined',
      payload: { callId, role, peer: { id: call.userIds[other(role)], username: call.names[other(role)] } },
    });
  }

  /**
   * Forwards an offer, answer or candidate to the other side's bound connection, verbatim. Only inside an active
   * call and only from the sender's bound connection; while the other side is away the message is dropped (it
   * renegotiates when it is back).
   */
  relay(conn: ConnectionRef, message: RelayedMessage, raw: Buffer): void {
    const callId = message.payload.callId;
    const call = this.requireLive(conn.userId, callId, 'hangup');
    const role = this.roleOf(call, conn.userId);
    if (!role) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', callId);
    if (call.status !== 'active') throw new AppError('CALL_NOT_ACTIVE', 'The call is not active', callId);
    const mine = call.bound[role];
    if (mine === undefined) this.bind(call, role, conn);
    else if (mine !== conn.id) throw new AppError('FORBIDDEN', 'This call is carried by another connection of yours', callId);
    const peer = call.bound[other(role)];
    if (peer !== undefined && this.delivery.rawToConnection(peer, raw)) this.metrics.countRelayed(message.type);
  }

  /** Clears every timer; calls stay in the database as they are (recovered as `server_restart` next start). */
  shutdown(): void {
    this.stopped = true;
    for (const call of this.live.values()) {
      clearTimeout(call.ringTimer);
      for (const timer of Object.values(call.graceTimers)) clearTimeout(timer);
    }
  }

  // ---------- internals ----------

  private incoming(call: LiveCall): ServerMessage {
    return {
      type: 'call:incoming',
      payload: {
        callId: call.id,
        from: call.names.caller,
        callerId: call.userIds.caller,
        ringExpiresAt: iso(call.createdAt + this.timings.ringTimeoutMs),
      },
    };
  }

  private roleOf(call: LiveCall, userId: string): Role | undefined {
    if (call.userIds.caller === userId) return 'caller';
    if (call.userIds.callee === userId) return 'callee';
    return undefined;
  }

  private requireCallee(call: LiveCall, userId: string, action: string): void {
    const role = this.roleOf(call, userId);
    if (!role) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', call.id);
    if (role !== 'callee') throw new AppError('FORBIDDEN', `Only the callee can ${action}`, call.id);
  }

  /** The stored call, if `userId` takes part in it. */
  private rowFor(userId: string, callId: string): CallRow {
    const row = this.calls.findById(callId);
    if (!row) throw new AppError('CALL_NOT_FOUND', 'Call not found', callId);
    if (row.callerId !== userId && row.calleeId !== userId) throw new AppError('NOT_A_PARTICIPANT', 'You are not in this call', callId);
    return row;
  }

  /** The live call, or the error an `event` on a finished/unknown/foreign call deserves. */
  private requireLive(userId: string, callId: string, event: CallEvent): LiveCall {
    const call = this.live.get(callId);
    if (call) return call;
    const row = this.rowFor(userId, callId);
    const result = transition(row.status, event);
    const code: ErrorCode = result.ok ? 'CALL_NOT_ACTIVE' : result.code;
    throw new AppError(code, code === 'CALL_NOT_RINGING' ? 'The call is no longer ringing' : 'The call has ended', callId);
  }

  private bind(call: LiveCall, role: Role, conn: ConnectionRef): void {
    const previous = call.bound[role];
    if (previous === conn.id) return;
    if (previous !== undefined) {
      this.delivery.toConnection(previous, { type: 'call:ended', payload: { callId: call.id, reason: 'answered_elsewhere' } });
    }
    call.bound[role] = conn.id;
    const wasAway = call.graceTimers[role] !== undefined;
    clearTimeout(call.graceTimers[role]);
    delete call.graceTimers[role];
    // The peer must renegotiate with the new connection (a reloaded page has a fresh RTCPeerConnection).
    if (wasAway || previous !== undefined) {
      this.toSide(call, other(role), { type: 'call:peer-connection', payload: { callId: call.id, connected: true } });
      this.log.info({ callId: call.id, userId: conn.userId }, 'participant reconnected');
    }
  }

  private startGrace(call: LiveCall, role: Role): void {
    clearTimeout(call.graceTimers[role]);
    call.graceTimers[role] = setTimeout(() => this.finish(call, 'connection_lost'), this.timings.reconnectGraceMs);
    this.toSide(call, other(role), {
      type: 'call:peer-connection',
      payload: { callId: call.id, connected: false, graceMs: this.timings.reconnectGraceMs },
    });
  }

  /** To the side's bound connection, or to all its user's connections while it has none. */
  private toSide(call: LiveCall, role: Role, message: ServerMessage): void {
    const conn = call.bound[role];
    if (conn === undefined || !this.delivery.toConnection(conn, message)) this.delivery.toUser(call.userIds[role], message);
  }

  /** Applies a terminal event: persist, forget, tell both users. Returns the end reason. */
  private finish(call: LiveCall, event: CallEvent): EndReason {
    const result = transition(call.status, event);
    if (!result.ok) throw new AppError(result.code, 'The call cannot do that now', call.id);
    if (result.to !== 'ended') throw new Error(`${event} does not end a call`);
    const now = Date.now();
    const stored = this.calls.markEnded(call.id, call.status, result.endReason, now);
    const reason = stored ? result.endReason : (this.calls.findById(call.id)?.endReason ?? result.endReason);
    this.untrack(call);
    this.metrics.callsEnded.inc({ reason });
    if (call.answeredAt !== null) this.metrics.callDuration.observe((now - call.answeredAt) / 1000);
    this.log.info({ callId: call.id, userId: call.userIds.caller, calleeId: call.userIds.callee, reason }, 'call ended');
    const ended: ServerMessage = { type: 'call:ended', payload: { callId: call.id, reason } };
    this.delivery.toUser(call.userIds.caller, ended);
    this.delivery.toUser(call.userIds.callee, ended);
    return reason;
  }

  /** The row changed under us (an operator ended it from the CLI): drop the live copy and say so. */
  private desynced(call: LiveCall, conn: ConnectionRef, event: CallEvent): never {
    const row = this.calls.findById(call.id);
    this.untrack(call);
    this.log.warn({ callId: call.id, userId: conn.userId, event }, 'call changed outside this process');
    if (row?.endReason) {
      const ended: ServerMessage = { type: 'call:ended', payload: { callId: call.id, reason: row.endReason } };
      this.delivery.toUser(call.userIds.caller, ended);
      this.delivery.toUser(call.userIds.callee, ended);
    }
    throw new AppError('CALL_NOT_RINGING', 'The call is no longer ringing', call.id);
  }

  private track(call: LiveCall): void {
    this.live.set(call.id, call);
    this.liveByUser.set(call.userIds.caller, call);
    this.liveByUser.set(call.userIds.callee, call);
    this.count(call, +1);
  }

  private untrack(call: LiveCall): void {
    clearTimeout(call.ringTimer);
    for (const timer of Object.values(call.graceTimers)) clearTimeout(timer);
    this.live.delete(call.id);
    if (this.liveByUser.get(call.userIds.caller) === call) this.liveByUser.delete(call.userIds.caller);
    if (this.liveByUser.get(call.userIds.callee) === call) this.liveByUser.delete(call.userIds.callee);
    this.count(call, -1);
  }

  private count(call: LiveCall, delta: 1 | -1): void {
    this.counts[call.status] += delta;
    this.metrics.liveCalls.inc({ status: call.status }, delta);
  }
}
