import type { CallRole, CallStatus, EndReason } from '@parley/protocol';
import { and, asc, count, desc, eq, gt, gte, inArray, isNull, like, lt, lte, min, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { randomUUID } from 'node:crypto';
import type {
  BlockedUser,
  BlockStore,
  CallRecord,
  CallStore,
  CreateCallResult,
  CreateUserResult,
  EndGuard,
  HistoryRecord,
  NamedCallRecord,
  NewCall,
  NodeStore,
  PublicUser,
  SessionState,
  Store,
  UnansweredCount,
  UserPage,
  UserRecord,
  UserStore,
} from '../types.js';
import { chunks, groupBlocked, nodeConnPattern, pickBlocking } from '../calls-shared.js';
import { userPageFilter } from '../users-shared.js';
import { isDatabaseReady, openDatabase, type Db, type DbHandle } from './client.js';
import { blocks, callMembers, calls, nodes, revokedSessions, users } from './schema.js';

const p = sql.placeholder;

/**
 * `status in ('created', 'active')` with literals, as the partial index `calls_live_idx` is declared: with the
 * statuses as bound parameters SQLite cannot prove the index applies and reads every call of both users instead
 * (or the whole table), so creating a call got slower with every call in the history.
 */
const isLive = sql`${calls.status} in ('created', 'active')`;
const bumped = sql`${calls.version} + 1`;
const statusIn = inArray(calls.status, [p('from1'), p('from2')]);
const connOf = { caller: calls.callerConn, callee: calls.calleeConn } as const;
const awayOf = { caller: calls.callerAwayUntil, callee: calls.calleeAwayUntil } as const;
const connKey = { caller: 'callerConn', callee: 'calleeConn' } as const;
const awayKey = { caller: 'callerAwayUntil', callee: 'calleeAwayUntil' } as const;

/** `from` as the two `status in (?, ?)` parameters every end statement takes. */
function fromParams(from: readonly CallStatus[]): { from1: CallStatus; from2: CallStatus } {
  const [first, second] = from;
  if (first === undefined) throw new Error('an end needs at least one status to end from');
  return { from1: first, from2: second ?? first };
}

/** What ending a call sets, beside its reason and time: no deadline is left on an ended call. */
const ENDED = { status: 'ended', ringExpiresAt: null, callerAwayUntil: null, calleeAwayUntil: null } as const;

/** Thrown inside the create transaction to roll it back when a member row is refused. */
const BUSY = Symbol('busy');

/** Every query, built by drizzle and prepared by SQLite once (both cost far more than running them). */
function prepare(db: Db) {
  const caller = alias(users, 'caller');
  const callee = alias(users, 'callee');
  const named = {
    id: calls.id,
    callerId: calls.callerId,
    calleeId: calls.calleeId,
    status: calls.status,
    createdAt: calls.createdAt,
    answeredAt: calls.answeredAt,
    endedAt: calls.endedAt,
    endReason: calls.endReason,
    ringExpiresAt: calls.ringExpiresAt,
    rangAt: calls.rangAt,
    media: calls.media,
    callerConn: calls.callerConn,
    calleeConn: calls.calleeConn,
    callerAwayUntil: calls.callerAwayUntil,
    calleeAwayUntil: calls.calleeAwayUntil,
    version: calls.version,
    callerName: caller.username,
    calleeName: callee.username,
  };
  const withNames = () =>
    db.select(named).from(calls).innerJoin(caller, eq(caller.id, calls.callerId)).innerJoin(callee, eq(callee.id, calls.calleeId));
  const mine = or(eq(calls.callerId, p('userId')), eq(calls.calleeId, p('userId')));
  const endWhere = (guard: EndGuard) => {
    const base = and(eq(calls.id, p('id')), statusIn);
    switch (guard.kind) {
      case 'none':
        return base;
      case 'ring_expired':
        return and(base, lte(calls.ringExpiresAt, p('now')));
      case 'grace_expired':
        return and(base, isNull(connOf[guard.role]), lte(awayOf[guard.role], p('now')));
    }
  };
  const endStatement = (guard: EndGuard) =>
    db
      .update(calls)
      .set({ ...ENDED, endReason: sql`${p('reason')}`, endedAt: sql`${p('now')}`, version: bumped })
      .where(endWhere(guard))
      .returning()
      .prepare();
  const roles = <T>(make: (role: CallRole) => T): Record<CallRole, T> => ({ caller: make('caller'), callee: make('callee') });
  return {
    user: {
      byId: db.select({ id: users.id, username: users.username }).from(users).where(eq(users.id, p('id'))).prepare(),
      byKey: db.select().from(users).where(eq(users.usernameKey, p('key'))).prepare(),
      session: db
        .select({ id: users.id, username: users.username, generation: users.sessionGeneration })
        .from(users)
        .where(eq(users.id, p('id')))
        .prepare(),
      revokedOf: db
        .select({ sessionId: revokedSessions.sessionId })
        .from(revokedSessions)
        .where(and(eq(revokedSessions.userId, p('id')), gt(revokedSessions.expiresAt, p('now'))))
        .prepare(),
      revoke: db
        .insert(revokedSessions)
        .values({ sessionId: p('sessionId'), userId: p('userId'), expiresAt: p('expiresAt') })
        .onConflictDoNothing()
        .prepare(),
      purgeRevoked: db.delete(revokedSessions).where(lte(revokedSessions.expiresAt, p('now'))).prepare(),
      changePassword: db
        .update(users)
        .set({ passwordHash: sql`${p('hash')}`, sessionGeneration: sql`${users.sessionGeneration} + 1` })
        .where(eq(users.id, p('id')))
        .returning({ generation: users.sessionGeneration })
        .prepare(),
    },
    insertCall: db.insert(calls).values({
      id: p('id'),
      callerId: p('callerId'),
      calleeId: p('calleeId'),
      status: 'created',
      createdAt: p('now'),
      ringExpiresAt: p('ringExpiresAt'),
      rangAt: p('rangAt'),
      media: p('media'),
      callerConn: p('callerConn'),
    }).returning().prepare(),
    insertMember: db.insert(callMembers).values({ userId: p('userId'), callId: p('callId') }).onConflictDoNothing().returning().prepare(),
    blockingOf: db
      .select({ call: calls })
      .from(callMembers)
      .innerJoin(calls, eq(calls.id, callMembers.callId))
      .where(inArray(callMembers.userId, [p('a'), p('b')]))
      .prepare(),
    accept: db
      .update(calls)
      .set({ status: 'active', answeredAt: sql`${p('now')}`, calleeConn: sql`${p('conn')}`, ringExpiresAt: null, version: bumped })
      .where(and(eq(calls.id, p('id')), eq(calls.status, 'created')))
      .returning()
      .prepare(),
    end: {
      none: endStatement({ kind: 'none' }),
      ring: endStatement({ kind: 'ring_expired' }),
      grace: roles((role) => endStatement({ kind: 'grace_expired', role })),
    },
    freeMembers: db.delete(callMembers).where(eq(callMembers.callId, p('id'))).prepare(),
    bind: roles((role) => ({
      fromNull: db
        .update(calls)
        .set({ [connKey[role]]: sql`${p('conn')}`, [awayKey[role]]: null, version: bumped })
        .where(and(eq(calls.id, p('id')), isLive, isNull(connOf[role])))
        .returning()
        .prepare(),
      fromConn: db
        .update(calls)
        .set({ [connKey[role]]: sql`${p('conn')}`, [awayKey[role]]: null, version: bumped })
        .where(and(eq(calls.id, p('id')), isLive, eq(connOf[role], p('expected'))))
        .returning()
        .prepare(),
    })),
    leave: roles((role) =>
      db
        .update(calls)
        .set({ [connKey[role]]: null, [awayKey[role]]: sql`${p('awayUntil')}`, version: bumped })
        .where(and(eq(calls.id, p('id')), isLive, eq(connOf[role], p('conn'))))
        .returning()
        .prepare(),
    ),
    markRang: db
      .update(calls)
      .set({ rangAt: sql`${p('now')}`, version: bumped })
      .where(and(eq(calls.id, p('id')), eq(calls.status, 'created'), isNull(calls.rangAt)))
      .returning()
      .prepare(),
    overdue: db
      .select()
      .from(calls)
      .where(
        and(
          isLive,
          or(
            and(eq(calls.status, 'created'), lte(calls.ringExpiresAt, p('now'))),
            lte(calls.callerAwayUntil, p('now')),
            lte(calls.calleeAwayUntil, p('now')),
          ),
        ),
      )
      .orderBy(asc(calls.createdAt))
      .limit(p('limit'))
      .prepare(),
    byId: db.select().from(calls).where(eq(calls.id, p('id'))).prepare(),
    live: withNames().where(isLive).prepare(),
    recent: db.select().from(calls).orderBy(desc(calls.createdAt)).limit(p('limit')).prepare(),
    history: withNames().where(mine).orderBy(desc(calls.createdAt), desc(calls.id)).limit(p('limit')).prepare(),
    historyBefore: withNames()
      .where(and(mine, lt(calls.createdAt, p('before'))))
      .orderBy(desc(calls.createdAt), desc(calls.id))
      .limit(p('limit'))
      .prepare(),
    endAllLive: db
      .update(calls)
      .set({ ...ENDED, endReason: sql`${p('reason')}`, endedAt: sql`${p('now')}`, version: bumped })
      .where(isLive)
      .returning()
      .prepare(),
    freeAllMembers: db.delete(callMembers).prepare(),
    // Served by `calls_caller_created_idx` (caller, created_at): only the caller's calls of the window are read.
    unansweredSince: db
      .select({ count: count(), oldest: min(calls.createdAt) })
      .from(calls)
      .where(and(eq(calls.callerId, p('callerId')), gte(calls.createdAt, p('since')), eq(calls.calleeId, p('calleeId')), isNull(calls.answeredAt)))
      .prepare(),
    block: {
      add: db.insert(blocks).values({ blockerId: p('blockerId'), blockedId: p('blockedId'), createdAt: p('now') }).onConflictDoNothing().returning({ at: blocks.createdAt }).prepare(),
      remove: db.delete(blocks).where(and(eq(blocks.blockerId, p('blockerId')), eq(blocks.blockedId, p('blockedId')))).prepare(),
      has: db.select({ at: blocks.createdAt }).from(blocks).where(and(eq(blocks.blockerId, p('blockerId')), eq(blocks.blockedId, p('blockedId')))).prepare(),
      list: db
        .select({ id: users.id, username: users.username, blockedAt: blocks.createdAt })
        .from(blocks)
        .innerJoin(users, eq(users.id, blocks.blockedId))
        .where(eq(blocks.blockerId, p('blockerId')))
        .orderBy(asc(users.usernameKey))
        .prepare(),
    },
    node: {
      register: db
        .insert(nodes)
        .values({ id: p('id'), startedAt: p('now'), lastSeen: p('now') })
        .onConflictDoUpdate({ target: nodes.id, set: { lastSeen: sql`excluded.last_seen` } })
        .prepare(),
      heartbeat: db.update(nodes).set({ lastSeen: sql`${p('now')}` }).where(eq(nodes.id, p('id'))).prepare(),
      dead: db.delete(nodes).where(lt(nodes.lastSeen, p('deadBefore'))).returning({ id: nodes.id }).prepare(),
      awayOfNode: roles((role) =>
        db
          .update(calls)
          .set({ [connKey[role]]: null, [awayKey[role]]: sql`${p('awayUntil')}`, version: bumped })
          .where(and(isLive, like(connOf[role], p('prefix'))))
          .returning()
          .prepare(),
      ),
      remove: db.delete(nodes).where(eq(nodes.id, p('id'))).prepare(),
      list: db.select().from(nodes).orderBy(asc(nodes.startedAt)).prepare(),
    },
  };
}

class SqliteUsers implements UserStore {
  constructor(
    private readonly db: Db,
    private readonly q: ReturnType<typeof prepare>,
  ) {}

  async create(username: string, passwordHash: string, now: number): Promise<CreateUserResult> {
    const id = randomUUID();
    const inserted = this.db
      .insert(users)
      .values({ id, username, usernameKey: username.toLowerCase(), passwordHash, createdAt: now })
      .onConflictDoNothing({ target: users.usernameKey })
      .returning({ id: users.id })
      .all();
    return inserted.length === 1 ? { ok: true, user: { id, username } } : { ok: false, reason: 'taken' };
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    return this.q.user.byKey.get({ key: username.toLowerCase() });
  }

  async findById(id: string): Promise<PublicUser | undefined> {
    return this.q.user.byId.get({ id });
  }

  async sessionState(id: string, now: number): Promise<SessionState | undefined> {
    const row = this.q.user.session.get({ id });
    if (row === undefined) return undefined;
    const revoked = new Set(this.q.user.revokedOf.all({ id, now }).map((r) => r.sessionId));
    return { user: { id: row.id, username: row.username }, generation: row.generation, revoked };
  }

  async sessionGenerations(ids: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const chunk of chunks(ids)) {
      const rows = this.db.select({ id: users.id, generation: users.sessionGeneration }).from(users).where(inArray(users.id, chunk)).all();
      for (const row of rows) found.set(row.id, row.generation);
    }
    return found;
  }

  async revokedAmong(sessionIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks(sessionIds)) {
      const rows = this.db.select({ id: revokedSessions.sessionId }).from(revokedSessions).where(inArray(revokedSessions.sessionId, chunk)).all();
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  async revokeSession(userId: string, sessionId: string, expiresAt: number, now: number): Promise<void> {
    this.db.transaction(() => {
      this.q.user.purgeRevoked.run({ now });
      this.q.user.revoke.run({ sessionId, userId, expiresAt });
    });
  }

  async changePassword(id: string, passwordHash: string): Promise<number | undefined> {
    return this.q.user.changePassword.get({ id, hash: passwordHash })?.generation;
  }

  async list(exceptId: string, page: UserPage): Promise<PublicUser[]> {
    return this.db
      .select({ id: users.id, username: users.username })
      .from(users)
      .where(userPageFilter(users, exceptId, page))
      .orderBy(asc(users.usernameKey))
      .limit(page.limit)
      .all();
  }

  async delete(id: string): Promise<boolean> {
    return this.db.delete(users).where(eq(users.id, id)).run().changes === 1;
  }
}

class SqliteCalls implements CallStore {
  constructor(
    private readonly db: Db,
    private readonly q: ReturnType<typeof prepare>,
  ) {}

  async create(input: NewCall): Promise<CreateCallResult> {
    // A blocking call can end between the refused insert and the read of it (another process: the CLI): try again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const call = this.db.transaction(() => {
          const id = randomUUID();
          const row = this.q.insertCall.get({ id, ...input });
          if (row === undefined) throw new Error('inserting a call returned no row');
          for (const userId of [input.callerId, input.calleeId]) {
            if (this.q.insertMember.all({ userId, callId: id }).length !== 1) throw BUSY;
          }
          return row;
        });
        return { ok: true, call };
      } catch (error) {
        if (error !== BUSY) throw error;
      }
      const blocking = pickBlocking(this.q.blockingOf.all({ a: input.callerId, b: input.calleeId }).map((r) => r.call), input.callerId, input.calleeId);
      if (blocking !== undefined) return { ok: false, blocking };
    }
    throw new Error('a call could not be created: the users kept changing calls');
  }

  async accept(id: string, calleeConn: string, now: number): Promise<CallRecord | null> {
    return this.q.accept.get({ id, conn: calleeConn, now }) ?? null;
  }

  async end(id: string, from: readonly CallStatus[], reason: EndReason, now: number, guard: EndGuard = { kind: 'none' }): Promise<CallRecord | null> {
    const statement = guard.kind === 'none' ? this.q.end.none : guard.kind === 'ring_expired' ? this.q.end.ring : this.q.end.grace[guard.role];
    return this.db.transaction(() => {
      const row = statement.get({ id, reason, now, ...fromParams(from) });
      if (row === undefined) return null;
      this.q.freeMembers.run({ id });
      return row;
    });
  }

  async bind(id: string, role: CallRole, conn: string, expected: string | null): Promise<CallRecord | null> {
    const statements = this.q.bind[role];
    const row = expected === null ? statements.fromNull.get({ id, conn }) : statements.fromConn.get({ id, conn, expected });
    return row ?? null;
  }

  async leave(id: string, role: CallRole, conn: string, awayUntil: number): Promise<CallRecord | null> {
    return this.q.leave[role].get({ id, conn, awayUntil }) ?? null;
  }

  async markRang(id: string, now: number): Promise<CallRecord | null> {
    return this.q.markRang.get({ id, now }) ?? null;
  }

  async overdue(now: number, limit: number): Promise<CallRecord[]> {
    return this.q.overdue.all({ now, limit });
  }

  async findById(id: string): Promise<CallRecord | undefined> {
    return this.q.byId.get({ id });
  }

  async listLive(): Promise<NamedCallRecord[]> {
    return this.q.live.all();
  }

  async listRecent(limit: number): Promise<CallRecord[]> {
    return this.q.recent.all({ limit });
  }

  async history(userId: string, limit: number, before?: number): Promise<HistoryRecord[]> {
    return before === undefined ? this.q.history.all({ userId, limit }) : this.q.historyBefore.all({ userId, limit, before });
  }

  async unansweredSince(callerId: string, calleeId: string, since: number): Promise<UnansweredCount> {
    const row = this.q.unansweredSince.get({ callerId, calleeId, since });
    return { count: row?.count ?? 0, oldest: row?.oldest ?? null };
  }

  async endAllLive(reason: EndReason, now: number): Promise<CallRecord[]> {
    return this.db.transaction(() => {
      const rows = this.q.endAllLive.all({ reason, now });
      this.q.freeAllMembers.run();
      return rows;
    });
  }
}

