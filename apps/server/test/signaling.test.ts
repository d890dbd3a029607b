import { CLOSE_CODES, LIMITS } from '@parley/protocol';
import { connect, sessionClaims } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectCall, ring, sleep } from './helpers/calls.js';
import { createUser, request } from './helpers/http.js';
import { startServer } from './helpers/server.js';

const offer = (callId: string, sdp = 'v=0 offer') => ({ type: 'webrtc:offer' as const, payload: { callId, sdp } });

describe('connecting', () => {
  it('accepts the token as subprotocol (echoing "bearer"), header or query, and says hello first', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    for (const how of ['protocol', 'header', 'query'] as const) {
      const ws = await connect(server, alice, how);
      expect(ws.received[0]).toMatchObject({ type: 'hello', payload: { userId: alice.id, username: alice.username } });
      if (how === 'protocol') expect(ws.socket.protocol).toBe('bearer');
    }
  });

  it('refuses the upgrade with 401 without a valid token', async () => {
    const server = await startServer();
    for (const url of [server.wsUrl, `${server.wsUrl}?token=garbage`]) {
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(url);
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => resolve(101));
      });
      expect(status).toBe(401);
    }
  });

  it('reads the Authorization header as the REST routes do', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const upgrade = (authorization: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(server.wsUrl, { headers: { authorization } });
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => (socket.close(), resolve(101)));
      });
    for (const authorization of [`Bearer ${alice.token}`, `bearer ${alice.token}`, `BEARER ${alice.token}`, `Bearer  ${alice.token}`, `Bearer ${alice.token} x`, 'Bearer ']) {
      const rest = await request(server, 'GET', '/users/me', { headers: { authorization } });
      expect({ authorization, status: await upgrade(authorization) }).toEqual({ authorization, status: rest.status === 200 ? 101 : 401 });
    }
  });

  it('is also served at /ws', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const socket = new WebSocket(server.wsUrl.replace('/api/v1/ws', '/ws'), ['bearer', alice.token]);
    await new Promise((resolve, reject) => (socket.on('open', resolve), socket.on('error', reject)));
    socket.close();
  });

  it('tells others when a user comes online and goes offline', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const bobTab1 = await connect(server, bob);
    const online = await aliceWs.next('presence', (m) => m.payload.online.includes(bob.id));
    expect(online.payload.offline).toEqual([]);
    aliceWs.drain();
    // A second tab, and closing one of two, change nothing others can see.
    const bobTab2 = await connect(server, bob);
    await bobTab1.close();
    await aliceWs.expectNone('presence', 500);
    await bobTab2.close();
    expect((await aliceWs.next('presence')).payload).toEqual({ online: [], offline: [bob.id] });
  });

  it('coalesces a burst of arrivals into one presence frame per socket', async () => {
    const server = await startServer({ PRESENCE_BATCH_MS: '1500' });
    const observer = await createUser(server);
    const others = await Promise.all(Array.from({ length: 20 }, () => createUser(server)));
    const observerWs = await connect(server, observer);
    // The observer's own arrival opens a window; let it pass.
    await observerWs.next('presence', (m) => m.payload.online.includes(observer.id), 3000);
    await Promise.all(others.map((user) => connect(server, user)));
    const batch = await observerWs.next('presence', undefined, 3000);
    expect([...batch.payload.online].sort()).toEqual(others.map((u) => u.id).sort());
    expect(batch.payload.offline).toEqual([]);
    await observerWs.expectNone('presence', 1600);
  });

  it('announces only the latest state of a user who came and went within one window', async () => {
    const server = await startServer({ PRESENCE_BATCH_MS: '400' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    await aliceWs.next('presence', (m) => m.payload.online.includes(alice.id));
    const bobWs = await connect(server, bob);
    await bobWs.close();
    expect((await aliceWs.next('presence')).payload).toEqual({ online: [], offline: [bob.id] });
  });

  it('closes a connection over the per-user cap with 4029', async () => {
    const server = await startServer({ WS_MAX_CONNECTIONS_PER_USER: '2' });
    const alice = await createUser(server);
    await connect(server, alice);
    await connect(server, alice);
    const socket = new WebSocket(server.wsUrl, ['bearer', alice.token]);
    const closed = await new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    expect(closed).toBe(CLOSE_CODES.TOO_MANY_CONNECTIONS);
  });

  it('closes with 4001 when the token expires', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    // `exp` is in whole seconds: 1 s could leave a millisecond, and a slow machine would reach the upgrade after it
    // (401 instead of an open socket). 3 s leaves at least 2.
    const shortLived = server.app.jwt.sign({ sub: alice.id, ...sessionClaims() }, { expiresIn: 3 });
    const ws = await connect(server, { ...alice, token: shortLived });
    expect((await ws.closed).code).toBe(CLOSE_CODES.TOKEN_EXPIRED);
  });

  it('drops a socket that stops answering pings', async () => {
    const server = await startServer({ WS_PING_INTERVAL_MS: '150' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const bobWs = await connect(server, bob);
    await aliceWs.next('presence', (m) => m.payload.online.includes(bob.id));
    // Stop reading: pings go unanswered, as with a peer whose network vanished.
    bobWs.socket.pause();
    await aliceWs.next('presence', (m) => m.payload.offline.includes(bob.id), 2000);
  });
});

describe('heartbeat', () => {
  it('spreads the pings over the interval, keeps answering sockets and drops a silent one', async () => {
    // 1 s interval: ten slices of 100 ms, each pinging a tenth of the sockets.
    const server = await startServer({ WS_PING_INTERVAL_MS: '1000' });
    const users = await Promise.all(Array.from({ length: 4 }, () => createUser(server)));
    const clients = await Promise.all(users.flatMap((user) => [connect(server, user), connect(server, user), connect(server, user)]));
    const pings = clients.map(() => [] as number[]);
    clients.forEach((client, i) => client.socket.on('ping', () => pings[i]!.push(performance.now())));
    const silent = await connect(server, users[0]!);
    silent.socket.pause();
    const started = performance.now();
    const { hub } = server.app.parley;
    expect(hub.size).toBe(13);
    // The server drops it; the paused client itself cannot notice.
    while (hub.size === 13 && performance.now() - started < 5000) await sleep(50);
    expect(hub.size).toBe(12);
    expect(performance.now() - started).toBeLessThan(3000);
    await sleep(Math.max(0, 2600 - (performance.now() - started)));
    for (const times of pings) expect(times.length).toBeGreaterThanOrEqual(2);
    // Not all in one turn: the sockets were pinged at different moments of the interval.
    const firsts = pings.map((times) => times[0]!);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(200);
    for (const client of clients) expect(client.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('with fewer sockets than slices, still pings once per interval and gives a busy client the whole interval', async () => {
    const server = await startServer({ WS_PING_INTERVAL_MS: '1000' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const steady = await connect(server, alice);
    const busy = await connect(server, bob);
    const pings: number[] = [];
    steady.socket.on('ping', () => pings.push(performance.now()));
    // A client too busy to read for most of an interval (a burst of work, a slow link) is not dead.
    busy.socket.pause();
    await sleep(700);
    busy.socket.resume();
    const started = performance.now();
    await sleep(2600);
    // One sweep per second: about three pings in 3.3 s (a sweep that restarted as soon as it ran out of sockets
    // came round every three 100 ms slices, and dropped the busy client).
    expect(pings.length).toBeGreaterThanOrEqual(2);
    expect(pings.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < pings.length; i += 1) expect(pings[i]! - pings[i - 1]!).toBeGreaterThan(800);
    expect(performance.now() - started).toBeGreaterThan(2500);
    expect(busy.socket.readyState).toBe(WebSocket.OPEN);
    expect(server.app.parley.hub.size).toBe(2);
  });
});

describe('ringing', () => {
  it('rings a callee who connects while a call to them is ringing', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const callId = await ring(server, alice, aliceWs, bob);
    const bobWs = await connect(server, bob);
    expect((await bobWs.next('call:incoming')).payload.callId).toBe(callId);
  });

  it('ends as missed after CALL_RING_TIMEOUT_MS and tells both', async () => {
    const server = await startServer({ CALL_RING_TIMEOUT_MS: '300' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await ring(server, alice, aliceWs, bob, bobWs);
    expect((await aliceWs.next('call:ended')).payload).toEqual({ callId, reason: 'missed' });
    expect((await bobWs.next('call:ended')).payload).toEqual({ callId, reason: 'missed' });
    const stored = await request(server, 'GET', `/calls/${callId}`, { token: alice.token });
    expect(stored.body).toMatchObject({ status: 'ended', endReason: 'missed' });
  });
});

describe('call:accept', () => {
  it('activates the call, confirms to the accepting tab, tells the caller, and stops the other tabs ringing', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const [bobTab1, bobTab2] = [await connect(server, bob), await connect(server, bob)];
    const callId = await ring(server, alice, aliceWs, bob, bobTab1);
    await bobTab2.next('call:incoming');
    bobTab1.send({ type: 'call:accept', payload: { callId } });
    expect((await aliceWs.next('call:accept')).payload).toEqual({ callId });
    expect((await bobTab1.next('call:accept')).payload).toEqual({ callId });
    expect((await bobTab2.next('call:ended')).payload).toEqual({ callId, reason: 'answered_elsewhere' });
    const stored = await request(server, 'GET', `/calls/${callId}`, { token: alice.token });
    expect(stored.body.status).toBe('active');

    bobTab2.send({ type: 'call:accept', payload: { callId } });
    expect((await bobTab2.next('error')).payload).toMatchObject({ code: 'CALL_ANSWERED_ELSEWHERE', callId });
  });

  it('lets exactly one of two racing accepts win', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const tabs = [await connect(server, bob), await connect(server, bob)];
    const callId = await ring(server, alice, aliceWs, bob, tabs[0]);
    await tabs[1]!.next('call:incoming');
    for (const tab of tabs) tab.send({ type: 'call:accept', payload: { callId } });
    await aliceWs.next('call:accept');
    await sleep(200);
    const outcomes = tabs.map((t) => t.received.filter((m) => m.payload && 'callId' in m.payload && m.type !== 'call:incoming').map((m) => m.type));
    expect(outcomes.filter((o) => o.includes('call:accept'))).toHaveLength(1);
    expect(outcomes.filter((o) => o.includes('error'))).toHaveLength(1);
    await aliceWs.expectNone('call:accept', 50);
  });

  it('refuses an accept from the caller (403) and from a stranger (403)', async () => {
    const server = await startServer();
    const [alice, bob, eve] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const [aliceWs, bobWs, eveWs] = await Promise.all([connect(server, alice), connect(server, bob), connect(server, eve)]);
    const callId = await ring(server, alice, aliceWs, bob, bobWs);
    aliceWs.send({ type: 'call:accept', payload: { callId } });
    expect((await aliceWs.next('error')).payload).toMatchObject({ code: 'FORBIDDEN', callId });
    eveWs.send({ type: 'call:accept', payload: { callId } });
    expect((await eveWs.next('error')).payload).toMatchObject({ code: 'NOT_A_PARTICIPANT', callId });
  });

  it('answers 404 for an unknown call and 409 for an ended one', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    bobWs.send({ type: 'call:accept', payload: { callId: '00000000-0000-4000-8000-000000000000' } });
    expect((await bobWs.next('error')).payload.code).toBe('CALL_NOT_FOUND');
    const callId = await ring(server, alice, aliceWs, bob, bobWs);
    await request(server, 'POST', `/calls/${callId}/end`, { token: alice.token });
    bobWs.send({ type: 'call:accept', payload: { callId } });
    expect((await bobWs.next('error')).payload.code).toBe('CALL_NOT_RINGING');
  });
});

describe('call:reject', () => {
  it('ends the call as rejected; the caller hears call:reject and call:ended', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await ring(server, alice, aliceWs, bob, bobWs);
    bobWs.send({ type: 'call:reject', payload: { callId } });
    expect((await aliceWs.next('call:reject')).payload).toEqual({ callId });
    expect((await aliceWs.next('call:ended')).payload).toEqual({ callId, reason: 'rejected' });
    expect((await bobWs.next('call:ended')).payload).toEqual({ callId, reason: 'rejected' });
  });

  it('cannot reject an active call', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    bobWs.send({ type: 'call:reject', payload: { callId } });
    expect((await bobWs.next('error')).payload.code).toBe('CALL_NOT_RINGING');
  });
});

describe('webrtc relay', () => {
  it('relays offer, answer and candidates verbatim and in order between the bound connections only', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const bobTab1 = await connect(server, bob);
    const bobTab2 = await connect(server, bob);
    const callId = await connectCall(server, alice, aliceWs, bob, bobTab1);

    aliceWs.send(offer(callId, 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n'));
    expect((await bobTab1.next('webrtc:offer')).payload).toEqual({ callId, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' });
    bobTab1.send({ type: 'webrtc:answer', payload: { callId, sdp: 'v=0 answer' } });
    expect((await aliceWs.next('webrtc:answer')).payload.sdp).toBe('v=0 answer');

    const candidates = Array.from({ length: 50 }, (_, i) => ({ candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${5000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 }));
    for (const candidate of candidates) aliceWs.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate } });
    bobTab1.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: 'candidate:opaque-string' } });
    const got = [];
    for (let i = 0; i < candidates.length; i += 1) got.push((await bobTab1.next('webrtc:ice-candidate')).payload.candidate);
    expect(got).toEqual(candidates);
    expect((await aliceWs.next('webrtc:ice-candidate')).payload.candidate).toBe('candidate:opaque-string');
    await bobTab2.expectNone('webrtc:offer', 100);
    await bobTab2.expectNone('webrtc:ice-candidate', 0);
  });

  it('refuses signaling from the callee’s other tab, from strangers, for unknown, ringing and ended calls', async () => {
    const server = await startServer();
    const [alice, bob, eve] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const bobTab1 = await connect(server, bob);
    const bobTab2 = await connect(server, bob);
    const eveWs = await connect(server, eve);

    const ringing = await ring(server, alice, aliceWs, bob, bobTab1);
    aliceWs.send(offer(ringing));
    expect((await aliceWs.next('error')).payload).toMatchObject({ code: 'CALL_NOT_ACTIVE', callId: ringing });
    await bobTab1.expectNone('webrtc:offer', 50);

    bobTab1.send({ type: 'call:accept', payload: { callId: ringing } });
    await aliceWs.next('call:accept');
    bobTab2.send(offer(ringing));
    expect((await bobTab2.next('error')).payload.code).toBe('FORBIDDEN');
    eveWs.send(offer(ringing));
    expect((await eveWs.next('error')).payload.code).toBe('NOT_A_PARTICIPANT');
    eveWs.send(offer('00000000-0000-4000-8000-000000000000'));
    expect((await eveWs.next('error')).payload.code).toBe('CALL_NOT_FOUND');
    await aliceWs.expectNone('webrtc:offer', 50);

    await request(server, 'POST', `/calls/${ringing}/end`, { token: alice.token });
    aliceWs.send(offer(ringing));
    expect((await aliceWs.next('error')).payload.code).toBe('CALL_NOT_ACTIVE');
  });

  it('binds the caller on first use when the call was placed without a connectionId (seed clients)', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceTab1, aliceTab2, bobWs] = [await connect(server, alice), await connect(server, alice), await connect(server, bob)];
    const created = await request(server, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    const callId = created.body.callId;
    await bobWs.next('call:incoming');
    bobWs.send({ type: 'call:accept', payload: { callId } });
    await aliceTab1.next('call:accept');
    await aliceTab2.next('call:accept');
    aliceTab2.send(offer(callId));
    await bobWs.next('webrtc:offer');
    bobWs.send({ type: 'webrtc:answer', payload: { callId, sdp: 'answer' } });
    await aliceTab2.next('webrtc:answer');
    await aliceTab1.expectNone('webrtc:answer', 100);
    aliceTab1.send(offer(callId));
    expect((await aliceTab1.next('error')).payload.code).toBe('FORBIDDEN');
  });
});

