import { connect } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import { ring } from './helpers/calls.js';
import { createUser, request, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

const block = (server: TestServer, blocker: TestUser, blocked: { id: string }) => request(server, 'PUT', `/users/${blocked.id}/block`, { token: blocker.token });
const unblock = (server: TestServer, blocker: TestUser, blocked: { id: string }) => request(server, 'DELETE', `/users/${blocked.id}/block`, { token: blocker.token });
const dial = (server: TestServer, caller: TestUser, callee: TestUser) => request(server, 'POST', '/calls', { token: caller.token, body: { calleeId: callee.id } });
const onlineOf = async (server: TestServer, viewer: TestUser, user: TestUser) => {
  const list = await request(server, 'GET', `/users?q=${user.username}`, { token: viewer.token });
  return list.body.find((u: { id: string }) => u.id === user.id)?.online as boolean | undefined;
};

describe('PUT /users/:id/block', () => {
  it('refuses the blocked user’s calls as busy, without ringing, and only theirs', async () => {
    const server = await startServer();
    const [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    const bobWs = await connect(server, bob);
    expect((await block(server, bob, alice)).status).toBe(204);
    const refused = await dial(server, alice, bob);
    // The same answer as for a callee in another call: the caller cannot tell that they are blocked.
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: { code: 'CALLEE_BUSY', message: 'bob is unavailable' } });
    await bobWs.expectNone('call:incoming');
    // Bob can still call alice, and carol can call bob.
    const carolWs = await connect(server, carol);
    await ring(server, carol, carolWs, bob, bobWs);
  });

  it('is idempotent, listed in GET /blocks, and undone by DELETE', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
    expect((await block(server, bob, alice)).status).toBe(204);
    expect((await block(server, bob, alice)).status).toBe(204);
    const list = await request(server, 'GET', '/blocks', { token: bob.token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{ id: alice.id, username: 'alice', blockedAt: expect.any(String) }]);
    expect((await request(server, 'GET', '/blocks', { token: alice.token })).body).toEqual([]);
    expect((await unblock(server, bob, alice)).status).toBe(204);
    expect((await unblock(server, bob, alice)).status).toBe(204);
    expect((await request(server, 'GET', '/blocks', { token: bob.token })).body).toEqual([]);
    expect((await dial(server, alice, bob)).status).toBe(201);
  });

  it('answers 404 for an unknown or malformed id, 400 for yourself, 401 without a token', async () => {
    const server = await startServer();
    const bob = await createUser(server, 'bob');
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await block(server, bob, { id });
      expect([res.status, res.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
      expect((await unblock(server, bob, { id })).status).toBe(404);
    }
    const self = await block(server, bob, bob);
    expect([self.status, self.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await request(server, 'PUT', `/users/${bob.id}/block`)).status).toBe(401);
    expect((await request(server, 'DELETE', `/users/${bob.id}/block`)).status).toBe(401);
    expect((await request(server, 'GET', '/blocks')).status).toBe(401);
  });
});

describe('presence of a blocker', () => {
  it('is hidden from the blocked user in GET /users, shown to everyone else', async () => {
    const server = await startServer();
    const [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    await connect(server, bob);
    await block(server, bob, alice);
    expect(await onlineOf(server, alice, bob)).toBe(false);
    expect(await onlineOf(server, carol, bob)).toBe(true);
    await unblock(server, bob, alice);
    expect(await onlineOf(server, alice, bob)).toBe(true);
  });

  it('is left out of the presence frames the blocked user gets, not those of others', async () => {
    const server = await startServer({ PRESENCE_BATCH_MS: '20' });
    const [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    await block(server, bob, alice);
    const aliceWs = await connect(server, alice);
    const carolWs = await connect(server, carol);
    aliceWs.drain();
    carolWs.drain();
    const bobWs = await connect(server, bob);
    await carolWs.next('presence', (m) => m.payload.online.includes(bob.id));
    // A batch with both bob and someone else: alice gets the rest of it.
    await bobWs.close();
    const dave = await createUser(server, 'dave');
    await connect(server, dave);
    await carolWs.next('presence', (m) => m.payload.online.includes(dave.id));
    await aliceWs.next('presence', (m) => m.payload.online.includes(dave.id));
    expect(aliceWs.received.some((m) => m.type === 'presence' && [...m.payload.online, ...m.payload.offline].includes(bob.id))).toBe(false);
  });

  it('turns offline for the blocked user when blocked while online, and back when unblocked', async () => {
    const server = await startServer({ PRESENCE_BATCH_MS: '20' });
    const [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
    await connect(server, bob);
    const aliceWs = await connect(server, alice);
    await block(server, bob, alice);
    await aliceWs.next('presence', (m) => m.payload.offline.includes(bob.id));
    await unblock(server, bob, alice);
    await aliceWs.next('presence', (m) => m.payload.online.includes(bob.id));
  });
});
