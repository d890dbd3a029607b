import type { ClusterLoadReport } from './cluster-load.js';
import type { CrashReport } from './crash.js';
import type { FuzzReport } from './fuzz.js';
import type { LoadReport } from './load.js';
import { mib } from './server-process.js';
import type { ShutdownReport } from './shutdown.js';
import type { SlowConsumerReport } from './slow-consumer.js';

export interface SoakResults {
  startedAt: string;
  durationS: number;
  machine: string;
  settings: Record<string, number>;
  fuzz: FuzzReport;
  load: LoadReport;
  cluster: ClusterLoadReport;
  crash: CrashReport;
  slow: SlowConsumerReport;
  shutdown: ShutdownReport;
}

const n = (value: number) => value.toLocaleString('en-US');
const MiB = (bytes: number) => `${mib(bytes).toFixed(1)} MiB`;
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([k, v]) => `${k}: ${n(v)}`)
    .join(', ') || '—';
const pct = (after: number, before: number) => `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(1)}%`;
const verdict = (failures: string[]) => (failures.length === 0 ? 'pass' : `FAIL (${failures.length})`);

/** The summary table, as Markdown (printed to the terminal as is). */
export function summaryTable(r: SoakResults): string {
  const { fuzz, load, cluster, crash, slow, shutdown } = r;
  const across = cluster.relay;
  const relay = load.relay;
  const faults = relay.drops + 1 /* kill -9 */ + 1 /* SIGTERM */ + 1 /* frozen reader */;
  const rows: [string, string, string][] = [
    ['WS frames fuzzed', `${n(fuzz.ws.framesSent)} from ${fuzz.ws.connections} connections (${n(fuzz.ws.reconnects)} reconnects), after ${n(fuzz.warmUp.frames)} warm-up frames`, verdict(fuzz.ws.violations)],
    ['WS fuzz answers', `errors ${counts(fuzz.ws.errorsByCode)}; closes ${counts(fuzz.ws.closesByCode)}`, fuzz.ws.violations.length === 0 ? 'all documented' : `${fuzz.ws.violations.length} violations`],
    ['HTTP requests fuzzed', `${n(fuzz.http.requests)} (statuses ${counts(fuzz.http.byStatus)}), after ${n(fuzz.warmUp.requests)} warm-up requests`, verdict(fuzz.http.violations)],
    ['Server memory (fuzz)', `live heap ${MiB(fuzz.memory.before.heapUsed)} → ${MiB(fuzz.memory.after.heapUsed)} (${pct(fuzz.memory.after.heapUsed, fuzz.memory.before.heapUsed)}), RSS ${MiB(fuzz.memory.before.rss)} → ${MiB(fuzz.memory.after.rss)} (${pct(fuzz.memory.after.rss, fuzz.memory.before.rss)}), both after a full GC`, fuzz.memory.after.heapUsed <= fuzz.memory.before.heapUsed * 1.1 ? 'heap within 10%' : 'FAIL'],
    ['Calls during the fuzz', `${n(fuzz.bystanders.delivered)}/${n(fuzz.bystanders.countable)} candidates delivered, ${fuzz.bystanders.lost} lost`, fuzz.bystanders.lost === 0 ? 'pass' : 'FAIL'],
    ['Load', `${n(load.pairs)} pairs (${n(load.connections)} connections), ${Math.round(r.settings['seconds'] ?? 0)} s of candidates`, verdict(load.failures)],
    ['Messages relayed', `${n(relay.delivered)} owed and delivered (+${n(relay.deliveredUncounted)} delivered while not owed)`, ''],
    ['Messages lost / misrouted', `${n(relay.lost)} / ${n(relay.misrouted)} (duplicated ${relay.duplicated}, out of order ${relay.reordered})`, relay.lost + relay.misrouted + relay.duplicated + relay.reordered === 0 ? 'pass' : 'FAIL'],
    ['Not owed (peer away / in flight at a fault)', `${n(relay.sentWhilePeerAway)} / ${n(relay.inFlightAtFault)}`, ''],
    ['Relay latency', `p50 ${load.latencyMs.p50.toFixed(1)} ms, p99 ${load.latencyMs.p99.toFixed(1)} ms, max ${load.latencyMs.max.toFixed(0)} ms`, ''],
    ['Calls ended (load)', counts(load.endings.byReason), load.endings.wrong.length === 0 ? 'all as expected' : `${load.endings.wrong.length} wrong`],
    ['Load across a cluster', `${n(cluster.pairs)} pairs over ${cluster.nodes} nodes (PostgreSQL + Redis), ${cluster.crossNodeCalls} calls with their sides on different nodes; ${across.drops} drops, ${cluster.movedToAnotherNode} came back on another node`, verdict(cluster.failures)],
    ['Cross-node messages', `${n(across.delivered)}/${n(across.countable)} owed delivered; lost ${across.lost}, misrouted ${across.misrouted}, duplicated ${across.duplicated}, out of order ${across.reordered}; p50 ${cluster.latencyMs.p50.toFixed(1)} ms, p99 ${cluster.latencyMs.p99.toFixed(1)} ms`, across.lost + across.misrouted + across.duplicated + across.reordered === 0 ? 'pass' : 'FAIL'],
    ['Faults injected', `${relay.drops} connection drops, 1 kill -9, 1 SIGTERM, 1 frozen reader`, `${faults} total`],
    ['Reconnects', `${relay.reconnects} after drops; ${crash.reconnects} after the crash (max ${crash.maxReconnectAttempts} attempts)`, ''],
    ['Server RSS (load)', `start ${MiB(load.rss.start)}, with clients ${MiB(load.rss.afterSetup)}, peak ${MiB(load.rss.peak)}, after ${MiB(load.rss.after)} (${pct(load.rss.after, load.rss.start)})`, load.rss.after <= load.rss.start * 1.1 ? 'within 10%' : 'FAIL'],
    ['Live heap (load)', `start ${MiB(load.heapUsed.start)}, after ${MiB(load.heapUsed.after)} (${pct(load.heapUsed.after, load.heapUsed.start)})`, load.heapUsed.after <= load.heapUsed.start * 1.1 ? 'within 10%' : 'FAIL'],
    ['Crash: registrations', `${n(crash.registrationsAcknowledged)} acknowledged before kill -9, ${crash.registrationsMissingAfterRestart} missing after restart`, verdict(crash.failures)],
    ['Crash: calls', `${crash.callsEndedServerRestart}/${crash.callsOpenAtKill} ended server_restart; ${crash.callsAfterRestart} new calls after restart, ${crash.relayAfterRestart.lost} lost`, ''],
    ['Slow consumer', `${MiB(slow.floodBytes)} flooded; dropped after ${slow.detectedAfterMs ?? '—'} ms; RSS +${MiB(slow.rssGrowth)}; reader saw ${slow.frozenSideCloseCode}`, verdict(slow.failures)],
    ['Shutdown (SIGTERM)', `${shutdown.closeCodes['1001'] ?? 0}/${shutdown.socketsOpenAtSigterm} sockets closed 1001; ${shutdown.inFlightAnswered}/${shutdown.inFlight} in-flight requests answered; exit ${shutdown.exitCode} in ${shutdown.shutdownMs} ms; ${shutdown.committedMissingAfterRestart} committed rows lost`, verdict(shutdown.failures)],
  ];
  return [
    `| Check | Figures | Result |`,
    `|---|---|---|`,
    ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
  ].join('\n');
}

