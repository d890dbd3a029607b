import { setBounded } from '../support/bounded-map.js';

/** What a verified access token says: its user and when it stops working (ms since the epoch). */
export interface VerifiedToken {
  sub: string;
  expiresAt: number;
  /** The session (`jti`): one login, kept across the token a password change hands out; what logging out ends. */
  sessionId: string;
  /** The user's session generation when it was issued (`gen`); a password change bumps the user's. */
  generation: number;
}

/** The claims a token is read for. */
export interface TokenClaims {
  sub?: unknown;
  exp?: unknown;
  nbf?: unknown;
  jti?: unknown;
  gen?: unknown;
}

/** The longest session id accepted (the server issues UUIDs). */
const MAX_SESSION_ID_LENGTH = 64;

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
   * refused — without a string `sub` or a finite `exp` (a token that never expires is not a session), or without
   * the session id and generation that let it be ended (tokens issued before sessions could end).
   */
  remember(token: string, payload: TokenClaims): VerifiedToken | undefined {
    const { sub, exp, jti, gen } = payload;
    if (typeof sub !== 'string' || typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_SESSION_ID_LENGTH) return undefined;
    if (typeof gen !== 'number' || !Number.isSafeInteger(gen) || gen < 0) return undefined;
    const entry = { sub, expiresAt: exp * 1000, sessionId: jti, generation: gen };
    if (payload.nbf === undefined) setBounded(this.entries, token, entry, this.maxEntries);
    return entry;
  }
}
