import { describe, expect, it } from 'vitest';
import { createUser, request, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { connect, type TestClient } from '@parley/testkit';

/** POST /calls from `callerWs` (or without a connection id); returns the whole 201 body. */
async function call(server: TestServer, caller: TestUser, callee: TestUser, callerWs?: TestClient) {
  const created = await request(server, 'POST', '/calls', {
    token: caller.token,
    body: { calleeId: callee.id, ...(callerWs ? { connectionId: callerWs.connectionId } : {}) },
  });
  expect(created.status).toBe(201);
  return created.body as { callId: string; ringing: boolean };
}

describe('calling versus ringing', () => {
  it('POST /calls says ringing: true when a device of the callee was rung, and no call:ringing follows', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const { callId, ringing } = await call(server, alice, bob, aliceWs);
    expect(ringing).toBe(true);
    await bobWs.next('call:incoming', (m) => m.payload.callId === callId);
    // A second device of Bob's coming online rings too, but the caller already knows it rings.
    const bobTab2 = await connect(server, bob);
    await bobTab2.next('call:incoming', (m) => m.payload.callId === callId);
    await aliceWs.expectNone('call:ringing', 300);
  });

  it('says ringing: false for an offline callee, then sends call:ringing once when their first device connects', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const { callId, ringing } = await call(server, alice, bob, aliceWs);
    expect(ringing).toBe(false);
    await aliceWs.expectNone('call:ringing', 200);

    const bobWs = await connect(server, bob);
    await bobWs.next('call:incoming', (m) => m.payload.callId === callId);
    expect((await aliceWs.next('call:ringing')).payload).toEqual({ callId });
    // At most once per call.
    const bobTab2 = await connect(server, bob);
    await bobTab2.next('call:incoming', (m) => m.payload.callId === callId);
    await aliceWs.expectNone('call:ringing', 300);
  });

  it('tells only the caller connection that carries the call', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, aliceTab2] = await Promise.all([connect(server, alice), connect(server, alice)]);
    const { callId } = await call(server, alice, bob, aliceWs);
    await connect(server, bob);
    expect((await aliceWs.next('call:ringing')).payload.callId).toBe(callId);
    await aliceTab2.expectNone('call:ringing', 300);
  });

  it('tells every caller connection when the call was placed without a connectionId (seed clients)', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, aliceTab2] = await Promise.all([connect(server, alice), connect(server, alice)]);
    const { callId } = await call(server, alice, bob);
    await connect(server, bob);
    expect((await aliceWs.next('call:ringing')).payload.callId).toBe(callId);
    expect((await aliceTab2.next('call:ringing')).payload.callId).toBe(callId);
  });

  it('says nothing once the call no longer rings', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const { callId } = await call(server, alice, bob, aliceWs);
    expect((await request(server, 'POST', `/calls/${callId}/end`, { token: alice.token })).status).toBe(200);
    const bobWs = await connect(server, bob);
    await bobWs.expectNone('call:incoming', 200);
    await aliceWs.expectNone('call:ringing', 200);
  });
});

describe('voice calls', () => {
  it('passes media: audio from POST /calls to every call:incoming of the call, and says nothing for a video call', async () => {
    const server = await startServer();
    const [alice, bob, carol, dave] = await Promise.all([createUser(server), createUser(server), createUser(server), createUser(server)]);
    const [aliceWs, bobWs, carolWs, daveWs] = await Promise.all([connect(server, alice), connect(server, bob), connect(server, carol), connect(server, dave)]);
    const created = await request(server, 'POST', '/calls', {
      token: alice.token,
      body: { calleeId: bob.id, connectionId: aliceWs.connectionId, media: 'audio' },
    });
    expect(created.status).toBe(201);
    const { callId } = created.body as { callId: string };
    expect((await bobWs.next('call:incoming', (m) => m.payload.callId === callId)).payload.media).toBe('audio');
    // A device that connects while it rings hears the same.
    const bobTab2 = await connect(server, bob);
    expect((await bobTab2.next('call:incoming', (m) => m.payload.callId === callId)).payload.media).toBe('audio');

    // A seed-style call (no media field) is a video call: call:incoming carries no media field.
    const { callId: videoCall } = await call(server, carol, dave, carolWs);
    const ring = await daveWs.next('call:incoming', (m) => m.payload.callId === videoCall);
    expect(ring.payload).not.toHaveProperty('media');
  });

  it('refuses an unknown media kind', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const created = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id, media: 'hologram' } });
    expect(created.status).toBe(400);
  });
});
