import { assertNever, type CallEndedReason, type CallMedia, type CallRole, type Peer } from '@parley/protocol';

/**
 * The call lifecycle of this tab as a pure state machine: `reduce(state, event)` returns the next state, or the very
 * same object when the event does not apply (a stale callId, a late server message, a double click). The store wraps
 * it; nothing else decides what phase a call is in.
 *
 *   idle ──dial──▶ outgoing ──answered──▶ connecting ──media-up──▶ connected
 *     │               │ crossed                  ▲            │                │
 *     └───ring──▶ incoming ──answer──────────────┘            │                │
 *   idle ──resume (page reload mid-call)─▶ connecting         └──── end ───────┴──▶ ended ──dismiss──▶ idle
 *   Any live phase ──end──▶ ended; `ended` behaves like `idle` for dial/ring/resume, it only keeps the reason to show.
 *
 * `crossed` is glare: both people pressed Call at once. The server keeps one call; the tab whose own dial lost
 * becomes the callee of the one that was kept (see `rtc/callActions.ts`).
 */

/**
 * Is anything between us and the other side broken right now? `self`: our socket dropped (or we are rejoining after
 * a reload); `peer`: the server says the other side's socket dropped; `media`: signaling is fine but ICE is
 * disconnected. Shown as a banner; the call goes on.
 */
export type Link = 'ok' | 'self' | 'peer' | 'media';

/**
 * Why a call is over for this tab: what the server said, what went wrong before the server had a call, or
 * `media_failed`: signaling worked but audio and video never got through (the media watchdog gave up).
 */
export type EndCause = CallEndedReason | 'callee_busy' | 'caller_busy' | 'unavailable' | 'too_many_rings' | 'failed' | 'media_failed';

export type CallState =
  | { phase: 'idle' }
  | {
      phase: 'outgoing';
      /** Identifies this dial, so a POST /calls that answers after the user cancelled can be told apart. */
      attempt: number;
      /** Null until POST /calls answers. */
      callId: string | null;
      peer: Peer;
      ringExpiresAt: string | null;
      /**
       * Whether a device of the callee has the call: false while we are only *calling* (they are offline; the
       * server rings them if they connect in time), true once it *rings* (POST /calls said so, or `call:ringing`).
       */
      ringing: boolean;
    }
  /** `media`: what the caller asked for (`audio`: a voice call, answered without video unless the callee chooses). */
  | { phase: 'incoming'; callId: string; peer: Peer; ringExpiresAt: string | null; media: CallMedia }
  | { phase: 'connecting'; callId: string; role: CallRole; peer: Peer; link: Link; answeredAt: number | null }
  | { phase: 'connected'; callId: string; role: CallRole; peer: Peer; link: Link; answeredAt: number }
  | {
      phase: 'ended';
      callId: string | null;
      role: CallRole;
      peer: Peer;
      cause: EndCause;
      /** Whether this tab ended it (hang up, cancel, decline) or it ended from elsewhere. */
      by: 'local' | 'remote';
      /** Talk time, for calls that were answered. */
      durationMs: number | null;
      /** False for a call this tab placed that never rang anywhere (the callee stayed offline). */
      rang: boolean;
    };

export type CallPhase = CallState['phase'];

export type CallEvent =
  | { type: 'dial'; attempt: number; peer: Peer }
  | { type: 'dialed'; attempt: number; callId: string; ringExpiresAt: string; ringing: boolean }
  /** The server says our call now rings on a device of the callee. */
  | { type: 'ringing'; callId: string }
  | { type: 'ring'; callId: string; peer: Peer; ringExpiresAt: string | null; media: CallMedia }
  /** Our dial `attempt` lost to the other person's call to us (glare): we are rung by `callId` instead. */
  | { type: 'crossed'; attempt: number; callId: string; peer: Peer; ringExpiresAt: string | null; media: CallMedia }
  /** This tab clicked Accept. */
  | { type: 'answer'; callId: string; at: number }
  /** The server told the caller the callee accepted. */
  | { type: 'answered'; callId: string; at: number }
  /** A reload found a call in sessionStorage: take it back. */
  | { type: 'resume'; callId: string; role: CallRole; peer: Peer; answeredAt: number | null }
  | { type: 'media-up'; callId: string; at: number }
  | { type: 'link'; callId: string; link: Link }
  | { type: 'end'; callId: string | null; cause: EndCause; by: 'local' | 'remote'; at: number }
  | { type: 'dismiss' };

