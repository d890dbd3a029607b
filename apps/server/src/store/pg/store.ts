import type { CallRole, CallStatus, EndReason } from '@parley/protocol';
import { and, asc, count, desc, eq, gte, inArray, isNull, like, lt, lte, min, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { randomUUID } from 'node:crypto';
import { chunks, groupBlocked, nodeConnPattern, pickBlocking } from '../calls-shared.js';
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
import { userPageFilter } from '../users-shared.js';
import { expectedPgMigrations, openPg, type PgDb, type PgHandle } from './client.js';
import { blocks, callMembers, calls, nodes, revokedSessions, users } from './schema.js';

const isLive = sql`${calls.status} in ('created', 'active')`;
const bumped = sql`${calls.version} + 1`;
const connOf = { caller: calls.callerConn, callee: calls.calleeConn } as const;
const awayOf = { caller: calls.callerAwayUntil, callee: calls.calleeAwayUntil } as const;
const connKey = { caller: 'callerConn', callee: 'calleeConn' } as const;
const awayKey = { caller: 'callerAwayUntil', callee: 'calleeAwayUntil' } as const;
const ENDED = { status: 'ended', ringExpiresAt: null, callerAwayUntil: null, calleeAwayUntil: null } as const;
const BUSY = Symbol('busy');

/** PostgreSQL's "deadlock detected": the transaction was rolled back and may simply be run again. */
const isDeadlock = (error: unknown) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '40P01';

function guardOf(guard: EndGuard, now: number): SQL | undefined {
  switch (guard.kind) {
    case 'none':
      return undefined;
    case 'ring_expired':
      return lte(calls.ringExpiresAt, now);
    case 'grace_expired':
      return and(isNull(connOf[guard.role]), lte(awayOf[guard.role], now));
  }
}

class PgUsers implements UserStore {
  constructor(private readonly db: PgDb) {}

  async create(username: string, passwordHash: string, now: number): Promise<CreateUserResult> {
    const id = randomUUID();
    const inserted = await this.db
      .insert(users)
      .values({ id, username, usernameKey: username.toLowerCase(), passwordHash, createdAt: now })
      .onConflictDoNothing({ target: users.usernameKey })
      .returning({ id: users.id });
    return inserted.length === 1 ? { ok: true, user: { id, username } } : { ok: false, reason: 'taken' };
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.usernameKey, username.toLowerCase()));
    return row;
  }

  async findById(id: string): Promise<PublicUser | undefined> {
    const [row] = await this.db.select({ id: users.id, username: users.username }).from(users).where(eq(users.id, id));
    return row;
  }

  async sessionState(id: string, now: number): Promise<SessionState | undefined> {
    // One round trip: the user row with its unexpired revocations folded into an array.
    const [row] = await this.db
      .select({
        id: users.id,
        username: users.username,
        generation: users.sessionGeneration,
        revoked: sql<string[]>`array(select ${revokedSessions.sessionId} from ${revokedSessions} where ${revokedSessions.userId} = ${users.id} and ${revokedSessions.expiresAt} > ${now})`,
      })
      .from(users)
      .where(eq(users.id, id));
    if (row === undefined) return undefined;
    return { user: { id: row.id, username: row.username }, generation: row.generation, revoked: new Set(row.revoked) };
  }

  async sessionGenerations(ids: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const chunk of chunks(ids)) {
      const rows = await this.db.select({ id: users.id, generation: users.sessionGeneration }).from(users).where(inArray(users.id, chunk));
      for (const row of rows) found.set(row.id, row.generation);
    }
    return found;
  }

  async revokedAmong(sessionIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks(sessionIds)) {
      const rows = await this.db.select({ id: revokedSessions.sessionId }).from(revokedSessions).where(inArray(revokedSessions.sessionId, chunk));
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  async revokeSession(userId: string, sessionId: string, expiresAt: number, now: number): Promise<void> {
    await this.db.delete(revokedSessions).where(lte(revokedSessions.expiresAt, now));
    await this.db.insert(revokedSessions).values({ sessionId, userId, expiresAt }).onConflictDoNothing();
  }

  async changePassword(id: string, passwordHash: string): Promise<number | undefined> {
    const [row] = await this.db
      .update(users)
      .set({ passwordHash, sessionGeneration: sql`${users.sessionGeneration} + 1` })
      .where(eq(users.id, id))
      .returning({ generation: users.sessionGeneration });
    return row?.generation;
  }

  async list(exceptId: string, page: UserPage): Promise<PublicUser[]> {
    return this.db
      .select({ id: users.id, username: users.username })
      .from(users)
      .where(userPageFilter(users, exceptId, page))
      .orderBy(asc(users.usernameKey))
      .limit(page.limit);
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
    return deleted.length === 1;
  }
}

class PgCalls implements CallStore {
  constructor(private readonly db: PgDb) {}

