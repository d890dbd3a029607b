/**
 * Figure 1 — signaling relay. N sockets in N/2 active calls, each side sending `webrtc:ice-candidate` frames to
 * the other through the server. Saturation: closed loop (every socket keeps a window of frames in flight).
 * Latency: open loop at half of the lower of the two saturation rates, the same offered rate for Parley and the
 * baseline; then the baseline once more at the rate that makes its server as busy as Parley's was.
 */
import { join } from 'node:path';
import { CpuMeter, measured, sleep, spawnNode, type Proc } from '../proc.js';
import { cpuSummary, ratioOf, type FigureResult, type Row, type Sizes } from '../report-types.js';
import { startParley, startRawRelay, type Baseline, type ParleyServer } from '../servers.js';
import { spread } from '../stats.js';
import { summariseProfile } from '../profile-summary.js';

interface Target {
  name: 'parley' | 'baseline';
  server: Proc;
  load: Proc;
}

/** Frames kept in flight over all sockets while saturating: enough that the relay never waits for the client. */
const IN_FLIGHT = 2000;

export async function relayFigure(sizes: Sizes): Promise<FigureResult> {
  const connections = sizes.relaySizes ?? (sizes.quick ? [100] : [100, 1000, 5000]);
  const timing = sizes.quick ? { warmupMs: 200, durationMs: 700 } : { warmupMs: 1000, durationMs: 4000 };
  const rows: Row[] = [];
  const details: unknown[] = [];
  for (const n of connections) {
    const result = await relayAt(n, sizes, timing);
    details.push(result.details);
    rows.push(...result.rows);
  }
  return { name: 'relay', rows, details };
}

