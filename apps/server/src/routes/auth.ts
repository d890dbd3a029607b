import { ErrorBody, LoginBody, LoginResponse, RegisterBody, UserDto } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { loginThrottleKey } from '../auth/login-throttle.js';
import { AppError } from '../http/errors.js';

/** `POST /auth/register`, `POST /auth/login`. Both behind a per-IP limit; logins also per username (reserved before the password is verified). */
export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, hasher, loginThrottle, metrics, config } = app.parley;
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
      const started = performance.now();
      const hash = await hasher.hash(password);
      metrics.argon2Seconds.observe({ op: 'hash' }, (performance.now() - started) / 1000);
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
      const attempt = await loginThrottle.reserve(loginThrottleKey(username));
      if (!attempt.ok) {
        metrics.loginAttempts.inc({ result: 'throttled' });
        reply.header('retry-after', Math.ceil(attempt.retryAfterMs / 1000));
        throw new AppError('RATE_LIMITED', 'Too many failed logins for this username; try again later');
      }
      const user = await users.findByUsername(username);
      const started = performance.now();
      const valid = await hasher.verify(user?.passwordHash, password);
      metrics.argon2Seconds.observe({ op: 'verify' }, (performance.now() - started) / 1000);
      const success = user !== undefined && valid;
      await attempt.settle(success);
      if (!success) {
        metrics.loginAttempts.inc({ result: 'failure' });
        throw new AppError('INVALID_CREDENTIALS', 'Wrong username or password');
      }
      metrics.loginAttempts.inc({ result: 'success' });
      const accessToken = await reply.jwtSign({ sub: user.id });
      const expiresAt = new Date(Date.now() + config.jwtExpiresInSeconds * 1000).toISOString();
      request.log.info({ userId: user.id }, 'user logged in');
      return { accessToken, expiresAt };
    },
  );
};
