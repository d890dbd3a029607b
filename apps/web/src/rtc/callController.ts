import type { CallMedia, Peer } from '@parley/protocol';
import { callsApi, rtcApi } from '../api/endpoints';
import { signaling } from '../signaling/client';
import { resetBlocks } from '../stores/blocks';
import { callStore } from '../stores/call';
import { loadHistory, resetHistory } from '../stores/history';
import { onBeforeLogout, useSessionStore } from '../stores/session';
import { refreshUsersOnConnect, resetUsers, setPresence } from '../stores/users';
import { createCallController } from './controller';
import { installDebugSurface } from './debugSurface';
import { acquireLocalMedia, acquireScreen, acquireTrack, listDevices, type MediaKind } from './media';
import { browserCallStorage } from './persistence';
import { playTone } from './tones';

/**
 * The app's one call controller (see `controller.ts`), wired to the real signaling client, REST API, devices,
 * RTCPeerConnection, storage and tones, and to the session. The UI imports its actions from here.
 */
const controller = createCallController({
  signaling,
  api: {
    createCall: (body) => callsApi.create(body),
    getCall: (callId) => callsApi.get(callId),
    endCall: (callId) => callsApi.end(callId),
    rtcConfig: () => rtcApi.config(),
  },
  media: { acquireLocalMedia, acquireTrack, acquireScreen, listDevices },
  // Looked up at each call, so a test's init script that wraps the constructor sees every connection.
  createPeerConnection: (configuration) => new RTCPeerConnection(configuration),
  storage: browserCallStorage,
  playTone,
  store: callStore,
  onCallEnded: () => void loadHistory(),
});

export const placeCall = (peer: Peer, media?: CallMedia): Promise<void> => controller.placeCall(peer, media);
export const acceptCall = (options?: { video: boolean }): void => controller.acceptCall(options);
export const declineCall = (): void => controller.declineCall();
export const hangUp = (): Promise<void> => controller.hangUp();
export const dismissEnded = (): void => controller.dismissEnded();
export const toggleMute = (): void => controller.toggleMute();
export const toggleCamera = (): Promise<void> => controller.toggleCamera();
export const toggleScreenShare = (): Promise<void> => controller.toggleScreenShare();
export const flipCamera = (): Promise<void> => controller.flipCamera();
export const selectDevice = (kind: MediaKind, deviceId: string): Promise<void> => controller.selectDevice(kind, deviceId);
export const selectOutput = (deviceId: string | null): void => controller.selectOutput(deviceId);
export const sendChat = (text: string): boolean => controller.sendChat(text);
export const setChatOpen = (open: boolean): void => controller.setChatOpen(open);

let started = false;

/** Subscribe the controller to the signaling client and the session. Call once, at startup. */
export function startCallController(): void {
  if (started) return;
  started = true;
  controller.start();
  refreshUsersOnConnect(signaling);
  signaling.on('presence', (message) => {
    const session = useSessionStore.getState();
    setPresence(message.payload, session.status === 'authenticated' ? session.user?.id : undefined);
  });

  // Hang up properly while the token still works; an expired session just drops the call locally.
  onBeforeLogout(() => controller.hangUp());
  useSessionStore.subscribe((state) => {
    if (state.status !== 'anonymous') return;
    controller.dropLocally();
    // The next person to log in on this tab must not see this one's people or calls, even for a moment.
    resetUsers();
    resetBlocks();
    resetHistory();
  });

  navigator.mediaDevices?.addEventListener?.('devicechange', () => void controller.refreshDevices());
  installDebugSurface(window, () => controller.peerLink(), () => controller.timeline());

  if (useSessionStore.getState().status === 'authenticated') controller.resumeFromStorage();
  else browserCallStorage.persistCall(controller.store.call);
}
