import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, Client, createUser, endpointOf, sleep, type User } from './helpers/clients.js';
import { counterSum, startCluster } from './helpers/setup.js';

/** Longer than placing 200 calls takes on a loaded machine: the doomed node must die before any of its deadlines. */
const RING_MS = 8_000;

/**
 * Deadlines live in the call's row, not in a timer of the node that set them: the node that created a call arms a
 * precise timer, every node sweeps for overdue rows, and the end is a conditional write, so each call ends once
 * even when its node has died.
 */
describe('ring deadlines across nodes', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2, env: { CALL_RING_TIMEOUT_MS: String(RING_MS) } });
  });
  afterAll(async () => cluster?.done());

  it('200 unanswered calls, half of them created by a node that is then killed: each ends missed once, within ring time + 1 s', async () => {
    const [doomed, survivor] = [endpointOf(cluster.node(0).url), endpointOf(cluster.node(1).url)];
    const PAIRS = 200;
    const users: User[] = [];
    for (let i = 0; i < 2 * PAIRS; i += 40) {
      users.push(...(await Promise.all(Array.from({ length: Math.min(40, 2 * PAIRS - i) }, () => createUser(survivor)))));
    }
    // Every socket on the node that survives: what is tested is the deadline, not the sockets.
    const sockets: Client[] = [];
    for (let i = 0; i < users.length; i += 50) sockets.push(...(await Promise.all(users.slice(i, i + 50).map((u) => Client.connect(survivor, u)))));
    const created: { callId: string; caller: Client; callee: Client; token: string; at: number }[] = [];
    await Promise.all(
      Array.from({ length: PAIRS }, async (_, i) => {
        const caller = users[2 * i]!;
        const callee = users[2 * i + 1]!;
        const via = i % 2 === 0 ? doomed : survivor;
        const res = await api(via, 'POST', '/calls', { token: caller.token, body: { calleeId: callee.id, connectionId: sockets[2 * i]!.connectionId } });
        expect(res.status).toBe(201);
        created.push({ callId: res.body.callId, caller: sockets[2 * i]!, callee: sockets[2 * i + 1]!, token: caller.token, at: Date.parse(res.body.ringExpiresAt) });
      }),
    );
    const firstDeadline = Math.min(...created.map((c) => c.at));
    expect(firstDeadline - Date.now(), 'placing the calls took longer than a ring').toBeGreaterThan(500);
    expect(await counterSum([cluster.node(0)], 'parley_calls_ended_total', 'reason="missed"')).toBe(0);
    await cluster.node(0).kill();
    const lastDeadline = Math.max(...created.map((c) => c.at));
    const ends = await Promise.all(
      created.flatMap((c) => [c.caller, c.callee].map((ws) => ws.next('call:ended', (m) => m.payload.callId === c.callId, RING_MS + 15_000).then((m) => ({ m, at: Date.now(), c })))),
    );
    for (const { m, at, c } of ends) {
      expect(m.payload.reason).toBe('missed');
      expect(at - c.at, `call ${c.callId} ended ${at - c.at} ms after its deadline`).toBeLessThanOrEqual(1_000);
    }
    expect(Date.now() - lastDeadline).toBeLessThan(5_000);
    await sleep(500);
    // Exactly once: one call:ended per side, the database agrees, and the surviving node counted every one of them.
    for (const c of created) {
      expect(c.caller.count('call:ended', (m) => m.type === 'call:ended' && m.payload.callId === c.callId)).toBe(1);
      expect(c.callee.count('call:ended', (m) => m.type === 'call:ended' && m.payload.callId === c.callId)).toBe(1);
    }
    const stored = await Promise.all(created.map((c) => api(survivor, 'GET', `/calls/${c.callId}`, { token: c.token })));
    for (const res of stored) expect(res.body).toMatchObject({ status: 'ended', endReason: 'missed' });
    expect(await counterSum([cluster.node(1)], 'parley_calls_ended_total', 'reason="missed"')).toBe(PAIRS);
    for (const ws of sockets) ws.close();
  });
});
