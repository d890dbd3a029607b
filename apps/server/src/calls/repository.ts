import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { randomUUID } from 'node:crypto';
import type { CallStatus, EndReason } from '@parley/protocol';
import type { Db } from '../db/client.js';
import { calls, users, type CallRow } from '../db/schema.js';

const LIVE: CallStatus[] = ['created', 'active'];

/**
 * `status in ('created', 'active')` with literals, as the partial index `calls_live_idx` is declared: with the
 * statuses as bound parameters SQLite cannot prove the index applies and reads every call of both users instead
 * (or the whole table), so creating a call got slower with every call in the history.
 */
const isLive = sql`${calls.status} in (${sql.raw(LIVE.map((status) => `'${status}'`).join(', '))})`;

export type InsertCallResult = { ok: true; call: CallRow } | { ok: false; blocking: CallRow };

export interface HistoryRow extends CallRow {
  callerName: string;
  calleeName: string;
}

const p = sql.placeholder;

/** Every query of the repository, built by drizzle and prepared by SQLite once (both cost far more than running them). */
function prepareQueries(db: Db) {
  const caller = alias(users, 'caller');
  const callee = alias(users, 'callee');
  const mine = or(eq(calls.callerId, p('userId')), eq(calls.calleeId, p('userId')));
  const history = (where: ReturnType<typeof and>) =>
    db
      .select({
        id: calls.id,
        callerId: calls.callerId,
        calleeId: calls.calleeId,
        status: calls.status,
        createdAt: calls.createdAt,
        answeredAt: calls.answeredAt,
        endedAt: calls.endedAt,
        endReason: calls.endReason,
        callerName: caller.username,
        calleeName: callee.username,
      })
      .from(calls)
      .innerJoin(caller, eq(caller.id, calls.callerId))
      .innerJoin(callee, eq(callee.id, calls.calleeId))
      .where(where)
      .orderBy(desc(calls.createdAt), desc(calls.id))
      .limit(p('limit'))
      .prepare();
  return {
    liveOfEither: db
      .select()
      .from(calls)
      .where(
        and(
          isLive,
          or(inArray(calls.callerId, [p('a'), p('b')]), inArray(calls.calleeId, [p('a'), p('b')])),
        ),
      )
      .prepare(),
    insert: db
      .insert(calls)
      .values({
        id: p('id'),
        callerId: p('callerId'),
        calleeId: p('calleeId'),
        status: p('status'),
        createdAt: p('createdAt'),
        answeredAt: p('answeredAt'),
        endedAt: p('endedAt'),
        endReason: p('endReason'),
      })
      .prepare(),
    markActive: db
      .update(calls)
      .set({ status: 'active', answeredAt: sql`${p('now')}` })
      .where(and(eq(calls.id, p('id')), eq(calls.status, p('from'))))
      .prepare(),
    markEnded: db
      .update(calls)
      .set({ status: 'ended', endReason: sql`${p('reason')}`, endedAt: sql`${p('now')}` })
      .where(and(eq(calls.id, p('id')), eq(calls.status, p('from'))))
      .prepare(),
    byId: db.select().from(calls).where(eq(calls.id, p('id'))).prepare(),
    recent: db.select().from(calls).orderBy(desc(calls.createdAt)).limit(p('limit')).prepare(),
    live: db.select().from(calls).where(isLive).prepare(),
    endAllLive: db
      .update(calls)
      .set({ status: 'ended', endReason: sql`${p('reason')}`, endedAt: sql`${p('now')}` })
      .where(isLive)
      .returning()
      .prepare(),
    history: history(mine),
    historyBefore: history(and(mine, lt(calls.createdAt, p('before')))),
  };
}

/** Every read and write of the `calls` table. Writes that change a status are conditional on the status read. */
export class CallRepository {
  /** Prepared once: `POST /calls` + `POST /calls/:id/end` used to spend ~25% of their CPU building and preparing SQL. */
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = prepareQueries(db);
  }

  /**
   * Inserts a ringing call unless either user is already in a live call. One transaction, so of two racing
   * creates exactly one wins. When the callee is ringing the caller, that call is the one reported.
   */
  insertIfBothFree(callerId: string, calleeId: string, now: number): InsertCallResult {
    // The prepared statements run on the same connection, so inside the transaction.
    return this.db.transaction(() => {
      const live = this.q.liveOfEither.all({ a: callerId, b: calleeId });
      const between = live.find((c) => c.callerId === calleeId && c.calleeId === callerId);
      const blocking = between ?? live.find((c) => c.callerId === callerId || c.calleeId === callerId) ?? live[0];
      if (blocking) return { ok: false as const, blocking };
      const call: CallRow = {
        id: randomUUID(),
        callerId,
        calleeId,
        status: 'created',
        createdAt: now,
        answeredAt: null,
        endedAt: null,
        endReason: null,
      };
      this.q.insert.run(call);
      return { ok: true as const, call };
    });
  }

  /** Moves a call from `from` to active; false when its status was no longer `from`. */
  markActive(id: string, from: CallStatus, now: number): boolean {
    return this.q.markActive.run({ now, id, from }).changes === 1;
  }

  markEnded(id: string, from: CallStatus, reason: EndReason, now: number): boolean {
    return this.q.markEnded.run({ reason, now, id, from }).changes === 1;
  }

  findById(id: string): CallRow | undefined {
    return this.q.byId.get({ id });
  }

  listRecent(limit: number): CallRow[] {
    return this.q.recent.all({ limit });
  }

  listLive(): CallRow[] {
    return this.q.live.all();
  }

  /** Ends every live call (used at start-up for calls a previous process left open). */
  endAllLive(reason: EndReason, now: number): CallRow[] {
    return this.q.endAllLive.all({ reason, now });
  }

  /** The user's calls, newest first, with both parties' names. */
  history(userId: string, limit: number, before?: number): HistoryRow[] {
    return before === undefined ? this.q.history.all({ userId, limit }) : this.q.historyBefore.all({ userId, limit, before });
  }
}
