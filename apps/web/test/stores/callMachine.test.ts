import { describe, expect, it } from 'vitest';
import { IDLE, isLive, reduce, type CallEvent, type CallState } from '../../src/stores/callMachine';

const alice = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
const bob = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };
const CALL = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

function run(events: CallEvent[], from: CallState = IDLE): CallState {
  return events.reduce(reduce, from);
}

const placed: CallEvent[] = [
  { type: 'dial', attempt: 1, peer: bob },
  { type: 'dialed', attempt: 1, callId: CALL, ringExpiresAt: '2026-01-01T00:00:30.000Z', ringing: true },
];
const ringing: CallEvent[] = [{ type: 'ring', callId: CALL, peer: alice, ringExpiresAt: null, media: 'video' }];

describe('placing a call', () => {
  it('goes outgoing without a callId, then learns it from the server', () => {
    const dialing = run([placed[0]!]);
    expect(dialing).toMatchObject({ phase: 'outgoing', callId: null, peer: bob });
    expect(run(placed)).toMatchObject({ phase: 'outgoing', callId: CALL });
  });

  it('ignores the answer of a dial that was cancelled and replaced', () => {
    const state = run([placed[0]!, { type: 'end', callId: null, cause: 'cancelled', by: 'local', at: 1 }, { type: 'dial', attempt: 2, peer: bob }]);
    const next = reduce(state, { type: 'dialed', attempt: 1, callId: CALL, ringExpiresAt: '', ringing: true });
    expect(next).toBe(state);
  });

  it('connects when the callee accepts and counts talk time from then', () => {
    const state = run([...placed, { type: 'answered', callId: CALL, at: 1_000 }, { type: 'media-up', callId: CALL, at: 1_500 }]);
    expect(state).toEqual({ phase: 'connected', callId: CALL, role: 'caller', peer: bob, link: 'ok', answeredAt: 1_000 });
    const ended = reduce(state, { type: 'end', callId: CALL, cause: 'hangup', by: 'local', at: 61_000 });
    expect(ended).toEqual({ phase: 'ended', callId: CALL, role: 'caller', peer: bob, cause: 'hangup', by: 'local', durationMs: 60_000, rang: true });
  });

  it('ends as declined with no duration when the callee rejects', () => {
    const state = run([...placed, { type: 'end', callId: CALL, cause: 'rejected', by: 'remote', at: 5 }]);
    expect(state).toMatchObject({ phase: 'ended', cause: 'rejected', role: 'caller', durationMs: null });
  });

  it('can fail before the server gave a callId (callee busy)', () => {
    const state = run([placed[0]!, { type: 'end', callId: null, cause: 'callee_busy', by: 'remote', at: 5 }]);
    expect(state).toMatchObject({ phase: 'ended', callId: null, cause: 'callee_busy' });
  });
});

describe('receiving a call', () => {
  it('rings, then connects as the callee on accept', () => {
    const state = run([...ringing, { type: 'answer', callId: CALL, at: 10 }]);
    expect(state).toEqual({ phase: 'connecting', callId: CALL, role: 'callee', peer: alice, link: 'ok', answeredAt: 10 });
  });

  it('does not ring over a call in progress', () => {
    const inCall = run([...placed, { type: 'answered', callId: CALL, at: 1 }]);
    expect(reduce(inCall, { type: 'ring', callId: OTHER, peer: alice, ringExpiresAt: null, media: 'video' })).toBe(inCall);
  });

  it('stops ringing when another tab answered', () => {
    const state = run([...ringing, { type: 'end', callId: CALL, cause: 'answered_elsewhere', by: 'remote', at: 2 }]);
    expect(state).toMatchObject({ phase: 'ended', role: 'callee', cause: 'answered_elsewhere' });
  });

  it('rings again after a previous call ended, without dismissing first', () => {
    const ended = run([...ringing, { type: 'end', callId: CALL, cause: 'missed', by: 'remote', at: 2 }]);
    expect(reduce(ended, { type: 'ring', callId: OTHER, peer: bob, ringExpiresAt: null, media: 'video' })).toMatchObject({ phase: 'incoming', callId: OTHER });
  });
});

