import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { CallMedia, CallStatus, EndReason } from '@parley/protocol';

/**
 * The database in PostgreSQL's dialect: the same tables, columns and indexes as `store/sqlite/schema.ts` (whose
 * comments say what each is for; a test compares the two). Timestamps are Unix milliseconds in `bigint`, read as
 * JavaScript numbers (exact until the year 287,396).
 */
const ms = (name: string) => bigint(name, { mode: 'number' });

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    usernameKey: text('username_key').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: ms('created_at').notNull(),
    sessionGeneration: integer('session_generation').notNull().default(0),
  },
  (t) => [uniqueIndex('users_username_key_unique').on(t.usernameKey)],
);

export const revokedSessions = pgTable(
  'revoked_sessions',
  {
    sessionId: text('session_id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('revoked_sessions_user_idx').on(t.userId), index('revoked_sessions_expires_idx').on(t.expiresAt)],
);

export const calls = pgTable(
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
    createdAt: ms('created_at').notNull(),
    answeredAt: ms('answered_at'),
    endedAt: ms('ended_at'),
    endReason: text('end_reason').$type<EndReason>(),
    ringExpiresAt: ms('ring_expires_at'),
    rangAt: ms('rang_at'),
    media: text('media').$type<CallMedia>().notNull().default('video'),
    callerConn: text('caller_conn'),
    calleeConn: text('callee_conn'),
    callerAwayUntil: ms('caller_away_until'),
    calleeAwayUntil: ms('callee_away_until'),
    version: integer('version').notNull().default(0),
  },
  (t) => [
    index('calls_caller_created_idx').on(t.callerId, t.createdAt),
    index('calls_callee_created_idx').on(t.calleeId, t.createdAt),
    index('calls_live_idx').on(t.status).where(sql`status in ('created', 'active')`),
  ],
);

export const callMembers = pgTable(
  'call_members',
  {
    userId: text('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    callId: text('call_id')
      .notNull()
      .references(() => calls.id, { onDelete: 'cascade' }),
  },
  (t) => [index('call_members_call_idx').on(t.callId)],
);

export const blocks = pgTable(
  'blocks',
  {
    blockerId: text('blocker_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: text('blocked_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] }), index('blocks_blocked_idx').on(t.blockedId)],
);

export const nodes = pgTable('nodes', {
  id: text('id').primaryKey(),
  startedAt: ms('started_at').notNull(),
  lastSeen: ms('last_seen').notNull(),
});
