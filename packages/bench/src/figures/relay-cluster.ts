/**
 * Figure — the relay across nodes. The same call pairs and frames as the relay figure, with every caller on one
 * node of a two-node cluster (PostgreSQL, Redis, the production build) and every callee on the other, so each frame
 * goes node A → Redis → node B. Measured open loop at fixed rates, next to one Parley process at the same rates in
 * the same run: p50/p99 latency, and server CPU per relayed message (summed over both nodes and Redis).
 */
import { LocalCluster } from '@parley/cluster';
import { PgStore } from '@parley/server/store/pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measured, spawnNode, type Metered, type Proc } from '../proc.js';
import { cpuSummary, ratioOf, type FigureResult, type Row, type Sizes } from '../report-types.js';
import { RAISED_LIMITS, signToken, startParley, type ParleyServer } from '../servers.js';
import { spread, type Spread } from '../stats.js';
import type { BenchUser } from '../load/ws-load.js';

/**
 * Offered load per socket count (messages/s over all sockets): well below both setups' saturation here. The
 * smallest is `--quick`'s, which starts a whole cluster too, so it stays small.
 */
const RATES: Readonly<Record<number, number>> = { 20: 1_000, 100: 5_000, 1000: 10_000 };

interface Setup {
  name: 'single' | 'cluster';
  load: Proc;
  /** The processes whose CPU is the relay's: the server, or both nodes and Redis. */
  servers: Record<string, Metered>;
}

function pidOf(what: string, pid: number | undefined): Metered {
  if (pid === undefined) throw new Error(`${what} has no pid`);
  return { pid };
}

/** Users straight in the cluster's PostgreSQL, with tokens signed with its secret (as the relay figure seeds SQLite). */
async function seedCluster(cluster: LocalCluster, count: number): Promise<BenchUser[]> {
  const store = await PgStore.open(cluster.postgres.url);
  try {
    const users: BenchUser[] = [];
    const now = Date.now();
    for (let i = 0; i < count; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, count - i) }, (_, j) => store.users.create(`node${i + j}`, 'not-a-login-hash', now)),
      );
      for (const created of batch) {
        if (!created.ok) throw new Error('could not seed a cluster user');
        users.push({ id: created.user.id, token: signToken(cluster.jwtSecret, created.user.id) });
      }
    }
    return users;
  } finally {
    await store.close();
  }
}

export async function relayClusterFigure(sizes: Sizes): Promise<FigureResult> {
  const counts = sizes.relaySizes?.filter((n) => RATES[n] !== undefined) ?? (sizes.quick ? [20] : [100, 1000]);
  const timing = sizes.quick ? { warmupMs: 300, durationMs: 700 } : { warmupMs: 1000, durationMs: 4000 };
  const rows: Row[] = [];
  const details: unknown[] = [];
  for (const n of counts) {
    const result = await clusterAt(n, RATES[n]!, sizes, timing);
    rows.push(...result.rows);
    details.push(result.details);
  }
  return { name: 'relay-cluster', rows, details };
}

async function clusterAt(n: number, rate: number, sizes: Sizes, timing: { warmupMs: number; durationMs: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-cluster-'));
  let single: ParleyServer | undefined;
  let cluster: LocalCluster | undefined;
  const loads: Proc[] = [];
  try {
    single = await startParley({ seedUsers: n });
    cluster = await LocalCluster.start({ dir, nodes: 2, env: { ...RAISED_LIMITS, LOG_LEVEL: 'warn' } });
    const users = await seedCluster(cluster, n);
    const [a, b] = [cluster.node(0), cluster.node(1)];
    const loadSingle = spawnNode({ name: 'ws-load-single', script: 'src/load/ws-load.ts' });
    const loadCluster = spawnNode({ name: 'ws-load-cluster', script: 'src/load/ws-load.ts' });
    loads.push(loadSingle, loadCluster);
    await loadSingle.request('setupPairs', { target: { kind: 'parley', port: single.port, users: single.users }, pairs: n / 2 });
    await loadCluster.request('setupPairs', { target: { kind: 'parley', port: a.port, calleePort: b.port, users }, pairs: n / 2 });
    const setups: Setup[] = [
      { name: 'single', load: loadSingle, servers: { server: single.proc } },
      {
        name: 'cluster',
        load: loadCluster,
        servers: { nodeA: pidOf('node A', a.process.pid), nodeB: pidOf('node B', b.process.pid), redis: pidOf('redis', cluster.redis.process.pid) },
      },
    ];
    const rounds: Record<Setup['name'], any[]> = { single: [], cluster: [] };
    for (let round = 0; round < sizes.rounds; round++) {
      for (const s of round % 2 === 0 ? setups : [...setups].reverse()) {
        rounds[s.name].push(await measured({ ...s.servers, load: s.load }, sizes.guard, () => s.load.request('trickle', { rate, ...timing })));
      }
    }
    const lat = (name: Setup['name'], key: 'p50' | 'p99') => spread(rounds[name].map((r) => r[key]));
    // Server CPU-seconds per relayed message, in µs: the CPU of every process the setup needs, over each round.
    const cpuPerMessage = (name: Setup['name']): Spread => {
      const keys = Object.keys(setups.find((s) => s.name === name)!.servers);
      return spread(rounds[name].map((r) => (keys.reduce((sum, k) => sum + (r.cpu[k] ?? 0), 0) / 100 / Math.max(1, r.deliveredPerSecond)) * 1e6));
    };
    const p99Single = lat('single', 'p99');
    const p99Cluster = lat('cluster', 'p99');
    const p99Goal = 2 * p99Single.median + 1;
    const cpuRatio = ratioOf(cpuPerMessage('cluster'), cpuPerMessage('single'));
    const full = !sizes.quick;
    const label = `relay across 2 nodes, ${n.toLocaleString('en')} connections`;
    const note = (name: Setup['name']) => `(CPU, % of a core: ${cpuSummary(rounds[name])})`;
    const delivered = (name: Setup['name']) => spread(rounds[name].map((r) => r.deliveredPerSecond)).median;
    const out: Row[] = [
      {
        figure: label,
        metric: `p50 latency at ${rate.toLocaleString('en')} msg/s`,
        unit: 'ms',
        parley: lat('cluster', 'p50'),
        baseline: lat('single', 'p50'),
        ratio: ratioOf(lat('cluster', 'p50'), lat('single', 'p50')),
        note: 'Parley: callers on node A, callees on node B; baseline: one Parley process, same pairs and rate',
      },
      {
        figure: label,
        metric: `p99 latency at ${rate.toLocaleString('en')} msg/s`,
        unit: 'ms',
        parley: p99Cluster,
        baseline: p99Single,
        ratio: ratioOf(p99Cluster, p99Single),
        goal: '≤ 2× one process + 1 ms',
        met: full ? p99Cluster.median <= p99Goal : null,
        note: `goal here ${p99Goal.toFixed(1)} ms; cluster ${note('cluster')}; one process ${note('single')}`,
      },
      {
        figure: label,
        metric: 'server CPU per relayed message (both nodes + Redis)',
        unit: 'µs',
        parley: cpuPerMessage('cluster'),
        baseline: cpuPerMessage('single'),
        ratio: cpuRatio,
        goal: '≤ 2.5× one process',
        met: full && cpuRatio !== null ? cpuRatio <= 2.5 : null,
        note: `delivered ${Math.round(delivered('cluster')).toLocaleString('en')} msg/s across nodes, ${Math.round(delivered('single')).toLocaleString('en')} in one process`,
      },
    ];
    return { rows: out, details: { connections: n, rate, rounds } };
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
    await single?.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
