import { CLOSE_CODES } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, Client, createUser, endpointOf, type Endpoint } from './helpers/clients.js';
import { startCluster } from './helpers/setup.js';

/** A socket's close, or a failure after `ms` (the end of a session must reach it within a second or two). */
const closedWithin = (client: Client, ms: number) =>
  Promise.race([client.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms))]);

/** Ending a session on one node ends it on the other: its sockets there close with 4001, its token is refused there. */
describe('sessions ended across two nodes', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let at: Endpoint[];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    at = cluster.nodes.map((node) => endpointOf(node.url));
  });
  afterAll(async () => cluster?.done());

  it('a logout on node 0 closes that session’s socket on node 1 and refuses its token there; another session stays', async () => {
    const alice = await createUser(at[0]!, 'alice');
    const second = await api(at[1]!, 'POST', '/auth/login', { body: { username: alice.username, password: alice.password } });
    const other = { ...alice, token: second.body.accessToken as string };
    const loggedOut = await Client.connect(at[1]!, alice);
    const stays = await Client.connect(at[0]!, other);

    expect((await api(at[0]!, 'POST', '/auth/logout', { token: alice.token })).status).toBe(204);
    expect((await closedWithin(loggedOut, 5_000)).code).toBe(CLOSE_CODES.TOKEN_EXPIRED);
    await expect.poll(async () => (await api(at[1]!, 'GET', '/users/me', { token: alice.token })).status, { timeout: 5_000 }).toBe(401);
    expect((await api(at[1]!, 'GET', '/users/me', { token: other.token })).status).toBe(200);
    expect(stays.socket.readyState).toBe(stays.socket.OPEN);
  });

  it('deleting the account on node 1 closes its sockets on node 0 and ends its call there', async () => {
    const [bob, carol] = [await createUser(at[0]!, 'bob'), await createUser(at[0]!, 'carol')];
    const bobWs = await Client.connect(at[0]!, bob);
    const carolWs = await Client.connect(at[0]!, carol);
    const call = await api(at[0]!, 'POST', '/calls', { token: carol.token, body: { calleeId: bob.id, connectionId: carolWs.connectionId } });
    expect(call.status).toBe(201);
    await bobWs.next('call:incoming');

    const deleted = await api(at[1]!, 'DELETE', '/users/me', { token: bob.token, body: { password: bob.password } });
    expect(deleted.status).toBe(204);
    expect((await closedWithin(bobWs, 5_000)).code).toBe(CLOSE_CODES.TOKEN_EXPIRED);
    expect((await carolWs.next('call:ended')).payload.callId).toBe(call.body.callId);
    expect((await api(at[0]!, 'POST', '/auth/login', { body: { username: bob.username, password: bob.password } })).status).toBe(401);
  });
});