export function allFailures(r: SoakResults): string[] {
  return [
    ...r.fuzz.failures.map((f) => `fuzz: ${f}`),
    ...r.load.failures.map((f) => `load: ${f}`),
    ...r.cluster.failures.map((f) => `cluster load: ${f}`),
    ...r.crash.failures.map((f) => `crash: ${f}`),
    ...r.slow.failures.map((f) => `slow consumer: ${f}`),
    ...r.shutdown.failures.map((f) => `shutdown: ${f}`),
  ];
}

export function markdownReport(r: SoakResults): string {
  const failures = allFailures(r);
  return [
    '# Soak results',
    '',
    `Written by \`pnpm soak\` (packages/soak/src/main.ts) on ${r.startedAt}, ${r.durationS} s, ${r.machine}.`,
    `Settings: ${Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
    'The server is the built `apps/server/dist/server.js`, started as a child process with NODE_ENV=production.',
    '',
    summaryTable(r),
    '',
    failures.length === 0 ? '**All checks passed.**' : `**${failures.length} check(s) failed:**\n\n${failures.map((f) => `- ${f}`).join('\n')}`,
    '',
    'A message is *owed* when it is sent while both participants’ connections are bound to the call, and neither',
    'connection fails within 2 s of the send; owed messages must arrive exactly once, in order, at the right pair.',
    'Memory is read after a full garbage collection (forced through the V8 inspector), with the server holding its',
    'accounts and no connection, once it has held every connection once: the allocator’s high-water mark from',
    'password hashing and a thousand socket buffers is not something the run leaves behind.',
    'See packages/soak/src/pairs.ts for the exact rule and SECURITY.md for what each check protects.',
    '',
  ].join('\n');
}