class SqliteBlocks implements BlockStore {
  constructor(
    private readonly db: Db,
    private readonly q: ReturnType<typeof prepare>,
  ) {}

  async add(blockerId: string, blockedId: string, now: number): Promise<boolean> {
    return this.q.block.add.all({ blockerId, blockedId, now }).length === 1;
  }

  async remove(blockerId: string, blockedId: string): Promise<boolean> {
    return this.q.block.remove.run({ blockerId, blockedId }).changes === 1;
  }

  async list(blockerId: string): Promise<BlockedUser[]> {
    return this.q.block.list.all({ blockerId });
  }

  async has(blockerId: string, blockedId: string): Promise<boolean> {
    return this.q.block.has.get({ blockerId, blockedId }) !== undefined;
  }

  async blockersOf(userId: string, among: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks(among)) {
      const rows = this.db.select({ id: blocks.blockerId }).from(blocks).where(and(eq(blocks.blockedId, userId), inArray(blocks.blockerId, chunk))).all();
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  async blockedBy(blockerIds: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    for (const chunk of chunks(blockerIds)) {
      const rows = this.db.select({ blocker: blocks.blockerId, blocked: blocks.blockedId }).from(blocks).where(inArray(blocks.blockerId, chunk)).all();
      groupBlocked(found, rows);
    }
    return found;
  }
}

class SqliteNodes implements NodeStore {
  constructor(
    private readonly db: Db,
    private readonly q: ReturnType<typeof prepare>,
  ) {}