export const IDLE: CallState = { phase: 'idle' };

/** A call that is neither idle nor over. */
export type LiveCall = Exclude<CallState, { phase: 'idle' } | { phase: 'ended' }>;

export function isLive(state: CallState): state is LiveCall {
  return state.phase !== 'idle' && state.phase !== 'ended';
}

/** The callId a live call is known by (null while the caller's POST is in flight). */
export function liveCallId(state: CallState): string | null {
  return isLive(state) ? state.callId : null;
}

function roleOf(state: LiveCall): CallRole {
  switch (state.phase) {
    case 'outgoing':
      return 'caller';
    case 'incoming':
      return 'callee';
    case 'connecting':
    case 'connected':
      return state.role;
    default:
      return assertNever(state);
  }
}

export function reduce(state: CallState, event: CallEvent): CallState {
  switch (event.type) {
    case 'dial':
      if (isLive(state)) return state;
      return { phase: 'outgoing', attempt: event.attempt, callId: null, peer: event.peer, ringExpiresAt: null, ringing: false };

    case 'dialed':
      if (state.phase !== 'outgoing' || state.attempt !== event.attempt || state.callId !== null) return state;
      return { ...state, callId: event.callId, ringExpiresAt: event.ringExpiresAt, ringing: event.ringing };

    case 'ringing':
      if (state.phase !== 'outgoing' || state.callId !== event.callId || state.ringing) return state;
      return { ...state, ringing: true };

    case 'ring':
      if (isLive(state)) return state;
      return { phase: 'incoming', callId: event.callId, peer: event.peer, ringExpiresAt: event.ringExpiresAt, media: event.media };

    case 'crossed':
      if (state.phase !== 'outgoing' || state.attempt !== event.attempt || state.callId !== null) return state;
      return { phase: 'incoming', callId: event.callId, peer: event.peer, ringExpiresAt: event.ringExpiresAt, media: event.media };

    case 'answer':
      if (state.phase !== 'incoming' || state.callId !== event.callId) return state;
      return { phase: 'connecting', callId: state.callId, role: 'callee', peer: state.peer, link: 'ok', answeredAt: event.at };

    case 'answered':
      if (state.phase !== 'outgoing' || state.callId !== event.callId) return state;
      return { phase: 'connecting', callId: state.callId, role: 'caller', peer: state.peer, link: 'ok', answeredAt: event.at };

    case 'resume':
      if (isLive(state)) return state;
      return {
        phase: 'connecting',
        callId: event.callId,
        role: event.role,
        peer: event.peer,
        link: 'self',
        answeredAt: event.answeredAt,
      };

    case 'media-up':
      if (state.phase === 'connecting' && state.callId === event.callId) {
        return {
          phase: 'connected',
          callId: state.callId,
          role: state.role,
          peer: state.peer,
          link: state.link === 'media' ? 'ok' : state.link,
          answeredAt: state.answeredAt ?? event.at,
        };
      }
      if (state.phase === 'connected' && state.callId === event.callId && state.link === 'media') {
        return { ...state, link: 'ok' };
      }
      return state;

    case 'link':
      if ((state.phase !== 'connecting' && state.phase !== 'connected') || state.callId !== event.callId) return state;
      if (state.link === event.link) return state;
      return { ...state, link: event.link };

    case 'end': {
      if (!isLive(state) || state.callId !== event.callId) return state;
      const answeredAt = state.phase === 'connecting' || state.phase === 'connected' ? state.answeredAt : null;
      return {
        phase: 'ended',
        callId: state.callId,
        role: roleOf(state),
        peer: state.peer,
        cause: event.cause,
        by: event.by,
        durationMs: answeredAt === null || state.phase !== 'connected' ? null : Math.max(0, event.at - answeredAt),
        rang: state.phase !== 'outgoing' || state.ringing,
      };
    }

    case 'dismiss':
      return state.phase === 'ended' ? IDLE : state;

    default:
      return assertNever(event);
  }
}
