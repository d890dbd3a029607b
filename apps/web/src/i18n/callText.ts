import { assertNever, type CallRole } from '@parley/protocol';
import type { EndCause } from '../stores/callMachine';
import type { MessageKey } from './dictionary';

/**
 * The sentence that says why a call ended, from this tab's point of view. `rang`: the call reached a device of the
 * callee (a caller whose call never rang anywhere is told the callee stayed offline, not that they didn't answer).
 */
export function endedMessageKey(cause: EndCause, role: CallRole, by: 'local' | 'remote', rang = true): MessageKey {
  switch (cause) {
    case 'hangup':
      return by === 'local' ? 'ended.hangup.local' : 'ended.hangup.remote';
    case 'cancelled':
      return role === 'caller' ? 'ended.cancelled.local' : 'ended.cancelled.remote';
    case 'rejected':
      return role === 'callee' ? 'ended.rejected.local' : 'ended.rejected.remote';
    case 'missed':
      if (role === 'callee') return 'ended.missed.callee';
      return rang ? 'ended.missed.caller' : 'ended.missed.offline';
    case 'connection_lost':
      return 'ended.connectionLost';
    case 'server_restart':
      return 'ended.serverRestart';
    case 'answered_elsewhere':
      return 'ended.answeredElsewhere';
    case 'callee_busy':
      return 'ended.calleeBusy';
    case 'caller_busy':
      return 'ended.callerBusy';
    case 'unavailable':
      return 'ended.unavailable';
    case 'too_many_rings':
      return 'ended.tooManyRings';
    case 'failed':
      return 'ended.failed';
    case 'media_failed':
      return 'ended.mediaFailed';
    default:
      return assertNever(cause);
  }
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
