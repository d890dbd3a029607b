import type { Spread } from './stats.js';

/** One line of the results table: Parley next to its baseline, measured in the same run. */
export interface Row {
  figure: string;
  metric: string;
  unit: string;
  parley: Spread | null;
  baseline: Spread | null;
  /** parley / baseline (medians). */
  ratio: number | null;
  /** Human-readable goal, e.g. "≥ 0.8× baseline". */
  goal?: string;
  /** Whether the goal is met; null when it does not apply at this size (e.g. --quick). */
  met?: boolean | null;
  note?: string;
  /** The value is a difference that may be zero or negative (heap deltas); any other figure must be positive. */
  signed?: boolean;
}

/** What a figure hands back: table rows, plus everything it measured for the JSON file. */
export interface FigureResult {
  name: string;
  rows: Row[];
  details: unknown;
  /** Why the figure did not run (missing browser, web app not built…). */
  skipped?: string;
  error?: string;
  seconds?: number;
}

export function ratioOf(parley: Spread | null, baseline: Spread | null): number | null {
  if (!parley || !baseline || !Number.isFinite(parley.median) || !Number.isFinite(baseline.median) || baseline.median === 0) return null;
  return parley.median / baseline.median;
}

export interface Sizes {
  quick: boolean;
  rounds: number;
  profileDir: string | null;
  /** Socket counts the relay figure runs at (`--relay-sizes`); null: the defaults. */
  relaySizes: number[] | null;
  /** How each measured phase guards against a busy machine (see `measured`). */
  guard: { quietWaitMs: number; retries: number };
}

/** "server 98% · load 61% · other 3%": median CPU per process over rounds, in % of one core. */
export function cpuSummary(list: { cpu: Record<string, number> }[]): string {
  const keys = Object.keys(list[0]?.cpu ?? {}).filter((k) => k !== 'machine');
  const med = (key: string) => {
    const values = list.map((r) => r.cpu[key] ?? 0).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)] ?? 0;
  };
  return keys.map((k) => `${k} ${med(k)}%`).join(' · ');
}

/**
 * What makes a run's figures unusable, one line each: a figure that was skipped or crashed, or a row whose value is
 * missing, not a finite number, or zero (a measurement that produced nothing). Goals stay non-fatal; this does not.
 */
export function brokenFigures(results: FigureResult[]): string[] {
  const problems: string[] = [];
  const bad = (row: Row, side: 'parley' | 'baseline', spread: Spread) => {
    if (!Number.isFinite(spread.median)) return `${side} is not a finite number (${spread.median})`;
    if (spread.median === 0 && !row.signed) return `${side} is zero`;
    return null;
  };
  for (const result of results) {
    if (result.skipped !== undefined) problems.push(`${result.name}: skipped (${result.skipped})`);
    else if (result.error !== undefined) problems.push(`${result.name}: crashed`);
    else if (result.rows.length === 0) problems.push(`${result.name}: no rows`);
    for (const row of result.rows) {
      const where = `${row.figure} — ${row.metric}`;
      if (row.parley === null) problems.push(`${where}: no Parley value`);
      for (const side of ['parley', 'baseline'] as const) {
        const spread = row[side];
        const problem = spread === null ? null : bad(row, side, spread);
        if (problem !== null) problems.push(`${where}: ${problem}`);
      }
    }
  }
  return problems;
}
