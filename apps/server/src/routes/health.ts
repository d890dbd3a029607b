import type { FastifyPluginAsync } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { isDatabaseReady } from '../db/client.js';
import { errorBody } from '../http/errors.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `/healthz` (the process answers), `/readyz` (the database answers, migrations applied), `/metrics`. */
export const healthRoutes: FastifyPluginAsync<{ expectedMigrations: number }> = async (app, { expectedMigrations }) => {
  const { database, metrics, config } = app.parley;

  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness: database open and migrated' } }, async (_request, reply) =>
    isDatabaseReady(database, expectedMigrations)
      ? { status: 'ready' }
      : reply.code(503).send({ status: 'unavailable' }),
  );

  const token = config.metricsToken;
  if (token === null) return;
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics (bearer METRICS_TOKEN)' } }, async (request, reply) => {
    const auth = request.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !sameSecret(auth.slice(7), token)) {
      return reply.code(401).send(errorBody('UNAUTHORIZED', 'A valid metrics token is required'));
    }
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
