import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, type ClusterOptions } from './cluster.js';

/**
 * Short deadlines so tests see rings expire, graces run out and nodes declared dead in seconds (the cluster tests
 * and the e2e cluster suite).
 */
export const FAST = {
  CALL_RING_TIMEOUT_MS: '3000',
  CALL_RECONNECT_GRACE_MS: '3000',
  // Declared dead within 3 s: a few seconds, as in production (5 s), with room for a loaded 2-core test machine
  // where a busy node's heartbeat can be a second late.
  CLUSTER_HEARTBEAT_MS: '500',
  CLUSTER_NODE_DEAD_AFTER_MS: '3000',
  CLUSTER_SWEEP_MS: '100',
  // Loopback load from the tests: the limits are about abuse, not about this.
  AUTH_RATE_LIMIT_PER_MINUTE: '100000',
  CALLS_RATE_LIMIT_PER_MINUTE: '100000',
  API_RATE_LIMIT_PER_MINUTE: '100000',
  // Pairs ring each other over and over; the per-pair limit has its own tests (test/blocking.test.ts sets it).
  RINGS_PER_PAIR: '100000',
  // Test users log in by the hundred: the cheapest argon2id the server accepts.
  ARGON2_MEMORY_KIB: '8192',
  ARGON2_TIME_COST: '1',
} as const;

export type ScratchCluster = LocalCluster & { done(): Promise<void> };

/** A throw-away cluster in a temp folder, with {@link FAST} deadlines under `options.env`; `done()` stops and removes it. */
export async function startCluster(options: Omit<ClusterOptions, 'dir'> & { keep?: boolean }): Promise<ScratchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  const cluster = await LocalCluster.start({ ...options, dir, env: { ...FAST, ...options.env } });
  return Object.assign(cluster, {
    async done() {
      await cluster.stop();
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    },
  });
}
