import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../http/errors.js';
import type { PublicUser } from '../store/types.js';
import type { UserCache } from '../users/cache.js';
import { VerifiedTokenCache, type VerifiedToken } from './token-cache.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string };
    user: PublicUser;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes that need a logged-in user; sets `request.user`. */
    authenticate: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
    /** Checks a raw token (WebSocket upgrade); the user, or undefined. */
    userFromToken: (token: string) => Promise<{ user: PublicUser; expiresAt: number } | undefined>;
  }
}

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
 * JWT sessions, HS256 only (no `alg: none`, no algorithm confusion), with `exp` and `sub` required. A token stops
 * working when it expires or when its user is deleted.
 *
 * Every request carries the same token many times over, so a verified token is remembered until it expires
 * (`VerifiedTokenCache`), and the user behind it is looked up through the `UserCache`, which caches
 * users but sees deletions (see there).
 */
export const authPlugin = fp<AuthOptions>(
  async (app, { secret, expiresInSeconds, users, tokenCacheSize = 10_000 }) => {
    await app.register(fastifyJwt, {
      secret,
      sign: { algorithm: 'HS256', expiresIn: expiresInSeconds },
      // A token without `exp` would be valid forever: refused, like one without a subject.
      verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] },
    });

    const verified = new VerifiedTokenCache(tokenCacheSize);

    /** The token's subject and expiry when its signature and claims verify (or verified before and it has not expired). */
    function verifyToken(token: string): VerifiedToken | undefined {
      const cached = verified.get(token);
      if (cached !== undefined) return cached;
      let payload: { sub?: unknown; exp?: unknown; nbf?: unknown };
      try {
        payload = app.jwt.verify<{ sub?: unknown; exp?: unknown; nbf?: unknown }>(token);
      } catch {
        return undefined;
      }
      return verified.remember(token, payload);
    }

    app.decorate('authenticate', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const token = bearerToken(request.headers.authorization);
      const session = token === undefined ? undefined : verifyToken(token);
      if (session === undefined) return done(unauthorized());
      const cached = users.peek(session.sub);
      if (cached !== undefined) {
        request.user = cached;
        return done();
      }
      users.findById(session.sub).then((user) => {
        if (!user) return done(unauthorized());
        request.user = user;
        done();
      }, done);
    });

    app.decorate('userFromToken', async (token: string) => {
      const session = verifyToken(token);
      const user = session && (await users.findById(session.sub));
      return user && { user, expiresAt: session.expiresAt };
    });
  },
  { name: 'parley-auth' },
);
