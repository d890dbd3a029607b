import { assertNever } from '@parley/protocol';

/**
 * The media-connect watchdog as a pure state machine. Signaling can work perfectly while media cannot get through
 * (a firewall, a relay that refuses our credentials); without a bound the call would sit on "Connecting…" forever.
 * Every fresh RTCPeerConnection of a call must reach `connected` within `MEDIA_CONNECT_TIMEOUT_MS` while both sides
 * are on signaling; ICE failing, or gathering ending without a single local candidate, fails it at once. The call
 * controller feeds it events, keeps one timer for the deadline, and ends the call as `media_failed` when the state
 * becomes `failed`.
 *
 *   off ──open──▶ waiting ──connected──────────────▶ up
 *                    │ ──failed / no candidates / deadline──▶ failed
 *   any ──pause (a side left signaling: the server's grace period decides) / stop──▶ off
 *
 * Once a connection was `up`, later trouble is the ICE restart's business (and the quality badge's), not this one's.
 */

export const MEDIA_CONNECT_TIMEOUT_MS = 12_000;

/**
 * How long a hang-up from the other side, arriving while our media is still connecting, waits for this side's own
 * verdict: the other side's watchdog has usually fired a moment before ours, and then both should say the same.
 */
export const REMOTE_END_SETTLE_MS = 2_000;

export type MediaFailure = 'timeout' | 'ice-failed' | 'no-candidates';

export type MediaWatch =
  | { state: 'off' }
  | { state: 'waiting'; callId: string; connection: number; since: number; deadline: number }
  | { state: 'up'; callId: string; connection: number }
  | { state: 'failed'; callId: string; connection: number; why: MediaFailure };

export type MediaWatchEvent =
  /** A fresh RTCPeerConnection `connection` was opened for `callId`, with both sides on signaling. */
  | { type: 'open'; callId: string; connection: number; at: number }
  | { type: 'connection-state'; connection: number; state: RTCPeerConnectionState }
  /** ICE gathering of `connection` completed with `candidates` local candidates. */
  | { type: 'gathered'; connection: number; candidates: number }
  /** The clock moved (the controller's deadline timer). */
  | { type: 'tick'; at: number }
  /** A side dropped off signaling: media cannot be expected until it is back (and a fresh connection opens). */
  | { type: 'pause' }
  /** The call ended. */
  | { type: 'stop' };

export const MEDIA_WATCH_OFF: MediaWatch = { state: 'off' };

export function watchMedia(watch: MediaWatch, event: MediaWatchEvent, timeoutMs = MEDIA_CONNECT_TIMEOUT_MS): MediaWatch {
  switch (event.type) {
    case 'open':
      return { state: 'waiting', callId: event.callId, connection: event.connection, since: event.at, deadline: event.at + timeoutMs };
    case 'connection-state':
      if (watch.state !== 'waiting' || watch.connection !== event.connection) return watch;
      if (event.state === 'connected') return { state: 'up', callId: watch.callId, connection: watch.connection };
      if (event.state === 'failed') return fail(watch, 'ice-failed');
      return watch;
    case 'gathered':
      // With no local candidate at all (a relay-only policy whose relay refused us) no pair can ever form.
      if (watch.state !== 'waiting' || watch.connection !== event.connection || event.candidates > 0) return watch;
      return fail(watch, 'no-candidates');
    case 'tick':
      if (watch.state !== 'waiting' || event.at < watch.deadline) return watch;
      return fail(watch, 'timeout');
    case 'pause':
    case 'stop':
      return watch.state === 'off' ? watch : MEDIA_WATCH_OFF;
    default:
      return assertNever(event);
  }
}

function fail(watch: Extract<MediaWatch, { state: 'waiting' }>, why: MediaFailure): MediaWatch {
  return { state: 'failed', callId: watch.callId, connection: watch.connection, why };
}
