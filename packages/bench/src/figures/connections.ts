/**
 * Figure 2 — connections. Opens authenticated idle WebSockets (100 handshakes in flight), then closes them all.
 * Reports connects/s, server RSS per connection (after a forced GC, measured against the idle server) and the
 * heap once they are closed, and again after two more open/close cycles (a leak grows every cycle; freed
 * capacity does not). Parley runs twice: 10 sockets per user, so each user's first socket is announced to every
 * socket online (the server coalesces those announcements into one `presence` frame per socket per
 * PRESENCE_BATCH_MS window), and 1,000 per user, where that fan-out almost vanishes.
 */
import { measured, sleep, spawnNode, type Proc } from '../proc.js';
import { cpuSummary, ratioOf, type FigureResult, type Row, type Sizes } from '../report-types.js';
import { startParley, startRawRelay } from '../servers.js';
import { spread, type Spread } from '../stats.js';

interface Scenario {
  name: string;
  /** null: the raw `ws` baseline. */
  users: number | null;
  env?: Record<string, string>;
}

interface Round {
  perSecond: number;
  openMs: number;
  failed: number;
  firstError: string;
  presenceFrames: number;
  rssPerConnKiB: number;
  heapPerConnKiB: number;
  /** Heap used after all sockets closed, minus before they opened. */
  heapAfterCloseKiB: number;
  /** Heap growth per further open-all/close-all cycle (mean of `checkCycles`): what a leak adds every cycle. */
  heapGrowthPerCycleKiB: number;
  rssAfterCloseKiB: number;
  closeMs: number;
  cpu: Record<string, number>;
}

const KiB = 1024;

async function memory(server: Proc): Promise<{ rss: number; heapUsed: number }> {
  return server.request('mem');
}

/** Presence frames can still be on their way when the last hello arrives: waits for the fan-out to finish. */
async function settle(load: Proc): Promise<number> {
  let frames = -1;
  for (let i = 0; i < 150; i++) {
    const now = (await load.request('idleFrames')).frames as number;
    if (now === frames) break;
    frames = now;
    await sleep(200);
  }
  return frames;
}

async function round(scenario: Scenario, count: number, sizes: Sizes): Promise<Round> {
  const parley = scenario.users === null ? undefined : await startParley({ seedUsers: scenario.users, env: scenario.env ?? {} });
  const raw = scenario.users === null ? await startRawRelay() : undefined;
  const server = (parley?.proc ?? raw?.proc)!;
  const port = (parley?.port ?? raw?.port)!;
  const load = spawnNode({ name: 'ws-load-idle', script: 'src/load/ws-load.ts' });
  try {
    const tokens = parley ? parley.users.map((u) => u.token) : null;
    // Warm the server's code paths (JIT, first-connection allocations) before the baseline reading.
    await load.request('openIdle', { port, tokens, count: Math.min(50, count), concurrency: 10 });
    await load.request('closeIdle');
    await sleep(200);
    const before = await memory(server);
    const opened = await measured({ server, load }, sizes.guard, () => load.request('openIdle', { port, tokens, count, concurrency: 100 }));
    const frames = await settle(load);
    const full = await memory(server);
    const closeStarted = performance.now();
    await load.request('closeIdle');
    const closeMs = performance.now() - closeStarted;
    await sleep(500);
    const after = await memory(server);
    // Freed capacity (Map tables, pools) can stay after the first cycle; a leak grows again with every cycle.
    // Two more cycles, averaged: the heap moves by a few hundred KiB between any two readings anyway.
    const checkCycles = sizes.quick ? 1 : 2;
    for (let cycle = 0; cycle < checkCycles; cycle++) {
      await load.request('openIdle', { port, tokens, count, concurrency: 100 });
      await settle(load);
      await load.request('closeIdle');
      await sleep(500);
    }
    const again = await memory(server);
    const live = count - opened.failed;
    return {
      perSecond: opened.perSecond,
      openMs: opened.ms,
      failed: opened.failed,
      firstError: opened.firstError,
      presenceFrames: frames,
      rssPerConnKiB: (full.rss - before.rss) / live / KiB,
      heapPerConnKiB: (full.heapUsed - before.heapUsed) / live / KiB,
      heapAfterCloseKiB: (after.heapUsed - before.heapUsed) / KiB,
      heapGrowthPerCycleKiB: (again.heapUsed - after.heapUsed) / checkCycles / KiB,
      rssAfterCloseKiB: (after.rss - before.rss) / KiB,
      closeMs,
      cpu: opened.cpu,
    };
  } finally {
    await load.stop();
    await (parley ?? raw)!.stop();
  }
}

