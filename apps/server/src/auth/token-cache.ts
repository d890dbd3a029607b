import { setBounded } from '../support/bounded-map.js';

/** What a verified access token says: its user and when it stops working (ms since the epoch). */
export interface VerifiedToken {
  sub: string;
  expiresAt: number;
}

/**
 * Tokens whose signature and claims already verified, keyed by the exact token string, so a client that sends
 * the same token on every request pays for one HMAC and one JSON decode, not one per request.
 *
 * An entry answers only while its token has not expired (the same `now <= exp` bound fast-jwt applies, so a
 * cached token is refused at exactly the moment a freshly verified one would be). Only tokens with a numeric
 * `exp` are accepted at all, and only those without `nbf` are stored (the server signs exactly those), so nothing
 * cached can outlive its token or depend on a not-before time. Bounded: past `maxEntries`, the oldest entry goes. Only tokens signed with the
 * server's secret get in, so the cache cannot be filled by an attacker without that secret.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The still-valid entry for `token`; an expired entry is dropped. */
  get(token: string, now = Date.now()): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (now <= entry.expiresAt) return entry;
    this.entries.delete(token);
    return undefined;
  }

  /**
   * Stores a verified payload when it can be cached safely; the entry to use either way. Undefined — the token is
   * refused — without a string `sub` or a finite `exp`: a token that never expires is not a session.
   */
  remember(token: string, payload: { sub?: unknown; exp?: unknown; nbf?: unknown }): VerifiedToken | undefined {
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) return undefined;
    const entry = { sub: payload.sub, expiresAt: payload.exp * 1000 };
    if (payload.nbf === undefined) setBounded(this.entries, token, entry, this.maxEntries);
    return entry;
  }
}