  private withNames() {
    const caller = alias(users, 'caller');
    const callee = alias(users, 'callee');
    const { id, callerId, calleeId, status, createdAt, answeredAt, endedAt, endReason, ringExpiresAt, rangAt, media, callerConn, calleeConn, callerAwayUntil, calleeAwayUntil, version } = calls;
    return this.db
      .select({ id, callerId, calleeId, status, createdAt, answeredAt, endedAt, endReason, ringExpiresAt, rangAt, media, callerConn, calleeConn, callerAwayUntil, calleeAwayUntil, version, callerName: caller.username, calleeName: callee.username })
      .from(calls)
      .innerJoin(caller, eq(caller.id, calls.callerId))
      .innerJoin(callee, eq(callee.id, calls.calleeId));
  }

  async create(input: NewCall): Promise<CreateCallResult> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        const call = await this.db.transaction(async (tx) => {
          const id = randomUUID();
          const [row] = await tx
            .insert(calls)
            .values({ id, callerId: input.callerId, calleeId: input.calleeId, status: 'created', createdAt: input.now, ringExpiresAt: input.ringExpiresAt, rangAt: input.rangAt, media: input.media, callerConn: input.callerConn })
            .returning();
          if (row === undefined) throw new Error('inserting a call returned no row');
          // Both member rows in one statement, in user-id order: two creates for the same two users wait on each
          // other in the same order instead of deadlocking.
          const members = [input.callerId, input.calleeId].sort().map((userId) => ({ userId, callId: id }));
          const inserted = await tx.insert(callMembers).values(members).onConflictDoNothing().returning();
          if (inserted.length !== 2) throw BUSY;
          return row;
        });
        return { ok: true, call };
      } catch (error) {
        if (error !== BUSY && !isDeadlock(error)) throw error;
      }
      const rows = await this.db
        .select({ call: calls })
        .from(callMembers)
        .innerJoin(calls, eq(calls.id, callMembers.callId))
        .where(inArray(callMembers.userId, [input.callerId, input.calleeId]));
      const blocking = pickBlocking(rows.map((r) => r.call), input.callerId, input.calleeId);
      if (blocking !== undefined) return { ok: false, blocking };
    }
    throw new Error('a call could not be created: the users kept changing calls');
  }

  async accept(id: string, calleeConn: string, now: number): Promise<CallRecord | null> {
    const [row] = await this.db
      .update(calls)
      .set({ status: 'active', answeredAt: now, calleeConn, ringExpiresAt: null, version: bumped })
      .where(and(eq(calls.id, id), eq(calls.status, 'created')))
      .returning();
    return row ?? null;
  }

  async end(id: string, from: readonly CallStatus[], reason: EndReason, now: number, guard: EndGuard = { kind: 'none' }): Promise<CallRecord | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(calls)
        .set({ ...ENDED, endReason: reason, endedAt: now, version: bumped })
        .where(and(eq(calls.id, id), inArray(calls.status, [...from]), guardOf(guard, now)))
        .returning();
      if (row === undefined) return null;
      await tx.delete(callMembers).where(eq(callMembers.callId, id));
      return row;
    });
  }

  async bind(id: string, role: CallRole, conn: string, expected: string | null): Promise<CallRecord | null> {
    const [row] = await this.db
      .update(calls)
      .set({ [connKey[role]]: conn, [awayKey[role]]: null, version: bumped })
      .where(and(eq(calls.id, id), isLive, expected === null ? isNull(connOf[role]) : eq(connOf[role], expected)))
      .returning();
    return row ?? null;
  }

  async leave(id: string, role: CallRole, conn: string, awayUntil: number): Promise<CallRecord | null> {
    const [row] = await this.db
      .update(calls)
      .set({ [connKey[role]]: null, [awayKey[role]]: awayUntil, version: bumped })
      .where(and(eq(calls.id, id), isLive, eq(connOf[role], conn)))
      .returning();
    return row ?? null;
  }

  async markRang(id: string, now: number): Promise<CallRecord | null> {
    const [row] = await this.db
      .update(calls)
      .set({ rangAt: now, version: bumped })
      .where(and(eq(calls.id, id), eq(calls.status, 'created'), isNull(calls.rangAt)))
      .returning();
    return row ?? null;
  }

  async overdue(now: number, limit: number): Promise<CallRecord[]> {
    return this.db
      .select()
      .from(calls)
      .where(and(isLive, or(and(eq(calls.status, 'created'), lte(calls.ringExpiresAt, now)), lte(calls.callerAwayUntil, now), lte(calls.calleeAwayUntil, now))))
      .orderBy(asc(calls.createdAt))
      .limit(limit);
  }

  async findById(id: string): Promise<CallRecord | undefined> {
    const [row] = await this.db.select().from(calls).where(eq(calls.id, id));
    return row;
  }

  async listLive(): Promise<NamedCallRecord[]> {
    return this.withNames().where(isLive);
  }

  async listRecent(limit: number): Promise<CallRecord[]> {
    return this.db.select().from(calls).orderBy(desc(calls.createdAt)).limit(limit);
  }

  async history(userId: string, limit: number, before?: number): Promise<HistoryRecord[]> {
    const mine = or(eq(calls.callerId, userId), eq(calls.calleeId, userId));
    return this.withNames()
      .where(before === undefined ? mine : and(mine, lt(calls.createdAt, before)))
      .orderBy(desc(calls.createdAt), desc(calls.id))
      .limit(limit);
  }

  async unansweredSince(callerId: string, calleeId: string, since: number): Promise<UnansweredCount> {
    const [row] = await this.db
      .select({ count: count(), oldest: min(calls.createdAt) })
      .from(calls)
      .where(and(eq(calls.callerId, callerId), gte(calls.createdAt, since), eq(calls.calleeId, calleeId), isNull(calls.answeredAt)));
    // PostgreSQL's min() of a bigint comes back as text.
    return { count: row?.count ?? 0, oldest: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
  }

  async endAllLive(reason: EndReason, now: number): Promise<CallRecord[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.update(calls).set({ ...ENDED, endReason: reason, endedAt: now, version: bumped }).where(isLive).returning();
      await tx.delete(callMembers);
      return rows;
    });
  }
}

