import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, Client, createUser, endpointOf, sleep, type Endpoint } from './helpers/clients.js';
import { counterSum, startCluster } from './helpers/setup.js';

/**
 * The direct links between nodes carry what one node sends another; Redis carries the broadcasts. The two paths
 * are not ordered with each other, so a node may hear the frames that follow a change before the change itself.
 * Redis is paused (SIGSTOP: connected, silent) to make that certain rather than likely.
 */
describe('direct links between two nodes', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let at: Endpoint[];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    at = cluster.nodes.map((n) => endpointOf(n.url));
  });
  afterAll(async () => cluster?.done());

  it('carry a call set-up while Redis is silent, and the caller’s node reads the accept from the database', async () => {
    // Each node opened its link to the other when it started.
    for (const node of cluster.nodes) await waitFor(async () => (await counterSum([node], 'parley_cluster_links', 'direction="out"')) === 1);
    const alice = await createUser(at[0]!);
    const bob = await createUser(at[1]!);
    const aliceWs = await Client.connect(at[0]!, alice);
    const bobWs = await Client.connect(at[1]!, bob);
    const created = await api(at[0]!, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id, connectionId: aliceWs.connectionId } });
    const callId = created.body.callId as string;
    await bobWs.next('call:incoming');

    const redis = cluster.redis.process.pid!;
    process.kill(redis, 'SIGSTOP');
    try {
      // bob's node writes the accept to the database; the news of it (the call's row, broadcast) waits in Redis,
      // while the accept and the offer for alice's socket go over the link.
      bobWs.send({ type: 'call:accept', payload: { callId } });
      bobWs.send({ type: 'webrtc:offer', payload: { callId, sdp: 'v=0 offer' } });
      await aliceWs.next('call:accept', undefined, 5_000);
      await aliceWs.next('webrtc:offer', undefined, 5_000);
      // alice's node still holds the call as ringing: it must not refuse her answer as "not active".
      aliceWs.send({ type: 'webrtc:answer', payload: { callId, sdp: 'v=0 answer' } });
      aliceWs.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } } });
      expect((await bobWs.next('webrtc:answer', undefined, 5_000)).payload.sdp).toBe('v=0 answer');
      await bobWs.next('webrtc:ice-candidate', undefined, 5_000);
      expect(aliceWs.count('error')).toBe(0);
    } finally {
      process.kill(redis, 'SIGCONT');
    }
    // Nothing of it went through Redis at the time: the frames crossed over the links (counted by path).
    expect(await counterSum(cluster.nodes, 'parley_cluster_bus_sends_total', 'path="link"')).toBeGreaterThanOrEqual(3);
    aliceWs.close();
    bobWs.close();
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}
