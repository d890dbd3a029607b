import { describe, expect, it } from 'vitest';
import { notificationOutcome, shouldNotify, shouldOfferNotifications } from '../../src/appshell/ringDecisions';
import { parseCallNotificationData, parseNotificationAction, parseWorkerMessage, type WorkerMessage } from '../../src/appshell/workerMessages';
import type { CallState } from '../../src/stores/callMachine';

const peer = { id: 'u2', username: 'bob' };
const ringing: CallState = { phase: 'incoming', callId: 'call-1', peer, ringExpiresAt: null, media: 'video' };
const message = (action: WorkerMessage['action'], callId = 'call-1'): WorkerMessage => ({ type: 'parley:notification', action, callId });

describe('when an incoming call shows a system notification', () => {
  it('only while it rings, nobody looks at the page, and notifications are allowed', () => {
    expect(shouldNotify({ ringing: true, pageVisible: false, access: 'granted' })).toBe(true);
    expect(shouldNotify({ ringing: true, pageVisible: true, access: 'granted' })).toBe(false);
    expect(shouldNotify({ ringing: false, pageVisible: false, access: 'granted' })).toBe(false);
    for (const access of ['default', 'denied', 'unsupported'] as const) {
      expect(shouldNotify({ ringing: true, pageVisible: false, access })).toBe(false);
    }
  });
});

describe('when the app offers notifications', () => {
  it('not on first load: only after a call, while the browser would still ask, until dismissed', () => {
    expect(shouldOfferNotifications({ access: 'default', dismissed: false, callsSoFar: 0 })).toBe(false);
    expect(shouldOfferNotifications({ access: 'default', dismissed: false, callsSoFar: 1 })).toBe(true);
    expect(shouldOfferNotifications({ access: 'default', dismissed: true, callsSoFar: 3 })).toBe(false);
    expect(shouldOfferNotifications({ access: 'granted', dismissed: false, callsSoFar: 3 })).toBe(false);
    expect(shouldOfferNotifications({ access: 'denied', dismissed: false, callsSoFar: 3 })).toBe(false);
    expect(shouldOfferNotifications({ access: 'unsupported', dismissed: false, callsSoFar: 3 })).toBe(false);
  });
});

describe('what a notification click does', () => {
  it('accepts, declines or focuses the call that rings', () => {
    expect(notificationOutcome(ringing, message('accept'))).toBe('accept');
    expect(notificationOutcome(ringing, message('decline'))).toBe('decline');
    expect(notificationOutcome(ringing, message('open'))).toBe('focus');
  });

  it('does nothing for another call or once it stopped ringing', () => {
    expect(notificationOutcome(ringing, message('accept', 'call-2'))).toBe('ignore');
    expect(notificationOutcome({ phase: 'idle' }, message('accept'))).toBe('ignore');
    const answered: CallState = { phase: 'connecting', callId: 'call-1', role: 'callee', peer, link: 'ok', answeredAt: null };
    expect(notificationOutcome(answered, message('decline'))).toBe('ignore');
  });
});

describe('messages from the service worker are parsed, not trusted', () => {
  it('accepts a well-formed message', () => {
    expect(parseWorkerMessage({ type: 'parley:notification', action: 'accept', callId: 'c' })).toEqual(message('accept', 'c'));
  });

  it('rejects anything else', () => {
    for (const bad of [null, 'accept', {}, { type: 'parley:notification', action: 'hack', callId: 'c' }, { type: 'other', action: 'accept', callId: 'c' }, { type: 'parley:notification', action: 'accept', callId: 7 }, { type: 'parley:notification', action: 'accept', callId: '' }]) {
      expect(parseWorkerMessage(bad)).toBeNull();
    }
  });

  it('reads notification data and the clicked action', () => {
    expect(parseCallNotificationData({ callId: 'c' })).toEqual({ callId: 'c' });
    expect(parseCallNotificationData({ callId: 1 })).toBeNull();
    expect(parseCallNotificationData(undefined)).toBeNull();
    expect(parseNotificationAction('')).toBe('open');
    expect(parseNotificationAction('accept')).toBe('accept');
    expect(parseNotificationAction('decline')).toBe('decline');
    expect(parseNotificationAction('open')).toBeNull();
    expect(parseNotificationAction('snooze')).toBeNull();
  });
});
