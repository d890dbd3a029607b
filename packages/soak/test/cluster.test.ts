import { describe, expect, it } from 'vitest';
import { runClusterLoad } from '../src/cluster-load.js';

describe('load across a cluster (CI size: 30 pairs over 2 nodes for 10 s)', () => {
  it('relays every owed candidate exactly once and in order across nodes while 10% of connections drop and come back on a random node', async () => {
    const report = await runClusterLoad({ pairs: 30, nodes: 2, durationMs: 10_000 });
    const { relay } = report;
    console.log(`cluster load: ${relay.delivered}/${relay.countable} owed delivered, ${report.crossNodeCalls} cross-node calls, ${relay.drops} drops (${report.movedToAnotherNode} moved node), p99 ${report.latencyMs.p99.toFixed(1)} ms`);
    expect(report.failures).toEqual([]);
    expect(report.crossNodeCalls).toBe(30);
    expect(relay.drops).toBe(6);
    expect(relay.countable).toBeGreaterThan(2000);
    expect([relay.lost, relay.duplicated, relay.reordered, relay.misrouted]).toEqual([0, 0, 0, 0]);
  });
});
