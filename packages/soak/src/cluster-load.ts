import { LocalCluster } from '@parley/cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapLimit, sleep } from './api.js';
import { percentile, relayFailures } from './load.js';
import { PairEngine, type RelayStats } from './pairs.js';
import { LOAD_ENV } from './server-process.js';

export interface ClusterLoadOptions {
  pairs: number;
  nodes: number;
  durationMs: number;
  /** Share of connections cut once at a random moment; each reconnects to a random node and rejoins its call. */
  dropFraction?: number;
  candidateIntervalMs?: number;
}

export interface ClusterLoadReport {
  pairs: number;
  nodes: number;
  connections: number;
  /** Calls whose two sides were on different nodes at the start. */
  crossNodeCalls: number;
  /** Reconnects that landed on another node than the side's previous one. */
  movedToAnotherNode: number;
  relay: RelayStats;
  latencyMs: { p50: number; p99: number; max: number };
  failures: string[];
}

/**
 * The load run across a cluster: `pairs` calls with their sides spread over `nodes` real nodes (PostgreSQL,
 * Redis, the production build), trickling sequence-numbered candidates, while a tenth of the connections drop
 * and come back on a random node. Every owed message must arrive exactly once, in order, at the right pair.
 */
export async function runClusterLoad(options: ClusterLoadOptions): Promise<ClusterLoadReport> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-soak-cluster-'));
  const cluster = await LocalCluster.start({ dir, nodes: options.nodes, env: { ...LOAD_ENV, CALL_RECONNECT_GRACE_MS: '10000', LOG_LEVEL: 'warn' } });
  try {
    const wsUrls = cluster.nodes.map((node) => node.wsUrl);
    const nodeOfSide = new Map<string, number>();
    let moved = 0;
    const engine = new PairEngine({
      apiUrl: cluster.node(0).apiUrl,
      wsUrl: cluster.node(0).wsUrl,
      candidateIntervalMs: options.candidateIntervalMs ?? 200,
      inFlightMs: 2000,
      wsUrlFor: (side, reconnect) => {
        const key = `${side.pair.index}:${side.role}`;
        const previous = nodeOfSide.get(key);
        // First connection: the two sides of a pair on different nodes; a reconnect: any node.
        const index = reconnect ? Math.floor(Math.random() * wsUrls.length) : (side.pair.index + (side.role === 'caller' ? 0 : 1)) % wsUrls.length;
        if (reconnect && previous !== undefined && previous !== index) moved += 1;
        nodeOfSide.set(key, index);
        return wsUrls[index]!;
      },
    });
    await engine.createPairs(options.pairs, 'cluster');
    await engine.connectAll();
    await mapLimit(engine.pairs, 25, (pair) => engine.connectCall(pair));
    const crossNodeCalls = engine.pairs.filter((pair) => pair.caller.client?.connectionId.split('.')[0] !== pair.callee.client?.connectionId.split('.')[0]).length;

    engine.startTrickle();
    const sides = engine.sides;
    const victims = [...sides].sort(() => Math.random() - 0.5).slice(0, Math.round((options.dropFraction ?? 0.1) * sides.length));
    const timers = victims.map((side) => setTimeout(() => engine.drop(side, 100 + Math.random() * 900), options.durationMs * (0.1 + Math.random() * 0.6)));
    await sleep(options.durationMs);
    timers.forEach(clearTimeout);
    engine.stopTrickle();
    await engine.settleConnections();
    const relay = await engine.settleMessages();
    const failures = relayFailures(relay);
    if (crossNodeCalls === 0) failures.push('no call had its sides on different nodes: nothing crossed the bus');
    for (const node of cluster.nodes) if (!node.running) failures.push(`${node.name} died`);
    await engine.closeAll();
    return {
      pairs: options.pairs,
      nodes: options.nodes,
      connections: sides.length,
      crossNodeCalls,
      movedToAnotherNode: moved,
      relay,
      latencyMs: { p50: percentile(engine.latencies, 50), p99: percentile(engine.latencies, 99), max: percentile(engine.latencies, 100) },
      failures,
    };
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
