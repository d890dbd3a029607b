import { assertNever } from '@parley/protocol';

/**
 * The media-connect watchdog as a pure state machine. Signaling can work perfectly while media cannot get through
 * (a firewall, a relay that refuses our credentials); without a bound the call would sit on "Connecting…" forever.
 * Every fresh RTCPeerConnection of a call must reach `connected` within `MEDIA_CONNECT_TIMEOUT_MS` while both sides
 * are on signaling. Gathering that ends without a single local candidate fails it at once; the connection reporting
 * `failed` brings the deadline forward to ICE_FAILED_GRACE_MS from then. {@link MediaWatchdog} feeds it events and
 * keeps one timer for the deadline; the call ends as `media_failed` when the state becomes `failed`.
 *
 * A "connection" here is one attempt to get media through: a new RTCPeerConnection, or an existing one that
 * reconnects because the other side's page reloaded. Signaling reconnects open none: media never stopped.
 *
 *   off ──open──▶ waiting ──connected──────────────▶ up
 *                    │ ──no candidates / deadline──▶ failed
 *                    └──failed: deadline brought forward
 *   any ──pause (a side left signaling: the server's grace period decides) / stop──▶ off
 *
 * Once a connection was `up`, later trouble is the ICE restart's business (and the quality badge's), not this one's.
 */

export const MEDIA_CONNECT_TIMEOUT_MS = 12_000;

/**
 * Chrome reports `failed` as soon as every candidate pair so far has failed, even while candidates are still
 * arriving (seen with a relay that refuses peers: `failed`, then `connecting` again 70 ms later when the TCP relay
 * candidate came in). So a failure is final only when nothing connects within this grace.
 */
export const ICE_FAILED_GRACE_MS = 3_000;

/**
 * How long a hang-up from the other side, arriving while our media is still connecting, waits for this side's own
 * verdict: the other side's watchdog has usually fired a moment before ours, and then both should say the same.
 */
export const REMOTE_END_SETTLE_MS = 2_000;

export type MediaFailure = 'timeout' | 'ice-failed' | 'no-candidates';

export type MediaWatch =
  | { state: 'off' }
  | {
      state: 'waiting';
      callId: string;
      connection: number;
      since: number;
      deadline: number;
      /** When the connection first reported `failed` (the deadline is then at most ICE_FAILED_GRACE_MS later). */
      failedAt: number | null;
    }
  | { state: 'up'; callId: string; connection: number }
  | { state: 'failed'; callId: string; connection: number; why: MediaFailure };

export type MediaWatchEvent =
  /** Media of `callId` starts connecting (attempt `connection`), with both sides on signaling. */
  | { type: 'open'; callId: string; connection: number; at: number }
  | { type: 'connection-state'; connection: number; state: RTCPeerConnectionState; at: number }
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
      return {
        state: 'waiting',
        callId: event.callId,
        connection: event.connection,
        since: event.at,
        deadline: event.at + timeoutMs,
        failedAt: null,
      };
    case 'connection-state':
      if (watch.state !== 'waiting' || watch.connection !== event.connection) return watch;
      if (event.state === 'connected') return { state: 'up', callId: watch.callId, connection: watch.connection };
      if (event.state === 'failed' && watch.failedAt === null) {
        return { ...watch, failedAt: event.at, deadline: Math.min(watch.deadline, event.at + ICE_FAILED_GRACE_MS) };
      }
      return watch;
    case 'gathered':
      // With no local candidate at all (a relay-only policy whose relay refused us) no pair can ever form.
      if (watch.state !== 'waiting' || watch.connection !== event.connection || event.candidates > 0) return watch;
      return fail(watch, 'no-candidates');
    case 'tick':
      if (watch.state !== 'waiting' || event.at < watch.deadline) return watch;
      return fail(watch, watch.failedAt === null ? 'timeout' : 'ice-failed');
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

/**
 * Should a hang-up from the other side wait (up to REMOTE_END_SETTLE_MS) for this side's verdict? Only while this
 * call's media is still connecting: then it is most likely the other side's watchdog, and ours is about to agree.
 */
export function holdsRemoteHangup(watch: MediaWatch, callId: string, reason: string): boolean {
  return reason === 'hangup' && watch.state === 'waiting' && watch.callId === callId;
}

export interface MediaWatchdogHooks {
  /** Media could not connect: the call should end as `media_failed`. */
  failed(failure: Extract<MediaWatch, { state: 'failed' }>): void;
  /** The watchdog stopped waiting (media came up, or it was paused or stopped). */
  settled(): void;
}

/** The watchdog of one tab: the pure machine above, the current attempt, and the timer for its deadline. */
export class MediaWatchdog {
  #state: MediaWatch = MEDIA_WATCH_OFF;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #hooks: MediaWatchdogHooks;
  readonly #timeoutMs: number;

  constructor(hooks: MediaWatchdogHooks, timeoutMs = MEDIA_CONNECT_TIMEOUT_MS) {
    this.#hooks = hooks;
    this.#timeoutMs = timeoutMs;
  }

  get state(): MediaWatch {
    return this.#state;
  }

  /** Media of `callId` starts connecting: the bound starts now. */
  arm(callId: string): void {
    this.#move({ type: 'open', callId, connection: ++this.#attempt, at: Date.now() });
  }

  /** The current connection reports `state` (`connected` also when its state channel opened). */
  connectionState(state: RTCPeerConnectionState): void {
    this.#move({ type: 'connection-state', connection: this.#attempt, state, at: Date.now() });
  }

  gathered(candidates: number): void {
    this.#move({ type: 'gathered', connection: this.#attempt, candidates });
  }

  /** A side is off signaling: media cannot be expected until both are back. */
  pause(): void {
    this.#move({ type: 'pause' });
  }

  stop(): void {
    this.#move({ type: 'stop' });
  }

  #move(event: MediaWatchEvent): void {
    const before = this.#state;
    this.#state = watchMedia(before, event, this.#timeoutMs);
    if (this.#state === before && event.type !== 'tick') return;
    clearTimeout(this.#timer);
    const current = this.#state;
    switch (current.state) {
      case 'waiting':
        this.#timer = setTimeout(() => this.#move({ type: 'tick', at: Date.now() }), Math.max(0, current.deadline - Date.now()));
        return;
      case 'failed':
        this.#hooks.failed(current);
        return;
      case 'up':
      case 'off':
        this.#hooks.settled();
        return;
      default:
        assertNever(current);
    }
  }
}
