import type { CallRole, CallStatus, EndReason, ErrorCode } from '@parley/protocol';

/**
 * The call lifecycle as data. Every change of a call's status goes through {@link transition}; the docs'
 * state diagram is generated from {@link TRANSITIONS}.
 */
export type CallEvent =
  | 'accept' // the callee answers
  | 'reject' // the callee declines
  | 'cancel' // the caller gives up while it rings
  | 'ring_timeout' // nobody answered in time
  | 'hangup' // either party ends an active call
  | 'connection_lost' // a participant stayed away past the reconnect grace
  | 'server_restart'; // found open when the server started

interface Edge {
  to: CallStatus;
  endReason?: EndReason;
}

export const TRANSITIONS: Readonly<Record<CallStatus, Partial<Record<CallEvent, Edge>>>> = {
  created: {
    accept: { to: 'active' },
    reject: { to: 'ended', endReason: 'rejected' },
    cancel: { to: 'ended', endReason: 'cancelled' },
    ring_timeout: { to: 'ended', endReason: 'missed' },
    connection_lost: { to: 'ended', endReason: 'connection_lost' },
    server_restart: { to: 'ended', endReason: 'server_restart' },
  },
  active: {
    hangup: { to: 'ended', endReason: 'hangup' },
    connection_lost: { to: 'ended', endReason: 'connection_lost' },
    server_restart: { to: 'ended', endReason: 'server_restart' },
  },
  ended: {},
};

const RING_EVENTS: ReadonlySet<CallEvent> = new Set(['accept', 'reject', 'cancel', 'ring_timeout']);

export type TransitionResult =
  | { ok: true; to: 'active' }
  | { ok: true; to: 'ended'; endReason: EndReason }
  | { ok: false; code: Extract<ErrorCode, 'CALL_NOT_RINGING' | 'CALL_NOT_ACTIVE'> };

/** Where `event` takes a call in `status`, or why it cannot. Pure. */
export function transition(status: CallStatus, event: CallEvent): TransitionResult {
  const edge = TRANSITIONS[status][event];
  if (edge === undefined) return { ok: false, code: RING_EVENTS.has(event) ? 'CALL_NOT_RINGING' : 'CALL_NOT_ACTIVE' };
  if (edge.to === 'ended') {
    if (edge.endReason === undefined) throw new Error(`Transition ${status} --${event}--> ended has no end reason`);
    return { ok: true, to: 'ended', endReason: edge.endReason };
  }
  if (edge.to === 'active') return { ok: true, to: 'active' };
  throw new Error(`No transition leads back to ${edge.to}`);
}

/** The event a participant's "end this call" request means, given who asks and the call's status. */
export function endEventFor(status: CallStatus, role: CallRole): CallEvent {
  if (status === 'created') return role === 'caller' ? 'cancel' : 'reject';
  return 'hangup';
}