  async register(id: string, now: number): Promise<void> {
    this.q.node.register.run({ id, now });
  }

  async heartbeat(id: string, now: number): Promise<boolean> {
    return this.q.node.heartbeat.run({ id, now }).changes === 1;
  }

  async reap(deadBefore: number, awayUntil: number): Promise<{ nodes: string[]; calls: CallRecord[] }> {
    return this.db.transaction(() => {
      const dead = this.q.node.dead.all({ deadBefore }).map((row) => row.id);
      const changed = new Map<string, CallRecord>();
      for (const id of dead) {
        for (const role of ['caller', 'callee'] as const) {
          for (const row of this.q.node.awayOfNode[role].all({ prefix: nodeConnPattern(id), awayUntil })) changed.set(row.id, row);
        }
      }
      return { nodes: dead, calls: [...changed.values()] };
    });
  }

  async remove(id: string): Promise<void> {
    this.q.node.remove.run({ id });
  }

  async list(): Promise<{ id: string; startedAt: number; lastSeen: number }[]> {
    return this.q.node.list.all();
  }
}

/** The embedded default: one SQLite file (WAL), one process. */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly users: UserStore;
  readonly calls: CallStore;
  readonly blocks: BlockStore;
  readonly nodes: NodeStore;
  private lastDataVersion: number;
  private foreignCommits = 0;

