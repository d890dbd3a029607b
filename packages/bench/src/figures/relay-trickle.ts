/**
 * Figure — the relay under a realistic trickle. Real signaling is many connections each sending a frame now and
 * then, one frame per TCP read: every connection of N call pairs sends `webrtc:ice-candidate` frames at a fixed
 * 40 per second, evenly spaced, open loop, from separate load generator processes; Parley and the raw `ws` relay
 * get the same offered load in the same run, over {@link INSTANCES} instances of each. Reported: messages per
 * second of server CPU, p50/p99/p99.9, and frames per TCP read and per write on the server (to prove the shape:
 * ≈ 1 per read).
 */
import { join } from 'node:path';
import { measured, spawnNode, type Proc } from '../proc.js';
import { summariseProfile } from '../profile-summary.js';
import { cpuSummary, ratioOf, type FigureResult, type Row, type Sizes } from '../report-types.js';
import { startParley, startRawRelay } from '../servers.js';
import { LatencyHistogram, spread } from '../stats.js';

/** Frames per second each connection sends. */
export const PER_CONNECTION_RATE = 40;
/** Load generator processes per server: each holds whole pairs, so latency is measured on one clock. */
const GENERATORS = 2;

interface Target {
  name: 'parley' | 'baseline';
  /** Which of the figure's instances of this server (0-based). */
  instance: number;
  server: Proc;
  generators: Proc[];
}

interface Round {
  instance: number;
  cpu: Record<string, number>;
  delivered: number;
  seconds: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
}

