import { ErrorBody, UserDto, UserList, UserListQuery } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, directory } = app.parley;
  const security = [{ bearerAuth: [] }];

  app.get(
    '/users/me',
    {
      onRequest: app.authenticate,
      schema: { tags: ['users'], operationId: 'getMe', summary: 'The logged-in user', security, response: { 200: UserDto, 401: ErrorBody } },
    },
    async (request) => request.user,
  );

  app.get(
    '/users',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['users'],
        operationId: 'listUsers',
        summary: 'Everyone else, sorted by name, with whether they are online',
        security,
        querystring: UserListQuery,
        response: { 200: UserList, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request) => {
      const list = await users.list(request.user.id, request.query.q);
      const online = await directory.onlineAmong(list.map((u) => u.id));
      return list.map((u) => ({ ...u, online: online.has(u.id) }));
    },
  );
};
