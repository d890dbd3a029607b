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
