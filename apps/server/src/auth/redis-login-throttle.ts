import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { REDIS_LIMIT_TIMEOUT_MS, withTimeout, type RedisOrLocal } from '../cluster/redis-fallback.js';
import type { LoginReservation, LoginThrottle } from './login-throttle.js';

const windowKey = (usernameKey: string) => `parley:login:${usernameKey}`;

/**
 * KEYS[1] is a username's window, a hash: `n` attempts reserved, `w` the window's id; it expires with the window.
 * One script, so the check and the increment are one step for every node: no more than the limit are ever granted.
 * ARGV: limit, window ms, the id a new window gets. Replies `{1, window id}` or `{0, ms until the window ends}`.
 */
const RESERVE = `
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) ttl = tonumber(ARGV[2]) end
  return {0, ttl}
end
if n == 0 then redis.call('HSET', KEYS[1], 'w', ARGV[3]) end
redis.call('HINCRBY', KEYS[1], 'n', 1)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, redis.call('HGET', KEYS[1], 'w')}`;

/** A success frees the username, but only from the window it was counted in (a later one stays). ARGV: window id. */
const CLEAR = `
if redis.call('HGET', KEYS[1], 'w') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

function reservationReply(reply: unknown): { granted: true; window: string } | { granted: false; retryAfterMs: number } {
  if (Array.isArray(reply)) {
    const [granted, detail]: unknown[] = reply;
    if (granted === 1 && typeof detail === 'string') return { granted: true, window: detail };
    if (granted === 0 && typeof detail === 'number') return { granted: false, retryAfterMs: Math.max(detail, 1) };
  }
  throw new Error('unexpected reply from the login throttle script');
}

/**
 * The failed-login limit shared by every node through Redis (see {@link LoginThrottle}). Rejects when Redis does
 * not answer; {@link ClusterLoginThrottle} decides what happens then.
 */
export class RedisLoginThrottle implements LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly maxAttempts: number,
    private readonly windowMs: number,
  ) {}

  async reserve(usernameKey: string): Promise<LoginReservation> {
    const key = windowKey(usernameKey);
    const answer = reservationReply(await this.redis.eval(RESERVE, 1, key, this.maxAttempts, this.windowMs, randomUUID()));
    if (!answer.granted) return { ok: false, retryAfterMs: answer.retryAfterMs };
    return {
      ok: true,
      settle: async (success) => {
        if (success) await this.redis.eval(CLEAR, 1, key, answer.window);
      },
    };
  }
}

/**
 * A cluster node's throttle: the shared one, or this node's memory while Redis does not answer (see
 * {@link RedisOrLocal} for why it does not refuse every login instead). A success that cannot be recorded in
 * Redis still logs the user in; their count runs out with its window.
 */
export class ClusterLoginThrottle implements LoginThrottle {
  constructor(
    private readonly shared: LoginThrottle,
    private readonly local: LoginThrottle,
    private readonly redisOrLocal: RedisOrLocal,
    private readonly log: FastifyBaseLogger,
  ) {}

  async reserve(usernameKey: string): Promise<LoginReservation> {
    const reservation = await this.redisOrLocal.run(
      () => this.shared.reserve(usernameKey),
      () => this.local.reserve(usernameKey),
    );
    if (!reservation.ok) return reservation;
    return {
      ok: true,
      settle: (success) =>
        withTimeout(reservation.settle(success), REDIS_LIMIT_TIMEOUT_MS).catch((error: unknown) => this.log.warn({ err: error }, 'could not clear a login throttle window after a success')),
    };
  }
}
