import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, callAcross, Client, createUser, endpointOf, sleep, type Endpoint, type User } from './helpers/clients.js';
import { startCluster } from './helpers/setup.js';

const readiness = async (node: { url: string }) => (await fetch(`${node.url}/readyz`)).status;
const liveness = async (node: { url: string }) => (await fetch(`${node.url}/healthz`)).status;

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not within ${timeoutMs} ms`);
    await sleep(50);
  }
  return Date.now() - started;
}

/**
 * Redis is the doorbell, PostgreSQL the ledger: while Redis is away the nodes keep serving what they can, say they
 * are not ready, and no call ends; when it comes back empty, each node re-asserts its directory entries and tells
 * its sockets what they may have missed.
 */
describe('Redis stopped for 5 s under load and restarted empty', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let at: Endpoint[];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    at = cluster.nodes.map((n) => endpointOf(n.url));
  });
  afterAll(async () => cluster?.done());

  it('ends no call, answers /readyz 503 then 200 (/healthz 200 throughout), and presence and the directory recover', async () => {
    const PAIRS = 10;
    const calls: { alice: User; bob: User; aliceWs: Client; bobWs: Client; callId: string }[] = [];
    for (let i = 0; i < PAIRS; i += 1) calls.push(await callAcross(at[i % 2]!, at[(i + 1) % 2]!));
    // Load: every caller trickles candidates to its peer on the other node, all along.
    let sent = 0;
    const trickle = setInterval(() => {
      for (const c of calls) {
        sent += 1;
        c.aliceWs.send({ type: 'webrtc:ice-candidate', payload: { callId: c.callId, candidate: `candidate:${sent}` } });
      }
    }, 50);
    try {
      await sleep(500);
      expect(calls.every((c) => c.bobWs.count('webrtc:ice-candidate') > 0)).toBe(true);

      await cluster.redis.stop();
      const stoppedAt = Date.now();
      for (const node of cluster.nodes) await until(`${node.name} unready`, async () => (await readiness(node)) === 503, 5_000);
      for (const node of cluster.nodes) expect(await liveness(node)).toBe(200);
      // Serving what it can meanwhile: REST works (PostgreSQL), and a user can still connect to a node.
      const late = await createUser(at[0]!);
      const lateWs = await Client.connect(at[0]!, late);
      await sleep(Math.max(0, 5_000 - (Date.now() - stoppedAt)));

      await cluster.redis.start();
      for (const node of cluster.nodes) await until(`${node.name} ready again`, async () => (await readiness(node)) === 200, 10_000);
      // Every active cross-node call is told its peer is there (renegotiate: a candidate may have been lost).
      await Promise.all(calls.flatMap((c) => [c.aliceWs, c.bobWs].map((ws) => ws.next('call:peer-connection', (m) => m.payload.connected && m.payload.callId === c.callId, 10_000))));
      const before = calls.map((c) => c.bobWs.count('webrtc:ice-candidate'));
      await sleep(500);
      calls.forEach((c, i) => expect(c.bobWs.count('webrtc:ice-candidate'), `call ${i} relays again`).toBeGreaterThan(before[i]!));

      // No call ended, on either side, and the database agrees.
      for (const c of calls) {
        expect(c.aliceWs.count('call:ended') + c.bobWs.count('call:ended')).toBe(0);
        expect((await api(at[0]!, 'GET', `/calls/${c.callId}`, { token: c.alice.token })).body.status).toBe('active');
      }
      // The directory is back: everyone connected (including the user who came during the outage) is online
      // from either node, and a user who connects now is seen at once.
      const viewer = await createUser(at[1]!);
      const online = async (node: Endpoint) => {
        const list = (await api(node, 'GET', '/users', { token: viewer.token })).body as { id: string; online: boolean }[];
        return new Set(list.filter((u) => u.online).map((u) => u.id));
      };
      const expected = [...calls.flatMap((c) => [c.alice.id, c.bob.id]), late.id];
      for (const node of at) {
        const seen = await online(node);
        for (const id of expected) expect(seen.has(id), `online on ${node.apiUrl}`).toBe(true);
      }
      lateWs.close();
      await until('the late user offline everywhere', async () => !(await online(at[1]!)).has(late.id), 5_000);
    } finally {
      clearInterval(trickle);
    }
  });
});
