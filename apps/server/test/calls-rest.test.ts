import { connect } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import { connectCall, ring } from './helpers/calls.js';
import { createUser, request } from './helpers/http.js';
import { startServer } from './helpers/server.js';

describe('POST /calls', () => {
  it('answers 201 created and rings every connection of the callee', async () => {
    const server = await startServer();
    const alice = await createUser(server, 'alice');
    const bob = await createUser(server, 'bob');
    const bobTab1 = await connect(server, bob);
    const bobTab2 = await connect(server, bob);
    const res = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ callId: expect.any(String), status: 'created', callee: { id: bob.id, username: 'bob' } });
    for (const tab of [bobTab1, bobTab2]) {
      const incoming = await tab.next('call:incoming');
      expect(incoming.payload).toMatchObject({ callId: res.body.callId, from: 'alice', callerId: alice.id });
    }
  });

  it('refuses to call yourself (400), an unknown user (404), a malformed id (400)', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const self = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: alice.id } });
    expect([self.status, self.body.error.code]).toEqual([400, 'CANNOT_CALL_SELF']);
    const unknown = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: '00000000-0000-4000-8000-000000000000' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    const malformed = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: "1' OR '1'='1" } });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const foreignConnection = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: alice.id, connectionId: 'nope' } });
    expect(foreignConnection.status).toBe(400);
  });

  it('answers 409 CALLEE_BUSY when the callee is in a call, without leaking that call’s id', async () => {
    const server = await startServer();
    const [alice, bob, carol] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const first = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    const res = await request(server, 'POST', '/calls', { token: carol.token, body: { calleeId: bob.id } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CALLEE_BUSY');
    expect(res.body.error.callId).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain(first.body.callId);
  });

  it('answers 409 CALLER_BUSY when the caller is already in a call', async () => {
    const server = await startServer();
    const [alice, bob, carol] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const first = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    const res = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: carol.id } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'CALLER_BUSY', callId: first.body.callId });
  });

  it('names the call ringing the caller when both call each other', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const bobCallsAlice = await request(server, 'POST', '/calls', { token: bob.token, body: { calleeId: alice.id } });
    const res = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    expect(res.status).toBe(409);
    expect(res.body.error.callId).toBe(bobCallsAlice.body.callId);
  });

  it('lets exactly one of many racing creates win', async () => {
    const server = await startServer();
    const bob = await createUser(server);
    const callers = await Promise.all(Array.from({ length: 8 }, () => createUser(server)));
    const results = await Promise.all(callers.map((c) => request(server, 'POST', '/calls', { token: c.token, body: { calleeId: bob.id } })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 201)!.body.callId;
    const stored = await request(server, 'GET', `/calls/${winner}`, { token: bob.token });
    expect(stored.body.status).toBe('created');
    for (const r of results.filter((r) => r.status === 409)) expect(r.body.error.code).toBe('CALLEE_BUSY');
  });

  it('limits call spam per user with 429', async () => {
    const server = await startServer({ CALLS_RATE_LIMIT_PER_MINUTE: '3' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const created = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
      statuses.push(created.status);
      if (created.status === 201) await request(server, 'POST', `/calls/${created.body.callId}/end`, { token: alice.token });
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it('answers 401 without a token', async () => {
    const server = await startServer();
    const res = await request(server, 'POST', '/calls', { body: { calleeId: '00000000-0000-4000-8000-000000000000' } });
    expect(res.status).toBe(401);
  });
});

describe('GET /calls/:id', () => {
  it('shows the call to its participants with timestamps', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    const res = await request(server, 'GET', `/calls/${callId}`, { token: bob.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      callId,
      status: 'active',
      callerId: alice.id,
      calleeId: bob.id,
      createdAt: expect.any(String),
      answeredAt: expect.any(String),
    });
  });

  it('answers 403 to a non-participant and 404 to an unknown or malformed id', async () => {
    const server = await startServer();
    const [alice, bob, eve] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const created = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    const foreign = await request(server, 'GET', `/calls/${created.body.callId}`, { token: eve.token });
    expect([foreign.status, foreign.body.error.code]).toEqual([403, 'NOT_A_PARTICIPANT']);
    const unknown = await request(server, 'GET', '/calls/00000000-0000-4000-8000-000000000000', { token: alice.token });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'CALL_NOT_FOUND']);
    const malformed = await request(server, 'GET', `/calls/${encodeURIComponent('../../etc/passwd')}`, { token: alice.token });
    expect(malformed.status).toBe(404);
  });
});

