import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../http/errors.js';
import type { PublicUser, UserRepository } from '../users/repository.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string };
    user: PublicUser;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes that need a logged-in user; sets `request.user`. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Checks a raw token (WebSocket upgrade); the user, or undefined. */
    userFromToken: (token: string) => { user: PublicUser; expiresAt: number } | undefined;
  }
}

export interface AuthOptions {
  secret: string;
  expiresInSeconds: number;
  users: UserRepository;
}

/**
 * JWT sessions, HS256 only (no `alg: none`, no algorithm confusion). A token stops working when it expires or when
 * its user is deleted.
 */
export const authPlugin = fp<AuthOptions>(
  async (app, { secret, expiresInSeconds, users }) => {
    await app.register(fastifyJwt, {
      secret,
      sign: { algorithm: 'HS256', expiresIn: expiresInSeconds },
      verify: { algorithms: ['HS256'] },
    });

    app.decorate('authenticate', async (request: FastifyRequest) => {
      let payload: { sub: string };
      try {
        payload = await request.jwtVerify<{ sub: string }>();
      } catch {
        throw new AppError('UNAUTHORIZED', 'A valid access token is required');
      }
      const user = typeof payload.sub === 'string' ? users.findById(payload.sub) : undefined;
      if (!user) throw new AppError('UNAUTHORIZED', 'A valid access token is required');
      request.user = user;
    });

    app.decorate('userFromToken', (token: string) => {
      try {
        const payload = app.jwt.verify<{ sub: string; exp: number }>(token);
        const user = typeof payload.sub === 'string' ? users.findById(payload.sub) : undefined;
        return user && { user, expiresAt: payload.exp * 1000 };
      } catch {
        return undefined;
      }
    });
  },
  { name: 'parley-auth' },
);