  constructor(readonly handle: DbHandle) {
    const q = prepare(handle.db);
    this.users = new SqliteUsers(handle.db, q);
    this.calls = new SqliteCalls(handle.db, q);
    this.blocks = new SqliteBlocks(handle.db, q);
    this.nodes = new SqliteNodes(handle.db, q);
    this.lastDataVersion = this.dataVersion();
  }

  static open(path: string): SqliteStore {
    return new SqliteStore(openDatabase(path));
  }

  /**
   * How many commits of other connections (the operator CLI, another process) have been seen so far. Reads
   * `PRAGMA data_version` (~2 µs), so callers ask at most every so often; a cache compares it with the count it
   * saw last and drops what another process may have changed.
   */
  foreignCommitCount(): number {
    const version = this.dataVersion();
    if (version !== this.lastDataVersion) {
      this.lastDataVersion = version;
      this.foreignCommits += 1;
    }
    return this.foreignCommits;
  }

  async ready(): Promise<boolean> {
    return isDatabaseReady(this.handle);
  }

  async close(): Promise<void> {
    this.handle.close();
  }

  /** Changes whenever another connection commits (not on this connection's own commits). */
  private dataVersion(): number {
    return this.handle.db.get<{ data_version: number }>(sql`PRAGMA data_version`).data_version;
  }
}
