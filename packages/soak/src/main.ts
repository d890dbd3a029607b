import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertServerBuilt, soakSettings } from './config.js';
import { runCrash } from './crash.js';
import { runFuzz } from './fuzz.js';
import { runClusterLoad } from './cluster-load.js';
import { runLoad } from './load.js';
import { allFailures, markdownReport, summaryTable, type SoakResults } from './report.js';
import { stopAllServers } from './server-process.js';
import { runShutdown } from './shutdown.js';
import { runSlowConsumer } from './slow-consumer.js';

/** `pnpm soak`: the long versions of the fuzz, load and fault runs, one after the other, then the summary. */
async function main(): Promise<number> {
  assertServerBuilt();
  const settings = soakSettings();
  const started = Date.now();
  // Other work on the machine shows in the latencies; say how busy it was.
  const loadAtStart = loadavg()[0]!.toFixed(1);
  const step = (name: string) => console.log(`\n== ${name} (${Math.round((Date.now() - started) / 1000)} s)`);

  step(`fuzz: ${settings.fuzzFrames} WS frames, ${settings.fuzzRequests} HTTP requests`);
  const fuzz = await runFuzz({ frames: settings.fuzzFrames, requests: settings.fuzzRequests, seed: settings.seed });
  console.log(`   ${fuzz.ws.framesSent} frames in ${fuzz.ws.durationMs} ms, ${fuzz.http.requests} requests in ${fuzz.http.durationMs} ms; ${fuzz.failures.length} failures`);

  step(`load: ${settings.pairs} pairs for ${settings.seconds} s`);
  const load = await runLoad({ pairs: settings.pairs, durationMs: settings.seconds * 1000 });
  console.log(`   ${load.relay.delivered} delivered, ${load.relay.lost} lost; ${load.failures.length} failures`);

  step(`cluster load: ${settings.clusterPairs} pairs over ${settings.clusterNodes} nodes for ${settings.seconds} s`);
  const cluster = await runClusterLoad({ pairs: settings.clusterPairs, nodes: settings.clusterNodes, durationMs: settings.seconds * 1000 });
  console.log(`   ${cluster.relay.delivered} delivered, ${cluster.relay.lost} lost; ${cluster.failures.length} failures`);

  step(`crash: kill -9 under ${settings.crashPairs} pairs`);
  const crash = await runCrash({ pairs: settings.crashPairs, loadMs: 5000 });
  console.log(`   ${crash.registrationsAcknowledged} registrations acknowledged, ${crash.registrationsMissingAfterRestart} missing; ${crash.failures.length} failures`);

  step(`slow consumer: ${settings.slowConsumerMiB} MiB at a frozen reader`);
  const slow = await runSlowConsumer({ floodMiB: settings.slowConsumerMiB });
  console.log(`   RSS +${(slow.rssGrowth / 2 ** 20).toFixed(1)} MiB; ${slow.failures.length} failures`);

  step('shutdown: SIGTERM under load');
  const shutdown = await runShutdown({ pairs: 50, loadMs: 3000, inFlight: 16 });
  console.log(`   exit ${shutdown.exitCode} in ${shutdown.shutdownMs} ms; ${shutdown.failures.length} failures`);

  const results: SoakResults = {
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}, load average ${loadAtStart} at the start and ${loadavg()[0]!.toFixed(1)} at the end`,
    settings: { ...settings },
    fuzz,
    load,
    cluster,
    crash,
    slow,
    shutdown,
  };
  console.log(`\n${summaryTable(results)}\n`);
  const failures = allFailures(results);
  for (const failure of failures) console.log(`FAIL ${failure}`);
  const out = join(dirname(fileURLToPath(import.meta.url)), '../results/latest.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, markdownReport(results));
  console.log(`written to ${out}`);
  return failures.length === 0 ? 0 : 1;
}

main()
  .then(async (code) => {
    await stopAllServers();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(error);
    await stopAllServers();
    process.exit(1);
  });
