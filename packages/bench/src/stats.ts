/** Latency samples in milliseconds, stored without per-sample allocation. */
export class Samples {
  private data = new Float64Array(1024);
  count = 0;

  push(value: number): void {
    if (this.count === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count++] = value;
  }

  clear(): void {
    this.count = 0;
  }

  /** The samples as a latency histogram, to be merged with other generators' (see {@link LatencyHistogram}). */
  histogram(): LatencyHistogram {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < this.count; i++) histogram.add(this.data[i]!);
    return histogram;
  }

  /** Nearest-rank percentiles, e.g. `percentiles([50, 99])`. NaN when empty. */
  percentiles(ps: number[]): number[] {
    const sorted = this.data.slice(0, this.count).sort();
    return ps.map((p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!));
  }
}

export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** A figure measured over several rounds: the median, and the smallest and largest round. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export function spread(rounds: number[]): Spread {
  const finite = rounds.filter((v) => Number.isFinite(v));
  return {
    median: median(finite),
    min: finite.length > 0 ? Math.min(...finite) : NaN,
    max: finite.length > 0 ? Math.max(...finite) : NaN,
    rounds,
  };
}

/** Percentile of plain numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Latency samples from several load generator processes, merged: log-spaced buckets, 1% wide, from 1 µs up
 * (percentiles to within 1%), sent over IPC as `[bucket, count]` pairs.
 */
export class LatencyHistogram {
  private static readonly GROWTH = Math.log(1.01);
  private static readonly FLOOR_MS = 0.001;
  readonly counts = new Map<number, number>();
  total = 0;

  static from(pairs: readonly (readonly [number, number])[]): LatencyHistogram {
    const histogram = new LatencyHistogram();
    for (const [bucket, count] of pairs) histogram.addBucket(bucket, count);
    return histogram;
  }

  add(ms: number): void {
    this.addBucket(Math.max(0, Math.ceil(Math.log(Math.max(ms, LatencyHistogram.FLOOR_MS) / LatencyHistogram.FLOOR_MS) / LatencyHistogram.GROWTH)), 1);
  }

  merge(other: LatencyHistogram): void {
    for (const [bucket, count] of other.counts) this.addBucket(bucket, count);
  }

  pairs(): [number, number][] {
    return [...this.counts.entries()];
  }

  /** Nearest-rank percentiles: the upper edge of the bucket holding the rank. NaN when empty. */
  percentiles(ps: number[]): number[] {
    const buckets = [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
    return ps.map((p) => {
      if (this.total === 0) return NaN;
      const rank = Math.max(1, Math.ceil((p / 100) * this.total));
      let seen = 0;
      for (const [bucket, count] of buckets) {
        seen += count;
        if (seen >= rank) return LatencyHistogram.FLOOR_MS * Math.exp(bucket * LatencyHistogram.GROWTH);
      }
      return NaN;
    });
  }

  private addBucket(bucket: number, count: number): void {
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + count);
    this.total += count;
  }
}
