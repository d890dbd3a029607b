import type { RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';

/**
 * A signed-in route's limit per user (its `config`): `max` requests a minute, counted after authentication
 * (`preHandler`, so an unauthenticated request is a 401, never a hit on someone's count) and keyed by the user,
 * whichever address or node the requests come from. `bucket` names the count in the key; @fastify/rate-limit keeps
 * each route's counts apart, so every route limited this way has its own `max` per user.
 */
export function perUserPerMinute(bucket: string, max: number): { rateLimit: RateLimitOptions } {
  return { rateLimit: { max, timeWindow: 60_000, hook: 'preHandler', keyGenerator: (request: FastifyRequest) => `${bucket}:${request.user.id}` } };
}
