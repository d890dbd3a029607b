import { assertNever } from '@parley/protocol';
import { create } from 'zustand';
import { t } from '../i18n';
import { acceptCall, declineCall } from '../rtc/callController';
import { callStore } from '../stores/call';
import type { CallState } from '../stores/callMachine';
import { notificationOutcome, shouldNotify, type NotificationAccess } from './ringDecisions';
import { notificationTag, parseWorkerMessage, type CallNotificationData } from './workerMessages';

/**
 * Ringing that reaches the callee when the tab is not in front: a system notification with Accept / Decline (shown
 * through the service worker, whose click handler posts the choice back here), a ringing favicon, vibration on
 * phones. The ringtone and the title flash are the controller's and the dialog's. Decisions in `ringDecisions.ts`.
 */

const FAVICON = '/favicon.svg';
const FAVICON_RINGING = '/favicon-ringing.svg';
/** Buzz, pause, buzz, long pause: repeated while it rings. */
const VIBRATION = [400, 200, 400];
const VIBRATION_PERIOD_MS = 2500;

function currentAccess(): NotificationAccess {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.permission;
}

export const useNotificationAccess = create<{ access: NotificationAccess }>(() => ({ access: currentAccess() }));

/** Ask for notification permission (from a click: browsers ignore the request otherwise). */
export async function requestNotifications(): Promise<void> {
  if (typeof Notification === 'undefined') return;
  try {
    await Notification.requestPermission();
  } finally {
    useNotificationAccess.setState({ access: currentAccess() });
  }
}

function setFavicon(href: string): void {
  const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (link && link.getAttribute('href') !== href) link.setAttribute('href', href);
}

/** How long an answered call's set-up may keep the ringing favicon, at most. */
const FAVICON_RESTORE_MAX_WAIT_MS = 1_000;

function restoreFaviconWhenIdle(): void {
  const restore = () => {
    if (callStore.call.phase !== 'incoming') setFavicon(FAVICON);
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(restore, { timeout: FAVICON_RESTORE_MAX_WAIT_MS });
  else setTimeout(restore, 0);
}

/** `actions` is missing from TypeScript's DOM NotificationOptions; Chromium shows them for worker notifications. */
type CallNotificationOptions = NotificationOptions & { actions?: { action: string; title: string }[]; requireInteraction?: boolean };

async function showCallNotification(call: Extract<CallState, { phase: 'incoming' }>): Promise<void> {
  const registration = await navigator.serviceWorker?.getRegistration();
  const data: CallNotificationData = { callId: call.callId };
  const options: CallNotificationOptions = {
    body: t('notify.body'),
    tag: notificationTag(call.callId),
    icon: '/icons/icon-192.png',
    requireInteraction: true,
    data,
    actions: [
      { action: 'accept', title: t('incoming.accept') },
      { action: 'decline', title: t('incoming.decline') },
    ],
  };
  const title = t('incoming.from', { name: call.peer.username });
  if (registration) {
    await registration.showNotification(title, options);
    return;
  }
  // No worker (the dev server): a page notification, without buttons; a click brings the dialog up.
  const { actions: _actions, ...pageOptions } = options;
  const notification = new Notification(title, pageOptions);
  notification.onclick = () => {
    window.focus();
    notification.close();
  };
}

async function closeCallNotifications(callId: string): Promise<void> {
  const registration = await navigator.serviceWorker?.getRegistration();
  if (!registration) return;
  for (const notification of await registration.getNotifications({ tag: notificationTag(callId) })) notification.close();
}

function onWorkerMessage(event: MessageEvent): void {
  const message = parseWorkerMessage(event.data);
  if (!message) return;
  const outcome = notificationOutcome(callStore.call, message);
  switch (outcome) {
    case 'accept':
      window.focus();
      acceptCall();
      return;
    case 'decline':
      declineCall();
      return;
    case 'focus':
      // The worker focused the tab; the incoming-call dialog is up, with Accept focused.
      window.focus();
      return;
    case 'ignore':
      return;
    default:
      assertNever(outcome);
  }
}

let started = false;

/** Follow the call store for the life of the page. Call once, when the logged-in app loads. */
export function startRingAlerts(): void {
  if (started) return;
  started = true;
  let notified: string | null = null;
  let vibration: ReturnType<typeof setInterval> | undefined;

  const maybeNotify = () => {
    const call = callStore.call;
    if (call.phase !== 'incoming' || notified === call.callId) return;
    if (!shouldNotify({ ringing: true, pageVisible: document.visibilityState === 'visible', access: currentAccess() })) return;
    notified = call.callId;
    void showCallNotification(call).catch(() => undefined);
  };

  callStore.onCall((call, previous) => {
    if (call.phase === 'incoming' && previous.phase !== 'incoming') {
      setFavicon(FAVICON_RINGING);
      if (typeof navigator.vibrate === 'function') {
        navigator.vibrate(VIBRATION);
        vibration = setInterval(() => navigator.vibrate(VIBRATION), VIBRATION_PERIOD_MS);
      }
      maybeNotify();
    }
    if (previous.phase === 'incoming' && call.phase !== 'incoming') {
      // The page fetches and draws the icon on its main thread: not while an answered call is being set up.
      restoreFaviconWhenIdle();
      clearInterval(vibration);
      if (typeof navigator.vibrate === 'function') navigator.vibrate(0);
      notified = null;
      void closeCallNotifications(previous.callId).catch(() => undefined);
    }
  });
  document.addEventListener('visibilitychange', maybeNotify);
  navigator.serviceWorker?.addEventListener('message', onWorkerMessage);
}
