import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { integerReply, type RedisOrLocal } from '../cluster/redis-fallback.js';
import { setBounded } from '../support/bounded-map.js';

/** Keys this node counts alone while Redis is away, per route (oldest dropped first past it). */
const LOCAL_KEYS = 10_000;

/**
 * A fixed window per key that starts at its first hit, as @fastify/rate-limit's own Redis store keeps it (it is
 * not used because it fails every request while Redis is away, or with `skipOnError` lets every one through).
 * ARGV: window ms. Replies `{hits, ms left}`. A key found without an expiry gets one: it can never lock anyone out
 * for good.
 */
const HIT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

type Hits = { current: number; ttl: number };

/** The route a child store counts for, from the options @fastify/rate-limit hands it (`routeInfo`, untyped there). */
function routeName(options: object): string {
  const info = 'routeInfo' in options ? options.routeInfo : undefined;
  if (typeof info !== 'object' || info === null) return '';
  const method = 'method' in info && typeof info.method === 'string' ? info.method : '';
  const url = 'url' in info && typeof info.url === 'string' ? info.url : '';
  return `${method}${url}`;
}

/**
 * @fastify/rate-limit's store for a cluster: every node counts in Redis, so a per-IP or per-user limit holds
 * across nodes; while Redis does not answer, each node counts alone ({@link RedisOrLocal}). Only the plain fixed
 * window is supported (no `continueExceeding`, `exponentialBackoff` or `ban`: Parley uses none).
 */
export function sharedRateLimitStore(redis: Redis, redisOrLocal: RedisOrLocal): FastifyRateLimitStoreCtor {
  class SharedRateLimitStore implements FastifyRateLimitStore {
    private readonly local = new Map<string, { count: number; resetAt: number }>();

    // @fastify/rate-limit passes its options, of no use here; a child store gets its route's prefix.
    constructor(
      _options: object,
      private readonly prefix = 'parley:rate:',
    ) {}

    incr(key: string, callback: (error: Error | null, result?: Hits) => void, timeWindow: number): void {
      redisOrLocal
        .run(
          () => this.shared(key, timeWindow),
          () => this.alone(key, timeWindow),
        )
        .then(
          (hits) => callback(null, hits),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
    }

    child(options: object): FastifyRateLimitStore {
      return new SharedRateLimitStore({}, `${this.prefix}${routeName(options)}:`);
    }

    private async shared(key: string, timeWindow: number): Promise<Hits> {
      const [current = 0, ttl = 0] = integerReply(await redis.eval(HIT, 1, `${this.prefix}${key}`, timeWindow), 2);
      return { current, ttl };
    }

    private alone(key: string, timeWindow: number): Hits {
      const now = Date.now();
      let window = this.local.get(key);
      if (window === undefined || window.resetAt <= now) {
        window = { count: 0, resetAt: now + timeWindow };
        setBounded(this.local, key, window, LOCAL_KEYS);
      }
      window.count += 1;
      return { current: window.count, ttl: window.resetAt - now };
    }
  }
  return SharedRateLimitStore;
}
