/**
 * `pnpm bench [--quick] [--only relay,rest,…] [--rounds N] [--profile] [--relay-sizes 100,1000]`: measures the
 * production build of Parley next to bare-metal baselines, in one run on this machine, and writes
 * `bench-results/<date>.json` and `bench-results/latest.md`. Exits non-zero when a figure crashes, is skipped, or yields a value that is missing, zero or not finite; a missed
 * goal is reported, not fatal.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleFigure } from './figures/bundle.js';
import { callSetupFigure } from './figures/call-setup.js';
import { connectionsFigure } from './figures/connections.js';
import { loginFigure } from './figures/login.js';
import { relayClusterFigure } from './figures/relay-cluster.js';
import { relayFigure } from './figures/relay.js';
import { relayTrickleFigure } from './figures/relay-trickle.js';
import { restFigure } from './figures/rest.js';
import { repoRoot, stopAll } from './proc.js';
import { printTable, writeResults } from './report.js';
import { brokenFigures, type FigureResult, type Sizes } from './report-types.js';

const FIGURES: Record<string, (sizes: Sizes) => Promise<FigureResult>> = {
  relay: relayFigure,
  'relay-trickle': relayTrickleFigure,
  'relay-cluster': relayClusterFigure,
  connections: connectionsFigure,
  rest: restFigure,
  login: loginFigure,
  'call-setup': callSetupFigure,
  bundle: bundleFigure,
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'relay-sizes': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
  allowPositionals: false,
});

const quick = values.quick ?? false;
const selected = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(FIGURES);
for (const name of selected) if (!FIGURES[name]) throw new Error(`unknown figure "${name}"; known: ${Object.keys(FIGURES).join(', ')}`);
const relaySizes = values['relay-sizes'] ? values['relay-sizes'].split(',').map((s) => Number(s.trim())) : null;
for (const n of relaySizes ?? []) if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) throw new Error(`--relay-sizes: "${n}" is not an even socket count ≥ 2`);
const resultsDir = join(repoRoot, 'bench-results');
const profileDir = values.profile ? join(resultsDir, 'profiles') : null;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const sizes: Sizes = {
  quick,
  rounds: values.rounds ? Number(values.rounds) : quick ? 1 : 3,
  profileDir,
  relaySizes,
  guard: quick ? { quietWaitMs: 0, retries: 0 } : { quietWaitMs: 20_000, retries: 1 },
};

const started = performance.now();
const results: FigureResult[] = [];
for (const name of selected) {
  const figureStarted = performance.now();
  process.stdout.write(`▶ ${name}…\n`);
  try {
    const result = await FIGURES[name]!(sizes);
    result.seconds = (performance.now() - figureStarted) / 1000;
    results.push(result);
    process.stdout.write(`  ${result.skipped ? `skipped: ${result.skipped}` : 'done'} (${result.seconds.toFixed(1)} s)\n`);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stdout.write(`  CRASHED: ${message}\n`);
    results.push({ name, rows: [], details: null, error: message, seconds: (performance.now() - figureStarted) / 1000 });
  } finally {
    await stopAll();
  }
}

const totalSeconds = (performance.now() - started) / 1000;
printTable(results, { quick, totalSeconds });
if (!values['no-write']) {
  const written = writeResults(resultsDir, results, { quick, totalSeconds, rounds: sizes.rounds, only: values.only ?? null });
  process.stdout.write(`\nwrote ${written.join(', ')}\n`);
}
const broken = brokenFigures(results);
if (broken.length > 0) process.stdout.write(`\nBroken figures (the run fails):\n${broken.map((p) => `  - ${p}`).join('\n')}\n`);
process.exit(broken.length > 0 ? 1 : 0);
