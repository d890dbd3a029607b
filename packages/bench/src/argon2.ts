import { createRequire } from 'node:module';
import { join } from 'node:path';
import { serverDir } from './proc.js';

/** The part of the `argon2` package the bench uses. */
export interface Argon2 {
  argon2id: number;
  hash(password: string, options: { type: number; memoryCost: number; timeCost: number; parallelism: number }): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/** argon2 from the server's own dependencies (the bench measures the server's library, not a copy). */
export const argon2 = createRequire(join(serverDir, 'package.json'))('argon2') as Argon2;

/** The server's defaults (config.ts): OWASP's argon2id minimum, m = 19 MiB, t = 2, p = 1. */
export const OWASP_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
