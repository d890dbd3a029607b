import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, type ClusterOptions } from '../../src/cluster.js';

/** Short deadlines so the tests see rings expire, graces run out and nodes declared dead in seconds. */
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
  // Pairs ring each other over and over; the per-pair limit has its own tests (and one here, set per test).
  RINGS_PER_PAIR: '100000',
  // Test users log in by the hundred: the cheapest argon2id the server accepts.
  ARGON2_MEMORY_KIB: '8192',
  ARGON2_TIME_COST: '1',
} as const;

/** A cluster for one test file, in a temp folder; `stop()` removes it. */
export async function startCluster(options: Omit<ClusterOptions, 'dir'> & { keep?: boolean }): Promise<LocalCluster & { done(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  const cluster = await LocalCluster.start({ ...options, dir, env: { ...FAST, ...options.env } });
  return Object.assign(cluster, {
    async done() {
      await cluster.stop();
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The sum over nodes of a Prometheus counter with the given labels, read from each node's `/metrics`. */
export async function counterSum(nodes: { metrics(): Promise<string>; running: boolean }[], name: string, labels = ''): Promise<number> {
  let sum = 0;
  for (const node of nodes) {
    if (!node.running) continue;
    const text = await node.metrics();
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}${labels ? `{${labels}}` : ''} `) && !(labels === '' && line.startsWith(`${name} `))) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}