class PgBlocks implements BlockStore {
  constructor(private readonly db: PgDb) {}

  async add(blockerId: string, blockedId: string, now: number): Promise<boolean> {
    const rows = await this.db.insert(blocks).values({ blockerId, blockedId, createdAt: now }).onConflictDoNothing().returning({ at: blocks.createdAt });
    return rows.length === 1;
  }

  async remove(blockerId: string, blockedId: string): Promise<boolean> {
    const rows = await this.db.delete(blocks).where(and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId))).returning({ at: blocks.createdAt });
    return rows.length === 1;
  }

  async list(blockerId: string): Promise<BlockedUser[]> {
    return this.db
      .select({ id: users.id, username: users.username, blockedAt: blocks.createdAt })
      .from(blocks)
      .innerJoin(users, eq(users.id, blocks.blockedId))
      .where(eq(blocks.blockerId, blockerId))
      .orderBy(asc(users.usernameKey));
  }

  async has(blockerId: string, blockedId: string): Promise<boolean> {
    const rows = await this.db.select({ at: blocks.createdAt }).from(blocks).where(and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId)));
    return rows.length === 1;
  }

  async blockersOf(userId: string, among: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks(among)) {
      const rows = await this.db.select({ id: blocks.blockerId }).from(blocks).where(and(eq(blocks.blockedId, userId), inArray(blocks.blockerId, chunk)));
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  async blockedBy(blockerIds: readonly string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    for (const chunk of chunks(blockerIds)) {
      groupBlocked(found, await this.db.select({ blocker: blocks.blockerId, blocked: blocks.blockedId }).from(blocks).where(inArray(blocks.blockerId, chunk)));
    }
    return found;
  }
}

class PgNodes implements NodeStore {
  constructor(private readonly db: PgDb) {}

  async register(id: string, now: number): Promise<void> {
    await this.db.insert(nodes).values({ id, startedAt: now, lastSeen: now }).onConflictDoUpdate({ target: nodes.id, set: { lastSeen: now } });
  }

  async heartbeat(id: string, now: number): Promise<boolean> {
    const rows = await this.db.update(nodes).set({ lastSeen: now }).where(eq(nodes.id, id)).returning({ id: nodes.id });
    return rows.length === 1;
  }

  async reap(deadBefore: number, awayUntil: number): Promise<{ nodes: string[]; calls: CallRecord[] }> {
    return this.db.transaction(async (tx) => {
      const dead = (await tx.delete(nodes).where(lt(nodes.lastSeen, deadBefore)).returning({ id: nodes.id })).map((row) => row.id);
      const changed = new Map<string, CallRecord>();
      for (const id of dead) {
        for (const role of ['caller', 'callee'] as const) {
          const rows = await tx
            .update(calls)
            .set({ [connKey[role]]: null, [awayKey[role]]: awayUntil, version: bumped })
            .where(and(isLive, like(connOf[role], nodeConnPattern(id))))
            .returning();
          for (const row of rows) changed.set(row.id, row);
        }
      }
      return { nodes: dead, calls: [...changed.values()] };
    });
  }

  async remove(id: string): Promise<void> {
    await this.db.delete(nodes).where(eq(nodes.id, id));
  }

  async list(): Promise<{ id: string; startedAt: number; lastSeen: number }[]> {
    return this.db.select().from(nodes).orderBy(asc(nodes.startedAt));
  }
}

/** PostgreSQL, shared by every node of a cluster (`DATABASE_URL`). */
export class PgStore implements Store {
  readonly dialect = 'pg' as const;
  readonly users: UserStore;
  readonly calls: CallStore;
  readonly blocks: BlockStore;
  readonly nodes: NodeStore;

  constructor(readonly handle: PgHandle) {
    this.users = new PgUsers(handle.db);
    this.calls = new PgCalls(handle.db);
    this.blocks = new PgBlocks(handle.db);
    this.nodes = new PgNodes(handle.liveness);
  }

  static async open(url: string, options: { poolSize?: number } = {}): Promise<PgStore> {
    return new PgStore(await openPg(url, options));
  }

  async ready(): Promise<boolean> {
    try {
      const result = await this.handle.pool.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
      return Number(result.rows[0]?.n ?? 0) >= expectedPgMigrations;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
