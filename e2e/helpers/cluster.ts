import { startCluster, type NodeProcess, type ScratchCluster } from '@parley/cluster';
import type { APIRequestContext } from '@playwright/test';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tab } from './app';
import { expect, test as base } from './fixtures';
import type { SignalingLog } from './signaling';
import { CLUSTER_NODE_DEAD_AFTER_MS, CLUSTER_RECONNECT_GRACE_MS } from './timing';

const webDist = resolve(dirname(fileURLToPath(import.meta.url)), '../../apps/web/dist');

interface WorkerFixtures {
  /**
   * One real cluster per worker: PostgreSQL, Redis, two nodes of the production build serving the SPA, nginx; the
   * cluster tests' short deadlines (`FAST`) with a longer ring and this suite's grace and dead-after.
   */
  workerCluster: ScratchCluster;
}

interface TestFixtures {
  /** The worker's cluster with every node running (a node an earlier test killed is started again). */
  cluster: ScratchCluster;
}

/**
 * The cluster suite's fixtures: `baseURL` is nginx (round robin over the nodes, no sticky sessions), so every page
 * and API request goes through the load balancer the way it does in production.
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  workerCluster: [
    // Playwright reads a fixture's dependencies off its first parameter: this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const cluster = await startCluster({
        nodes: 2,
        nginx: true,
        webDistDir: webDist,
        env: {
          CALL_RING_TIMEOUT_MS: '30000',
          CALL_RECONNECT_GRACE_MS: String(CLUSTER_RECONNECT_GRACE_MS),
          CLUSTER_NODE_DEAD_AFTER_MS: String(CLUSTER_NODE_DEAD_AFTER_MS),
        },
      });
      try {
        await use(cluster);
      } finally {
        await cluster.done();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  cluster: async ({ workerCluster }, use, testInfo) => {
    for (const node of workerCluster.nodes) if (!node.running) await node.restart();
    await use(workerCluster);
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const node of workerCluster.nodes) await testInfo.attach(`${node.name}.log`, { body: node.process.tail(200), contentType: 'text/plain' });
    }
  },
  baseURL: async ({ cluster }, use) => {
    await use(cluster.nginx!.url);
  },
});

export { expect };

/** The cluster name of the node a connection id belongs to (ids are `<node>.<uuid>`). */
export function nodeOf(connectionId: string): string {
  return connectionId.slice(0, connectionId.indexOf('.'));
}

/** The newest signaling connection's id once the page has one beyond the first `after`. */
export async function nextConnectionId(log: SignalingLog, after = 0, timeout = 20_000): Promise<string> {
  await expect.poll(() => log.connectionIds.length, { message: 'a new signaling connection says hello', timeout }).toBeGreaterThan(after);
  return log.connectionIds.at(-1)!;
}

/** The node process whose connection ids start with `name`. */
export function nodeNamed(cluster: ScratchCluster, name: string): NodeProcess {
  const node = cluster.nodes.find((n) => n.running && n.clusterName() === name);
  if (node === undefined) throw new Error(`no running node is called ${name}`);
  return node;
}

/**
 * Makes `tab`'s signaling socket land on a node other than `avoid`. nginx hands requests to the two nodes in turn,
 * so whether the socket of a reload lands elsewhere depends on how many requests went before it: reload attempt
 * `n` is preceded by `n` more requests, which tries both parities within two attempts. Returns its connection id.
 */
export async function landElsewhere(tab: Tab, log: SignalingLog, avoid: string, request: APIRequestContext): Promise<string> {
  let id = await nextConnectionId(log);
  for (let attempt = 0; nodeOf(id) === avoid; attempt++) {
    if (attempt === 6) throw new Error(`${tab.user.username}'s socket landed on node ${avoid} ${attempt + 1} times`);
    for (let i = 0; i < attempt; i++) expect((await request.get('/healthz')).ok()).toBe(true);
    const seen = log.connectionIds.length;
    await tab.page.reload();
    await expect(tab.page.getByTestId('me')).toContainText(tab.user.username);
    id = await nextConnectionId(log, seen);
  }
  return id;
}
