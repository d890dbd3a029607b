import { create } from 'zustand';
import type { MessageKey } from '../i18n';
import type { DeviceLists, MediaIssue } from '../rtc/media';
import type { Quality } from '../rtc/quality';
import { IDLE, reduce, type CallEvent, type CallState } from './callMachine';

/** What we send. `none`: we have no such device (or were refused it), the call goes on without. */
export interface LocalMediaState {
  mic: 'on' | 'muted' | 'none';
  camera: 'on' | 'off' | 'none';
  screen: 'off' | 'sharing';
}

export interface CallStoreState {
  call: CallState;
  media: LocalMediaState;
  mediaIssue: MediaIssue | null;
  /** What the local preview shows: the camera, or the screen while sharing. */
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  /** Null until the first stats sample of a connection. */
  quality: Quality | null;
  remoteVideo: 'playing' | 'stalled' | 'none';
  devices: DeviceLists;
  selectedDevices: { audio: string | null; video: string | null };
  /** A short-lived message about a control that did not work (screen share refused, device failed). */
  notice: MessageKey | null;
}

/** Everything about one call's media, as it is before a call and after one ends. */
export const NO_CALL_MEDIA = {
  media: { mic: 'none', camera: 'none', screen: 'off' },
  mediaIssue: null,
  localStream: null,
  remoteStream: null,
  quality: null,
  remoteVideo: 'none',
  notice: null,
} as const satisfies Partial<CallStoreState>;

export const useCallStore = create<CallStoreState>(() => ({
  call: IDLE,
  ...NO_CALL_MEDIA,
  devices: { audio: [], video: [] },
  selectedDevices: { audio: null, video: null },
}));

/** Move the call state machine; returns whether the event applied (false for stale or duplicate events). */
export function dispatchCall(event: CallEvent): boolean {
  const before = useCallStore.getState().call;
  const after = reduce(before, event);
  if (after === before) return false;
  useCallStore.setState({ call: after });
  return true;
}

export function getCall(): CallState {
  return useCallStore.getState().call;
}

export function patchCallStore(patch: Partial<Omit<CallStoreState, 'call'>>): void {
  useCallStore.setState(patch);
}
