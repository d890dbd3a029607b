import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, BACKOFF_JITTER, BACKOFF_TABLE_MS, backoffDelay } from '../src/backoff.js';

const middle = () => 0.5;

describe('backoffDelay', () => {
  it('follows the table at the middle of the jitter range', () => {
    expect(BACKOFF_TABLE_MS.map((_, i) => backoffDelay(i, middle))).toEqual([250, 500, 1000, 2000, 4000, 8000]);
  });

  it('is capped after the table runs out, however many attempts', () => {
    expect(backoffDelay(BACKOFF_TABLE_MS.length, middle)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(1_000, middle)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(1_000, () => 0.999)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
  });

  it('spreads each delay by the jitter fraction both ways', () => {
    for (let attempt = 0; attempt < BACKOFF_TABLE_MS.length; attempt++) {
      const base = BACKOFF_TABLE_MS[attempt]!;
      expect(backoffDelay(attempt, () => 0)).toBe(Math.round(base * (1 - BACKOFF_JITTER)));
      const highest = backoffDelay(attempt, () => 0.999999);
      expect(Math.abs(highest - Math.min(BACKOFF_CAP_MS, base * (1 + BACKOFF_JITTER)))).toBeLessThanOrEqual(1);
    }
  });

  it('retries the first time fast enough to rejoin within a 10 s grace period', () => {
    const firstThree = [0, 1, 2].reduce((sum, attempt) => sum + backoffDelay(attempt, () => 0.999999), 0);
    expect(firstThree).toBeLessThan(3_000);
  });

  it('never goes down as attempts go up (at equal jitter)', () => {
    let previous = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const delay = backoffDelay(attempt, middle);
      expect(delay).toBeGreaterThanOrEqual(previous);
      previous = delay;
    }
  });

  it('treats a negative attempt as the first one', () => {
    expect(backoffDelay(-3, middle)).toBe(250);
  });
});
