/**
 * What the service worker and the page say to each other, and the data an incoming-call notification carries. Both
 * sides import this file (it uses no DOM or worker types). Everything that crosses is parsed here: a message event
 * can come from any script of the origin, and notification data survives browser restarts.
 */

/** The buttons of an incoming-call notification, plus `open`: a click on the notification's body. */
export const NOTIFICATION_ACTIONS = ['accept', 'decline', 'open'] as const;
export type NotificationAction = (typeof NOTIFICATION_ACTIONS)[number];

/** The worker tells the page which action the person chose on the notification of `callId`. */
export interface NotificationActionMessage {
  type: 'parley:notification';
  action: NotificationAction;
  callId: string;
}

export type WorkerMessage = NotificationActionMessage;

/** The `data` of an incoming-call notification. */
export interface CallNotificationData {
  callId: string;
}

/** The tag of the notification of `callId`: one notification per call, replaced rather than stacked. */
export const notificationTag = (callId: string): string => `parley-call-${callId}`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isAction(value: unknown): value is NotificationAction {
  return typeof value === 'string' && (NOTIFICATION_ACTIONS as readonly string[]).includes(value);
}

export function parseCallNotificationData(value: unknown): CallNotificationData | null {
  if (!isRecord(value) || typeof value['callId'] !== 'string' || value['callId'] === '') return null;
  return { callId: value['callId'] };
}

/** A notification's `action` as the worker's click event reports it: '' is a click on the body. */
export function parseNotificationAction(value: string): NotificationAction | null {
  if (value === '') return 'open';
  return isAction(value) && value !== 'open' ? value : null;
}

export function parseWorkerMessage(value: unknown): WorkerMessage | null {
  if (!isRecord(value) || value['type'] !== 'parley:notification') return null;
  const { action, callId } = value;
  if (!isAction(action) || typeof callId !== 'string' || callId === '') return null;
  return { type: 'parley:notification', action, callId };
}
