import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { CallMedia, CallStatus, EndReason } from '@parley/protocol';

/**
 * The database in SQLite's dialect. `store/pg/schema.ts` declares the same tables, columns and indexes for
 * PostgreSQL (a test compares the two). Timestamps are Unix milliseconds.
 */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    /** Lower-cased username: names are unique regardless of case. */
    usernameKey: text('username_key').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    /**
     * Every access token names the generation it was issued in; a token of an older one is refused. A password
     * change bumps it, ending every session of the user at once (ASVS V3.3.3).
     */
    sessionGeneration: integer('session_generation').notNull().default(0),
  },
  (t) => [uniqueIndex('users_username_key_unique').on(t.usernameKey)],
);

/**
 * Sessions ended by logging out (a token's `jti`), kept until the token would have expired anyway; expired rows
 * are purged as new ones arrive.
 */
export const revokedSessions = sqliteTable(
  'revoked_sessions',
  {
    sessionId: text('session_id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('revoked_sessions_user_idx').on(t.userId), index('revoked_sessions_expires_idx').on(t.expiresAt)],
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
    /** While ringing: when it ends as `missed`. Any node sweeps for overdue ones. */
    ringExpiresAt: integer('ring_expires_at'),
    /** When a callee device first got `call:incoming` (the caller is told once). */
    rangAt: integer('rang_at'),
    /** `audio` for a voice call (the callee is told so in `call:incoming`), else `video`. */
    media: text('media').$type<CallMedia>().notNull().default('video'),
    /** The connection carrying each side (`<node>.<uuid>`), null while that side is away or not yet bound. */
    callerConn: text('caller_conn'),
    calleeConn: text('callee_conn'),
    /** While a side is away: when its reconnect grace runs out and the call ends as `connection_lost`. */
    callerAwayUntil: integer('caller_away_until'),
    calleeAwayUntil: integer('callee_away_until'),
    /** Bumped by every write: nodes keep the newest copy of a live call. */
    version: integer('version').notNull().default(0),
  },
  (t) => [
    index('calls_caller_created_idx').on(t.callerId, t.createdAt),
    index('calls_callee_created_idx').on(t.calleeId, t.createdAt),
    index('calls_live_idx').on(t.status).where(sql`status in ('created', 'active')`),
  ],
);

/**
 * The busy rule as a constraint: a user is in at most one ringing or active call. A call's two rows are written
 * in the transaction that creates it and deleted in the one that ends it; a second live call for a user is a
 * primary-key violation, whichever node or connection tries, however many at once.
 */
export const callMembers = sqliteTable(
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

/**
 * Who blocked whom: a blocked user's calls to the blocker are refused as if the blocker were busy, and the blocker's
 * presence is hidden from them. In the database, not in a node's memory, so every node of a cluster applies it.
 * The index on `blocked_id` answers "who blocked this user?" (GET /users, presence) and the cascade from `users`.
 */
export const blocks = sqliteTable(
  'blocks',
  {
    blockerId: text('blocker_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: text('blocked_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] }), index('blocks_blocked_idx').on(t.blockedId)],
);

/** Server nodes and their heartbeats (cluster mode): a node silent for too long is declared dead by another. */
export const nodes = sqliteTable('nodes', {
  id: text('id').primaryKey(),
  startedAt: integer('started_at').notNull(),
  lastSeen: integer('last_seen').notNull(),
});

export type UserRow = typeof users.$inferSelect;
export type CallRow = typeof calls.$inferSelect;
