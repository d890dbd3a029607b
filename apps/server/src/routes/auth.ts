import { ErrorBody, LoginBody, LoginResponse, RegisterBody, UserDto } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkPassword, hashPassword } from '../auth/credentials.js';
import { AppError } from '../http/errors.js';

/** `POST /auth/register`, `POST /auth/login`. Both behind a per-IP limit; logins also per username (reserved before the password is verified). */
export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, config } = app.parley;
  const perIp = { max: config.rateLimits.authPerMinutePerIp, timeWindow: 60_000 };

  app.post(
    '/auth/register',
    {
      config: { rateLimit: perIp },
      schema: {
        tags: ['auth'],
        operationId: 'register',
        summary: 'Create an account',
        body: RegisterBody,
        response: { 201: UserDto, 400: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      if (await users.findByUsername(username)) throw new AppError('USERNAME_TAKEN', 'That username is taken');
      const hash = await hashPassword(app.parley, password);
      const result = await users.create(username, hash, Date.now());
      if (!result.ok) throw new AppError('USERNAME_TAKEN', 'That username is taken');
      request.log.info({ userId: result.user.id }, 'user registered');
      return reply.code(201).send(result.user);
    },
  );

  app.post(
    '/auth/login',
    {
      config: { rateLimit: perIp },
      schema: {
        tags: ['auth'],
        operationId: 'login',
        summary: 'Exchange a username and password for an access token',
        body: LoginBody,
        response: { 200: LoginResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const user = await checkPassword(app.parley, reply, username, password);
      if (user === undefined) throw new AppError('INVALID_CREDENTIALS', 'Wrong username or password');
      const { accessToken, expiresAt, sessionId } = app.issueToken(user.id, user.sessionGeneration);
      request.log.info({ userId: user.id, sessionId }, 'user logged in');
      return { accessToken, expiresAt };
    },
  );
};
