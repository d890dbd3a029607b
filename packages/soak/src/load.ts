import type { CallEndedReason } from '@parley/protocol';
import { api, mapLimit, sleep } from './api.js';
import { PairEngine, type RelayStats } from './pairs.js';
import { LOAD_ENV, RssSampler, ServerProcess } from './server-process.js';

export interface LoadOptions {
  pairs: number;
  durationMs: number;
  /** Share of connections cut once at a random moment; each reconnects and rejoins its call. */
  dropFraction?: number;
  candidateIntervalMs?: number;
  inFlightMs?: number;
  graceMs?: number;
  ringTimeoutMs?: number;
}

export interface LoadReport {
  pairs: number;
  connections: number;
  durationMs: number;
  setupMs: number;
  relay: RelayStats;
  latencyMs: { p50: number; p99: number; max: number };
  endings: { checked: number; byReason: Record<string, number>; wrong: string[] };
  /** Start and after are read after a full garbage collection (see ServerProcess.memoryAfterGc). */
  rss: { start: number; afterSetup: number; peak: number; after: number };
  heapUsed: { start: number; after: number };
  failures: string[];
}


/** What a relay run's books must show: every owed message delivered once, in order, to the right pair. */
export function relayFailures(relay: RelayStats): string[] {
  const failures: string[] = [];
  if (relay.lost > 0) failures.push(`${relay.lost} countable messages lost`);
  if (relay.misrouted > 0) failures.push(`${relay.misrouted} messages misrouted`);
  if (relay.duplicated > 0) failures.push(`${relay.duplicated} messages duplicated`);
  if (relay.reordered > 0) failures.push(`${relay.reordered} messages out of order`);
  if (relay.countable === 0) failures.push('no countable messages: the run measured nothing');
  if (Object.keys(relay.unexpectedCloses).length > 0) failures.push(`unexpected closes ${JSON.stringify(relay.unexpectedCloses)}`);
  if (Object.keys(relay.errors).length > 0) failures.push(`errors from the server ${JSON.stringify(relay.errors)}`);
  if (Object.keys(relay.unexpectedMessages).length > 0) failures.push(`unexpected messages ${JSON.stringify(relay.unexpectedMessages)}`);
  if (relay.invalidFrames > 0) failures.push(`${relay.invalidFrames} server frames failed the protocol`);
  if (relay.reconnectFailures > 0) failures.push(`${relay.reconnectFailures} reconnects failed`);
  if (relay.reconnects !== relay.drops) failures.push(`${relay.drops} drops but ${relay.reconnects} reconnects`);
  return failures;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Load: `pairs` calls trickling candidates for `durationMs` while a tenth of the connections drop and rejoin, then
 * every call ended one of several ways and checked. Runs the built server as a child process.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const graceMs = options.graceMs ?? 4000;
  const ringTimeoutMs = options.ringTimeoutMs ?? 2000;
  const server = await ServerProcess.start({
    env: { ...LOAD_ENV, CALL_RECONNECT_GRACE_MS: String(graceMs), CALL_RING_TIMEOUT_MS: String(ringTimeoutMs) },
    inspect: true,
  });
  try {
    const started = performance.now();
    const engine = new PairEngine({
      apiUrl: server.apiUrl,
      wsUrl: server.wsUrl,
      candidateIntervalMs: options.candidateIntervalMs ?? 200,
      inFlightMs: options.inFlightMs ?? 2000,
    });
    await engine.createPairs(options.pairs, 'load');
    // The baseline is the server with its accounts and no connection — the state it returns to after the run —
    // once it has held every connection once: what the allocator keeps from hashing passwords and from a thousand
    // socket buffers is a high-water mark, not something the run leaves behind.
    await engine.connectAll();
    await engine.disconnectAll();
    await sleep(1000);
    const start = await server.memoryAfterGc();
    await engine.connectAll();

    // Every ringing end reason once per ten pairs, before the real call.
    const unanswered = ['rejected', 'cancelled', 'missed'] as const;
    await mapLimit(
      engine.pairs.filter((p) => p.index % 10 < unanswered.length),
      50,
      (pair) => engine.unansweredCall(pair, unanswered[pair.index % 10]!, ringTimeoutMs),
    );
    await mapLimit(engine.pairs, 50, (pair) => engine.connectCall(pair));
    const setupMs = performance.now() - started;
    const rssAfterSetup = server.rssBytes();

    const sampler = new RssSampler(server);
    engine.startTrickle();
    const sides = engine.sides;
    const drops = Math.round((options.dropFraction ?? 0.1) * sides.length);
    const victims = [...sides].sort(() => Math.random() - 0.5).slice(0, drops);
    const timers = victims.map((side) =>
      setTimeout(() => engine.drop(side, 100 + Math.random() * 900), options.durationMs * (0.1 + Math.random() * 0.6)),
    );
    await sleep(options.durationMs);
    timers.forEach(clearTimeout);
    engine.stopTrickle();
    await engine.settleConnections();
    const relay = await engine.settleMessages();

    // End every call: a third hung up by the caller, a third by the callee, a third abandoned by the callee.
    const ends: CallEndedReason[] = ['hangup', 'hangup', 'connection_lost'];
    const waits: Promise<void>[] = [];
    await mapLimit(engine.pairs, 32, async (pair) => {
      const how = pair.index % 3;
      const expected = ends[how]!;
      pair.calls.push({ callId: pair.callId, expected });
      const ended = (side: typeof pair.caller) =>
        engine.waitFor(side, (m) => m.type === 'call:ended' && m.payload.callId === pair.callId, graceMs + 15_000);
      waits.push(ended(pair.caller));
      if (how === 2) return engine.abandon(pair.callee);
      waits.push(ended(pair.callee));
      const by = how === 0 ? pair.caller : pair.callee;
      const res = await api(server.apiUrl, 'POST', `/calls/${pair.callId}/end`, { token: by.account.token });
      if (res.status !== 200) throw new Error(`pair ${pair.index}: end ${res.status}`);
    });
    const failures: string[] = [];
    await Promise.all(waits).catch((error: Error) => failures.push(`a participant never heard call:ended: ${error.message}`));
    for (const pair of engine.pairs) {
      const expected = ends[pair.index % 3]!;
      for (const side of pair.index % 3 === 2 ? [pair.caller] : [pair.caller, pair.callee]) {
        if (side.endedReason !== expected) failures.push(`pair ${pair.index} ${side.role} heard ${side.endedReason}, expected ${expected}`);
      }
    }
    const endings = await engine.verifyEndings();
    const peak = sampler.stop();
    const durationMs = performance.now() - started;

    await engine.closeAll();
    // Let the server see every close, end what is left and drop its references before measuring.
    await sleep(2000);
    const end = await server.memoryAfterGc();

    failures.push(...relayFailures(relay));
    failures.push(...endings.wrong.slice(0, 20));
    if (end.rss > start.rss * 1.1) failures.push(`RSS after the run ${(end.rss / 2 ** 20).toFixed(1)} MiB is more than 10% above the start ${(start.rss / 2 ** 20).toFixed(1)} MiB`);
    if (end.heapUsed > start.heapUsed * 1.1) failures.push(`live heap after the run ${(end.heapUsed / 2 ** 20).toFixed(1)} MiB is more than 10% above the start ${(start.heapUsed / 2 ** 20).toFixed(1)} MiB`);
    if (!server.alive) failures.push('the server process died');

    return {
      pairs: options.pairs,
      connections: sides.length,
      durationMs: Math.round(durationMs),
      setupMs: Math.round(setupMs),
      relay,
      latencyMs: { p50: percentile(engine.latencies, 50), p99: percentile(engine.latencies, 99), max: percentile(engine.latencies, 100) },
      endings,
      rss: { start: start.rss, afterSetup: rssAfterSetup, peak, after: end.rss },
      heapUsed: { start: start.heapUsed, after: end.heapUsed },
      failures,
    };
  } finally {
    await server.stop();
  }
}
