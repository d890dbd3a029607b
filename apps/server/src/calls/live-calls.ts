import type { CallMedia, CallRole } from '@parley/protocol';
import type { Metrics } from '../observability/metrics.js';
import type { CallRecord, NamedCallRecord } from '../store/types.js';

export const other = (role: CallRole): CallRole => (role === 'caller' ? 'callee' : 'caller');

/** A ringing or active call as this node keeps it: the newest version of its database row it has seen. */
export interface LiveCall {
  readonly id: string;
  readonly userIds: Readonly<Record<CallRole, string>>;
  readonly names: Readonly<Record<CallRole, string>>;
  readonly status: 'created' | 'active';
  readonly createdAt: number;
  readonly answeredAt: number | null;
  readonly ringExpiresAt: number | null;
  readonly rangAt: number | null;
  readonly media: CallMedia;
  /** The connection carrying each side, null while that side is away (or, for the callee, before it answers). */
  readonly conn: Readonly<Record<CallRole, string | null>>;
  readonly awayUntil: Readonly<Record<CallRole, number | null>>;
  readonly version: number;
}

export function roleOf(call: { userIds: Readonly<Record<CallRole, string>> }, userId: string): CallRole | undefined {
  if (call.userIds.caller === userId) return 'caller';
  if (call.userIds.callee === userId) return 'callee';
  return undefined;
}

function toLive(record: NamedCallRecord): LiveCall | undefined {
  if (record.status === 'ended') return undefined;
  return {
    id: record.id,
    userIds: { caller: record.callerId, callee: record.calleeId },
    names: { caller: record.callerName, callee: record.calleeName },
    status: record.status,
    createdAt: record.createdAt,
    answeredAt: record.answeredAt,
    ringExpiresAt: record.ringExpiresAt,
    rangAt: record.rangAt,
    media: record.media,
    conn: { caller: record.callerConn, callee: record.calleeConn },
    awayUntil: { caller: record.callerAwayUntil, callee: record.calleeAwayUntil },
    version: record.version,
  };
}

export function withNames(record: CallRecord, names: Readonly<Record<CallRole, string>>): NamedCallRecord {
  return { ...record, callerName: names.caller, calleeName: names.callee };
}

export type Applied =
  /** The record was older than the copy held: nothing changed. */
  | { kind: 'stale' }
  | { kind: 'live'; call: LiveCall; previous: LiveCall | undefined }
  | { kind: 'ended'; previous: LiveCall | undefined };

/**
 * Every live call of the cluster, as this node last saw it, so the relay path and the ring of a newly connected
 * device never read the database. Each write to a call returns its row with a bumped `version`; the node that
 * wrote applies it here and sends it to the others, which apply it unless they already hold a newer one. Each
 * copy is immutable: an update replaces it.
 */
export class LiveCalls {
  private readonly byId = new Map<string, LiveCall>();
  /** A user is in at most one live call (the busy rule), so this maps user → call. */
  private readonly byUser = new Map<string, LiveCall>();
  private readonly counts = { created: 0, active: 0 };
  private changes = 0;

  constructor(private readonly metrics: Metrics) {}

  /** Moves on with every change to any call held here: what was read from an older epoch may be out of date. */
  get epoch(): number {
    return this.changes;
  }

  get(id: string): LiveCall | undefined {
    return this.byId.get(id);
  }

  ofUser(userId: string): LiveCall | undefined {
    return this.byUser.get(userId);
  }

  all(): IterableIterator<LiveCall> {
    return this.byId.values();
  }

  count(): Readonly<Record<'created' | 'active', number>> {
    return this.counts;
  }

  /** Takes in a newer row of a call (ended rows drop it). */
  apply(record: NamedCallRecord): Applied {
    const previous = this.byId.get(record.id);
    if (previous !== undefined && record.version <= previous.version) return { kind: 'stale' };
    this.changes += 1;
    if (previous !== undefined) this.forget(previous);
    const call = toLive(record);
    if (call === undefined) return { kind: 'ended', previous };
    this.byId.set(call.id, call);
    this.byUser.set(call.userIds.caller, call);
    this.byUser.set(call.userIds.callee, call);
    this.tally(call.status, +1);
    return { kind: 'live', call, previous };
  }

  /** Drops a call whatever its version (the database says it is gone). */
  drop(id: string): LiveCall | undefined {
    const call = this.byId.get(id);
    if (call !== undefined) {
      this.changes += 1;
      this.forget(call);
    }
    return call;
  }

  private forget(call: LiveCall): void {
    this.byId.delete(call.id);
    if (this.byUser.get(call.userIds.caller) === call) this.byUser.delete(call.userIds.caller);
    if (this.byUser.get(call.userIds.callee) === call) this.byUser.delete(call.userIds.callee);
    this.tally(call.status, -1);
  }

  private tally(status: 'created' | 'active', delta: 1 | -1): void {
    this.counts[status] += delta;
    this.metrics.liveCalls.inc({ status }, delta);
  }
}