describe('bad frames', () => {
  it('answers invalid JSON, unknown types, bad payloads and binary frames with an error and stays open', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const ws = await connect(server, alice);
    const cases: [string | Buffer, string, boolean?][] = [
      ['{not json', 'INVALID_JSON'],
      ['{"type":"call:dance","payload":{}}', 'UNKNOWN_MESSAGE_TYPE'],
      ['[]', 'UNKNOWN_MESSAGE_TYPE'],
      ['{"type":"call:accept","payload":{"callId":42}}', 'VALIDATION_FAILED'],
      ['{"type":"webrtc:offer","payload":{"callId":"00000000-0000-4000-8000-000000000000","sdp":"x","__proto__":{"admin":true}}}', 'VALIDATION_FAILED'],
      [Buffer.from([0, 1, 2, 3]), 'VALIDATION_FAILED', true],
    ];
    for (const [frame, code, binary] of cases) {
      ws.sendRaw(frame, { binary: binary ?? false });
      expect((await ws.next('error')).payload.code).toBe(code);
    }
    expect(ws.socket.readyState).toBe(WebSocket.OPEN);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('checks the UTF-8 of every text frame: a relayed candidate with a broken sequence closes the socket with 1007 and reaches nobody', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const aliceWs = await connect(server, alice);
    const bobWs = await connect(server, bob);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    // Valid UTF-8 that is not ASCII is relayed (by the general path: the scan takes only ASCII).
    aliceWs.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: 'candidate:é 1 udp 😀' } });
    expect((await bobWs.next('webrtc:ice-candidate')).payload.candidate).toBe('candidate:é 1 udp 😀');

    const candidate = (inside: Buffer) =>
      Buffer.concat([Buffer.from(`{"type":"webrtc:ice-candidate","payload":{"callId":"${callId}","candidate":"candidate:`), inside, Buffer.from(' 1 udp"}}')]);
    aliceWs.sendRaw(candidate(Buffer.from([0xc3, 0x28])));
    // Sent right behind it: nothing the server reads after closing the socket is handled.
    aliceWs.sendRaw(candidate(Buffer.from('after')));
    expect((await aliceWs.closed).code).toBe(CLOSE_CODES.INVALID_PAYLOAD);
    await bobWs.expectNone('webrtc:ice-candidate', 200);
    expect(bobWs.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('closes the connection with 1009 for a frame over 64 KiB', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const ws = await connect(server, alice);
    ws.sendRaw('x'.repeat(LIMITS.maxFrameBytes + 1));
    expect((await ws.closed).code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG);
  });

  it('rate-limits a flood with RATE_LIMITED errors, then recovers', async () => {
    const server = await startServer({ WS_MESSAGE_BURST: '10', WS_MESSAGES_PER_SECOND: '20' });
    const alice = await createUser(server);
    const ws = await connect(server, alice);
    for (let i = 0; i < 15; i += 1) ws.sendRaw('{}');
    await sleep(100);
    const codes = () => ws.received.filter((m) => m.type === 'error').map((m) => (m.type === 'error' ? m.payload.code : ''));
    expect(codes().filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(4);
    await sleep(600);
    ws.drain();
    ws.sendRaw('{}');
    expect((await ws.next('error')).payload.code).toBe('UNKNOWN_MESSAGE_TYPE');
  });

  it('closes with 4008 a connection that keeps flooding past the limit', async () => {
    const server = await startServer({ WS_MESSAGE_BURST: '5', WS_MESSAGES_PER_SECOND: '1' });
    const alice = await createUser(server);
    const ws = await connect(server, alice);
    for (let i = 0; i < 30; i += 1) ws.sendRaw('{}');
    expect((await ws.closed).code).toBe(CLOSE_CODES.RATE_LIMITED);
  });
});

