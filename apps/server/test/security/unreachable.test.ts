import { describe, expect, it } from 'vitest';
import { sleep } from '../helpers/calls.js';
import { createUser, request, type TestUser } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Waits until the call has ended (its ring timed out), however slow the machine. */
async function ended(server: TestServer, user: TestUser, callId: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const call = await request(server, 'GET', `/calls/${callId}`, { token: user.token });
    if (call.body.status === 'ended') return;
    await sleep(50);
  }
  throw new Error(`call ${callId} still rings`);
}

const dial = (server: TestServer, caller: TestUser, callee: TestUser) => request(server, 'POST', '/calls', { token: caller.token, body: { calleeId: callee.id } });

// Issue 14, item 2: with a short ring timeout, one account re-dialling the victim as each ring ended kept every
// other caller at 409 CALLEE_BUSY (42 of 42 attempts over 21 s), with plain POST /calls and no WebSocket.
describe('one account re-dialling a callee as each ring ends', () => {
  it('is stopped with 429 after the per-pair limit, and then another caller gets through', async () => {
    const server = await startServer({ CALL_RING_TIMEOUT_MS: '300', RINGS_PER_PAIR: '3' });
    const [mallory, victim, friend] = await Promise.all([createUser(server, 'mallory'), createUser(server, 'victim'), createUser(server, 'friend')]);
    for (let ring = 1; ring <= 3; ring += 1) {
      const harassing = await dial(server, mallory, victim);
      expect(harassing.status).toBe(201);
      // A ringing callee is busy for everyone else: one incoming call at a time.
      const blocked = await dial(server, friend, victim);
      expect([blocked.status, blocked.body.error.code]).toEqual([409, 'CALLEE_BUSY']);
      await ended(server, mallory, harassing.body.callId);
    }
    const fourth = await dial(server, mallory, victim);
    expect([fourth.status, fourth.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    // Until the oldest of the three leaves the ten-minute window.
    const retryAfter = Number(fourth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    const through = await dial(server, friend, victim);
    expect(through.status).toBe(201);
    // Only that pair: mallory can still call someone else.
    await ended(server, friend, through.body.callId);
    expect((await dial(server, mallory, friend)).status).toBe(201);
  });

  it('counts declined and cancelled calls too, but not answered ones', async () => {
    const server = await startServer({ RINGS_PER_PAIR: '2' });
    const [mallory, victim] = await Promise.all([createUser(server, 'mallory'), createUser(server, 'victim')]);
    const cancelled = await dial(server, mallory, victim);
    await request(server, 'POST', `/calls/${cancelled.body.callId}/end`, { token: mallory.token });
    const declined = await dial(server, mallory, victim);
    await request(server, 'POST', `/calls/${declined.body.callId}/end`, { token: victim.token });
    expect((await dial(server, mallory, victim)).status).toBe(429);
    // The victim calling back is another pair.
    expect((await dial(server, victim, mallory)).status).toBe(201);
  });
});
