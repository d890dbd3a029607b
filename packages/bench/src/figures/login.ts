/**
 * Figure 4 — login under load. argon2id at the server's default (OWASP) parameters: the hash time the server
 * itself records while users register, logins/s under an autocannon flood (16 connections), and the latency of
 * `GET /users/me` probed at 100/s, idle and during the flood. Baselines: the same argon2 library and parameters
 * in a bare process (hash time, verifies/s), and the idle probe for the flood's p99.
 */
import { OWASP_PARAMS } from '../argon2.js';
import { measured, sleep, spawnNode } from '../proc.js';
import { cpuSummary, ratioOf, type FigureResult, type Row, type Sizes } from '../report-types.js';
import { registerAndLogin, startParley } from '../servers.js';
import { spread } from '../stats.js';
import type { CannonResult } from '../load/cannon.js';

const FLOOD_CONNECTIONS = 16;
const PROBE_PER_SECOND = 100;

/** `{ op: { sum, count } }` of the server's `parley_argon2_seconds` histogram. */
async function argon2Metrics(baseUrl: string, token: string): Promise<Record<string, { sum: number; count: number }>> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const out: Record<string, { sum: number; count: number }> = {};
  for (const match of text.matchAll(/^parley_argon2_seconds_(sum|count)\{op="(\w+)"\} ([\d.e+-]+)$/gm)) {
    const entry = (out[match[2]!] ??= { sum: 0, count: 0 });
    entry[match[1] as 'sum' | 'count'] = Number(match[3]);
  }
  return out;
}

export async function loginFigure(sizes: Sizes): Promise<FigureResult> {
  const seconds = sizes.quick ? 1 : 5;
  const metricsToken = 'bench-metrics-token-0123456789-abcdef';
  const parley = await startParley({ seedUsers: 1, env: { METRICS_TOKEN: metricsToken } });
  const raw = spawnNode({ name: 'argon2-raw', script: 'src/baselines/argon2-raw.ts' });
  const prober = spawnNode({ name: 'prober', script: 'src/load/prober.ts' });
  const cannon = spawnNode({ name: 'autocannon', script: 'src/load/cannon.ts' });
  try {
    // The helpers load (tsx compiles them) before anything is timed.
    await Promise.all([raw, prober, cannon].map((p) => p.request('ping')));
    const registrations = sizes.quick ? 5 : 20;
    const password = 'correct horse battery staple';
    const users = [];
    for (let i = 0; i < registrations; i++) users.push(await registerAndLogin(parley.baseUrl, `login${i}`, password));
    const metrics = await argon2Metrics(parley.baseUrl, metricsToken);
    const hashMs = ((metrics['hash']?.sum ?? NaN) / (metrics['hash']?.count ?? NaN)) * 1000;
    const baseHash = await raw.request('hashTime', { params: OWASP_PARAMS, count: registrations });
    const probeTarget = { url: `${parley.baseUrl}/api/v1/users/me`, headers: { authorization: `Bearer ${parley.users[0]!.token}` }, perSecond: PROBE_PER_SECOND };
    const flood = {
      scenario: { kind: 'post', url: `${parley.baseUrl}/api/v1/auth/login`, body: { username: users[0]!.username, password } },
      connections: FLOOD_CONNECTIONS,
      durationSeconds: seconds,
    };

    const idle: any[] = [];
    const flooded: any[] = [];
    const verify: any[] = [];
    for (let r = 0; r < sizes.rounds; r++) {
      idle.push(
        await measured({ server: parley.proc, prober }, sizes.guard, async () => {
          await prober.request('start', probeTarget);
          await sleep(seconds * 1000);
          return prober.request('stop');
        }),
      );
      flooded.push(
        await measured({ server: parley.proc, prober, load: cannon }, sizes.guard, async () => {
          await parley.proc.request('eldStart');
          await prober.request('start', probeTarget);
          const logins = await cannon.request<CannonResult>('run', flood);
          const probe = await prober.request('stop');
          const eventLoop = await parley.proc.request('eldStop');
          return { logins, probe, eventLoop };
        }),
      );
      verify.push(
        await measured({ baseline: raw }, sizes.guard, () =>
          raw.request('verifyRate', { params: OWASP_PARAMS, concurrency: FLOOD_CONNECTIONS, seconds }),
        ),
      );
    }
    const loginsPerSecond = spread(flooded.map((f) => (f.logins.requestsPerSecond * (f.logins.total - f.logins.non2xx)) / Math.max(1, f.logins.total)));
    const floodP99 = spread(flooded.map((f) => f.probe.p99));
    const idleP99 = spread(idle.map((i) => i.p99));
    const p99Ratio = ratioOf(floodP99, idleP99);
    const failures = flooded.filter((f) => f.logins.non2xx > 0 || f.logins.errors > 0).map((f) => `${f.logins.non2xx} non-2xx, ${f.logins.errors} errors`);
    const label = 'login (argon2id m=19 MiB, t=2, p=1)';
    const rows: Row[] = [
      {
        figure: label,
        metric: 'hash time (registration) vs bare argon2',
        unit: 'ms',
        parley: spread([hashMs]),
        baseline: spread([baseHash.medianMs]),
        ratio: ratioOf(spread([hashMs]), spread([baseHash.medianMs])),
        note: `Parley: mean of the server's own parley_argon2_seconds{op="hash"} over ${registrations} registrations; baseline: median of ${registrations} hashes in a bare process`,
      },
      {
        figure: label,
        metric: `logins/s (${FLOOD_CONNECTIONS} connections) vs bare argon2 verifies/s`,
        unit: '/s',
        parley: loginsPerSecond,
        baseline: spread(verify.map((v) => v.perSecond)),
        ratio: ratioOf(loginsPerSecond, spread(verify.map((v) => v.perSecond))),
        note: `CPU during the flood: ${cpuSummary(flooded)}` + (failures.length > 0 ? `; FAILURES: ${failures.join('; ')}` : ''),
      },
      {
        figure: label,
        metric: `GET /users/me p99 at ${PROBE_PER_SECOND}/s: during login flood vs idle`,
        unit: 'ms',
        parley: floodP99,
        baseline: idleP99,
        ratio: p99Ratio,
        goal: '≤ 3×',
        met: sizes.quick || p99Ratio === null ? null : p99Ratio <= 3,
        note:
          `p50 ${spread(flooded.map((f) => f.probe.p50)).median.toFixed(2)} ms flooded vs ${spread(idle.map((i) => i.p50)).median.toFixed(2)} ms idle; ` +
          `server event-loop delay during the flood p99 ${spread(flooded.map((f) => f.eventLoop?.p99 ?? NaN)).median.toFixed(1)} ms, max ${spread(flooded.map((f) => f.eventLoop?.max ?? NaN)).median.toFixed(1)} ms`,
      },
    ];
    return { name: 'login', rows, details: { registrations, hashMs, baseHash, metrics, idle, flooded, verify } };
  } finally {
    await Promise.all([raw.stop(), prober.stop(), cannon.stop()]);
    await parley.stop();
  }
}
