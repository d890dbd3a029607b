/**
 * Counts failed logins per username in a fixed window. After `maxFailures` the username is throttled until its
 * window ends, whatever the password. Kept in memory and bounded: the oldest entries go first.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** Milliseconds until the username may try again, or 0. */
  retryAfterMs(username: string, now = Date.now()): number {
    const entry = this.failures.get(username.toLowerCase());
    if (!entry) return 0;
    if (entry.resetAt <= now) {
      this.failures.delete(username.toLowerCase());
      return 0;
    }
    return entry.count >= this.maxFailures ? entry.resetAt - now : 0;
  }

  recordFailure(username: string, now = Date.now()): void {
    const key = username.toLowerCase();
    const entry = this.failures.get(key);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= this.maxEntries) {
      const oldest = this.failures.keys().next();
      if (!oldest.done) this.failures.delete(oldest.value);
    }
    this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
  }

  recordSuccess(username: string): void {
    this.failures.delete(username.toLowerCase());
  }
}
