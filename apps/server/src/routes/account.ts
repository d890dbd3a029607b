import { ChangePasswordBody, DeleteAccountBody, ErrorBody, LoginResponse } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { checkPassword, hashPassword } from '../auth/credentials.js';
import type { AuthSession } from '../auth/plugin.js';
import { AppError } from '../http/errors.js';

/** The session `authenticate` admitted the request with. */
function sessionOf(request: FastifyRequest): AuthSession {
  if (request.session === null) throw new AppError('UNAUTHORIZED', 'A valid access token is required');
  return request.session;
}

/**
 * Ending sessions (ASVS V3.3): `POST /auth/logout`, `POST /auth/password`, `DELETE /users/me`. The two that take a
 * password check it through the login's throttle and argon2 gate (`checkPassword`) and sit behind the per-IP auth
 * limit.
 */
export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { sessions, config } = app.parley;
  const perIp = { max: config.rateLimits.authPerMinutePerIp, timeWindow: 60_000 };
  const security = [{ bearerAuth: [] }];
  const wrongPassword = () => new AppError('INVALID_CREDENTIALS', 'The password is wrong');

  app.post(
    '/auth/logout',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['auth'],
        operationId: 'logout',
        summary: 'End this session',
        description: 'The token is refused from now on, on REST and at WebSocket upgrades; its open sockets close with 4001. Other sessions go on.',
        security,
        response: { 204: { type: 'null' }, 401: ErrorBody },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      await sessions.logout(session);
      request.log.info({ userId: session.user.id, sessionId: session.sessionId }, 'session logged out');
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/password',
    {
      onRequest: app.authenticate,
      config: { rateLimit: perIp },
      schema: {
        tags: ['auth'],
        operationId: 'changePassword',
        summary: 'Change the password, ending every other session',
        description:
          'Checks `currentPassword` like a login (a wrong one is a 401 `INVALID_CREDENTIALS` and counts against the username’s failed logins). ' +
          'Every other session of the user ends (tokens refused, sockets closed with 4001); this one goes on with the fresh token in the answer ' +
          '(its old token is refused too, its open sockets stay).',
        security,
        body: ChangePasswordBody,
        response: { 200: LoginResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const { currentPassword, newPassword } = request.body;
      if ((await checkPassword(app.parley, reply, session.user.username, currentPassword)) === undefined) throw wrongPassword();
      const hash = await hashPassword(app.parley, newPassword);
      const generation = await sessions.changePassword(session.user.id, hash, session.sessionId);
      if (generation === undefined) throw new AppError('UNAUTHORIZED', 'A valid access token is required');
      const { accessToken, expiresAt } = app.issueToken(session.user.id, generation, session.sessionId);
      request.log.info({ userId: session.user.id, sessionId: session.sessionId }, 'password changed: other sessions ended');
      return { accessToken, expiresAt };
    },
  );

  app.delete(
    '/users/me',
    {
      onRequest: app.authenticate,
      config: { rateLimit: perIp },
      schema: {
        tags: ['users'],
        operationId: 'deleteMe',
        summary: 'Delete your account',
        description:
          'Needs the password again (checked like a login). Ends your live call, deletes the account with its call history, and ends every session (sockets closed with 4001).',
        security,
        body: DeleteAccountBody,
        response: { 204: { type: 'null' }, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      if ((await checkPassword(app.parley, reply, session.user.username, request.body.password)) === undefined) throw wrongPassword();
      await sessions.deleteAccount(session.user.id);
      request.log.info({ userId: session.user.id }, 'account deleted by its user');
      return reply.code(204).send(null);
    },
  );
};
