import type { CallRole, Peer } from '@parley/protocol';
import type { CallState } from '../stores/callMachine';
import type { DevicePreferences } from './media';

/**
 * What a tab keeps across reloads: the call it is in (sessionStorage, per tab) and the chosen devices
 * (localStorage). Storage can be missing or full (private mode) and entries can be corrupt: every read falls back to
 * "nothing stored" and every write may silently do nothing.
 */

const ACTIVE_CALL_KEY = 'parley.activeCall';
/** A call this tab was placing: a reload while it rings cancels it rather than leaving the callee ringing. */
const DIALING_KEY = 'parley.dialingCall';
const DEVICE_KEY = 'parley.devices';

export interface StoredCall {
  callId: string;
  role: CallRole;
  peer: Peer;
  answeredAt: number | null;
}

/** Remembers the call this tab is in (or placing) so a reload can take it back (or cancel it). */
export function persistCall(call: CallState): void {
  try {
    if (call.phase === 'connecting' || call.phase === 'connected') {
      const stored: StoredCall = { callId: call.callId, role: call.role, peer: call.peer, answeredAt: call.answeredAt };
      sessionStorage.setItem(ACTIVE_CALL_KEY, JSON.stringify(stored));
    } else {
      sessionStorage.removeItem(ACTIVE_CALL_KEY);
    }
    if (call.phase === 'outgoing' && call.callId) sessionStorage.setItem(DIALING_KEY, call.callId);
    else sessionStorage.removeItem(DIALING_KEY);
  } catch {
    // Without sessionStorage a reload simply ends the call after the grace period.
  }
}

export function readActiveCall(): StoredCall | null {
  try {
    const raw = sessionStorage.getItem(ACTIVE_CALL_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<StoredCall> | null;
    if (
      value &&
      typeof value.callId === 'string' &&
      (value.role === 'caller' || value.role === 'callee') &&
      typeof value.peer?.id === 'string' &&
      typeof value.peer.username === 'string'
    ) {
      return { callId: value.callId, role: value.role, peer: value.peer, answeredAt: typeof value.answeredAt === 'number' ? value.answeredAt : null };
    }
  } catch {
    // Corrupt entry: ignore it.
  }
  return null;
}

export function readDialingCall(): string | null {
  try {
    return sessionStorage.getItem(DIALING_KEY);
  } catch {
    return null;
  }
}

export function readDevicePreferences(): DevicePreferences {
  try {
    const raw = localStorage.getItem(DEVICE_KEY);
    const value: unknown = raw ? JSON.parse(raw) : null;
    if (typeof value === 'object' && value !== null) {
      const { audio, video } = value as Record<string, unknown>;
      return { audio: typeof audio === 'string' ? audio : null, video: typeof video === 'string' ? video : null };
    }
  } catch {
    // Fall through to the defaults.
  }
  return { audio: null, video: null };
}

export function saveDevicePreferences(prefs: DevicePreferences): void {
  try {
    localStorage.setItem(DEVICE_KEY, JSON.stringify(prefs));
  } catch {
    // Not remembered; harmless.
  }
}

/** What the call layer keeps across reloads, as one object (the functions above in the app, memory in tests). */
export interface CallStorage {
  persistCall(call: CallState): void;
  readActiveCall(): StoredCall | null;
  readDialingCall(): string | null;
  readDevicePreferences(): DevicePreferences;
  saveDevicePreferences(prefs: DevicePreferences): void;
}

export const browserCallStorage: CallStorage = { persistCall, readActiveCall, readDialingCall, readDevicePreferences, saveDevicePreferences };
