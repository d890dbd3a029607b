import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, Client, createUser, endpointOf, type Endpoint } from './helpers/clients.js';
import { startCluster } from './helpers/setup.js';

/** Races across three nodes: every transition is one conditional write in PostgreSQL, so exactly one wins. */
describe('races across three nodes', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let at: Endpoint[];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
    at = cluster.nodes.map((node) => endpointOf(node.url));
  });
  afterAll(async () => cluster?.done());

  it('100 concurrent calls for one pair, both users dialling each other, on all nodes: exactly one rings', async () => {
    const alice = await createUser(at[0]!);
    const bob = await createUser(at[1]!);
    const attempts = Array.from({ length: 100 }, (_, i) => {
      const [caller, callee] = i % 2 === 0 ? [alice, bob] : [bob, alice];
      return api(at[i % 3]!, 'POST', '/calls', { token: caller.token, body: { calleeId: callee.id } });
    });
    const results = await Promise.all(attempts);
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    const callId = created[0]!.body.callId as string;
    for (const refused of results.filter((r) => r.status !== 201)) {
      expect(refused.status).toBe(409);
      // Both are in that one call: whoever dialled is told so, with its id.
      expect(refused.body.error).toMatchObject({ code: 'CALLER_BUSY', callId });
    }
    const live = await api(at[2]!, 'GET', `/calls/${callId}`, { token: alice.token });
    expect(live.body.status).toBe('created');
  });

  it('the callee’s three tabs on three nodes accept at once: one wins, the others hear it was answered elsewhere', async () => {
    const alice = await createUser(at[0]!);
    const bob = await createUser(at[0]!);
    const aliceWs = await Client.connect(at[0]!, alice);
    const tabs = await Promise.all(at.map((node) => Client.connect(node, bob)));
    expect(new Set(tabs.map((t) => t.node)).size).toBe(3);
    const created = await api(at[1]!, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id, connectionId: aliceWs.connectionId } });
    expect(created.status).toBe(201);
    const callId = created.body.callId as string;
    await Promise.all(tabs.map((tab) => tab.next('call:incoming')));
    for (const tab of tabs) tab.send({ type: 'call:accept', payload: { callId } });
    const outcomes = await Promise.all(
      tabs.map((tab) =>
        Promise.race([
          tab.next('call:accept').then(() => 'won' as const),
          tab.next('error').then((e) => e.payload.code),
        ]),
      ),
    );
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'won').sort()).toEqual(['CALL_ANSWERED_ELSEWHERE', 'CALL_ANSWERED_ELSEWHERE']);
    const losers = tabs.filter((_, i) => outcomes[i] !== 'won');
    for (const loser of losers) expect((await loser.next('call:ended')).payload).toEqual({ callId, reason: 'answered_elsewhere' });
    expect((await aliceWs.next('call:accept')).payload).toEqual({ callId });
    expect(aliceWs.count('call:accept')).toBe(1);
  });

  it('hang-ups from both sides on different nodes at once end the call once, one call:ended each', async () => {
    const alice = await createUser(at[0]!);
    const bob = await createUser(at[1]!);
    const aliceWs = await Client.connect(at[0]!, alice);
    const bobWs = await Client.connect(at[1]!, bob);
    const created = await api(at[2]!, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id, connectionId: aliceWs.connectionId } });
    const callId = created.body.callId as string;
    await bobWs.next('call:incoming');
    bobWs.send({ type: 'call:accept', payload: { callId } });
    await aliceWs.next('call:accept');
    const ends = await Promise.all([
      api(at[0]!, 'POST', `/calls/${callId}/end`, { token: alice.token }),
      api(at[1]!, 'POST', `/calls/${callId}/end`, { token: bob.token }),
      api(at[2]!, 'POST', `/calls/${callId}/end`, { token: alice.token }),
    ]);
    expect(ends.map((e) => e.status)).toEqual([200, 200, 200]);
    expect(new Set(ends.map((e) => e.body.endReason))).toEqual(new Set(['hangup']));
    await Promise.all([aliceWs.next('call:ended'), bobWs.next('call:ended')]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([aliceWs.count('call:ended'), bobWs.count('call:ended')]).toEqual([1, 1]);
  });
});
