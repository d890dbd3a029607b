import type { FastifyBaseLogger } from 'fastify';

/** How long a limit waits for Redis before deciding alone: a login or request never hangs on a stalled Redis. */
export const REDIS_LIMIT_TIMEOUT_MS = 1_000;

/** The limits a node may have to decide alone. */
export type SharedLimit = 'login_throttle' | 'rate_limit';

/**
 * A cluster-wide limit kept in Redis, with this node's own memory to fall back on. While Redis does not answer
 * (down, restarting, stalled past {@link REDIS_LIMIT_TIMEOUT_MS}) each node enforces the limit alone, so the
 * cluster allows at most N× the limit: what it allowed before limits were shared, and only during the outage.
 * Refusing every login instead would turn a Redis blip into an outage of the whole service (see README, "Several
 * nodes"). Each decision taken alone is counted, and the first of an outage logged.
 */
export class RedisOrLocal {
  private down = false;

  constructor(
    private readonly limit: SharedLimit,
    private readonly log: FastifyBaseLogger,
    private readonly counted: (limit: SharedLimit) => void,
    private readonly timeoutMs = REDIS_LIMIT_TIMEOUT_MS,
  ) {}

  async run<T>(shared: () => Promise<T>, local: () => T | Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await withTimeout(shared(), this.timeoutMs);
    } catch (error) {
      if (!this.down) this.log.warn({ err: error, limit: this.limit }, 'Redis did not answer: enforcing this limit per node until it does');
      this.down = true;
      this.counted(this.limit);
      return local();
    }
    if (this.down) this.log.info({ limit: this.limit }, 'Redis answers again: this limit holds cluster-wide again');
    this.down = false;
    return result;
  }
}

/** `promise`, or a rejection once `ms` have passed (the late answer is dropped). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  // A late answer is dropped; its rejection must not go unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The integers of a Lua script's array reply, or an error: Redis replies are parsed, never trusted. */
export function integerReply(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length < length) throw new Error('unexpected reply from a Redis limit script');
  const values = reply.slice(0, length).map((value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : Number.NaN));
  if (values.some((value) => Number.isNaN(value))) throw new Error('unexpected reply from a Redis limit script');
  return values;
}
