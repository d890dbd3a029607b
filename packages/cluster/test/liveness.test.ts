import { CLOSE_CODES } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, callAcross, Client, createUser, endpointOf, sleep, type Endpoint, type User } from './helpers/clients.js';
import { counterSum, FAST, startCluster } from './helpers/setup.js';

const GRACE_MS = Number(FAST.CALL_RECONNECT_GRACE_MS);
const DEAD_AFTER_MS = Number(FAST.CLUSTER_NODE_DEAD_AFTER_MS);

let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
afterEach(async () => {
  await cluster?.done();
  cluster = undefined;
});

async function status(at: Endpoint, user: User, callId: string) {
  return (await api(at, 'GET', `/calls/${callId}`, { token: user.token })).body;
}

describe('a node dies', () => {
  it('kill -9 mid-call: the other side hears its peer is away; alice reconnects to another node and rejoins; the call goes on', async () => {
    cluster = await startCluster({ nodes: 2 });
    const [a, b] = [endpointOf(cluster.node(0).url), endpointOf(cluster.node(1).url)];
    const { alice, aliceWs, bobWs, callId } = await callAcross(a, b);
    const killedAt = Date.now();
    await cluster.node(0).kill();
    expect((await aliceWs.closed).code).toBe(1006);
    // Within the dead-after: the reaper puts alice's side into its grace, as if her socket had closed.
    const away = await bobWs.next('call:peer-connection', undefined, DEAD_AFTER_MS + 3_000);
    expect(away.payload).toEqual({ callId, connected: false, graceMs: GRACE_MS });
    expect(Date.now() - killedAt).toBeLessThan(DEAD_AFTER_MS + 2_000);
    const again = await Client.connect(b, alice);
    again.send({ type: 'call:rejoin', payload: { callId } });
    expect((await again.next('call:rejoined')).payload.role).toBe('caller');
    expect((await bobWs.next('call:peer-connection')).payload).toEqual({ callId, connected: true });
    // Past the grace it is still active, and signaling flows both ways on the new connection.
    await sleep(GRACE_MS + 500);
    expect((await status(b, alice, callId)).status).toBe('active');
    again.send({ type: 'webrtc:offer', payload: { callId, sdp: 'v=0 after the node died' } });
    expect((await bobWs.next('webrtc:offer')).payload.sdp).toBe('v=0 after the node died');
    bobWs.send({ type: 'webrtc:answer', payload: { callId, sdp: 'v=0 answer' } });
    expect((await again.next('webrtc:answer')).payload.sdp).toBe('v=0 answer');
  });

  it('kill -9 mid-call and nobody comes back: the call ends connection_lost exactly once, after the grace', async () => {
    cluster = await startCluster({ nodes: 2 });
    const [a, b] = [endpointOf(cluster.node(0).url), endpointOf(cluster.node(1).url)];
    const { alice, bobWs, callId } = await callAcross(a, b);
    await cluster.node(0).kill();
    const away = Date.now();
    await bobWs.next('call:peer-connection', (m) => !m.payload.connected, DEAD_AFTER_MS + 3_000);
    const ended = await bobWs.next('call:ended', undefined, DEAD_AFTER_MS + GRACE_MS + 5_000);
    expect(ended.payload).toEqual({ callId, reason: 'connection_lost' });
    expect(Date.now() - away).toBeGreaterThanOrEqual(GRACE_MS - 200);
    await sleep(1_000);
    expect(bobWs.count('call:ended')).toBe(1);
    expect(await status(b, alice, callId)).toMatchObject({ status: 'ended', endReason: 'connection_lost' });
    expect(await counterSum([cluster.node(1)], 'parley_calls_ended_total', 'reason="connection_lost"')).toBe(1);
  });

  it('a node paused past the dead-after and resumed fences itself: its sockets close with 1012, it joins again under a new name', async () => {
    cluster = await startCluster({ nodes: 2 });
    const [a, b] = [endpointOf(cluster.node(0).url), endpointOf(cluster.node(1).url)];
    const { alice, aliceWs, bobWs, callId } = await callAcross(a, b);
    const oldNode = aliceWs.node;
    cluster.node(0).signal('SIGSTOP');
    await bobWs.next('call:peer-connection', (m) => !m.payload.connected, DEAD_AFTER_MS + 3_000);
    cluster.node(0).signal('SIGCONT');
    const closed = await aliceWs.closed;
    expect(closed.code).toBe(CLOSE_CODES.SERVICE_RESTART);
    // The same process serves again, under a new name, and the call can come back to it.
    const again = await Client.connect(a, alice);
    expect(again.node).not.toBe(oldNode);
    again.send({ type: 'call:rejoin', payload: { callId } });
    await again.next('call:rejoined');
    again.send({ type: 'webrtc:offer', payload: { callId, sdp: 'v=0 fenced and back' } });
    expect((await bobWs.next('webrtc:offer')).payload.sdp).toBe('v=0 fenced and back');
    expect(await counterSum([cluster.node(0)], 'parley_cluster_fenced_total')).toBe(1);
    expect((await status(a, alice, callId)).status).toBe('active');
  });
});

