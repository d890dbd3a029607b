import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { users, type UserRow } from '../db/schema.js';

export interface PublicUser {
  id: string;
  username: string;
}

export type CreateUserResult = { ok: true; user: PublicUser } | { ok: false; reason: 'taken' };

export class UserRepository {
  /**
   * Every authenticated request and WebSocket upgrade looks its user up by id. Prepared once: building the query
   * and preparing the statement each time cost ~10× the lookup itself.
   */
  private readonly byId;

  constructor(private readonly db: Db) {
    this.byId = db
      .select({ id: users.id, username: users.username })
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare();
  }

  create(username: string, passwordHash: string, now = Date.now()): CreateUserResult {
    const id = randomUUID();
    const inserted = this.db
      .insert(users)
      .values({ id, username, usernameKey: username.toLowerCase(), passwordHash, createdAt: now })
      .onConflictDoNothing({ target: users.usernameKey })
      .returning({ id: users.id })
      .all();
    return inserted.length === 1 ? { ok: true, user: { id, username } } : { ok: false, reason: 'taken' };
  }

  findByUsername(username: string): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.usernameKey, username.toLowerCase())).get();
  }

  findById(id: string): PublicUser | undefined {
    return this.byId.get({ id });
  }

  /** Everyone but `exceptId`, sorted by name, optionally by case-insensitive prefix. */
  list(exceptId: string, prefix?: string): PublicUser[] {
    // A plain prefix comparison: LIKE would read `_` (allowed in usernames) and `%` as wildcards.
    const key = prefix?.toLowerCase();
    const filter = key ? sql`substr(${users.usernameKey}, 1, ${key.length}) = ${key}` : undefined;
    return this.db
      .select({ id: users.id, username: users.username })
      .from(users)
      .where(filter ? and(ne(users.id, exceptId), filter) : ne(users.id, exceptId))
      .orderBy(asc(users.usernameKey))
      .all();
  }

  delete(id: string): boolean {
    return this.db.delete(users).where(eq(users.id, id)).run().changes === 1;
  }
}
