import { createHmac, randomBytes, randomUUID } from 'node:crypto';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT built by hand, so tests can produce what the server must refuse (the server never signs these). */
export function forgeToken(options: {
  payload: Record<string, unknown>;
  secret?: string;
  alg?: 'HS256' | 'HS384' | 'HS512' | 'none';
  /** Replaces the signature part (e.g. an empty one for `alg: none`). */
  signature?: string;
}): string {
  const alg = options.alg ?? 'HS256';
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(options.payload)}`;
  if (options.signature !== undefined) return `${head}.${options.signature}`;
  if (alg === 'none') return `${head}.`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${head}.${createHmac(hash, options.secret ?? randomBytes(32).toString('hex')).update(head).digest('base64url')}`;
}

export type BadTokenKind =
  | 'none'
  | 'garbage'
  | 'expired'
  | 'other-secret'
  | 'alg-none'
  | 'alg-hs512'
  | 'no-subject'
  | 'no-expiry'
  | 'no-session'
  | 'deleted-user';

/** The session claims the server requires beside `sub` and `exp`: a session id and the user's generation (0 until a password change). */
export const sessionClaims = (gen = 0) => ({ jti: randomUUID(), gen });

/**
 * Every way a token can be wrong, for a user `sub` on a server signing with `secret`. `deleted-user` is a valid
 * token: the test deletes the user before using it.
 */
export function badTokens(secret: string, sub: string, deletedSub: string): Record<BadTokenKind, string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  const live = { sub, iat: now, exp: now + 3600, ...sessionClaims() };
  return {
    none: undefined,
    garbage: 'not.a.jwt',
    expired: forgeToken({ payload: { ...live, iat: now - 7200, exp: now - 3600 }, secret }),
    'other-secret': forgeToken({ payload: live, secret: 'another-secret-that-is-long-enough-0123456789' }),
    'alg-none': forgeToken({ payload: live, alg: 'none' }),
    // Right secret, wrong algorithm: the server pins HS256.
    'alg-hs512': forgeToken({ payload: live, secret, alg: 'HS512' }),
    'no-subject': forgeToken({ payload: { ...live, sub: undefined }, secret }),
    // Signed with the right secret, for a real user, but never expiring.
    'no-expiry': forgeToken({ payload: { ...live, exp: undefined }, secret }),
    // Signed with the right secret, for a real user, but naming no session that could be ended (a token from before sessions could end).
    'no-session': forgeToken({ payload: { sub, iat: now, exp: now + 3600 }, secret }),
    'deleted-user': forgeToken({ payload: { ...live, sub: deletedSub }, secret }),
  };
}