/** One measured round: every generator trickles its share at once; latencies merged over generators. */
async function trickleRound(target: Target, rate: number, timing: { warmupMs: number; durationMs: number }): Promise<Omit<Round, 'cpu' | 'instance'>> {
  const results: any[] = await Promise.all(target.generators.map((g) => g.request('trickle', { rate: rate / target.generators.length, ...timing, histogram: true })));
  const merged = new LatencyHistogram();
  for (const r of results) merged.merge(LatencyHistogram.from(r.histogram));
  const [p50, p99, p999] = merged.percentiles([50, 99, 99.9]);
  const seconds = timing.durationMs / 1000;
  return {
    delivered: results.reduce((sum, r) => sum + r.deliveredPerSecond, 0) * seconds,
    seconds,
    p50: p50!,
    p99: p99!,
    p999: p999!,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

export async function relayTrickleFigure(sizes: Sizes): Promise<FigureResult> {
  // `--relay-sizes` counts sockets, as for the other relay figures: two per pair.
  const pairCounts = sizes.relaySizes?.map((sockets) => sockets / 2) ?? (sizes.quick ? [50] : [100, 200, 400, 1000]);
  const timing = sizes.quick ? { warmupMs: 300, durationMs: 1000 } : { warmupMs: 1000, durationMs: 4000 };
  const rows: Row[] = [];
  const details: unknown[] = [];
  for (const pairs of pairCounts) {
    const result = await trickleAt(pairs, sizes, timing);
    rows.push(...result.rows);
    details.push(result.details);
  }
  return { name: 'relay-trickle', rows, details };
}

/**
 * Instances of each server per size (one with `--quick`). On a VM each server process has a speed of its own for
 * its lifetime (seen here: several % between instances of one build), so one instance of each would put that
 * difference straight into the ratio; the rounds go over every instance, interleaved, and the figures are medians
 * over all of them.
 */
const INSTANCES = 3;

/** Starts `instances` of Parley and of the raw relay, each with its own generators holding `pairs` call pairs. */
async function startTargets(pairs: number, instances: number, spawned: { servers: { stop(): Promise<void> }[]; generators: Proc[] }): Promise<Target[]> {
  const sockets = 2 * pairs;
  const started = await Promise.all(
    Array.from({ length: instances }, async () => {
      const [parley, raw] = await Promise.all([startParley({ seedUsers: sockets }), startRawRelay()]);
      spawned.servers.push(parley, raw);
      return { parley, raw };
    }),
  );
  const share = pairs / GENERATORS;
  const targets: Target[] = [];
  for (const [instance, { parley, raw }] of started.entries()) {
    for (const [name, server] of [['parley', parley.proc], ['baseline', raw.proc]] as const) {
      const own: Proc[] = [];
      for (let g = 0; g < GENERATORS; g++) {
        const gen = spawnNode({ name: `trickle-${name}${instance + 1}-${g}`, script: 'src/load/ws-load.ts' });
        spawned.generators.push(gen);
        own.push(gen);
        const from = Math.round(g * share);
        const to = Math.round((g + 1) * share);
        const target =
          name === 'parley'
            ? { kind: 'parley', port: parley.port, users: parley.users.slice(2 * from, 2 * to) }
            : { kind: 'raw', port: raw.port };
        await gen.request('setupPairs', { target, pairs: to - from, pairOffset: from });
      }
      targets.push({ name, instance, server, generators: own });
    }
  }
  return targets;
}

async function trickleAt(pairs: number, sizes: Sizes, timing: { warmupMs: number; durationMs: number }) {
  const sockets = 2 * pairs;
  const rate = sockets * PER_CONNECTION_RATE;
  const instances = sizes.quick ? 1 : INSTANCES;
  const spawned: { servers: { stop(): Promise<void> }[]; generators: Proc[] } = { servers: [], generators: [] };
  try {
    // Parley 1, raw 1, Parley 2, raw 2, …: every round measures each instance once, in this order and then reversed.
    const targets = await startTargets(pairs, instances, spawned);
    const rounds: Record<Target['name'], Round[]> = { parley: [], baseline: [] };
    for (let round = 0; round < sizes.rounds; round++) {
      for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
        const procs = Object.fromEntries([['server', t.server], ...t.generators.map((g, i) => [`load${i + 1}`, g] as const)]);
        rounds[t.name].push({ instance: t.instance, ...(await measured(procs, sizes.guard, () => trickleRound(t, rate, timing))) });
      }
    }
    // One more round each, not measured for CPU: how many frames a TCP read and a write carried on the server.
    const shape: Record<Target['name'], { framesPerRead: number; framesPerWrite: number }> = { parley: { framesPerRead: NaN, framesPerWrite: NaN }, baseline: { framesPerRead: NaN, framesPerWrite: NaN } };
    const firsts = targets.filter((t) => t.instance === 0);
    for (const t of firsts) {
      await t.server.request('ioStart');
      const r = await trickleRound(t, rate, { warmupMs: 0, durationMs: timing.durationMs });
      const io = await t.server.request('ioStop');
      // Frames in = frames out: every frame relayed is read once and written once (plus the drain, counted too).
      shape[t.name] = { framesPerRead: r.delivered / Math.max(1, io.reads), framesPerWrite: r.delivered / Math.max(1, io.writes) };
    }

    // With --profile: one more round each under the CPU profiler (at 200 pairs, or the only size with --quick).
    const profile: Record<string, unknown> = {};
    if (sizes.profileDir && (pairs === 200 || sizes.quick || sizes.relaySizes !== null)) {
      for (const t of firsts) {
        const path = join(sizes.profileDir, `relay-trickle-${pairs}-${t.name}.cpuprofile`);
        await t.server.request('profileStart', { intervalUs: 100 });
        const r = await trickleRound(t, rate, { warmupMs: 0, durationMs: timing.durationMs });
        await t.server.request('profileStop', { path });
        const summary = summariseProfile(path, 30);
        const perFrame = (ms: number) => (ms * 1000) / Math.max(1, r.delivered);
        profile[t.name] = { path, busyUsPerFrame: perFrame(summary.totalMs), top: summary.functions.map((f) => ({ ...f, usPerFrame: perFrame(f.selfMs) })) };
      }
    }

    const label = `relay trickle, ${pairs.toLocaleString('en')} pairs × 2 × ${PER_CONNECTION_RATE}/s`;
    const stat = (name: Target['name'], key: 'p50' | 'p99' | 'p999') => spread(rounds[name].map((r) => r[key]));
    const msgPerCpu = (r: Round) => r.delivered / r.seconds / Math.max(0.01, (r.cpu['server'] ?? 0) / 100);
    const perCpu = (name: Target['name']) => spread(rounds[name].map(msgPerCpu));
    // Each instance's median: how far apart the instances of one server were.
    const byInstance = (name: Target['name']) =>
      Array.from({ length: instances }, (_, i) => Math.round(spread(rounds[name].filter((r) => r.instance === i).map(msgPerCpu)).median).toLocaleString('en')).join(' / ');
    const serverCpu = (name: Target['name']) => spread(rounds[name].map((r) => r.cpu['server'] ?? 0));
    const machine = spread([...rounds.parley, ...rounds.baseline].map((r) => r.cpu['machine'] ?? 0));
    // A host near all of its cores measures the queue for them, not the relay.
    const saturated = machine.max >= 180;
    const cpuRatio = ratioOf(perCpu('parley'), perCpu('baseline'));
    const p99Ratio = ratioOf(stat('parley', 'p99'), stat('baseline', 'p99'));
    const full = !sizes.quick;
    const note = (name: Target['name']) => `(CPU, % of a core: ${cpuSummary(rounds[name])})`;
    const out: Row[] = [
      {
        figure: label,
        metric: `messages per server CPU-second at ${rate.toLocaleString('en')} msg/s`,
        unit: 'msg/CPU-s',
        parley: perCpu('parley'),
        baseline: perCpu('baseline'),
        ratio: cpuRatio,
        goal: '≥ 0.85×',
        met: full && cpuRatio !== null ? cpuRatio >= 0.85 : null,
        note:
          `server CPU Parley ${serverCpu('parley').median}%, baseline ${serverCpu('baseline').median}%; Parley ${note('parley')}; baseline ${note('baseline')}` +
          (instances > 1 ? `; msg/CPU-s of each of ${instances} instances: Parley ${byInstance('parley')}, baseline ${byInstance('baseline')}` : ''),
      },
      { figure: label, metric: `p50 latency at ${rate.toLocaleString('en')} msg/s`, unit: 'ms', parley: stat('parley', 'p50'), baseline: stat('baseline', 'p50'), ratio: ratioOf(stat('parley', 'p50'), stat('baseline', 'p50')) },
      {
        figure: label,
        metric: `p99 latency at ${rate.toLocaleString('en')} msg/s`,
        unit: 'ms',
        parley: stat('parley', 'p99'),
        baseline: stat('baseline', 'p99'),
        ratio: p99Ratio,
        goal: saturated ? 'n/a: host saturated' : '≤ 1.5×',
        met: full && !saturated && p99Ratio !== null ? p99Ratio <= 1.5 : null,
        note: `machine CPU ${machine.median}% of ${200}% (max ${machine.max}%)`,
      },
      { figure: label, metric: `p99.9 latency at ${rate.toLocaleString('en')} msg/s`, unit: 'ms', parley: stat('parley', 'p999'), baseline: stat('baseline', 'p999'), ratio: ratioOf(stat('parley', 'p999'), stat('baseline', 'p999')) },
      {
        figure: label,
        metric: 'frames per TCP read / per write on the server',
        unit: 'frames',
        parley: spread([shape.parley.framesPerRead]),
        baseline: spread([shape.baseline.framesPerRead]),
        ratio: null,
        note: `per write: Parley ${shape.parley.framesPerWrite.toFixed(2)}, baseline ${shape.baseline.framesPerWrite.toFixed(2)} (one counted round each)`,
      },
    ];
    return { rows: out, details: { pairs, rate, instances, rounds, shape, saturated, profile } };
  } finally {
    await Promise.all(spawned.servers.map((s) => s.stop()));
    await Promise.all(spawned.generators.map((g) => g.stop()));
  }
}
