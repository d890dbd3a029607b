import { describe, expect, it } from 'vitest';
import { MemoryLoginThrottle, type LoginThrottle } from '../../src/auth/login-throttle.js';
import { sleep } from '../helpers/calls.js';

/**
 * What every `LoginThrottle` must do, whatever its store: run against each implementation (a shared-store one
 * joins the list when it exists).
 */
const implementations: [string, (max: number, windowMs: number) => LoginThrottle][] = [
  ['in memory', (max, windowMs) => new MemoryLoginThrottle(max, windowMs)],
];

describe.each(implementations)('LoginThrottle (%s)', (_name, make) => {
  it('grants exactly the limit of reservations made at once, and says how long the rest must wait', async () => {
    const throttle = make(10, 60_000);
    const answers = await Promise.all(Array.from({ length: 50 }, () => throttle.reserve('alice')));
    expect(answers.filter((a) => a.ok)).toHaveLength(10);
    const refused = answers.filter((a) => !a.ok);
    expect(refused).toHaveLength(40);
    for (const answer of refused) {
      expect(answer.retryAfterMs).toBeGreaterThan(0);
      expect(answer.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it('keeps a failed attempt’s slot, frees the username on a success, and leaves other usernames alone', async () => {
    const throttle = make(2, 60_000);
    const first = await throttle.reserve('alice');
    if (!first.ok) throw new Error('the first attempt must be granted');
    await first.settle(false);
    const second = await throttle.reserve('alice');
    if (!second.ok) throw new Error('the second attempt must be granted');
    expect((await throttle.reserve('alice')).ok).toBe(false);
    expect((await throttle.reserve('bob')).ok).toBe(true);
    await second.settle(true);
    const afterSuccess = await Promise.all([throttle.reserve('alice'), throttle.reserve('alice'), throttle.reserve('alice')]);
    expect(afterSuccess.map((a) => a.ok)).toEqual([true, true, false]);
  });

  it('opens a fresh window once the old one ran out', async () => {
    const throttle = make(1, 200);
    expect((await throttle.reserve('alice')).ok).toBe(true);
    expect((await throttle.reserve('alice')).ok).toBe(false);
    await sleep(250);
    expect((await throttle.reserve('alice')).ok).toBe(true);
  });
});
