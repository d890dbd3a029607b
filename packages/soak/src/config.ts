import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The real, built server: the entry script `@parley/server` exports as `./server` (its `dist/server.js`). Resolving
 * it fails while the server is not built.
 */
export function serverEntry(): string {
  try {
    return require.resolve('@parley/server/server');
  } catch {
    throw new Error('@parley/server is not built: run `pnpm --filter @parley/protocol build && pnpm --filter @parley/server build` first');
  }
}

export function assertServerBuilt(): void {
  serverEntry();
}

/** Sizes of the long run (`pnpm soak`); each can be overridden from the environment for a quicker look. */
export interface SoakSettings {
  pairs: number;
  seconds: number;
  fuzzFrames: number;
  fuzzRequests: number;
  crashPairs: number;
  slowConsumerMiB: number;
  /** The cross-node load: pairs over `clusterNodes` nodes. */
  clusterPairs: number;
  clusterNodes: number;
  seed: number;
}

function positive(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

export function soakSettings(env: Record<string, string | undefined> = process.env): SoakSettings {
  return {
    pairs: positive(env, 'SOAK_PAIRS', 500),
    seconds: positive(env, 'SOAK_SECONDS', 60),
    fuzzFrames: positive(env, 'SOAK_FUZZ_FRAMES', 100_000),
    fuzzRequests: positive(env, 'SOAK_FUZZ_REQUESTS', 10_000),
    crashPairs: positive(env, 'SOAK_CRASH_PAIRS', 100),
    slowConsumerMiB: positive(env, 'SOAK_SLOW_CONSUMER_MIB', 300),
    clusterPairs: positive(env, 'SOAK_CLUSTER_PAIRS', 250),
    clusterNodes: positive(env, 'SOAK_CLUSTER_NODES', 3),
    seed: positive(env, 'SOAK_SEED', 20261126),
  };
}
