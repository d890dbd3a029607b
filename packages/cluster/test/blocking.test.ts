import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, Client, createUser, endpointOf, type Endpoint, type User } from './helpers/clients.js';
import { startCluster } from './helpers/setup.js';

const involves = (id: string) => (m: { type: string; payload?: unknown }) =>
  m.type === 'presence' && JSON.stringify(m.payload).includes(id);

/** Blocks, the per-pair ring limit and a call's kind are rows in PostgreSQL: a node that did not take the request applies them. */
describe('what one node writes in the database holds on the other', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let at: Endpoint[];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2, env: { RINGS_PER_PAIR: '2', PRESENCE_BATCH_MS: '50' } });
    at = cluster.nodes.map((node) => endpointOf(node.url));
  });
  afterAll(async () => cluster?.done());

  const onlineOf = async (node: Endpoint, viewer: User, user: User) => {
    const list = await api(node, 'GET', `/users?q=${user.username}`, { token: viewer.token });
    return (list.body as { id: string; online: boolean }[]).find((u) => u.id === user.id)?.online;
  };

  it('a block made on one node refuses the call and hides presence on the other', async () => {
    const [alice, bob, carol] = [await createUser(at[0]!, 'alice'), await createUser(at[0]!, 'bob'), await createUser(at[0]!, 'carol')];
    const aliceWs = await Client.connect(at[1]!, alice);
    const carolWs = await Client.connect(at[1]!, carol);
    let bobWs = await Client.connect(at[0]!, bob);
    await carolWs.next('presence', (m) => m.payload.online.includes(bob.id));

    expect((await api(at[0]!, 'PUT', `/users/${bob.id}/block`, { token: bob.token })).status).toBe(400);
    expect((await api(at[0]!, 'PUT', `/users/${alice.id}/block`, { token: bob.token })).status).toBe(204);
    // Alice's socket is on the other node: she is told bob went offline.
    await aliceWs.next('presence', (m) => m.payload.offline.includes(bob.id));
    const refused = await api(at[1]!, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'CALLEE_BUSY']);
    expect(await onlineOf(at[1]!, alice, bob)).toBe(false);
    expect(await onlineOf(at[1]!, carol, bob)).toBe(true);

    // Bob comes back on node 0: node 1 shows it to carol, not to alice.
    const heardBefore = aliceWs.received.filter(involves(bob.id)).length;
    bobWs.close();
    await carolWs.next('presence', (m) => m.payload.offline.includes(bob.id));
    bobWs = await Client.connect(at[0]!, bob);
    await carolWs.next('presence', (m) => m.payload.online.includes(bob.id));
    expect(aliceWs.received.filter(involves(bob.id)).length).toBe(heardBefore);

    expect((await api(at[1]!, 'DELETE', `/users/${alice.id}/block`, { token: bob.token })).status).toBe(204);
    await aliceWs.next('presence', (m) => m.payload.online.includes(bob.id));
    expect((await api(at[1]!, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } })).status).toBe(201);
    bobWs.close();
  });

  it('counts a pair’s unanswered calls whichever node placed them', async () => {
    const [mallory, victim] = [await createUser(at[0]!, 'mallory'), await createUser(at[1]!, 'victim')];
    for (const node of [at[0]!, at[1]!]) {
      const call = await api(node, 'POST', '/calls', { token: mallory.token, body: { calleeId: victim.id } });
      expect(call.status).toBe(201);
      expect((await api(node, 'POST', `/calls/${call.body.callId}/end`, { token: mallory.token })).status).toBe(200);
    }
    const third = await api(at[0]!, 'POST', '/calls', { token: mallory.token, body: { calleeId: victim.id } });
    expect([third.status, third.body.error.code]).toEqual([429, 'RATE_LIMITED']);
  });
  it('a voice call placed on one node rings as a voice call on the other (the kind is in the row)', async () => {
    const [dana, erin] = [await createUser(at[0]!, 'dana'), await createUser(at[0]!, 'erin')];
    const danaWs = await Client.connect(at[0]!, dana);
    const placed = await api(at[0]!, 'POST', '/calls', { token: dana.token, body: { calleeId: erin.id, connectionId: danaWs.connectionId, media: 'audio' } });
    expect(placed.status).toBe(201);
    // Erin was offline; her first device connects to the other node, which did not take the POST.
    const erinWs = await Client.connect(at[1]!, erin);
    const incoming = await erinWs.next('call:incoming');
    expect(incoming.payload).toMatchObject({ callId: placed.body.callId, media: 'audio' });
    expect((await api(at[1]!, 'POST', `/calls/${placed.body.callId}/end`, { token: erin.token })).status).toBe(200);
  });
});
