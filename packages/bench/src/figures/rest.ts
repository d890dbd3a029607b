/**
 * Figure 3 — REST. autocannon (own process, 32 connections) against `GET /api/v1/users/me` (JWT verify + user
 * lookup) and the call cycle `POST /calls` → `POST /calls/:id/end`, next to a bare Fastify server process with a
 * hello route (and a JSON echo for the two-request cycle).
 */
import { measured, spawnNode } from '../proc.js';
import { cpuSummary, ratioOf, type FigureResult, type Row, type Sizes } from '../report-types.js';
import { startFastifyHello, startParley } from '../servers.js';
import { spread } from '../stats.js';
import type { CannonResult, CannonScenario } from '../load/cannon.js';

const CONNECTIONS = 32;

export async function restFigure(sizes: Sizes): Promise<FigureResult> {
  const durationSeconds = sizes.quick ? 1 : 5;
  const [parley, hello] = await Promise.all([startParley({ seedUsers: 2 * CONNECTIONS + 1 }), startFastifyHello()]);
  const cannon = spawnNode({ name: 'autocannon', script: 'src/load/cannon.ts' });
  try {
    const me = parley.users[2 * CONNECTIONS]!;
    const pairs = Array.from({ length: CONNECTIONS }, (_, i) => ({ callerToken: parley.users[2 * i]!.token, calleeId: parley.users[2 * i + 1]!.id }));
    const scenarios: Record<string, { scenario: CannonScenario; server: typeof parley.proc }> = {
      'parley-me': { scenario: { kind: 'get', url: `${parley.baseUrl}/api/v1/users/me`, headers: { authorization: `Bearer ${me.token}` } }, server: parley.proc },
      'baseline-hello': { scenario: { kind: 'get', url: `http://127.0.0.1:${hello.port}/hello` }, server: hello.proc },
      'parley-cycle': { scenario: { kind: 'cycle', url: parley.baseUrl, target: 'parley', pairs }, server: parley.proc },
      'baseline-cycle': { scenario: { kind: 'cycle', url: `http://127.0.0.1:${hello.port}`, target: 'baseline', pairs: [] }, server: hello.proc },
    };
    const fire = (name: string, seconds: number) =>
      cannon.request<CannonResult>('run', { scenario: scenarios[name]!.scenario, connections: CONNECTIONS, durationSeconds: seconds });
    // JIT warm-up, not recorded.
    if (!sizes.quick) for (const name of Object.keys(scenarios)) await fire(name, 1);
    const results: Record<string, (CannonResult & { cpu: Record<string, number> })[]> = {};
    const order = Object.keys(scenarios);
    for (let r = 0; r < sizes.rounds; r++) {
      for (const name of r % 2 === 0 ? order : [...order].reverse()) {
        const server = scenarios[name]!.server;
        (results[name] ??= []).push(await measured({ server, load: cannon }, sizes.guard, () => fire(name, durationSeconds)));
      }
    }
    const rps = (name: string, per = 1) => spread(results[name]!.map((x) => x.requestsPerSecond / per));
    const perCpu = (name: string, per = 1) => spread(results[name]!.map((x) => x.requestsPerSecond / per / Math.max(0.01, (x.cpu['server'] ?? 0) / 100)));
    const p99 = (name: string) => spread(results[name]!.map((x) => x.p99));
    const bad = Object.entries(results).flatMap(([name, list]) =>
      list.filter((x) => x.non2xx > 0 || x.errors > 0).map((x) => `${name}: ${x.non2xx} non-2xx, ${x.errors} errors of ${x.total}`),
    );
    const meRatio = ratioOf(rps('parley-me'), rps('baseline-hello'));
    const label = 'REST (autocannon, 32 connections)';
    const rows: Row[] = [
      {
        figure: label,
        metric: 'GET /users/me vs bare Fastify hello',
        unit: 'req/s',
        parley: rps('parley-me'),
        baseline: rps('baseline-hello'),
        ratio: meRatio,
        goal: '≥ 0.6×',
        met: sizes.quick || meRatio === null ? null : meRatio >= 0.6,
        note: `CPU: Parley ${cpuSummary(results['parley-me']!)}; baseline ${cpuSummary(results['baseline-hello']!)}` + (bad.length > 0 ? `; ERRORS: ${bad.join('; ')}` : ''),
      },
      {
        figure: label,
        metric: 'GET /users/me per server CPU-second',
        unit: 'req/CPU-s',
        parley: perCpu('parley-me'),
        baseline: perCpu('baseline-hello'),
        ratio: ratioOf(perCpu('parley-me'), perCpu('baseline-hello')),
        note: 'what one dedicated core would serve; robust to other load on the machine',
      },
      { figure: label, metric: 'GET /users/me p99 (under full load)', unit: 'ms', parley: p99('parley-me'), baseline: p99('baseline-hello'), ratio: ratioOf(p99('parley-me'), p99('baseline-hello')) },
      {
        figure: label,
        metric: 'call cycles (POST /calls + POST /calls/:id/end) vs 2 bare POSTs',
        unit: 'cycles/s',
        parley: rps('parley-cycle', 2),
        baseline: rps('baseline-cycle', 2),
        ratio: ratioOf(rps('parley-cycle', 2), rps('baseline-cycle', 2)),
        note: `each cycle writes 2 SQLite transactions; CPU: Parley ${cpuSummary(results['parley-cycle']!)}; baseline ${cpuSummary(results['baseline-cycle']!)}`,
      },
    ];
    return { name: 'rest', rows, details: { connections: CONNECTIONS, durationSeconds, results } };
  } finally {
    await cannon.stop();
    await Promise.all([parley.stop(), hello.stop()]);
  }
}
