import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { persistCall, readActiveCall, readDevicePreferences, readDialingCall, saveDevicePreferences } from '../../src/rtc/persistence';

/** The Web Storage API, in memory (Node has none); `broken` makes every call throw, as in some private modes. */
class MemoryStorage {
  private readonly items = new Map<string, string>();
  broken = false;
  getItem(key: string): string | null {
    if (this.broken) throw new Error('SecurityError');
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.broken) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    if (this.broken) throw new Error('SecurityError');
    this.items.delete(key);
  }
}

const peer = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };
const CALL = '11111111-1111-4111-8111-111111111111';
let session: MemoryStorage;
let local: MemoryStorage;

beforeEach(() => {
  session = new MemoryStorage();
  local = new MemoryStorage();
  Object.assign(globalThis, { sessionStorage: session, localStorage: local });
});
afterEach(() => {
  Reflect.deleteProperty(globalThis, 'sessionStorage');
  Reflect.deleteProperty(globalThis, 'localStorage');
});

describe('call persistence', () => {
  it('keeps a live call across a reload and forgets it when the call ends', () => {
    persistCall({ phase: 'connected', callId: CALL, role: 'callee', peer, link: 'ok', answeredAt: 1234 });
    expect(readActiveCall()).toEqual({ callId: CALL, role: 'callee', peer, answeredAt: 1234 });
    expect(readDialingCall()).toBeNull();
    persistCall({ phase: 'ended', callId: CALL, role: 'callee', peer, cause: 'hangup', by: 'local', durationMs: 1, rang: true });
    expect(readActiveCall()).toBeNull();
  });

  it('remembers a call being placed, so a reload can cancel it', () => {
    persistCall({ phase: 'outgoing', attempt: 1, callId: CALL, peer, ringExpiresAt: null, ringing: true });
    expect(readDialingCall()).toBe(CALL);
    expect(readActiveCall()).toBeNull();
  });

  it('ignores corrupt entries and storage that throws', () => {
    session.setItem('parley.activeCall', '{"callId":1,"role":"boss"}');
    expect(readActiveCall()).toBeNull();
    session.setItem('parley.activeCall', 'not json');
    expect(readActiveCall()).toBeNull();
    session.broken = true;
    expect(() => persistCall({ phase: 'idle' })).not.toThrow();
    expect(readActiveCall()).toBeNull();
    expect(readDialingCall()).toBeNull();
  });
});

describe('device preferences', () => {
  it('round-trips, and falls back to defaults on garbage', () => {
    expect(readDevicePreferences()).toEqual({ audio: null, video: null });
    saveDevicePreferences({ audio: 'mic-1', video: null });
    expect(readDevicePreferences()).toEqual({ audio: 'mic-1', video: null });
    local.setItem('parley.devices', '{"audio":5,"video":"cam"}');
    expect(readDevicePreferences()).toEqual({ audio: null, video: 'cam' });
    local.broken = true;
    expect(() => saveDevicePreferences({ audio: 'x', video: 'y' })).not.toThrow();
    expect(readDevicePreferences()).toEqual({ audio: null, video: null });
  });
});
