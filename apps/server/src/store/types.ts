import type { CallMedia, CallRole, CallStatus, EndReason } from '@parley/protocol';

/**
 * What the server keeps, behind one async interface with two implementations: SQLite (`store/sqlite`, the
 * zero-setup default, one process) and PostgreSQL (`store/pg`, shared by every node of a cluster). The conformance
 * suite (`test/store/conformance.test.ts`) runs the same cases against both.
 *
 * Every change of a call's status is one conditional write: it names the status (and, for deadlines, the time)
 * it expects, and only the caller that gets the row back made the change. That is what lets any node of a cluster
 * attempt any transition and still have exactly one winner.
 */

export interface UserRecord {
  id: string;
  username: string;
  /** Lower-cased username: names are unique regardless of case. */
  usernameKey: string;
  passwordHash: string;
  createdAt: number;
  /** Tokens issued before the last password change name an older generation and are refused. */
  sessionGeneration: number;
}

export interface PublicUser {
  id: string;
  username: string;
}

/** What decides whether a user's access token is still a session: see `auth/plugin.ts`. */
export interface SessionState {
  user: PublicUser;
  generation: number;
  /** The user's sessions ended by logging out whose tokens have not yet expired. */
  revoked: ReadonlySet<string>;
}

export type CreateUserResult = { ok: true; user: PublicUser } | { ok: false; reason: 'taken' };

export interface UserStore {
  create(username: string, passwordHash: string, now: number): Promise<CreateUserResult>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<PublicUser | undefined>;
  /**
   * Everyone but `exceptId`, sorted by lower-cased name: at most `limit`, optionally by case-insensitive prefix,
   * and only names sorting after `after` (the last name of the previous page, any case: names are unique by it).
   */
  list(exceptId: string, page: UserPage): Promise<PublicUser[]>;
  /** Deletes the user and, by cascade, their calls, blocks and revoked sessions. */
  delete(id: string): Promise<boolean>;
  /** The user with their session generation and the sessions revoked but not yet expired at `now`. */
  sessionState(id: string, now: number): Promise<SessionState | undefined>;
  /** The session generation of each of `ids` that still exists (a missing id: the user was deleted). */
  sessionGenerations(ids: readonly string[]): Promise<Map<string, number>>;
  /** Which of `sessionIds` were revoked. */
  revokedAmong(sessionIds: readonly string[]): Promise<Set<string>>;
  /**
   * Ends one session (logging out) until `expiresAt`, when its token expires anyway; purges the revocations that
   * expired before `now`. Idempotent.
   */
  revokeSession(userId: string, sessionId: string, expiresAt: number, now: number): Promise<void>;
  /** Sets a new password hash and bumps the session generation in one write; the new generation, or undefined when the user is gone. */
  changePassword(id: string, passwordHash: string): Promise<number | undefined>;
}

/** One page of the user list. */
export interface UserPage {
  limit: number;
  prefix?: string | undefined;
  after?: string | undefined;
}

/** Someone a user blocked, with when. */
export interface BlockedUser extends PublicUser {
  blockedAt: number;
}

/**
 * Who blocked whom. A block is one row keyed by (blocker, blocked): adding it twice or removing it twice changes
 * nothing, whichever node does it.
 */
export interface BlockStore {
  /** `blockerId` blocks `blockedId`; false when it already had (the first time is kept). */
  add(blockerId: string, blockedId: string, now: number): Promise<boolean>;
  /** False when there was no such block. */
  remove(blockerId: string, blockedId: string): Promise<boolean>;
  /** Everyone `blockerId` blocked, sorted by lower-cased name. */
  list(blockerId: string): Promise<BlockedUser[]>;
  /** Whether `blockerId` blocked `blockedId`. */
  has(blockerId: string, blockedId: string): Promise<boolean>;
  /** Of `among`, those who blocked `userId`. */
  blockersOf(userId: string, among: readonly string[]): Promise<Set<string>>;
  /** For each of `blockerIds` that blocked anyone: whom. */
  blockedBy(blockerIds: readonly string[]): Promise<Map<string, string[]>>;
}

/** Unanswered calls of one caller to one callee in a window: how many, and when the oldest was placed. */
export interface UnansweredCount {
  count: number;
  oldest: number | null;
}

/** A stored call. Timestamps are Unix milliseconds. */
export interface CallRecord {
  id: string;
  callerId: string;
  calleeId: string;
  status: CallStatus;
  createdAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  endReason: EndReason | null;
  ringExpiresAt: number | null;
  rangAt: number | null;
  /** `audio`: placed as a voice call. */
  media: CallMedia;
  callerConn: string | null;
  calleeConn: string | null;
  callerAwayUntil: number | null;
  calleeAwayUntil: number | null;
  version: number;
}

