import { CALL_STATUSES, END_REASONS } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { endEventFor, transition, TRANSITIONS, type CallEvent } from '../src/calls/machine.js';

const EVENTS: CallEvent[] = ['accept', 'reject', 'cancel', 'ring_timeout', 'hangup', 'connection_lost', 'server_restart'];

describe('call state machine', () => {
  it.each([
    ['created', 'accept', { ok: true, to: 'active' }],
    ['created', 'reject', { ok: true, to: 'ended', endReason: 'rejected' }],
    ['created', 'cancel', { ok: true, to: 'ended', endReason: 'cancelled' }],
    ['created', 'ring_timeout', { ok: true, to: 'ended', endReason: 'missed' }],
    ['active', 'hangup', { ok: true, to: 'ended', endReason: 'hangup' }],
    ['active', 'connection_lost', { ok: true, to: 'ended', endReason: 'connection_lost' }],
    ['active', 'server_restart', { ok: true, to: 'ended', endReason: 'server_restart' }],
    ['active', 'accept', { ok: false, code: 'CALL_NOT_RINGING' }],
    ['created', 'hangup', { ok: false, code: 'CALL_NOT_ACTIVE' }],
    ['ended', 'accept', { ok: false, code: 'CALL_NOT_RINGING' }],
    ['ended', 'hangup', { ok: false, code: 'CALL_NOT_ACTIVE' }],
  ] as const)('%s --%s--> %j', (from, event, expected) => {
    expect(transition(from, event)).toEqual(expected);
  });

  it('has no way out of ended and every end reason is reachable', () => {
    for (const event of EVENTS) expect(transition('ended', event).ok).toBe(false);
    const reasons = new Set(CALL_STATUSES.flatMap((s) => Object.values(TRANSITIONS[s]).map((e) => e.endReason)).filter(Boolean));
    expect([...reasons].sort()).toEqual([...END_REASONS].sort());
  });

  it('reads a participant ending a call as cancel, reject or hangup', () => {
    expect(endEventFor('created', 'caller')).toBe('cancel');
    expect(endEventFor('created', 'callee')).toBe('reject');
    expect(endEventFor('active', 'caller')).toBe('hangup');
    expect(endEventFor('active', 'callee')).toBe('hangup');
  });
});