async function relayAt(n: number, sizes: Sizes, timing: { warmupMs: number; durationMs: number }) {
  const pairs = n / 2;
  let parley: ParleyServer | undefined;
  let raw: Baseline | undefined;
  const loads: Proc[] = [];
  try {
    [parley, raw] = await Promise.all([startParley({ seedUsers: n }), startRawRelay()]);
    const loadP = spawnNode({ name: 'ws-load-parley', script: 'src/load/ws-load.ts' });
    const loadB = spawnNode({ name: 'ws-load-baseline', script: 'src/load/ws-load.ts' });
    loads.push(loadP, loadB);
    const setupMeter = new CpuMeter({ server: parley.proc, load: loadP });
    const setupP = await loadP.request('setupPairs', { target: { kind: 'parley', port: parley.port, users: parley.users }, pairs });
    const setupCpu = setupMeter.read();
    const setupB = await loadB.request('setupPairs', { target: { kind: 'raw', port: raw.port }, pairs });
    const targets: Target[] = [
      { name: 'parley', server: parley.proc, load: loadP },
      { name: 'baseline', server: raw.proc, load: loadB },
    ];
    const window = Math.max(1, Math.round(IN_FLIGHT / n));

    const saturation: Record<string, any[]> = { parley: [], baseline: [] };
    for (let round = 0; round < sizes.rounds; round++) {
      // Alternate which side goes first so drift (thermal, page cache) does not favour one.
      for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
        saturation[t.name]!.push(await measured({ server: t.server, load: t.load }, sizes.guard, () => t.load.request('saturate', { window, ...timing })));
      }
    }
    const satP = spread(saturation['parley']!.map((r) => r.rate));
    const satB = spread(saturation['baseline']!.map((r) => r.rate));
    // Half of the lower saturation: the same offered load for both, and below capacity for both (Parley's relay
    // can outrun the baseline's, whose one-write-per-frame send path then saturates first).
    const rate = Math.round(Math.min(satP.median, satB.median) / 2);

    const latency: Record<string, any[]> = { parley: [], baseline: [] };
    for (let round = 0; round < sizes.rounds; round++) {
      for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
        latency[t.name]!.push(await measured({ server: t.server, load: t.load }, sizes.guard, () => t.load.request('trickle', { rate, ...timing })));
      }
    }

    // Latency depends on how busy the server is. The baseline again, at the rate that makes its server as busy as
    // Parley's was at `rate` (capped below its saturation): if its p99 there matches Parley's, the gap at `rate` is
    // the CPU Parley spends per frame (validation, authorisation, the framework), not stalls of Parley's own.
    const serverCpu = (list: any[]) => spread(list.map((r) => r.cpu.server as number));
    const cpuP = serverCpu(latency['parley']!);
    const cpuB = serverCpu(latency['baseline']!);
    // A server's CPU per frame falls as the rate rises (a read carries more frames), so the rate is found in steps:
    // scale by the CPU ratio, measure, again.
    const ceiling = 0.9 * satB.median;
    const towardsParley = (from: number, cpu: number) => Math.round(Math.min((from * cpuP.median) / Math.max(1, cpu), ceiling));
    const baselineServer = raw.proc;
    const baselineAt = (offered: number): Promise<any> =>
      measured({ server: baselineServer, load: loadB }, sizes.guard, () => loadB.request('trickle', { rate: offered, ...timing }));
    const calibration: { rate: number; cpu: number }[] = [];
    let equalRate = towardsParley(rate, cpuB.median);
    for (let step = 0; step < (sizes.quick ? 0 : 2) && equalRate < ceiling; step++) {
      const cpu: number = (await baselineAt(equalRate)).cpu['server'] ?? 0;
      calibration.push({ rate: equalRate, cpu });
      if (Math.abs(cpu - cpuP.median) <= 3) break;
      equalRate = towardsParley(equalRate, cpu);
    }
    const equalLoad: any[] = [];
    for (let round = 0; round < sizes.rounds; round++) equalLoad.push(await baselineAt(equalRate));
    const equalP99 = spread(equalLoad.map((r) => r.p99));

    // CPU profiles of one extra round each at saturation and at the latency rate (not part of the figures): where
    // the time goes per frame, when a TCP read carries many frames and when it carries one.
    const profile: Record<string, unknown> = {};
    // By default at one size (1,000 sockets, 100 with --quick); at each size asked for with --relay-sizes.
    if (sizes.profileDir && (sizes.relaySizes !== null || n === (sizes.quick ? 100 : 1000))) {
      for (const t of targets) {
        for (const mode of ['saturate', 'trickle'] as const) {
          const path = join(sizes.profileDir, `relay-${n}-${mode}-${t.name}.cpuprofile`);
          await t.server.request('profileStart', { intervalUs: 100 });
          await sleep(300);
          // No warm-up: every frame relayed while profiling is counted (the drain at the end is not, so µs/frame
          // comes out slightly high).
          const r =
            mode === 'saturate'
              ? await t.load.request('saturate', { window, warmupMs: 0, durationMs: timing.durationMs })
              : await t.load.request('trickle', { rate, warmupMs: 0, durationMs: timing.durationMs });
          await t.server.request('profileStop', { path });
          const summary = summariseProfile(path, 30);
          const frames: number = mode === 'saturate' ? r.received : r.samples;
          const perFrame = (ms: number) => (ms * 1000) / Math.max(1, frames);
          profile[`${t.name}-${mode}`] = {
            path,
            rate: mode === 'saturate' ? r.rate : r.deliveredPerSecond,
            busyUsPerFrame: perFrame(summary.totalMs),
            top: summary.functions.map((f) => ({ ...f, usPerFrame: perFrame(f.selfMs) })),
          };
        }
      }
    }

    const lat = (name: string, key: 'p50' | 'p99' | 'p999') => spread(latency[name]!.map((r) => r[key]));
    const cpuNote = (list: any[]) => `(CPU, % of a core: ${cpuSummary(list)})`;
    const label = `relay, ${n.toLocaleString('en')} connections`;
    const full = !sizes.quick;
    const p99Ratio = ratioOf(lat('parley', 'p99'), lat('baseline', 'p99'));
    const satRatio = ratioOf(satP, satB);
    // Frames relayed per second of server CPU: what one dedicated core would sustain. Unlike msg/s it barely moves
    // when other work shares the machine, so it is the cross-check for a noisy round.
    const perCpu = (list: any[]) => spread(list.map((r) => r.rate / Math.max(0.01, r.cpu.server / 100)));
    const out: Row[] = [
      {
        figure: label,
        metric: 'messages/s at saturation',
        unit: 'msg/s',
        parley: satP,
        baseline: satB,
        ratio: satRatio,
        goal: '≥ 0.8×',
        met: full && satRatio !== null ? satRatio >= 0.8 : null,
        note: `Parley ${cpuNote(saturation['parley']!)}; baseline ${cpuNote(saturation['baseline']!)}`,
      },
      {
        figure: label,
        metric: 'messages per server CPU-second at saturation',
        unit: 'msg/CPU-s',
        parley: perCpu(saturation['parley']!),
        baseline: perCpu(saturation['baseline']!),
        ratio: ratioOf(perCpu(saturation['parley']!), perCpu(saturation['baseline']!)),
        note: 'relay capacity of one dedicated core, from the same rounds; robust to other load on the machine',
      },
      { figure: label, metric: `p50 latency at ${rate.toLocaleString('en')} msg/s`, unit: 'ms', parley: lat('parley', 'p50'), baseline: lat('baseline', 'p50'), ratio: ratioOf(lat('parley', 'p50'), lat('baseline', 'p50')) },
      {
        figure: label,
        metric: `p99 latency at ${rate.toLocaleString('en')} msg/s`,
        unit: 'ms',
        parley: lat('parley', 'p99'),
        baseline: lat('baseline', 'p99'),
        ratio: p99Ratio,
        goal: '≤ 1.5×',
        met: full && p99Ratio !== null ? p99Ratio <= 1.5 : null,
        note: `Parley ${cpuNote(latency['parley']!)}; baseline ${cpuNote(latency['baseline']!)}`,
      },
      { figure: label, metric: `p99.9 latency at ${rate.toLocaleString('en')} msg/s`, unit: 'ms', parley: lat('parley', 'p999'), baseline: lat('baseline', 'p999'), ratio: ratioOf(lat('parley', 'p999'), lat('baseline', 'p999')) },
      {
        figure: label,
        metric: `server CPU at ${rate.toLocaleString('en')} msg/s`,
        unit: '% of a core',
        parley: cpuP,
        baseline: cpuB,
        ratio: ratioOf(cpuP, cpuB),
        note: 'from the latency rounds: CPU time of the server process over each round, warm-up and drain included',
      },
      {
        figure: label,
        metric: `p99 latency, baseline as busy as Parley (at ${equalRate.toLocaleString('en')} msg/s)`,
        unit: 'ms',
        parley: lat('parley', 'p99'),
        baseline: equalP99,
        ratio: ratioOf(lat('parley', 'p99'), equalP99),
        note: `the baseline at the rate that puts its server at Parley's CPU: Parley ${cpuNote(latency['parley']!)}; baseline ${cpuNote(equalLoad)}, p50 ${spread(equalLoad.map((r) => r.p50)).median.toFixed(2)} ms (Parley ${lat('parley', 'p50').median.toFixed(2)} ms)`,
      },
      {
        figure: label,
        metric: `set-up: ${n.toLocaleString('en')} sockets, ${pairs.toLocaleString('en')} calls`,
        unit: 's',
        parley: spread([setupP.ms / 1000]),
        baseline: spread([setupB.ms / 1000]),
        ratio: ratioOf(spread([setupP.ms / 1000]), spread([setupB.ms / 1000])),
        note: `Parley: sockets + POST /calls + call:accept in ${(setupP.callsMs / 1000).toFixed(1)} s, then the presence fan-out (${setupP.presenceFrames.toLocaleString('en')} frames: each user's first socket is announced to everyone online, coalesced per 250 ms window) until quiet; baseline: sockets only (CPU during Parley's set-up: ${cpuSummary([{ cpu: setupCpu }])})`,
      },
    ];
    return {
      rows: out,
      details: { connections: n, pairs, window, latencyRate: rate, equalLoadRate: equalRate, calibration, equalLoad, setup: { parley: { ...setupP, cpu: setupCpu }, baseline: setupB }, saturation, latency, profile },
    };
  } finally {
    // Servers first: Parley closing its sockets itself skips the `presence: offline` fan-out a client-side close
    // of thousands of sockets would cause.
    await Promise.all([parley?.stop(), raw?.stop()]);
    await Promise.all(loads.map((l) => l.stop()));
  }
}
