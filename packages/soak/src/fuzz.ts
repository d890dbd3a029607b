// The fuzzers are the server's own CI fuzzers (@parley/testkit), pointed at the built server here.
import { discoverRoutes, forgeToken, runHttpFuzz, runWsFuzz, type HttpFuzzReport, type WsFuzzReport } from '@parley/testkit';
import { createAccounts } from './api.js';
import { PairEngine, type RelayStats } from './pairs.js';
import { LOAD_ENV, mib, ServerProcess } from './server-process.js';

export interface FuzzOptions {
  frames: number;
  requests: number;
  seed: number;
  /** Pairs whose calls must relay unharmed through the run. */
  pairs?: number;
}

export interface FuzzReport {
  ws: WsFuzzReport;
  http: HttpFuzzReport;
  /** Sent before the memory baseline, checked the same way. */
  warmUp: { frames: number; requests: number; violations: number };
  bystanders: Pick<RelayStats, 'countable' | 'delivered' | 'lost' | 'misrouted' | 'duplicated' | 'reordered'> & { errors: number };
  serverAlive: boolean;
  /** After a full garbage collection, with the bystander calls connected both times. */
  memory: { before: { rss: number; heapUsed: number }; after: { rss: number; heapUsed: number } };
  failures: string[];
}

/** Both fuzzers against a child server, while a few calls keep trickling candidates that must all arrive. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const server = await ServerProcess.start({ env: LOAD_ENV, inspect: true });
  const failures: string[] = [];
  try {
    const engine = new PairEngine({ apiUrl: server.apiUrl, wsUrl: server.wsUrl, candidateIntervalMs: 50 });
    await engine.createPairs(options.pairs ?? 4, 'bystander');
    await engine.connectAll();
    for (const pair of engine.pairs) await engine.connectCall(pair);
    const fuzzers = await createAccounts(server.apiUrl, 'fuzzer', 4);
    const routes = await discoverRoutes(server.baseUrl);
    const now = Math.floor(Date.now() / 1000);
    const tokens = {
      valid: fuzzers[0]!.token,
      others: [
        fuzzers[1]!.token,
        forgeToken({ payload: { sub: fuzzers[0]!.id, iat: now, exp: now + 600 }, alg: 'none' }),
        forgeToken({ payload: { sub: fuzzers[0]!.id, iat: now - 7200, exp: now - 3600 }, secret: server.jwtSecret }),
      ],
    };
    const fuzzWs = (frames: number, seed: number) =>
      runWsFuzz({ wsUrl: server.wsUrl, tokens: fuzzers.map((a) => a.token), connectionsPerToken: 2, frames, seed, foreignCallIds: engine.pairs.map((p) => p.callId) });
    const fuzzHttp = (requests: number, seed: number) => runHttpFuzz({ baseUrl: server.baseUrl, routes, tokens, requests, seed });

    engine.startTrickle();
    // A warm-up round first (other seeds): the live heap grows once while code is compiled and caches fill, then
    // stays flat, and it is the flat part that would show a leak.
    const warmUp = { frames: Math.ceil(options.frames / 5), requests: Math.ceil(options.requests / 5) };
    const warmUpWs = await fuzzWs(warmUp.frames, options.seed + 1);
    const warmUpHttp = await fuzzHttp(warmUp.requests, options.seed + 1);
    const before = await server.memoryAfterGc();
    const ws = await fuzzWs(options.frames, options.seed);
    const http = await fuzzHttp(options.requests, options.seed);
    engine.stopTrickle();
    const relay = await engine.settleMessages();
    const errors = Object.values(relay.errors).reduce((a, b) => a + b, 0);
    const serverAlive = server.alive && (await fetch(`${server.baseUrl}/healthz`)).status === 200;
    const after = serverAlive ? await server.memoryAfterGc() : { rss: 0, heapUsed: 0 };
    await engine.closeAll();

    failures.push(...[...warmUpWs.violations, ...ws.violations].slice(0, 10).map((v) => `ws: ${v}`));
    failures.push(...[...warmUpHttp.violations, ...http.violations].slice(0, 10).map((v) => `http: ${v}`));
    if (relay.lost + relay.misrouted + relay.duplicated + relay.reordered > 0) failures.push(`bystander calls harmed: ${JSON.stringify(relay)}`);
    if (errors > 0) failures.push(`bystanders received ${errors} errors`);
    if (!serverAlive) failures.push('the server is not answering after the fuzz');
    if (ws.errorsByCode['INTERNAL_ERROR'] || warmUpWs.errorsByCode['INTERNAL_ERROR']) failures.push(`${ws.errorsByCode['INTERNAL_ERROR']} INTERNAL_ERROR answers`);
    // Live objects, not RSS: the fuzz's 64 KiB frames leave the allocator with a high-water mark that is no leak.
    if (after.heapUsed > before.heapUsed * 1.1) failures.push(`live heap grew from ${mib(before.heapUsed).toFixed(1)} to ${mib(after.heapUsed).toFixed(1)} MiB during the fuzz`);
    return {
      ws,
      http,
      warmUp: { frames: warmUpWs.framesSent, requests: warmUpHttp.requests, violations: warmUpWs.violations.length + warmUpHttp.violations.length },
      bystanders: { countable: relay.countable, delivered: relay.delivered, lost: relay.lost, misrouted: relay.misrouted, duplicated: relay.duplicated, reordered: relay.reordered, errors },
      serverAlive,
      memory: { before, after },
      failures,
    };
  } finally {
    await server.stop();
  }
}
