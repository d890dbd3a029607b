import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { CallStatus, EndReason } from '@parley/protocol';

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    /** Lower-cased username: names are unique regardless of case. */
    usernameKey: text('username_key').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('users_username_key_unique').on(t.usernameKey)],
);

export const calls = sqliteTable(
  'calls',
  {
    id: text('id').primaryKey(),
    callerId: text('caller_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    calleeId: text('callee_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text('status').$type<CallStatus>().notNull(),
    createdAt: integer('created_at').notNull(),
    answeredAt: integer('answered_at'),
    endedAt: integer('ended_at'),
    endReason: text('end_reason').$type<EndReason>(),
  },
  (t) => [
    index('calls_caller_created_idx').on(t.callerId, t.createdAt),
    index('calls_callee_created_idx').on(t.calleeId, t.createdAt),
    index('calls_live_idx').on(t.status).where(sql`status in ('created', 'active')`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type CallRow = typeof calls.$inferSelect;
