/**
 * The login baseline: the server's own argon2 library with the server's parameters in a bare process — no HTTP,
 * no database. Its hash time and verifies/s are the ceiling for Parley's registrations and logins.
 */
import { serveRpc } from '../load/rpc.js';
import { argon2 } from '../argon2.js';
import { median } from '../stats.js';

serveRpc({
  async hashTime({ params, count }: { params: { memoryCost: number; timeCost: number; parallelism: number }; count: number }) {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await argon2.hash(`password-${i}`, { type: argon2.argon2id, ...params });
      times.push(performance.now() - started);
    }
    return { medianMs: median(times) };
  },
  /** Verifies as fast as libuv's thread pool allows, `concurrency` at a time, for `seconds`. */
  async verifyRate({ params, concurrency, seconds }: { params: { memoryCost: number; timeCost: number; parallelism: number }; concurrency: number; seconds: number }) {
    const hash = await argon2.hash('bench-password', { type: argon2.argon2id, ...params });
    const deadline = performance.now() + seconds * 1000;
    let done = 0;
    const worker = async () => {
      while (performance.now() < deadline) {
        await argon2.verify(hash, 'bench-password');
        done += 1;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { perSecond: done / ((performance.now() - started) / 1000) };
  },
});
