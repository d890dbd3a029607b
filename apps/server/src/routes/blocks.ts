import { BlockList, ErrorBody, UserIdParams } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

export const blockRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { blocks } = app.parley;
  const security = [{ bearerAuth: [] }];
  const description =
    'Their calls to you are answered 409 `CALLEE_BUSY`, exactly as when you are in another call, and they see you offline (`GET /users`, `presence` frames). Idempotent.';

  app.put(
    '/users/:id/block',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['users'],
        summary: 'Block a user',
        description,
        security,
        params: UserIdParams,
        response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await blocks.block(request.user.id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/users/:id/block',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['users'],
        summary: 'Unblock a user; idempotent',
        security,
        params: UserIdParams,
        response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await blocks.unblock(request.user.id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/blocks',
    {
      onRequest: app.authenticate,
      schema: { tags: ['users'], summary: 'The people you blocked, sorted by name', security, response: { 200: BlockList, 401: ErrorBody } },
    },
    async (request) => blocks.list(request.user.id),
  );
};
