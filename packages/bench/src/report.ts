import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { FigureResult, Row } from './report-types.js';
import type { Spread } from './stats.js';

export function machine() {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    kernel: release(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGiB: Math.round(freemem() / 2 ** 30),
  };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function formatSpread(s: Spread | null): string {
  if (!s) return '–';
  if (s.rounds.length <= 1 || s.min === s.max) return formatNumber(s.median);
  return `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

function formatRatio(r: number | null): string {
  return r === null ? '–' : `${r.toFixed(2)}×`;
}

function formatMet(row: Row): string {
  if (row.goal === undefined) return '';
  if (row.met === null || row.met === undefined) return `${row.goal} (n/a)`;
  return `${row.goal} ${row.met ? '✅' : '❌'}`;
}

function cells(row: Row): string[] {
  return [row.figure, `${row.metric} [${row.unit}]`, formatSpread(row.parley), formatSpread(row.baseline), formatRatio(row.ratio), formatMet(row)];
}

const HEADER = ['Figure', 'Metric', 'Parley', 'Baseline', 'Ratio', 'Goal'];

/** A plain-text table for the terminal. */
export function printTable(results: FigureResult[], meta: { quick: boolean; totalSeconds: number }): void {
  const body = results.flatMap((r) =>
    r.skipped ? [[r.name, `skipped: ${r.skipped}`, '', '', '', '']] : r.error ? [[r.name, 'CRASHED (see above)', '', '', '', '']] : r.rows.map(cells),
  );
  const table = [HEADER, ...body];
  const widths = HEADER.map((_, i) => Math.max(...table.map((row) => [...(row[i] ?? '')].length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join(' │ ');
  const m = machine();
  process.stdout.write(`\nParley benchmarks${meta.quick ? ' (--quick: small sizes, goals not judged)' : ''} — ${m.cpu}, ${m.cores} cores, Node ${m.node}; ${meta.totalSeconds.toFixed(0)} s\n`);
  process.stdout.write('Values are medians over rounds, (min–max) when rounds differ. Ratio = Parley / baseline.\n\n');
  process.stdout.write(`${line(table[0]!)}\n${widths.map((w) => '─'.repeat(w)).join('─┼─')}\n`);
  for (const row of table.slice(1)) process.stdout.write(`${line(row)}\n`);
}

export function markdownTable(results: FigureResult[]): string {
  const escape = (s: string) => s.replaceAll('|', '\\|');
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  for (const r of results) {
    if (r.skipped) lines.push(`| ${r.name} | skipped: ${escape(r.skipped)} | | | | |`);
    else if (r.error) lines.push(`| ${r.name} | crashed: ${escape(r.error.split('\n')[0] ?? '')} | | | | |`);
    else for (const row of r.rows) lines.push(`| ${cells(row).map(escape).join(' | ')} |`);
  }
  return lines.join('\n');
}

function goals(results: FigureResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    for (const row of r.rows) {
      if (row.goal === undefined) continue;
      const verdict = row.met === true ? '✅ met' : row.met === false ? '❌ missed' : 'not judged';
      out.push(`- ${verdict}: ${row.figure} — ${row.metric}: goal ${row.goal}, Parley ${formatSpread(row.parley)} ${row.unit}${row.ratio === null ? '' : ` (${formatRatio(row.ratio)} baseline)`}`);
    }
  }
  return out.join('\n');
}

function notes(results: FigureResult[]): string {
  const out: string[] = [];
  for (const r of results) for (const row of r.rows) if (row.note) out.push(`- **${row.figure} — ${row.metric}**: ${row.note}`);
  return out.join('\n');
}

/**
 * `bench-results/<date>.json` always (git-ignored); `latest.md` only from a full run of every figure, so a
 * `--quick` CI run never replaces the committed numbers.
 */
export function writeResults(
  dir: string,
  results: FigureResult[],
  meta: { quick: boolean; totalSeconds: number; rounds: number; only: string | null },
): string[] {
  mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const m = machine();
  const jsonPath = join(dir, `${date}${meta.quick ? '-quick' : ''}.json`);
  writeFileSync(jsonPath, `${JSON.stringify({ date: new Date().toISOString(), machine: m, ...meta, results }, null, 2)}\n`);
  const written = [jsonPath];
  if (!meta.quick && meta.only === null) {
    const md = [
      '# Parley benchmarks — latest full run',
      '',
      `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`pnpm bench\` (${meta.rounds} rounds per figure, ${meta.totalSeconds.toFixed(0)} s).`,
      `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}.`,
      '',
      'Every figure runs Parley (the production build, `NODE_ENV=production`) and its baseline in the same run on the',
      'same loopback; load generators are separate processes. Values are medians over the rounds with (min–max);',
      'ratio = Parley / baseline. How each figure is measured, and what limits it: `packages/bench/README.md` and',
      '`packages/bench/PROFILE.md`.',
      '',
      markdownTable(results),
      '',
      '## Goals',
      '',
      goals(results),
      '',
      'Why a goal is missed, and where the time goes: `packages/bench/PROFILE.md`.',
      '',
      '## Notes',
      '',
      notes(results),
      '',
    ].join('\n');
    const mdPath = join(dir, 'latest.md');
    writeFileSync(mdPath, md);
    written.push(mdPath);
  }
  return written;
}
