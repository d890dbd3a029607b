import { and, desc, eq, inArray, lt, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { randomUUID } from 'node:crypto';
import type { CallStatus, EndReason } from '@parley/protocol';
import type { Db } from '../db/client.js';
import { calls, users, type CallRow } from '../db/schema.js';

const LIVE: CallStatus[] = ['created', 'active'];

export type InsertCallResult = { ok: true; call: CallRow } | { ok: false; blocking: CallRow };

export interface HistoryRow extends CallRow {
  callerName: string;
  calleeName: string;
}

/** Every read and write of the `calls` table. Writes that change a status are conditional on the status read. */
export class CallRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts a ringing call unless either user is already in a live call. One transaction, so of two racing
   * creates exactly one wins. When the callee is ringing the caller, that call is the one reported.
   */
  insertIfBothFree(callerId: string, calleeId: string, now: number): InsertCallResult {
    return this.db.transaction((tx) => {
      const live = tx
        .select()
        .from(calls)
        .where(
          and(
            inArray(calls.status, LIVE),
            or(inArray(calls.callerId, [callerId, calleeId]), inArray(calls.calleeId, [callerId, calleeId])),
          ),
        )
        .all();
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
      tx.insert(calls).values(call).run();
      return { ok: true as const, call };
    });
  }

  /** Moves a call from `from` to active; false when its status was no longer `from`. */
  markActive(id: string, from: CallStatus, now: number): boolean {
    return (
      this.db
        .update(calls)
        .set({ status: 'active', answeredAt: now })
        .where(and(eq(calls.id, id), eq(calls.status, from)))
        .run().changes === 1
    );
  }

  markEnded(id: string, from: CallStatus, reason: EndReason, now: number): boolean {
    return (
      this.db
        .update(calls)
        .set({ status: 'ended', endReason: reason, endedAt: now })
        .where(and(eq(calls.id, id), eq(calls.status, from)))
        .run().changes === 1
    );
  }

  findById(id: string): CallRow | undefined {
    return this.db.select().from(calls).where(eq(calls.id, id)).get();
  }

  listRecent(limit: number): CallRow[] {
    return this.db.select().from(calls).orderBy(desc(calls.createdAt)).limit(limit).all();
  }

  listLive(): CallRow[] {
    return this.db.select().from(calls).where(inArray(calls.status, LIVE)).all();
  }

  /** Ends every live call (used at start-up for calls a previous process left open). */
  endAllLive(reason: EndReason, now: number): CallRow[] {
    return this.db
      .update(calls)
      .set({ status: 'ended', endReason: reason, endedAt: now })
      .where(inArray(calls.status, LIVE))
      .returning()
      .all();
  }

  /** The user's calls, newest first, with both parties' names. */
  history(userId: string, limit: number, before?: number): HistoryRow[] {
    const caller = alias(users, 'caller');
    const callee = alias(users, 'callee');
    const mine = or(eq(calls.callerId, userId), eq(calls.calleeId, userId));
    return this.db
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
      .where(before === undefined ? mine : and(mine, lt(calls.createdAt, before)))
      .orderBy(desc(calls.createdAt), desc(calls.id))
      .limit(limit)
      .all();
  }
}
