import { existsSync, mkdirSync } from 'node:fs';

/**
 * The data folder holds the database and the generated secret: only the server's user may enter it (0700). An
 * existing folder is left as its owner set it up (it may be shared with other files on purpose).
 */
export function ensureDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}
