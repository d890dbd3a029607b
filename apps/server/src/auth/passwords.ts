import argon2 from 'argon2';
import type { Config } from '../config.js';

/**
 * argon2id at OWASP's recommended minimum by default (m = 19 MiB, t = 2, p = 1): ~20 ms a hash on one core here,
 * run on libuv's thread pool so the event loop keeps serving while logins are checked.
 */
export class PasswordHasher {
  private readonly options: argon2.Options & { raw?: false };
  /** Verified against when the username is unknown, so both paths cost the same time. */
  private dummyHash: Promise<string> | undefined;

  constructor(params: Config['argon2']) {
    this.options = { type: argon2.argon2id, ...params };
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    if (hash === undefined) {
      this.dummyHash ??= this.hash('parley-dummy-password-for-timing');
      await argon2.verify(await this.dummyHash, password).catch(() => false);
      return false;
    }
    try {
      return await argon2.verify(hash, password);
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
