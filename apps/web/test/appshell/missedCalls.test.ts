import type { CallHistoryItem } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { countMissed, seenMark } from '../../src/stores/missedCalls';

let n = 0;
function item(createdAt: string, direction: CallHistoryItem['direction'], endReason?: CallHistoryItem['endReason']): CallHistoryItem {
  n += 1;
  const base: CallHistoryItem = { callId: `c${n}`, direction, peer: { id: 'u2', username: 'bob' }, status: 'active', createdAt };
  return endReason ? { ...base, status: 'ended', endReason } : base;
}

describe('missed-call badge', () => {
  const items = [
    item('2026-12-06T10:05:00.000Z', 'incoming', 'missed'),
    item('2026-12-06T10:04:00.000Z', 'outgoing', 'missed'),
    item('2026-12-06T10:03:00.000Z', 'incoming', 'rejected'),
    item('2026-12-06T10:02:00.000Z', 'incoming', 'missed'),
    item('2026-12-06T10:01:00.000Z', 'incoming', 'hangup'),
  ];

  it('counts incoming missed calls only (an outgoing call the other side missed is not ours)', () => {
    expect(countMissed(items, null)).toBe(2);
  });

  it('counts only the ones newer than the mark', () => {
    expect(countMissed(items, '2026-12-06T10:02:00.000Z')).toBe(1);
    expect(countMissed(items, '2026-12-06T10:05:00.000Z')).toBe(0);
    expect(countMissed([], null)).toBe(0);
  });

  it('viewing moves the mark to the newest call listed, and never back', () => {
    const mark = seenMark(items, null);
    expect(mark).toBe('2026-12-06T10:05:00.000Z');
    expect(countMissed(items, mark)).toBe(0);
    expect(seenMark(items.slice(2), mark)).toBe(mark);
    expect(seenMark([], null)).toBeNull();
  });

  it('a missed call after viewing shows again', () => {
    const mark = seenMark(items, null);
    const later = [item('2026-12-06T10:06:00.000Z', 'incoming', 'missed'), ...items];
    expect(countMissed(later, mark)).toBe(1);
  });
});
