import argon2 from 'argon2';
import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';

/**
 * At most `slots` argon2 runs at once, the rest wait their turn. argon2 is pure CPU on libuv's thread pool: left
 * unbounded, a login flood takes every core and every pool thread, and the event loop (every other request) and
 * file reads queue behind it.
 */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.slots) this.running += 1;
    // A finishing task hands its slot straight to the next waiter.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

/**
 * argon2id at OWASP's recommended minimum by default (m = 19 MiB, t = 2, p = 1): ~20 ms a hash on one core here,
 * run on libuv's thread pool so the event loop keeps serving while logins are checked — on all cores but one, so
 * a login flood cannot starve it (the bench's login figure: `/users/me` p99 during a flood).
 */
export class PasswordHasher {
  private readonly options: argon2.Options & { raw?: false };
  private readonly gate = new Gate(Math.max(1, availableParallelism() - 1));
  /** Verified against when the username is unknown, so both paths cost the same time. */
  private dummyHash: Promise<string> | undefined;

  constructor(params: Config['argon2']) {
    this.options = { type: argon2.argon2id, ...params };
  }

  hash(password: string): Promise<string> {
    return this.gate.run(() => argon2.hash(password, this.options));
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    if (hash === undefined) {
      this.dummyHash ??= this.hash('parley-dummy-password-for-timing');
      const dummy = await this.dummyHash;
      await this.gate.run(() => argon2.verify(dummy, password)).catch(() => false);
      return false;
    }
    try {
      return await this.gate.run(() => argon2.verify(hash, password));
    } catch {
      return false;
    }
  }

  /** Computes the dummy hash ahead of the first unknown-user login. */
  async warmUp(): Promise<void> {
    this.dummyHash ??= this.hash('parley-dummy-password-for-timing');
    await this.dummyHash;
  }
}
