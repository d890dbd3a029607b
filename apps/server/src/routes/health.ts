import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { ErrorBody } from '@parley/protocol';
import { Type } from 'typebox';
import { errorBody } from '../http/errors.js';

/** What the probes answer. */
const HealthAnswer = Type.Object({ status: Type.String() });

/** Wrong `/metrics` tokens one IP may try per minute. */
const METRICS_GUESSES_PER_MINUTE = 10;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `/healthz` (the process answers: a load balancer's liveness check, never tied to Redis or the database, so an
 * outage of either does not restart every node at once), `/readyz` (the database answers with every migration
 * applied and, in a cluster, the bus is up: whether to send this node traffic), `/metrics`.
 */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  const { store, cluster, metrics, config } = app.parley;

  app.get('/healthz', { schema: { tags: ['operations'], operationId: 'liveness', summary: 'Liveness', response: { 200: HealthAnswer } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['operations'], operationId: 'readiness', summary: 'Readiness: database open and migrated, cluster bus up', response: { 200: HealthAnswer, 503: HealthAnswer } } }, async (_request, reply) =>
    (await store.ready()) && (cluster?.ready ?? true)
      ? { status: 'ready' }
      : reply.code(503).send({ status: 'unavailable' }),
  );

  const token = config.metricsToken;
  if (token === null) return;
  const authorised = (request: FastifyRequest): boolean => {
    const auth = request.headers.authorization ?? '';
    return auth.startsWith('Bearer ') && sameSecret(auth.slice(7), token);
  };
  // Wrong tokens are limited per IP; the right one is never counted, so guessing cannot lock the scraper out.
  const guesses = { max: METRICS_GUESSES_PER_MINUTE, timeWindow: 60_000, allowList: authorised };
  app.get('/metrics', { config: { rateLimit: guesses }, schema: { tags: ['operations'], operationId: 'metrics', summary: 'Prometheus metrics (bearer METRICS_TOKEN)', security: [{ metricsToken: [] }], produces: ['text/plain'], response: { 200: Type.String({ description: 'Prometheus text exposition format' }), 401: ErrorBody, 429: ErrorBody } } }, async (request, reply) => {
    if (!authorised(request)) return reply.code(401).send(errorBody('UNAUTHORIZED', 'A valid metrics token is required'));
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