describe('nodes come and go on purpose', () => {
  it('a node added mid-run ends no call and serves the calls already there', async () => {
    // The call must still ring once the new node is up: starting one takes seconds on a busy machine.
    cluster = await startCluster({ nodes: 2, env: { CALL_RING_TIMEOUT_MS: '60000' } });
    const [a, b] = [endpointOf(cluster.node(0).url), endpointOf(cluster.node(1).url)];
    const first = await callAcross(a, b);
    const ringing = await createUser(a);
    const ringingCallee = await createUser(b);
    const ringingWs = await Client.connect(a, ringing);
    const rung = await api(b, 'POST', '/calls', { token: ringing.token, body: { calleeId: ringingCallee.id, connectionId: ringingWs.connectionId } });
    const added = await cluster.addNode();
    const c = endpointOf(added.url);
    // The new node knows both calls: the callee connecting there is rung, and the active call relays through it.
    const calleeOnC = await Client.connect(c, ringingCallee);
    expect((await calleeOnC.next('call:incoming')).payload.callId).toBe(rung.body.callId);
    const bobOnC = await Client.connect(c, first.bob);
    bobOnC.send({ type: 'call:rejoin', payload: { callId: first.callId } });
    await bobOnC.next('call:rejoined');
    // Alice's node learns of the new binding on the bus ahead of the peer-connection it forwards to her; an offer
    // sent before she hears it could still go to bob's old socket (as a real client only renegotiates after it).
    await first.aliceWs.next('call:peer-connection', (m) => m.payload.connected);
    first.aliceWs.send({ type: 'webrtc:offer', payload: { callId: first.callId, sdp: 'v=0 to the new node' } });
    expect((await bobOnC.next('webrtc:offer')).payload.sdp).toBe('v=0 to the new node');
    expect((await status(c, first.alice, first.callId)).status).toBe('active');
    expect(first.aliceWs.count('call:ended')).toBe(0);
  });

  it('SIGTERM drains: its sockets close with 1001, their calls wait in the grace (not ended), and it leaves the directory', async () => {
    cluster = await startCluster({ nodes: 2 });
    const [a, b] = [endpointOf(cluster.node(0).url), endpointOf(cluster.node(1).url)];
    const { alice, bob, aliceWs, bobWs, callId } = await callAcross(a, b);
    const draining = cluster.node(0).stop();
    expect((await aliceWs.closed).code).toBe(CLOSE_CODES.GOING_AWAY);
    expect((await bobWs.next('call:peer-connection')).payload).toEqual({ callId, connected: false, graceMs: GRACE_MS });
    await draining;
    expect((await status(b, bob, callId)).status).toBe('active');
    // Alice's only socket was there: she is offline now, without waiting for a reaper.
    const users = await api(b, 'GET', '/users', { token: bob.token });
    expect(users.body.find((u: { id: string }) => u.id === alice.id)?.online).toBe(false);
    const again = await Client.connect(b, alice);
    again.send({ type: 'call:rejoin', payload: { callId } });
    await again.next('call:rejoined');
    await sleep(GRACE_MS + 300);
    expect((await status(b, bob, callId)).status).toBe('active');
    expect(await counterSum([cluster.node(1)], 'parley_cluster_nodes_reaped_total')).toBe(0);
  });
});
