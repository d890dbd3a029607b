import type { FastifyReply } from 'fastify';
import { AppError } from '../http/errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { UserRecord, UserStore } from '../store/types.js';
import { loginThrottleKey, type LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './passwords.js';

export interface CredentialChecks {
  users: UserStore;
  hasher: PasswordHasher;
  loginThrottle: LoginThrottle;
  metrics: Metrics;
}

/**
 * Whether `password` is the password of `username`, through the one gate every password check passes: the
 * per-username failure throttle (reserved before argon2 runs; a refusal is a 429 with `retry-after`) and the
 * bounded argon2 pool, timed the same for unknown users. Logging in, changing the password and deleting the
 * account all count against the same username's failures, so a stolen token cannot guess the password faster
 * than the login form could. The user when it matches, else undefined.
 */
export async function checkPassword(deps: CredentialChecks, reply: FastifyReply, username: string, password: string): Promise<UserRecord | undefined> {
  const { users, hasher, loginThrottle, metrics } = deps;
  const attempt = await loginThrottle.reserve(loginThrottleKey(username));
  if (!attempt.ok) {
    metrics.loginAttempts.inc({ result: 'throttled' });
    reply.header('retry-after', Math.ceil(attempt.retryAfterMs / 1000));
    throw new AppError('RATE_LIMITED', 'Too many failed password attempts for this username; try again later');
  }
  const user = await users.findByUsername(username);
  const started = performance.now();
  const valid = await hasher.verify(user?.passwordHash, password);
  metrics.argon2Seconds.observe({ op: 'verify' }, (performance.now() - started) / 1000);
  const success = user !== undefined && valid;
  await attempt.settle(success);
  metrics.loginAttempts.inc({ result: success ? 'success' : 'failure' });
  return success ? user : undefined;
}

/** Hashes a new password on the same bounded pool, timed like every other hash. */
export async function hashPassword(deps: Pick<CredentialChecks, 'hasher' | 'metrics'>, password: string): Promise<string> {
  const started = performance.now();
  const hash = await deps.hasher.hash(password);
  deps.metrics.argon2Seconds.observe({ op: 'hash' }, (performance.now() - started) / 1000);
  return hash;
}
