import type { PeerMediaState } from '@parley/protocol';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { MessageKey } from '../i18n';
import type { DeviceLists, DevicePreferences, MediaIssue } from '../rtc/media';
import type { Quality } from '../rtc/quality';
import { IDLE, reduce, type CallEvent, type CallState } from './callMachine';
import { EMPTY_CHAT, reduceChat, type ChatEvent, type ChatState } from './chat';

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
  /** What the stats say about the remote picture (a fallback: `remoteMedia` says it sooner). */
  remoteVideo: 'playing' | 'stalled' | 'none';
  /** What the other side says it sends, over the call's data channel; null until it has said anything. */
  remoteMedia: PeerMediaState | null;
  devices: DeviceLists;
  selectedDevices: DevicePreferences;
  /** The speaker the other side's sound plays on (`setSinkId`); null for the browser's default. */
  selectedOutput: string | null;
  /** Which way the camera in use faces, when the browser says (phones); null otherwise. */
  cameraFacing: 'user' | 'environment' | null;
  /** The call's text chat over the peer channel (see `stores/chat.ts`). */
  chat: ChatState;
  /** A short-lived message about a control that did not work (screen share refused, device failed). */
  notice: MessageKey | null;
}

/** Everything about one call (its media and its chat), as it is before a call and after one ends. */
export const NO_CALL_MEDIA = {
  media: { mic: 'none', camera: 'none', screen: 'off' },
  mediaIssue: null,
  localStream: null,
  remoteStream: null,
  quality: null,
  remoteVideo: 'none',
  remoteMedia: null,
  notice: null,
  cameraFacing: null,
  chat: EMPTY_CHAT,
} as const satisfies Partial<CallStoreState>;

/**
 * What the UI shows about calls, and the call state machine's current state. One store per controller: the app
 * has one (`callStore`), a unit test makes its own.
 */
export class CallStore {
  readonly api: StoreApi<CallStoreState>;

  constructor() {
    this.api = createStore<CallStoreState>(() => ({
      call: IDLE,
      ...NO_CALL_MEDIA,
      devices: { audio: [], video: [], output: [] },
      selectedDevices: { audio: null, video: null },
      selectedOutput: null,
    }));
  }

  get state(): CallStoreState {
    return this.api.getState();
  }

  get call(): CallState {
    return this.api.getState().call;
  }

  /** Move the call state machine; returns whether the event applied (false for stale or duplicate events). */
  dispatch(event: CallEvent): boolean {
    const before = this.call;
    const after = reduce(before, event);
    if (after === before) return false;
    this.api.setState({ call: after });
    return true;
  }

  patch(patch: Partial<Omit<CallStoreState, 'call'>>): void {
    this.api.setState(patch);
  }

  /** Change the local media state from what it is now. */
  patchMedia(patch: Partial<LocalMediaState>): void {
    this.api.setState((s) => ({ media: { ...s.media, ...patch } }));
  }

  /** Move the chat (a message sent or received, the panel opened or closed). */
  chat(event: ChatEvent): void {
    this.api.setState((s) => {
      const chat = reduceChat(s.chat, event);
      return chat === s.chat ? s : { chat };
    });
  }

  /** Called on every change of the call state, with the state before. */
  onCall(listener: (call: CallState, previous: CallState) => void): () => void {
    return this.api.subscribe((state, previous) => {
      if (state.call !== previous.call) listener(state.call, previous.call);
    });
  }
}

/** The app's call store. */
export const callStore = new CallStore();

/** React hook over the app's call store: `useCallStore((s) => s.call)`. */
export function useCallStore<T>(selector: (state: CallStoreState) => T): T {
  return useStore(callStore.api, selector);
}