describe('stale and duplicate events', () => {
  it('drops events of another call', () => {
    const state = run([...placed, { type: 'answered', callId: CALL, at: 1 }]);
    for (const event of [
      { type: 'end', callId: OTHER, cause: 'hangup', by: 'remote', at: 2 },
      { type: 'media-up', callId: OTHER, at: 2 },
      { type: 'link', callId: OTHER, link: 'peer' },
    ] satisfies CallEvent[]) {
      expect(reduce(state, event)).toBe(state);
    }
  });

  it('keeps the first reason when a call:ended follows our own hang-up', () => {
    const ended = run([...placed, { type: 'answered', callId: CALL, at: 1 }, { type: 'end', callId: CALL, cause: 'hangup', by: 'local', at: 2 }]);
    expect(reduce(ended, { type: 'end', callId: CALL, cause: 'connection_lost', by: 'remote', at: 3 })).toBe(ended);
  });

  it('does not accept a call that is not ringing', () => {
    expect(reduce(IDLE, { type: 'answer', callId: CALL, at: 1 })).toBe(IDLE);
    const outgoing = run(placed);
    expect(reduce(outgoing, { type: 'answer', callId: CALL, at: 1 })).toBe(outgoing);
  });

  it('ignores a second dial while a call is live', () => {
    const outgoing = run(placed);
    expect(reduce(outgoing, { type: 'dial', attempt: 9, peer: alice })).toBe(outgoing);
  });
});

describe('reconnecting', () => {
  const connected = run([...placed, { type: 'answered', callId: CALL, at: 1 }, { type: 'media-up', callId: CALL, at: 2 }]);

  it('shows who dropped and recovers without leaving the call', () => {
    const away = reduce(connected, { type: 'link', callId: CALL, link: 'peer' });
    expect(away).toMatchObject({ phase: 'connected', link: 'peer', answeredAt: 1 });
    expect(reduce(away, { type: 'link', callId: CALL, link: 'ok' })).toMatchObject({ phase: 'connected', link: 'ok' });
  });

  it('clears an ICE interruption when media is back', () => {
    const interrupted = reduce(connected, { type: 'link', callId: CALL, link: 'media' });
    expect(reduce(interrupted, { type: 'media-up', callId: CALL, at: 3 })).toMatchObject({ link: 'ok', answeredAt: 1 });
  });

  it('resumes a call after a reload with the original answer time', () => {
    const resumed = reduce(IDLE, { type: 'resume', callId: CALL, role: 'callee', peer: alice, answeredAt: 100 });
    expect(resumed).toEqual({ phase: 'connecting', callId: CALL, role: 'callee', peer: alice, link: 'self', answeredAt: 100 });
    expect(reduce(resumed, { type: 'media-up', callId: CALL, at: 5_000 })).toMatchObject({ phase: 'connected', link: 'self', answeredAt: 100 });
  });

  it('does not resume over a live call', () => {
    expect(reduce(connected, { type: 'resume', callId: OTHER, role: 'callee', peer: alice, answeredAt: null })).toBe(connected);
  });
});

describe('media that never connects', () => {
  it('ends a connecting call as media_failed, with no talk time', () => {
    const connecting = run([...ringing, { type: 'answer', callId: CALL, at: 10 }]);
    const ended = reduce(connecting, { type: 'end', callId: CALL, cause: 'media_failed', by: 'local', at: 12_010 });
    expect(ended).toEqual({ phase: 'ended', callId: CALL, role: 'callee', peer: alice, cause: 'media_failed', by: 'local', durationMs: null, rang: true });
  });

  it('keeps the talk time of a call whose fresh connection after a reconnect never came up', () => {
    const connected = run([...placed, { type: 'answered', callId: CALL, at: 1_000 }, { type: 'media-up', callId: CALL, at: 2_000 }]);
    const ended = reduce(connected, { type: 'end', callId: CALL, cause: 'media_failed', by: 'local', at: 31_000 });
    expect(ended).toMatchObject({ phase: 'ended', cause: 'media_failed', durationMs: 30_000 });
  });

  it('keeps media_failed when the other side’s hang-up arrives afterwards', () => {
    const ended = run([...placed, { type: 'answered', callId: CALL, at: 1 }, { type: 'end', callId: CALL, cause: 'media_failed', by: 'local', at: 2 }]);
    expect(reduce(ended, { type: 'end', callId: CALL, cause: 'hangup', by: 'remote', at: 3 })).toBe(ended);
  });
});

describe('after the end', () => {
  it('dismiss goes back to idle, and only from ended', () => {
    const ended = run([...ringing, { type: 'end', callId: CALL, cause: 'rejected', by: 'local', at: 1 }]);
    expect(reduce(ended, { type: 'dismiss' })).toBe(IDLE);
    const live = run(ringing);
    expect(reduce(live, { type: 'dismiss' })).toBe(live);
    expect(isLive(live)).toBe(true);
    expect(isLive(ended)).toBe(false);
  });
});
