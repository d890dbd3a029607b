import { BlockList, ErrorBody, UserIdParams } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { perUserPerMinute } from '../http/per-user-limit.js';

export const blockRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { blocks, config } = app.parley;
  const security = [{ bearerAuth: [] }];

  // Block and unblock: the same route shape, 204 and idempotent either way.
  const change = [
    {
      method: 'PUT',
      operationId: 'blockUser',
      summary: 'Block a user',
      description:
        'Their calls to you are answered 409 `CALLEE_BUSY`, exactly as when you are in another call, and they see you offline (`GET /users`, `presence` frames). Idempotent.',
      apply: (blockerId: string, id: string) => blocks.block(blockerId, id),
    },
    { method: 'DELETE', operationId: 'unblockUser', summary: 'Unblock a user', description: 'Idempotent.', apply: (blockerId: string, id: string) => blocks.unblock(blockerId, id) },
  ] as const;
  for (const { method, operationId, summary, description, apply } of change) {
    app.route({
      method,
      url: '/users/:id/block',
      onRequest: app.authenticate,
      config: perUserPerMinute('block', config.rateLimits.apiPerMinutePerUser),
      schema: {
        tags: ['users'],
        operationId,
        summary,
        description,
        security,
        params: UserIdParams,
        response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
      handler: async (request, reply) => {
        await apply(request.user.id, request.params.id);
        return reply.code(204).send(null);
      },
    });
  }

  app.get(
    '/blocks',
    {
      onRequest: app.authenticate,
      config: perUserPerMinute('blocks', config.rateLimits.apiPerMinutePerUser),
      schema: { tags: ['users'], operationId: 'listBlocks', summary: 'The people you blocked, sorted by name', security, response: { 200: BlockList, 401: ErrorBody, 429: ErrorBody } },
    },
    async (request) => blocks.list(request.user.id),
  );
};
