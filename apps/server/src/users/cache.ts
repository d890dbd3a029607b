import { setBounded } from '../support/bounded-map.js';
import type { PublicUser, SessionState, UserStore } from '../store/types.js';

/**
 * How a cached user is known to be stale. SQLite: another process (the operator CLI's `parley delete-user`)
 * committed, which `PRAGMA data_version` shows cheaply, so it is asked at most every `checkEveryMs`. PostgreSQL
 * (a cluster): an entry is trusted for `maxAgeMs`, after which it is read again.
 */
export type Freshness = { kind: 'foreign-commits'; count: () => number; checkEveryMs: number } | { kind: 'max-age'; maxAgeMs: number };

/**
 * Every authenticated request and WebSocket upgrade looks its user up by id: users found are remembered with their
 * session state (generation and revoked sessions; frozen, shared by every request of that user), misses are not.
 * An entry is stale once its user is deleted, changes password or logs a session out: through `forget` here (at
 * once, by the node that made the change), or elsewhere (within the freshness bound). Bounded: past `maxEntries`
 * the oldest entry goes.
 */
export class UserCache {
  private readonly entries = new Map<string, { state: SessionState; at: number }>();
  private nextCheck = 0;
  private commitsSeen = 0;
  private commitsPolled = 0;

  constructor(
    private readonly store: UserStore,
    private readonly freshness: Freshness,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached user, when the cache may answer without the database. */
  peek(id: string, now = Date.now()): PublicUser | undefined {
    return this.peekSession(id, now)?.user;
  }

  async findById(id: string, now = Date.now()): Promise<PublicUser | undefined> {
    return (await this.session(id, now))?.user;
  }

  /** The cached session state of a user, when the cache may answer without the database. */
  peekSession(id: string, now = Date.now()): SessionState | undefined {
    this.checkFreshness(now);
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (this.freshness.kind === 'max-age' && now - entry.at > this.freshness.maxAgeMs) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.state;
  }

  async session(id: string, now = Date.now()): Promise<SessionState | undefined> {
    const cached = this.peekSession(id, now);
    if (cached !== undefined) return cached;
    const found = await this.store.sessionState(id, now);
    if (found === undefined) return undefined;
    const state = Object.freeze({ user: Object.freeze({ ...found.user }), generation: found.generation, revoked: found.revoked });
    setBounded(this.entries, id, { state, at: now }, this.maxEntries);
    return state;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  /** Deletes a user (and, by cascade, their calls): refused at once by this cache, elsewhere within the freshness bound. */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.store.delete(id);
    this.entries.delete(id);
    return deleted;
  }

  /**
   * Whether users may have been deleted elsewhere since the last call (an account watch then checks who of its
   * users still exist). With foreign-commit counting it asks now, dropping every entry if so; with a maximum age
   * nothing tells, so the answer is always yes.
   */
  mayHaveChangedElsewhere(now = Date.now()): boolean {
    if (this.freshness.kind === 'max-age') return true;
    this.nextCheck = 0;
    this.checkFreshness(now);
    const changed = this.commitsSeen !== this.commitsPolled;
    this.commitsPolled = this.commitsSeen;
    return changed;
  }

  private checkFreshness(now: number): void {
    if (this.freshness.kind !== 'foreign-commits' || now < this.nextCheck) return;
    this.nextCheck = now + this.freshness.checkEveryMs;
    const count = this.freshness.count();
    if (count === this.commitsSeen) return;
    this.commitsSeen = count;
    this.entries.clear();
  }
}