/** A call with both parties' names, as the nodes keep live calls in memory. */
export interface NamedCallRecord extends CallRecord {
  callerName: string;
  calleeName: string;
}

/** A call to ring. */
export interface NewCall {
  callerId: string;
  calleeId: string;
  /** The caller's connection that carries it, when the caller said. */
  callerConn: string | null;
  now: number;
  ringExpiresAt: number;
  /** `now` when a device of the callee is being rung at once (the caller is told it rings), else null. */
  rangAt: number | null;
  media: CallMedia;
}

export type CreateCallResult = { ok: true; call: CallRecord } | { ok: false; blocking: CallRecord };

export interface HistoryRecord extends CallRecord {
  callerName: string;
  calleeName: string;
}

/** What must still hold for an end to apply, beyond the status. */
export type EndGuard =
  /** The ring deadline has passed (`ring_expires_at <= now`). */
  | { kind: 'ring_expired' }
  /** That side is away and its grace has run out (`<role>_conn is null and <role>_away_until <= now`). */
  | { kind: 'grace_expired'; role: CallRole }
  | { kind: 'none' };

export interface CallStore {
  /**
   * Inserts a ringing call unless either user is in a live call, enforced by the `call_members` constraint. When
   * refused, `blocking` is the call in the way: the one where the callee rings the caller if there is one, else
   * the caller's, else the callee's.
   */
  create(input: NewCall): Promise<CreateCallResult>;
  /** Ringing → active, carried by `calleeConn`. Null when it was no longer ringing. */
  accept(id: string, calleeConn: string, now: number): Promise<CallRecord | null>;
  /** Live → ended with `reason`, if its status is one of `from` and `guard` holds; frees both users. */
  end(id: string, from: readonly CallStatus[], reason: EndReason, now: number, guard?: EndGuard): Promise<CallRecord | null>;
  /** `role`'s side is now carried by `conn`, if it was carried by `expected` (null: away or never bound). */
  bind(id: string, role: CallRole, conn: string, expected: string | null): Promise<CallRecord | null>;
  /** `role`'s connection `conn` went away: the side waits for it until `awayUntil`. Null if `conn` no longer carried it. */
  leave(id: string, role: CallRole, conn: string, awayUntil: number): Promise<CallRecord | null>;
  /** Records the first time a callee device got `call:incoming`; null if already recorded or no longer ringing. */
  markRang(id: string, now: number): Promise<CallRecord | null>;
  /** Ringing calls past their deadline and live calls with a side past its grace, oldest first. */
  overdue(now: number, limit: number): Promise<CallRecord[]>;
  findById(id: string): Promise<CallRecord | undefined>;
  /** Every ringing or active call, with names. */
  listLive(): Promise<NamedCallRecord[]>;
  listRecent(limit: number): Promise<CallRecord[]>;
  /** The user's calls, newest first, with both parties' names. */
  history(userId: string, limit: number, before?: number): Promise<HistoryRecord[]>;
  /**
   * How many calls `callerId` placed to `calleeId` since `since` (inclusive) that were never answered: missed,
   * declined, cancelled, or still ringing. The per-pair ring limit counts these.
   */
  unansweredSince(callerId: string, calleeId: string, since: number): Promise<UnansweredCount>;
  /** Ends every live call (single-process start: calls the previous process left open). */
  endAllLive(reason: EndReason, now: number): Promise<CallRecord[]>;
}

export interface NodeStore {
  /** Announces a node. */
  register(id: string, now: number): Promise<void>;
  /** A node's heartbeat; false when the node is no longer registered (another declared it dead: it must fence). */
  heartbeat(id: string, now: number): Promise<boolean>;
  /**
   * In one transaction: deletes the nodes silent since before `deadBefore`, and puts every live call side they
   * carried into its reconnect grace until `awayUntil`. Each dead node is reaped by exactly one caller.
   */
  reap(deadBefore: number, awayUntil: number): Promise<{ nodes: string[]; calls: CallRecord[] }>;
  /** A node leaving on purpose (drained). */
  remove(id: string): Promise<void>;
  list(): Promise<{ id: string; startedAt: number; lastSeen: number }[]>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'pg';
  readonly users: UserStore;
  readonly calls: CallStore;
  readonly blocks: BlockStore;
  readonly nodes: NodeStore;
  /** Answers, with every migration applied. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
