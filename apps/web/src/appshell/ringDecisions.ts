import { assertNever } from '@parley/protocol';
import type { CallState } from '../stores/callMachine';
import type { WorkerMessage } from './workerMessages';

/**
 * The decisions behind ringing that reaches the callee, as pure functions (unit-tested in
 * test/appshell/ringDecisions.test.ts); `ringAlerts.ts` carries them out in the browser.
 */

/** `Notification.permission`, or `unsupported` where the API (or a service worker to show it through) is missing. */
export type NotificationAccess = NotificationPermission | 'unsupported';

/**
 * How an incoming call rings: always in the page (dialog, ringtone, title, favicon); a system notification on top
 * when nobody is looking at the page and the person allowed notifications.
 */
export function shouldNotify(input: { ringing: boolean; pageVisible: boolean; access: NotificationAccess }): boolean {
  return input.ringing && !input.pageVisible && input.access === 'granted';
}

/**
 * When to ask for notification permission: never on first load (a prompt nobody asked for is refused, and a refused
 * permission cannot be asked again). The people list offers it once the person has made or taken a call, so they
 * know what it is for, until they say yes, no, or "not now".
 */
export function shouldOfferNotifications(input: { access: NotificationAccess; dismissed: boolean; callsSoFar: number }): boolean {
  return input.access === 'default' && !input.dismissed && input.callsSoFar > 0;
}

/** What the page does with the choice made on a notification, given the call it has now. */
export type NotificationOutcome = 'accept' | 'decline' | 'focus' | 'ignore';

export function notificationOutcome(call: CallState, message: WorkerMessage): NotificationOutcome {
  // A notification of a call that stopped ringing (answered elsewhere, cancelled, timed out) does nothing.
  if (call.phase !== 'incoming' || call.callId !== message.callId) return 'ignore';
  switch (message.action) {
    case 'accept':
      return 'accept';
    case 'decline':
      return 'decline';
    case 'open':
      return 'focus';
    default:
      return assertNever(message.action);
  }
}
