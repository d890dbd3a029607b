import { describe, expect, it } from 'vitest';
import { endedMessageKey, formatDuration } from '../../src/i18n/callText';

describe('endedMessageKey', () => {
  it('tells each side of a declined call its own story', () => {
    expect(endedMessageKey('rejected', 'caller', 'remote')).toBe('ended.rejected.remote');
    expect(endedMessageKey('rejected', 'callee', 'local')).toBe('ended.rejected.local');
  });
  it('distinguishes our hang-up from theirs', () => {
    expect(endedMessageKey('hangup', 'callee', 'local')).toBe('ended.hangup.local');
    expect(endedMessageKey('hangup', 'callee', 'remote')).toBe('ended.hangup.remote');
  });
  it('says "no answer" to the caller and "missed call" to the callee', () => {
    expect(endedMessageKey('missed', 'caller', 'remote')).toBe('ended.missed.caller');
    expect(endedMessageKey('missed', 'callee', 'remote')).toBe('ended.missed.callee');
  });
  it('tells a caller whose call never rang anywhere that the callee stayed offline', () => {
    expect(endedMessageKey('missed', 'caller', 'remote', false)).toBe('ended.missed.offline');
    expect(endedMessageKey('missed', 'caller', 'remote', true)).toBe('ended.missed.caller');
  });
  it('covers the causes that never reach the server', () => {
    expect(endedMessageKey('media_failed', 'caller', 'local')).toBe('ended.mediaFailed');
    expect(endedMessageKey('media_failed', 'callee', 'remote')).toBe('ended.mediaFailed');
    expect(endedMessageKey('callee_busy', 'caller', 'remote')).toBe('ended.calleeBusy');
    expect(endedMessageKey('answered_elsewhere', 'callee', 'remote')).toBe('ended.answeredElsewhere');
  });
});

describe('formatDuration', () => {
  it('formats minutes and hours', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_400)).toBe('1:05');
    expect(formatDuration(3_726_000)).toBe('1:02:06');
    expect(formatDuration(-5)).toBe('0:00');
  });
});