describe('reconnecting', () => {
  it('keeps the call when a participant rejoins within the grace, and relays to the new connection', async () => {
    const server = await startServer({ CALL_RECONNECT_GRACE_MS: '1500' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    aliceWs.kill();
    expect((await bobWs.next('call:peer-connection')).payload).toEqual({ callId, connected: false, graceMs: 1500 });
    bobWs.send(offer(callId));
    const aliceAgain = await connect(server, alice);
    aliceAgain.send({ type: 'call:rejoin', payload: { callId } });
    expect((await aliceAgain.next('call:rejoined')).payload).toEqual({ callId, role: 'caller', peer: { id: bob.id, username: bob.username } });
    expect((await bobWs.next('call:peer-connection')).payload).toEqual({ callId, connected: true });
    await sleep(1700);
    expect((await request(server, 'GET', `/calls/${callId}`, { token: alice.token })).body.status).toBe('active');
    bobWs.send(offer(callId, 'fresh offer'));
    expect((await aliceAgain.next('webrtc:offer')).payload.sdp).toBe('fresh offer');
  });

  it('moves the call to a reloaded page even before the old socket is noticed gone', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    const bobReloaded = await connect(server, bob);
    bobReloaded.send({ type: 'call:rejoin', payload: { callId } });
    await bobReloaded.next('call:rejoined');
    expect((await bobWs.next('call:ended')).payload.reason).toBe('answered_elsewhere');
    expect((await aliceWs.next('call:peer-connection')).payload.connected).toBe(true);
    aliceWs.send(offer(callId));
    await bobReloaded.next('webrtc:offer');
  });

  it('relays to the reloaded page and refuses the old one, though both sockets stay open and frames flowed before', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    // Frames both ways first: each sender now has a route to the other's socket (calls/relay-route.ts).
    for (let i = 0; i < 3; i += 1) {
      aliceWs.send(offer(callId, `to bob ${i}`));
      bobWs.send(offer(callId, `to alice ${i}`));
      expect((await bobWs.next('webrtc:offer')).payload.sdp).toBe(`to bob ${i}`);
      expect((await aliceWs.next('webrtc:offer')).payload.sdp).toBe(`to alice ${i}`);
    }
    const bobReloaded = await connect(server, bob);
    bobReloaded.send({ type: 'call:rejoin', payload: { callId } });
    await bobReloaded.next('call:rejoined');
    expect((await bobWs.next('call:ended')).payload.reason).toBe('answered_elsewhere');
    await aliceWs.next('call:peer-connection');

    aliceWs.send(offer(callId, 'after the reload'));
    expect((await bobReloaded.next('webrtc:offer')).payload.sdp).toBe('after the reload');
    await bobWs.expectNone('webrtc:offer', 100);
    bobWs.send(offer(callId, 'from the old page'));
    expect((await bobWs.next('error')).payload).toMatchObject({ code: 'FORBIDDEN', callId });
    bobReloaded.send(offer(callId, 'from the new page'));
    expect((await aliceWs.next('webrtc:offer')).payload.sdp).toBe('from the new page');
    await aliceWs.expectNone('webrtc:offer', 100);
  });

  it('ends the call as connection_lost when nobody comes back within the grace', async () => {
    const server = await startServer({ CALL_RECONNECT_GRACE_MS: '300' });
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    bobWs.kill();
    expect((await aliceWs.next('call:ended', undefined, 2000)).payload).toEqual({ callId, reason: 'connection_lost' });
    const bobLate = await connect(server, bob);
    bobLate.send({ type: 'call:rejoin', payload: { callId } });
    expect((await bobLate.next('call:ended')).payload).toEqual({ callId, reason: 'connection_lost' });
    expect((await request(server, 'GET', `/calls/${callId}`, { token: bob.token })).body.endReason).toBe('connection_lost');
  });

  it('refuses a rejoin from a stranger', async () => {
    const server = await startServer();
    const [alice, bob, eve] = await Promise.all([createUser(server), createUser(server), createUser(server)]);
    const [aliceWs, bobWs, eveWs] = await Promise.all([connect(server, alice), connect(server, bob), connect(server, eve)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    eveWs.send({ type: 'call:rejoin', payload: { callId } });
    expect((await eveWs.next('error')).payload.code).toBe('NOT_A_PARTICIPANT');
    await aliceWs.expectNone('call:peer-connection', 100);
  });
});

describe('server lifecycle', () => {
  it('ends calls left open by a previous process with server_restart', async () => {
    const first = await startServer();
    const [alice, bob] = await Promise.all([createUser(first), createUser(first)]);
    const [aliceWs, bobWs] = await Promise.all([connect(first, alice), connect(first, bob)]);
    const active = await connectCall(first, alice, aliceWs, bob, bobWs);
    const carol = await createUser(first);
    const dave = await createUser(first);
    const ringing = await request(first, 'POST', '/calls', { token: carol.token, body: { calleeId: dave.id } });
    await first.close({ removeData: false });

    const second = await startServer({ JWT_SECRET: first.config.jwtSecret }, first.dataDir);
    for (const [callId, token] of [[active, alice.token], [ringing.body.callId, carol.token]] as const) {
      const res = await request(second, 'GET', `/calls/${callId}`, { token });
      expect(res.body).toMatchObject({ status: 'ended', endReason: 'server_restart' });
    }
    const again = await request(second, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id } });
    expect(again.status).toBe(201);
  });

  it('closes every socket with 1001 on shutdown', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const ws = await connect(server, alice);
    await server.close();
    expect((await ws.closed).code).toBe(CLOSE_CODES.GOING_AWAY);
  });
});
