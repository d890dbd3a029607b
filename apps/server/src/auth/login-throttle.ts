import { setBounded } from '../support/bounded-map.js';

/** The answer to "may this username try a password now?". */
export type LoginReservation =
  | {
      ok: true;
      /**
       * Reports how the attempt went: a success frees the username's count, a failure keeps the slot it reserved
       * (the attempt counts as failed from the moment it was reserved).
       */
      settle(success: boolean): Promise<void>;
    }
  | { ok: false; retryAfterMs: number };

/**
 * Failed-login limit per username. An attempt is reserved *before* its password is verified, and the reservation
 * is atomic, so however many requests arrive at once, no more than the limit are ever verified per window. The
 * store behind it may be this process's memory or one shared by every node (Redis, one Lua script per reservation:
 * `auth/redis-login-throttle.ts`), hence the promises.
 */
export interface LoginThrottle {
  /** `usernameKey` is the username as the account store compares it (lower case). */
  reserve(usernameKey: string): Promise<LoginReservation>;
}

/** The key a username is throttled under: usernames are unique whatever their case. */
export const loginThrottleKey = (username: string): string => username.toLowerCase();

/**
 * One process's throttle: a fixed window per username that starts at its first attempt. After `maxAttempts`
 * unsuccessful reservations the username is refused until the window ends, whatever the password. Bounded: past
 * `maxEntries` usernames the oldest window goes first.
 */
export class MemoryLoginThrottle implements LoginThrottle {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxAttempts: number,
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  // Synchronous from the check to the increment: nothing else runs in between, which is what makes it atomic.
  async reserve(usernameKey: string): Promise<LoginReservation> {
    const now = this.now();
    let window = this.windows.get(usernameKey);
    if (window === undefined || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.windowMs };
      setBounded(this.windows, usernameKey, window, this.maxEntries);
    }
    if (window.count >= this.maxAttempts) return { ok: false, retryAfterMs: window.resetAt - now };
    window.count += 1;
    const reserved = window;
    return {
      ok: true,
      settle: async (success) => {
        // Only the window this attempt was counted in is cleared; a later one (the old one ran out meanwhile) stays.
        if (success && this.windows.get(usernameKey) === reserved) this.windows.delete(usernameKey);
      },
    };
  }
}
