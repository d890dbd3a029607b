import { ErrorBody, LIMITS, UserDto, UserList, UserListQuery } from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { perUserPerMinute } from '../http/per-user-limit.js';

/** `Link` to the page after the one that ended with `last`, with the same filter and size. */
function nextLink(query: { q?: string | undefined; limit: number }, last: string): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  params.set('limit', String(query.limit));
  params.set('after', last);
  return `</api/v1/users?${params.toString()}>; rel="next"`;
}

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, directory, store, config } = app.parley;
  const security = [{ bearerAuth: [] }];

  app.get(
    '/users/me',
    {
      onRequest: app.authenticate,
      config: perUserPerMinute('me', config.rateLimits.apiPerMinutePerUser),
      schema: { tags: ['users'], operationId: 'getMe', summary: 'The logged-in user', security, response: { 200: UserDto, 401: ErrorBody, 429: ErrorBody } },
    },
    async (request) => request.user,
  );

  app.get(
    '/users',
    {
      onRequest: app.authenticate,
      config: perUserPerMinute('users', config.rateLimits.userListPerMinutePerUser),
      schema: {
        tags: ['users'],
        operationId: 'listUsers',
        summary: 'Everyone else, sorted by name, with whether they are online: one page',
        description: `At most \`limit\` users (default ${LIMITS.userListDefaultLimit}, largest ${LIMITS.userListMaxLimit}). When more follow, the \`Link\` header names the next page (\`rel="next"\`: the same query with \`after\` set to the last username of this page). Someone who blocked you is shown offline.`,
        security,
        querystring: UserListQuery,
        response: { 200: UserList, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { q, after, limit = LIMITS.userListDefaultLimit } = request.query;
      // One more than the page: whether a next page exists, without a count of the table.
      const rows = await users.list(request.user.id, { limit: limit + 1, prefix: q, after });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      if (rows.length > limit && last !== undefined) void reply.header('link', nextLink({ q, limit }, last.username));
      const ids = page.map((u) => u.id);
      const [online, blockers] = await Promise.all([directory.onlineAmong(ids), store.blocks.blockersOf(request.user.id, ids)]);
      return page.map((u) => ({ ...u, online: online.has(u.id) && !blockers.has(u.id) }));
    },
  );
};
