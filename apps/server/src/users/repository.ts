import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { users, type UserRow } from '../db/schema.js';
import { setBounded } from '../support/bounded-map.js';

export interface PublicUser {
  id: string;
  username: string;
}

/**
 * How often `findById` asks SQLite whether another connection (the operator CLI's `parley delete-user`, another
 * process) has committed a change, which drops every cached user. `PRAGMA data_version` opens a read transaction
 * (~2 µs of file-lock syscalls, as much as the lookup it saves), so it is asked at most this often, not per call:
 * a user deleted from another process can authenticate for at most this long afterwards. Deletions through this
 * repository (this process) take effect at once.
 */
export const FOREIGN_WRITE_CHECK_MS = 100;

export type CreateUserResult = { ok: true; user: PublicUser } | { ok: false; reason: 'taken' };

export class UserRepository {
  /**
   * Every authenticated request and WebSocket upgrade looks its user up by id. Prepared once: building the query
   * and preparing the statement each time cost ~10× the lookup itself.
   */
  private readonly byId;
  /**
   * Users found by id. Users are never changed, only created and deleted, so an entry is stale only once its user
   * is deleted: by `delete` here (evicted at once) or by another connection (seen through `data_version`).
   * Misses are not cached. Entries are frozen. Bounded: past `maxCachedUsers` the oldest entry goes.
   */
  private readonly cache = new Map<string, PublicUser>();
  private lastDataVersion: number;
  private nextForeignWriteCheck = 0;
  private foreignWritesSeen = 0;

  constructor(
    private readonly db: Db,
    private readonly maxCachedUsers = 10_000,
  ) {
    this.byId = db
      .select({ id: users.id, username: users.username })
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare();
    this.lastDataVersion = this.dataVersion();
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

  findById(id: string, now = Date.now()): PublicUser | undefined {
    if (now >= this.nextForeignWriteCheck) this.checkForeignWrites(now);
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const found = this.byId.get({ id });
    if (found === undefined) return undefined;
    // Shared by every request of this user from now on: frozen, so no caller can change it for the others.
    const user = Object.freeze(found);
    setBounded(this.cache, id, user, this.maxCachedUsers);
    return user;
  }

  /**
   * Asks SQLite now whether another connection has committed since the last check (dropping the cached users if
   * so), for callers that must notice a foreign write without waiting for the next lookup. Returns how many
   * foreign commits have been noticed so far, by lookups or polls: a caller compares it with the count it saw last,
   * so a change a lookup noticed first is not lost to it.
   */
  pollForeignWrites(now = Date.now()): number {
    this.checkForeignWrites(now);
    return this.foreignWritesSeen;
  }

  /** Which of `ids` still exist, in one query per thousand ids. */
  existingIds(ids: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (let start = 0; start < ids.length; start += 1000) {
      const chunk = ids.slice(start, start + 1000);
      for (const row of this.db.select({ id: users.id }).from(users).where(inArray(users.id, chunk)).all()) found.add(row.id);
    }
    return found;
  }

  /** Changes whenever another connection commits (not on this connection's own commits). */
  private dataVersion(): number {
    return this.db.get<{ data_version: number }>(sql`PRAGMA data_version`).data_version;
  }

  /** Drops the cached users when another connection has committed since the last check. */
  private checkForeignWrites(now: number): void {
    this.nextForeignWriteCheck = now + FOREIGN_WRITE_CHECK_MS;
    const version = this.dataVersion();
    if (version === this.lastDataVersion) return;
    this.lastDataVersion = version;
    this.foreignWritesSeen += 1;
    this.cache.clear();
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
    const deleted = this.db.delete(users).where(eq(users.id, id)).run().changes === 1;
    this.cache.delete(id);
    return deleted;
  }
}
