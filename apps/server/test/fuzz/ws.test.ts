import { CLOSE_CODES } from '@parley/protocol';
import { connect, FRAME_KINDS, runWsFuzz, type TestClient } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import { connectCall } from '../helpers/calls.js';
import { createUser, request } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';

/** Sends sequence-numbered candidates every `intervalMs` until stopped; the receiver checks them. */
function trickle(from: TestClient, callId: string, tag: string, intervalMs: number) {
  let seq = 0;
  const timer = setInterval(() => {
    from.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: { candidate: `candidate:${seq} 1 udp 1 127.0.0.1 9 typ host`, usernameFragment: `${tag}:${seq}` } } });
    seq += 1;
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return seq;
    },
  };
}

/** The sequence numbers `to` received with `tag`, in arrival order. */
function receivedSeqs(to: TestClient, tag: string): number[] {
  return to.received.flatMap((m) => {
    if (m.type !== 'webrtc:ice-candidate' || typeof m.payload.candidate !== 'object') return [];
    const [t, seq] = (m.payload.candidate.usernameFragment ?? '').split(':');
    return t === tag ? [Number(seq)] : [];
  });
}

describe('WebSocket fuzzing', () => {
  it('answers 10,000+ random and mutated frames from 8 connections with errors or documented closes, while a call relays every candidate', async () => {
    const server = await startServer({
      LOG_LEVEL: 'warn',
      WS_MESSAGE_BURST: '100000',
      WS_MESSAGES_PER_SECOND: '100000',
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_TIME_COST: '1',
    });
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const [alice, bob, ...fuzzers] = await Promise.all(Array.from({ length: 6 }, () => createUser(server)));
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice!), connect(server, bob!)]);
    const callId = await connectCall(server, alice!, aliceWs, bob!, bobWs);
    const aToB = trickle(aliceWs, callId, 'a', 5);
    const bToA = trickle(bobWs, callId, 'b', 5);

    const report = await runWsFuzz({
      wsUrl: server.wsUrl,
      tokens: fuzzers.map((u) => u.token),
      connectionsPerToken: 2,
      frames: 10_400,
      seed: 20261126,
      foreignCallIds: [callId],
    });

    const sentA = aToB.stop();
    const sentB = bToA.stop();
    // Let the last candidates arrive.
    await new Promise((r) => setTimeout(r, 300));

    expect(report.violations.slice(0, 10)).toEqual([]);
    expect(report.framesSent).toBeGreaterThanOrEqual(10_000);
    for (const kind of FRAME_KINDS) expect(report.byKind[kind], kind).toBeGreaterThan(0);
    expect(report.closesByCode[CLOSE_CODES.INVALID_PAYLOAD]).toBeGreaterThan(0);
    expect(report.closesByCode[CLOSE_CODES.MESSAGE_TOO_BIG]).toBeGreaterThan(0);
    expect(report.errorsByCode['NOT_A_PARTICIPANT']).toBeGreaterThan(0);
    expect(report.errorsByCode['INTERNAL_ERROR']).toBeUndefined();

    // The pair never noticed: every candidate arrived, once, in order.
    expect(sentA).toBeGreaterThan(50);
    expect(receivedSeqs(bobWs, 'a')).toEqual(Array.from({ length: sentA }, (_, i) => i));
    expect(receivedSeqs(aliceWs, 'b')).toEqual(Array.from({ length: sentB }, (_, i) => i));
    expect(aliceWs.received.filter((m) => m.type === 'error')).toEqual([]);
    expect(bobWs.received.filter((m) => m.type === 'error')).toEqual([]);
    expect((await request(server, 'GET', `/calls/${callId}`, { token: alice!.token })).body.status).toBe('active');

    // The process is healthy, logged no failure, and no key reached Object.prototype.
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    expect(server.logs.join('')).not.toContain('signaling handler failed');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    console.log(`ws fuzz: ${report.framesSent} frames in ${report.durationMs} ms`, report.closesByCode, report.errorsByCode);
  }, 60_000);
});
