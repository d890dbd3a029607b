import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../http/errors.js';
import { randomUUID } from 'node:crypto';
import type { PublicUser, SessionState } from '../store/types.js';
import type { UserCache } from '../users/cache.js';
import { VerifiedTokenCache, type TokenClaims, type VerifiedToken } from './token-cache.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    /** `jti` names the session, `gen` the user's session generation it was issued in. */
    payload: { sub: string; jti: string; gen: number };
    user: PublicUser;
  }
}

/** A session a token stands for, as the routes and sockets that end sessions see it. */
export interface AuthSession {
  user: PublicUser;
  /** When the token stops working (ms since the epoch). */
  expiresAt: number;
  sessionId: string;
  generation: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes that need a logged-in user; sets `request.user` and `request.session`. */
    authenticate: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
    /** Checks a raw token (WebSocket upgrade); its session, or undefined. */
    userFromToken: (token: string) => Promise<AuthSession | undefined>;
    /** Signs an access token for a session of `userId` (a new session when `sessionId` is not given). */
    issueToken: (userId: string, generation: number, sessionId?: string) => { accessToken: string; expiresAt: string; sessionId: string };
  }
  interface FastifyRequest {
    /** The session of the request's token, set by `authenticate`. */
    session: AuthSession | null;
  }
}

/** Whether a verified token is still a session of its user: issued in their current generation, not logged out. */
function stillValid(state: SessionState, token: VerifiedToken): boolean {
  return state.generation === token.generation && !state.revoked.has(token.sessionId);
}

const sessionOf = (state: SessionState, token: VerifiedToken): AuthSession => ({
  user: state.user,
  expiresAt: token.expiresAt,
  sessionId: token.sessionId,
  generation: token.generation,
});

export interface AuthOptions {
  secret: string;
  expiresInSeconds: number;
  users: UserCache;
  /** How many verified tokens to remember (default 10 000). */
  tokenCacheSize?: number;
}

/**
 * The token of an `Authorization: Bearer <token>` header, read exactly as `request.jwtVerify()` of @fastify/jwt
 * reads it (scheme case-insensitive, exactly one space, a non-empty token); undefined otherwise.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  // The usual form, without the regular expression: one space after `Bearer`, no other space.
  if (header.startsWith('Bearer ')) return header.length > 7 && header.indexOf(' ', 7) === -1 ? header.slice(7) : undefined;
  if (!/^Bearer\s/i.test(header)) return undefined;
  const parts = header.split(' ');
  return parts.length === 2 && parts[1] ? parts[1] : undefined;
}

const unauthorized = () => new AppError('UNAUTHORIZED', 'A valid access token is required');

/**
 * JWT sessions, HS256 only (no `alg: none`, no algorithm confusion), with `exp`, `sub`, `jti` and `gen` required.
 * A token stops working when it expires, when its session is logged out (`jti` revoked), when its user changes
 * password (`gen` older than the user's) or when its user is deleted.
 *
 * Every request carries the same token many times over, so a verified token is remembered until it expires
 * (`VerifiedTokenCache`: signature and claims only), and whether it is still a session is decided on every request
 * from the user's session state in the `UserCache`, which caches it but sees changes (see there).
 */
export const authPlugin = fp<AuthOptions>(
  async (app, { secret, expiresInSeconds, users, tokenCacheSize = 10_000 }) => {
    await app.register(fastifyJwt, {
      secret,
      sign: { algorithm: 'HS256', expiresIn: expiresInSeconds },
      // A token without `exp` would be valid forever: refused, like one without a subject.
      verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'sub', 'jti'] },
    });

    const verified = new VerifiedTokenCache(tokenCacheSize);

    /** The token's subject and expiry when its signature and claims verify (or verified before and it has not expired). */
    function verifyToken(token: string): VerifiedToken | undefined {
      const cached = verified.get(token);
      if (cached !== undefined) return cached;
      let payload: TokenClaims;
      try {
        payload = app.jwt.verify<TokenClaims>(token);
      } catch {
        return undefined;
      }
      return verified.remember(token, payload);
    }

    app.decorateRequest('session', null);

    app.decorate('authenticate', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const token = bearerToken(request.headers.authorization);
      const verified = token === undefined ? undefined : verifyToken(token);
      if (verified === undefined) return done(unauthorized());
      const admit = (state: SessionState | undefined) => {
        if (state === undefined || !stillValid(state, verified)) return done(unauthorized());
        request.user = state.user;
        request.session = sessionOf(state, verified);
        done();
      };
      const cached = users.peekSession(verified.sub);
      if (cached !== undefined) return admit(cached);
      users.session(verified.sub).then(admit, done);
    });

    app.decorate('userFromToken', async (token: string) => {
      const verified = verifyToken(token);
      const state = verified && (await users.session(verified.sub));
      return state && verified && stillValid(state, verified) ? sessionOf(state, verified) : undefined;
    });

    app.decorate('issueToken', (userId: string, generation: number, sessionId: string = randomUUID()) => {
      const accessToken = app.jwt.sign({ sub: userId, jti: sessionId, gen: generation });
      const expiresAt = new Date(Date.now() + expiresInSeconds * 1000).toISOString();
      return { accessToken, expiresAt, sessionId };
    });
  },
  { name: 'parley-auth' },
);