export async function connectionsFigure(sizes: Sizes): Promise<FigureResult> {
  const count = sizes.quick ? 600 : 10_000;
  const scenarios: Scenario[] = [
    { name: 'parley', users: count / 10 },
    { name: 'parley-few-users', users: 10, env: { WS_MAX_CONNECTIONS_PER_USER: String(count) } },
    { name: 'baseline', users: null },
  ];
  const rounds: Record<string, Round[]> = {};
  for (let r = 0; r < sizes.rounds; r++) {
    for (const scenario of r % 2 === 0 ? scenarios : [...scenarios].reverse()) {
      (rounds[scenario.name] ??= []).push(await round(scenario, count, sizes));
    }
  }
  const of = (name: string, key: keyof Round): Spread => spread(rounds[name]!.map((x) => x[key] as number));
  const failures = Object.entries(rounds).flatMap(([name, list]) => list.filter((x) => x.failed > 0).map((x) => `${name}: ${x.failed} failed (${x.firstError})`));
  const label = `connections, ${count.toLocaleString('en')} idle WS`;
  const leakThresholdKiB = Math.max(256, Math.round((count * 50) / KiB));
  const judged = !sizes.quick;
  const connectRatio = ratioOf(of('parley', 'perSecond'), of('baseline', 'perSecond'));
  const rss = of('parley', 'rssPerConnKiB');
  const perCpu = (name: string) => spread(rounds[name]!.map((x) => x.perSecond / Math.max(0.01, (x.cpu['server'] ?? 0) / 100)));
  const rows: Row[] = [
    {
      figure: label,
      metric: `connects/s, ${count / 10} users × 10`,
      unit: '/s',
      parley: of('parley', 'perSecond'),
      baseline: of('baseline', 'perSecond'),
      ratio: connectRatio,
      goal: '≥ 2,000/s',
      met: judged ? of('parley', 'perSecond').median >= 2000 : null,
      note:
        `each user's first socket is announced to every socket online, coalesced per 250 ms window: ${Math.round(of('parley', 'presenceFrames').median).toLocaleString('en')} presence frames per round ` +
        `(CPU while opening: Parley ${cpuSummary(rounds['parley']!)}; baseline ${cpuSummary(rounds['baseline']!)})` +
        (failures.length > 0 ? `; FAILURES: ${failures.join('; ')}` : ''),
    },
    {
      figure: label,
      metric: `connects per server CPU-second, ${count / 10} users × 10`,
      unit: '/CPU-s',
      parley: perCpu('parley'),
      baseline: perCpu('baseline'),
      ratio: ratioOf(perCpu('parley'), perCpu('baseline')),
      note: 'what one dedicated core would accept; robust to other load on the machine',
    },
    {
      figure: label,
      metric: 'connects/s, 10 users × 1,000 (almost no presence fan-out)',
      unit: '/s',
      parley: of('parley-few-users', 'perSecond'),
      baseline: of('baseline', 'perSecond'),
      ratio: ratioOf(of('parley-few-users', 'perSecond'), of('baseline', 'perSecond')),
      note: `the gap to the row above is the presence fan-out (CPU: ${cpuSummary(rounds['parley-few-users']!)})`,
    },
    {
      figure: label,
      metric: 'server RSS per connection',
      unit: 'KiB',
      parley: rss,
      baseline: of('baseline', 'rssPerConnKiB'),
      ratio: ratioOf(rss, of('baseline', 'rssPerConnKiB')),
      goal: '≤ 16 KiB',
      met: judged ? rss.median <= 16 : null,
      note: `RSS after a forced GC, all sockets open, minus the idle server's; of which JS heap: Parley ${of('parley', 'heapPerConnKiB').median.toFixed(1)} KiB, baseline ${of('baseline', 'heapPerConnKiB').median.toFixed(1)} KiB`,
    },
    {
      figure: label,
      metric: 'heap after all closed, minus before',
      unit: 'KiB',
      parley: of('parley', 'heapAfterCloseKiB'),
      baseline: of('baseline', 'heapAfterCloseKiB'),
      ratio: null,
      signed: true,
      note: `after a forced GC: ${((of('parley', 'heapAfterCloseKiB').median * KiB) / count).toFixed(0)} bytes per connection once open stay (Map tables, pools; baseline ${((of('baseline', 'heapAfterCloseKiB').median * KiB) / count).toFixed(0)}); RSS after close minus before: Parley ${Math.round(of('parley', 'rssAfterCloseKiB').median)} KiB (V8 and malloc keep freed pages)`,
    },
    {
      figure: label,
      metric: 'heap growth over a further open/close cycle',
      unit: 'KiB',
      parley: of('parley', 'heapGrowthPerCycleKiB'),
      baseline: of('baseline', 'heapGrowthPerCycleKiB'),
      ratio: null,
      signed: true,
      goal: 'near 0 (no leak)',
      met: judged ? of('parley', 'heapGrowthPerCycleKiB').median < leakThresholdKiB : null,
      note: `mean over ${sizes.quick ? 1 : 2} more cycles after the first; a leak of n bytes per connection shows as ${count.toLocaleString('en')} × n here, so the threshold, ${leakThresholdKiB} KiB, is 50 bytes per connection`,
    },
  ];
  return { name: 'connections', rows, details: { count, rounds } };
}