describe('POST /calls/:id/end', () => {
  it('hangs up an active call; the peer hears call:ended hangup; a second end is idempotent', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    const res = await request(server, 'POST', `/calls/${callId}/end`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ended', endReason: 'hangup' });
    expect((await bobWs.next('call:ended')).payload).toEqual({ callId, reason: 'hangup' });
    const again = await request(server, 'POST', `/calls/${callId}/end`, { token: bob.token });
    expect(again.body).toEqual({ status: 'ended', endReason: 'hangup' });
    const stored = await request(server, 'GET', `/calls/${callId}`, { token: alice.token });
    expect(stored.body).toMatchObject({ status: 'ended', endReason: 'hangup', endedAt: expect.any(String) });
  });

  it('cancels a ringing call when the caller ends it', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await ring(server, alice, aliceWs, bob, bobWs);
    const res = await request(server, 'POST', `/calls/${callId}/end`, { token: alice.token });
    expect(res.body.endReason).toBe('cancelled');
    expect((await bobWs.next('call:ended')).payload.reason).toBe('cancelled');
  });

  it('rejects a ringing call when the callee ends it', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await ring(server, alice, aliceWs, bob, bobWs);
    const res = await request(server, 'POST', `/calls/${callId}/end`, { token: bob.token });
    expect(res.body.endReason).toBe('rejected');
    expect((await aliceWs.next('call:ended')).payload.reason).toBe('rejected');
  });

  it('answers 403 to a non-participant and leaves the call alone', async () => {
    const server = await startServer();
    const [alice, bob, eve] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const created = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    const res = await request(server, 'POST', `/calls/${created.body.callId}/end`, { token: eve.token });
    expect(res.status).toBe(403);
    const still = await request(server, 'GET', `/calls/${created.body.callId}`, { token: alice.token });
    expect(still.body.status).toBe('created');
  });

  it('answers 404 for an unknown call', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const res = await request(server, 'POST', '/calls/00000000-0000-4000-8000-000000000000/end', { token: alice.token });
    expect(res.status).toBe(404);
  });

  it('frees both users to call again', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const first = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    await request(server, 'POST', `/calls/${first.body.callId}/end`, { token: alice.token });
    const second = await request(server, 'POST', '/calls', { token: bob.token, body: { calleeId: alice.id } });
    expect(second.status).toBe(201);
  });
});

describe('GET /calls (history)', () => {
  it('lists my calls newest first with the other party, direction and duration, paged by `before`', async () => {
    const server = await startServer();
    const [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const answered = await connectCall(server, alice, aliceWs, bob, bobWs);
    await new Promise((r) => setTimeout(r, 30));
    await request(server, 'POST', `/calls/${answered}/end`, { token: bob.token });
    await new Promise((r) => setTimeout(r, 5));
    const missed = await request(server, 'POST', '/calls', { token: carol.token, body: { calleeId: alice.id } });
    await request(server, 'POST', `/calls/${missed.body.callId}/end`, { token: carol.token });

    const page = await request(server, 'GET', '/calls', { token: alice.token });
    expect(page.status).toBe(200);
    expect(page.body).toHaveLength(2);
    expect(page.body[0]).toMatchObject({ callId: missed.body.callId, direction: 'incoming', peer: { id: carol.id, username: 'carol' }, endReason: 'cancelled' });
    expect(page.body[0].durationMs).toBeUndefined();
    expect(page.body[1]).toMatchObject({ callId: answered, direction: 'outgoing', peer: { username: 'bob' }, endReason: 'hangup' });
    expect(page.body[1].durationMs).toBeGreaterThanOrEqual(20);

    const first = await request(server, 'GET', '/calls?limit=1', { token: alice.token });
    expect(first.body.map((c: { callId: string }) => c.callId)).toEqual([missed.body.callId]);
    const next = await request(server, 'GET', `/calls?limit=1&before=${encodeURIComponent(first.body[0].createdAt)}`, { token: alice.token });
    expect(next.body.map((c: { callId: string }) => c.callId)).toEqual([answered]);

    const bobsView = await request(server, 'GET', '/calls', { token: bob.token });
    expect(bobsView.body.map((c: { callId: string }) => c.callId)).toEqual([answered]);
  });

  it('answers 400 to a bad limit or cursor', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    expect((await request(server, 'GET', '/calls?limit=0', { token: alice.token })).status).toBe(400);
    expect((await request(server, 'GET', '/calls?limit=1000', { token: alice.token })).status).toBe(400);
    expect((await request(server, 'GET', '/calls?before=yesterday', { token: alice.token })).status).toBe(400);
  });
});
