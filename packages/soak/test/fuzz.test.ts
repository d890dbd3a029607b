import { afterEach, describe, expect, it } from 'vitest';
import { runFuzz } from '../src/fuzz.js';
import { stopAllServers } from '../src/server-process.js';

afterEach(stopAllServers);

describe('fuzzing the built server (CI smoke size; `pnpm soak` sends 100,000 frames)', () => {
  it('answers every frame and request by the contract while bystander calls lose nothing', async () => {
    const report = await runFuzz({ frames: 600, requests: 150, seed: 7, pairs: 1 });
    expect(report.failures).toEqual([]);
    expect(report.ws.framesSent).toBeGreaterThanOrEqual(600);
    expect(report.http.requests).toBe(150);
    expect(report.bystanders.countable).toBeGreaterThan(0);
    expect(report.bystanders.lost).toBe(0);
    expect(report.serverAlive).toBe(true);
  });
});
