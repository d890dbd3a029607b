import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../src/load.js';
import { stopAllServers } from '../src/server-process.js';

afterEach(stopAllServers);

describe('load (CI size: 50 pairs for 10 s)', () => {
  it('relays every owed candidate exactly once and in order while 10% of connections drop and rejoin; every call ends right; RSS returns', async () => {
    const report = await runLoad({ pairs: 50, durationMs: 10_000, graceMs: 2000, ringTimeoutMs: 1000 });
    const { relay, rss, heapUsed, latencyMs } = report;
    console.log(`load: ${relay.delivered}/${relay.countable} owed delivered, ${relay.drops} drops, p99 ${latencyMs.p99.toFixed(1)} ms, RSS ${rss.start} → ${rss.after}, heap ${heapUsed.start} → ${heapUsed.after}`);
    expect(report.failures).toEqual([]);
    expect(report.relay.drops).toBe(10);
    expect(report.relay.countable).toBeGreaterThan(3000);
    expect(report.relay.lost).toBe(0);
    expect(report.relay.misrouted).toBe(0);
    expect(report.endings.checked).toBe(50 + 15);
    expect(Object.keys(report.endings.byReason).sort()).toEqual(['cancelled', 'connection_lost', 'hangup', 'missed', 'rejected']);
  });
});
