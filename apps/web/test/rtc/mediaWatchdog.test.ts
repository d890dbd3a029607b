import { describe, expect, it } from 'vitest';
import {
  holdsRemoteHangup,
  ICE_FAILED_GRACE_MS,
  MEDIA_CONNECT_TIMEOUT_MS,
  MEDIA_WATCH_OFF,
  watchMedia,
  type MediaWatch,
  type MediaWatchEvent,
} from '../../src/rtc/mediaWatchdog';

const CALL = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

function run(events: MediaWatchEvent[], from: MediaWatch = MEDIA_WATCH_OFF): MediaWatch {
  return events.reduce((watch, event) => watchMedia(watch, event), from);
}

const opened: MediaWatchEvent = { type: 'open', callId: CALL, connection: 1, at: 1_000 };
const pc = (state: RTCPeerConnectionState, at: number, connection = 1): MediaWatchEvent => ({ type: 'connection-state', connection, state, at });

describe('a fresh connection', () => {
  it('waits for media with a deadline MEDIA_CONNECT_TIMEOUT_MS after it opened', () => {
    expect(MEDIA_CONNECT_TIMEOUT_MS).toBe(12_000);
    expect(run([opened])).toEqual({ state: 'waiting', callId: CALL, connection: 1, since: 1_000, deadline: 13_000, failedAt: null });
  });

  it('is up once the connection reports connected, and is then left to the ICE restart', () => {
    const up = run([opened, pc('connecting', 1_100), pc('connected', 1_500)]);
    expect(up).toEqual({ state: 'up', callId: CALL, connection: 1 });
    // Later trouble never fails a connection that worked, however long it lasts.
    for (const event of [pc('failed', 5_000), { type: 'gathered', connection: 1, candidates: 0 }, { type: 'tick', at: 1_000_000 }] satisfies MediaWatchEvent[]) {
      expect(watchMedia(up, event)).toBe(up);
    }
  });

  it('a slow start on "new", "connecting" or "disconnected" is not a failure by itself', () => {
    for (const state of ['new', 'connecting', 'disconnected'] as const) {
      expect(run([opened, pc(state, 2_000)])).toMatchObject({ state: 'waiting', deadline: 13_000, failedAt: null });
    }
  });
});

describe('giving up', () => {
  it('fails when the deadline passes without media, not a moment before', () => {
    const waiting = run([opened]);
    expect(watchMedia(waiting, { type: 'tick', at: 12_999 })).toBe(waiting);
    expect(watchMedia(waiting, { type: 'tick', at: 13_000 })).toEqual({ state: 'failed', callId: CALL, connection: 1, why: 'timeout' });
  });

  it('fails at once when gathering ends without a single local candidate (the relay refused us)', () => {
    expect(run([opened, { type: 'gathered', connection: 1, candidates: 0 }])).toMatchObject({ state: 'failed', why: 'no-candidates' });
    expect(run([opened, { type: 'gathered', connection: 1, candidates: 2 }])).toMatchObject({ state: 'waiting' });
  });

  it('ICE failing brings the deadline forward to ICE_FAILED_GRACE_MS from then', () => {
    const failing = run([opened, pc('failed', 2_000)]);
    expect(failing).toMatchObject({ state: 'waiting', failedAt: 2_000, deadline: 2_000 + ICE_FAILED_GRACE_MS });
    expect(watchMedia(failing, { type: 'tick', at: 2_000 + ICE_FAILED_GRACE_MS })).toMatchObject({ state: 'failed', why: 'ice-failed' });
  });

  it('a failure Chrome takes back (more candidates arrived) is forgiven if the connection makes it in the grace', () => {
    const recovered = run([opened, pc('failed', 2_000), pc('connecting', 2_070), pc('connected', 2_500)]);
    expect(recovered).toMatchObject({ state: 'up' });
  });

  it('flapping between failed and connecting does not push the deadline back', () => {
    const flapping = run([opened, pc('failed', 2_000), pc('connecting', 2_070), pc('failed', 2_100), pc('connecting', 4_000), pc('failed', 4_500)]);
    expect(flapping).toMatchObject({ state: 'waiting', failedAt: 2_000, deadline: 5_000 });
  });

  it('a failure shortly before the full deadline does not extend it', () => {
    expect(run([opened, pc('failed', 12_000)])).toMatchObject({ deadline: 13_000 });
  });
});

describe('reconnects and reloads', () => {
  it('ignores the events of a connection that was replaced', () => {
    const second = run([opened, { type: 'open', callId: CALL, connection: 2, at: 5_000 }]);
    expect(second).toMatchObject({ state: 'waiting', connection: 2, deadline: 17_000 });
    for (const event of [pc('failed', 6_000), { type: 'gathered', connection: 1, candidates: 0 }, pc('connected', 6_000)] satisfies MediaWatchEvent[]) {
      expect(watchMedia(second, event)).toBe(second);
    }
  });

  it('pauses while a side is off signaling (the server’s grace period decides), with a fresh bound after', () => {
    const paused = run([opened, { type: 'pause' }]);
    expect(paused).toBe(MEDIA_WATCH_OFF);
    expect(watchMedia(paused, { type: 'tick', at: 60_000 })).toBe(paused);
    // The rejoin opens a fresh connection: the bound counts from then, not from the first connection.
    expect(run([{ type: 'open', callId: CALL, connection: 3, at: 60_000 }], paused)).toMatchObject({ state: 'waiting', deadline: 72_000 });
  });

  it('a connection that worked and is replaced after a reload must connect again within the bound', () => {
    const replaced = run([opened, pc('connected', 1_500), { type: 'pause' }, { type: 'open', callId: CALL, connection: 2, at: 30_000 }]);
    expect(watchMedia(replaced, { type: 'tick', at: 42_000 })).toMatchObject({ state: 'failed', connection: 2, why: 'timeout' });
  });

  it('stops when the call ends, from any state', () => {
    for (const from of [run([opened]), run([opened, pc('connected', 1_500)]), run([opened, { type: 'tick', at: 20_000 }])]) {
      expect(watchMedia(from, { type: 'stop' })).toBe(MEDIA_WATCH_OFF);
    }
    expect(watchMedia(MEDIA_WATCH_OFF, { type: 'stop' })).toBe(MEDIA_WATCH_OFF);
  });
});

describe('a hang-up from the other side', () => {
  it('waits for our own verdict only while this call’s media is still connecting', () => {
    const waiting = run([opened]);
    expect(holdsRemoteHangup(waiting, CALL, 'hangup')).toBe(true);
    expect(holdsRemoteHangup(waiting, OTHER, 'hangup')).toBe(false);
    expect(holdsRemoteHangup(waiting, CALL, 'connection_lost')).toBe(false);
    expect(holdsRemoteHangup(run([opened, pc('connected', 1_500)]), CALL, 'hangup')).toBe(false);
    expect(holdsRemoteHangup(MEDIA_WATCH_OFF, CALL, 'hangup')).toBe(false);
  });
});
