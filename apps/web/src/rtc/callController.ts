import { assertNever, type CreateCallResponse, type ServerMessage } from '@parley/protocol';
import { ApiError, callsApi, rtcApi } from '../api/endpoints';
import type { MessageKey } from '../i18n';
import { signaling, type ServerMessageOf } from '../signaling/client';
import { dispatchCall, getCall, NO_CALL_MEDIA, patchCallStore, useCallStore } from '../stores/call';
import { isLive, liveCallId, type CallRole, type EndCause, type Peer } from '../stores/callMachine';
import { loadHistory, resetHistory } from '../stores/history';
import { onBeforeLogout, useSessionStore } from '../stores/session';
import { resetUsers, setPresence } from '../stores/users';
import { CallSession, type IncomingSignal, type MediaKind } from './callSession';
import { IceConfigSource } from './iceConfig';
import { acquireLocalMedia, acquireScreen, acquireTrack, listDevices } from './media';
import { holdsRemoteHangup, MEDIA_WATCH_OFF, REMOTE_END_SETTLE_MS, watchMedia, type MediaWatch, type MediaWatchEvent } from './mediaWatchdog';
import { describeSelectedPair, extractSample, QualityTracker, summarizeInbound, type InboundSummary, type SelectedPair } from './quality';
import { persistCall, readActiveCall, readDevicePreferences, readDialingCall, saveDevicePreferences } from './persistence';
import { playTone } from './tones';

/**
 * The call controller: module-level actions the UI calls (`placeCall`, `acceptCall`, `hangUp`, …) and the handlers
 * of every call-related server message. It owns the one `CallSession` and the local tracks; the call store holds
 * what the UI shows. WebRTC and WebSocket callbacks land here, never in React.
 *
 * Reconnect design. A tab whose socket drops in mid-call (or that reloads) gets a new socket and sends
 * `call:rejoin`. Both sides then start a *fresh* RTCPeerConnection, whatever state the old one was in:
 *   - the side that rejoined does so on `call:rejoined`;
 *   - the other side does so on `call:peer-connection {connected: true}`.
 * On every fresh connection the caller makes the first offer and the callee (the polite side) waits for it, exactly
 * as at the start of the call. The server sends `call:rejoined` and `call:peer-connection` before it relays anything
 * the rejoined side sends next, so the callee has always thrown its old connection away before the caller's fresh
 * offer reaches it; signals that arrive while the new connection is being set up are queued for it.
 * Local tracks outlive connections, so nobody is asked for the camera again.
 *
 * Media watchdog. Every fresh connection must get media through within a bound while both sides are on signaling
 * (see `mediaWatchdog.ts`); when it cannot, this tab ends the call as `media_failed` through POST /calls/:id/end, so
 * the other side learns at once. A hang-up from the other side that arrives while our own media is still connecting
 * waits up to REMOTE_END_SETTLE_MS for our watchdog's verdict: it is usually the other side's watchdog giving up a
 * moment before ours, and then both people should read the same reason.
 */

const STATS_INTERVAL_MS = 1_000;
const REJOIN_TIMEOUT_MS = 8_000;


let session: CallSession | null = null;
/** Bumped whenever a connection is opened or closed, so a slow `openSession` can tell it was overtaken. */
let sessionGeneration = 0;
let tracker: QualityTracker | null = null;
let statsTimer: ReturnType<typeof setInterval> | undefined;
/** Signals of the live call that arrived before its connection existed. */
let pendingSignals: IncomingSignal[] = [];
/** The ICE configuration of the call we are in or about to be in, and the timer that refreshes it before it expires. */
let ice: { callId: string; source: IceConfigSource } | null = null;
let iceRefreshTimer: ReturnType<typeof setTimeout> | undefined;
let mediaWatch: MediaWatch = MEDIA_WATCH_OFF;
let mediaWatchTimer: ReturnType<typeof setTimeout> | undefined;
/** The other side hung up while our media was still connecting: what to show unless our own watchdog fails first. */
let pendingRemoteEnd: { callId: string; timer: ReturnType<typeof setTimeout> } | null = null;
let stopTone: (() => void) | null = null;
let dialAttempt = 0;
/** Call messages that arrived while our POST /calls was still in flight (we did not know our callId yet). */
let early: ServerMessage[] = [];
let local: { audio: MediaStreamTrack | null; camera: MediaStreamTrack | null; screen: MediaStreamTrack | null } = {
  audio: null,
  camera: null,
  screen: null,
};
/** Aborted when the live call ends: cancels waits that belong to it. */
let callAbort = new AbortController();
let noticeTimer: ReturnType<typeof setTimeout> | undefined;

// ---------------------------------------------------------------- user actions

export async function placeCall(peer: Peer): Promise<void> {
  const attempt = ++dialAttempt;
  if (!dispatchCall({ type: 'dial', attempt, peer })) return;
  newCallScope();
  tone('ringback');
  void startLocalMedia();
  let created: CreateCallResponse;
  try {
    const connectionId = await signaling.ready({ timeoutMs: 10_000, signal: callAbort.signal });
    created = await callsApi.create({ calleeId: peer.id, connectionId });
  } catch (error) {
    const call = getCall();
    if (call.phase !== 'outgoing' || call.attempt !== attempt) return;
    finish(null, dialFailure(error), 'remote');
    return;
  }
  const { callId } = created;
  const call = getCall();
  if (call.phase !== 'outgoing' || call.attempt !== attempt) {
    // Cancelled while the server was creating the call: end what it created.
    void callsApi.end(callId).catch(() => undefined);
    return;
  }
  prefetchIceServers(callId);
  dispatchCall({ type: 'dialed', attempt, callId, ringExpiresAt: created.ringExpiresAt });
  const replay = early.filter((m) => 'callId' in m.payload && m.payload.callId === callId);
  early = [];
  for (const message of replay) handleServerMessage(message);
}

function dialFailure(error: unknown): EndCause {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'CALLEE_BUSY':
        return 'callee_busy';
      case 'CALLER_BUSY':
        return 'caller_busy';
      case 'USER_NOT_FOUND':
      case 'CANNOT_CALL_SELF':
        return 'unavailable';
      default:
        return 'failed';
    }
  }
  return 'failed';
}

export function acceptCall(): void {
  const call = getCall();
  if (call.phase !== 'incoming') return;
  const { callId } = call;
  if (!signaling.send({ type: 'call:accept', payload: { callId } })) return;
  dispatchCall({ type: 'answer', callId, at: Date.now() });
  stopTones();
  prefetchIceServers(callId);
  void startLocalMedia();
  void openSession(callId, 'callee');
}

export function declineCall(): void {
  const call = getCall();
  if (call.phase !== 'incoming') return;
  signaling.send({ type: 'call:reject', payload: { callId: call.callId } });
  finish(call.callId, 'rejected', 'local');
}

/** Cancel a call we are placing, or hang up a call in progress. */
export async function hangUp(): Promise<void> {
  const call = getCall();
  switch (call.phase) {
    case 'idle':
    case 'ended':
      return;
    case 'incoming':
      declineCall();
      return;
    case 'outgoing':
      finish(call.callId, 'cancelled', 'local');
      if (call.callId) await callsApi.end(call.callId).catch(() => undefined);
      return;
    case 'connecting':
    case 'connected':
      finish(call.callId, 'hangup', 'local');
      await callsApi.end(call.callId).catch(() => undefined);
      return;
    default:
      assertNever(call);
  }
}

export function dismissEnded(): void {
  dispatchCall({ type: 'dismiss' });
}

export function toggleMute(): void {
  const { media } = useCallStore.getState();
  if (!local.audio || media.mic === 'none') return;
  const muted = media.mic === 'on';
  local.audio.enabled = !muted;
  patchCallStore({ media: { ...media, mic: muted ? 'muted' : 'on' } });
}

export async function toggleCamera(): Promise<void> {
  const { media, selectedDevices } = useCallStore.getState();
  if (media.camera === 'on') {
    local.camera?.stop();
    local.camera = null;
    patchCallStore({ media: { ...useCallStore.getState().media, camera: 'off' } });
    await applyVideo();
    return;
  }
  const track = await acquireTrack('video', selectedDevices.video);
  if (!isLive(getCall())) {
    track?.stop();
    return;
  }
  if (!track) {
    showNotice('media.deviceFailed');
    return;
  }
  local.camera = track;
  patchCallStore({ media: { ...useCallStore.getState().media, camera: 'on' }, mediaIssue: null });
  await applyVideo();
  void refreshDevices();
}

export async function toggleScreenShare(): Promise<void> {
  if (local.screen) {
    stopScreenShare();
    return;
  }
  const track = await acquireScreen();
  if (!track) {
    showNotice('media.screenFailed');
    return;
  }
  if (!isLive(getCall())) {
    track.stop();
    return;
  }
  local.screen = track;
  // The browser's own "Stop sharing" bar ends the track.
  track.addEventListener('ended', () => {
    if (local.screen === track) stopScreenShare();
  });
  patchCallStore({ media: { ...useCallStore.getState().media, screen: 'sharing' } });
  await applyVideo();
}

function stopScreenShare(): void {
  local.screen?.stop();
  local.screen = null;
  patchCallStore({ media: { ...useCallStore.getState().media, screen: 'off' } });
  void applyVideo();
}

export async function selectDevice(kind: MediaKind, deviceId: string): Promise<void> {
  const state = useCallStore.getState();
  const selectedDevices = { ...state.selectedDevices, [kind]: deviceId };
  patchCallStore({ selectedDevices });
  saveDevicePreferences(selectedDevices);
  if (kind === 'video' && state.media.camera !== 'on') return;
  const track = await acquireTrack(kind, deviceId);
  if (!track) {
    showNotice('media.deviceFailed');
    return;
  }
  if (!isLive(getCall())) {
    track.stop();
    return;
  }
  if (kind === 'audio') {
    local.audio?.stop();
    track.enabled = useCallStore.getState().media.mic !== 'muted';
    local.audio = track;
    patchCallStore({ media: { ...useCallStore.getState().media, mic: track.enabled ? 'on' : 'muted' } });
    await session?.setLocalTrack('audio', track);
  } else {
    local.camera?.stop();
    local.camera = track;
    await applyVideo();
  }
}

// ---------------------------------------------------------------- server messages

export function handleServerMessage(message: ServerMessage): void {
  switch (message.type) {
    case 'hello':
      onHello();
      return;
    case 'presence':
      setPresence(message.payload, selfId());
      return;
    case 'call:incoming':
      onIncoming(message);
      return;
    case 'call:accept':
      onAccept(message);
      return;
    case 'call:reject':
      if (bufferEarly(message)) return;
      finish(message.payload.callId, 'rejected', 'remote');
      return;
    case 'call:ended':
      if (bufferEarly(message)) return;
      onEnded(message);
      return;
    case 'call:rejoined':
      // Awaited by `rejoin()`.
      return;
    case 'call:peer-connection':
      onPeerConnection(message);
      return;
    case 'webrtc:offer':
    case 'webrtc:answer':
    case 'webrtc:ice-candidate':
      onSignal(message);
      return;
    case 'error':
      onError(message);
      return;
    default:
      assertNever(message);
  }
}

function bufferEarly(message: ServerMessage): boolean {
  const call = getCall();
  if (call.phase === 'outgoing' && call.callId === null) {
    early.push(message);
    return true;
  }
  return false;
}

function selfId(): string | undefined {
  const session = useSessionStore.getState();
  return session.status === 'authenticated' ? session.user?.id : undefined;
}

function onHello(): void {
  const call = getCall();
  // A new socket in mid-call (after a reload, or after the network came back): take the call back. A caller whose
  // socket dropped while ringing must too, or the server ends the call when its grace period runs out.
  const callId = liveCallId(call);
  if (callId && (call.phase === 'connecting' || call.phase === 'connected' || call.phase === 'outgoing')) void rejoin(callId);
}

function onIncoming(message: ServerMessageOf<'call:incoming'>): void {
  const { callId, from, callerId, ringExpiresAt } = message.payload;
  if (!dispatchCall({ type: 'ring', callId, peer: { id: callerId, username: from }, ringExpiresAt: ringExpiresAt ?? null })) return;
  newCallScope();
  tone('ringtone');
  // Cheap and likely needed: have the ICE configuration ready by the time Accept is clicked.
  prefetchIceServers(callId);
}

function onAccept(message: ServerMessageOf<'call:accept'>): void {
  if (bufferEarly(message)) return;
  const { callId } = message.payload;
  const call = getCall();
  if (call.phase === 'outgoing' && call.callId === callId) {
    dispatchCall({ type: 'answered', callId, at: Date.now() });
    stopTones();
    void openSession(callId, 'caller');
  }
  // For the callee this is the confirmation that its accept won; it is already connecting.
}

function onEnded(message: ServerMessageOf<'call:ended'>): void {
  const { callId, reason } = message.payload;
  if (holdsRemoteHangup(mediaWatch, callId, reason)) {
    // Probably the other side's watchdog: give ours a moment to reach the same verdict (see the note at the top).
    if (pendingRemoteEnd?.callId === callId) return;
    clearTimeout(pendingRemoteEnd?.timer);
    pendingRemoteEnd = { callId, timer: setTimeout(settleRemoteEnd, REMOTE_END_SETTLE_MS) };
    return;
  }
  finish(callId, reason, 'remote');
}

/** Our watchdog did not fail after the other side's hang-up: it was an ordinary hang-up. */
function settleRemoteEnd(): void {
  const pending = pendingRemoteEnd;
  if (!pending) return;
  clearTimeout(pending.timer);
  pendingRemoteEnd = null;
  finish(pending.callId, 'hangup', 'remote');
}

function onPeerConnection(message: ServerMessageOf<'call:peer-connection'>): void {
  const { callId, connected } = message.payload;
  const call = getCall();
  if ((call.phase !== 'connecting' && call.phase !== 'connected') || call.callId !== callId) return;
  if (!connected) {
    dispatchCall({ type: 'link', callId, link: 'peer' });
    return;
  }
  // The other side is back on a new socket and starts a new connection: so do we (see the design note above).
  dispatchCall({ type: 'link', callId, link: 'ok' });
  void openSession(callId, call.role);
}

function onSignal(message: IncomingSignal): void {
  const callId = message.payload.callId;
  if (session && session.callId === callId) {
    session.handle(message);
    return;
  }
  const call = getCall();
  if ((call.phase === 'connecting' || call.phase === 'connected') && call.callId === callId) {
    pendingSignals.push(message);
    return;
  }
  console.debug('[call] dropping a stale signal', message.type);
}

function onError(message: ServerMessageOf<'error'>): void {
  const { code, callId } = message.payload;
  const call = getCall();
  if (!callId || liveCallId(call) !== callId) {
    console.warn(`[call] server error ${code}: ${message.payload.message}`);
    return;
  }
  switch (code) {
    case 'CALL_ANSWERED_ELSEWHERE':
      finish(callId, 'answered_elsewhere', 'remote');
      return;
    case 'CALL_NOT_RINGING':
      // Our accept lost to a cancel or the ring timeout: find out which, for the message.
      if (call.phase === 'connecting' && call.role === 'callee') {
        void callsApi
          .get(callId)
          .then((dto) => finish(callId, dto.endReason ?? (dto.status === 'active' ? 'answered_elsewhere' : 'failed'), 'remote'))
          .catch(() => finish(callId, 'failed', 'remote'));
      }
      return;
    default:
      // Relay errors while the other side is away are expected; the rejoin logic decides what happens to the call.
      console.warn(`[call] server error ${code} for the call: ${message.payload.message}`);
  }
}

async function rejoin(callId: string): Promise<void> {
  dispatchCall({ type: 'link', callId, link: 'self' });
  if (!signaling.send({ type: 'call:rejoin', payload: { callId } })) return;
  let reply: ServerMessageOf<'call:rejoined' | 'error' | 'call:ended'>;
  try {
    reply = await signaling.next(['call:rejoined', 'error', 'call:ended'], (m) => m.payload.callId === callId, {
      timeoutMs: REJOIN_TIMEOUT_MS,
      signal: callAbort.signal,
    });
  } catch {
    // Aborted (the call ended) or no answer: the next socket will try again, the server's grace period decides.
    return;
  }
  switch (reply.type) {
    case 'call:rejoined': {
      const call = getCall();
      // Still ringing: nothing to renegotiate; the accept will reach this socket.
      if ((call.phase !== 'connecting' && call.phase !== 'connected') || call.callId !== callId) return;
      dispatchCall({ type: 'link', callId, link: 'ok' });
      void openSession(callId, reply.payload.role);
      return;
    }
    case 'error':
      finish(callId, 'connection_lost', 'remote');
      return;
    case 'call:ended':
      return; // a call that ended while we were away: the call:ended handler shows its reason
    default:
      assertNever(reply);
  }
}

// ---------------------------------------------------------------- connection and media

/**
 * Fetched once per call, as soon as we know the call will happen (TURN credentials are minted per request), and
 * fetched again before the credentials expire, for ICE restarts and fresh connections later in a long call.
 */
function prefetchIceServers(callId: string): void {
  if (ice?.callId === callId) return;
  const entry = { callId, source: new IceConfigSource(() => rtcApi.config()) };
  ice = entry;
  void scheduleIceRefresh(entry);
}

async function scheduleIceRefresh(entry: NonNullable<typeof ice>): Promise<void> {
  const delay = await entry.source.nextRefreshInMs();
  if (ice !== entry) return;
  clearTimeout(iceRefreshTimer);
  iceRefreshTimer = setTimeout(() => {
    if (ice === entry) void entry.source.refresh().then(() => scheduleIceRefresh(entry));
  }, delay);
}

/** Throw away any connection and open a fresh one for this call (see the reconnect design note at the top). */
async function openSession(callId: string, role: CallRole): Promise<void> {
  closeSession();
  const generation = sessionGeneration;
  // The bound starts now: fetching the ICE configuration is part of connecting.
  watch({ type: 'open', callId, connection: generation, at: Date.now() });
  prefetchIceServers(callId);
  const { source } = ice!;
  const config = await source.current();
  if (generation !== sessionGeneration || liveCallId(getCall()) !== callId) return;
  const created = new CallSession({
    callId,
    polite: role === 'callee',
    ice: config,
    freshIce: () => source.fresh(),
    send: (message) => {
      if (!signaling.send(message)) console.debug('[call] signaling down, dropped', message.type);
    },
    onRemoteTracks: (stream) => {
      if (session === created) patchCallStore({ remoteStream: stream });
    },
    onConnectionState: (state) => onConnectionState(created, generation, state),
    onGathered: (candidates) => {
      if (session === created) watch({ type: 'gathered', connection: generation, candidates });
    },
  });
  session = created;
  tracker = new QualityTracker();
  patchCallStore({ remoteStream: created.remoteStream, quality: null, remoteVideo: 'none' });
  // Tracks first (recorded synchronously), then the queued signals in arrival order, before any newer signal.
  void created.setLocalTrack('audio', local.audio);
  void created.setLocalTrack('video', local.screen ?? local.camera);
  const queued = pendingSignals.filter((m) => m.payload.callId === callId);
  pendingSignals = [];
  for (const message of queued) created.handle(message);
  clearInterval(statsTimer);
  statsTimer = setInterval(() => void sampleStats(created), STATS_INTERVAL_MS);
}

function closeSession(): void {
  sessionGeneration++;
  clearInterval(statsTimer);
  session?.close();
  session = null;
  tracker = null;
}

function onConnectionState(owner: CallSession, connection: number, state: RTCPeerConnectionState): void {
  if (session !== owner) return;
  watch({ type: 'connection-state', connection, state, at: Date.now() });
  if (session !== owner) return; // the watchdog ended the call
  const call = getCall();
  if ((call.phase !== 'connecting' && call.phase !== 'connected') || call.callId !== owner.callId) return;
  if (state === 'connected') {
    dispatchCall({ type: 'media-up', callId: call.callId, at: Date.now() });
  } else if ((state === 'disconnected' || state === 'failed') && call.link === 'ok') {
    dispatchCall({ type: 'link', callId: call.callId, link: 'media' });
  }
}

/** Move the media watchdog; keeps its deadline timer and ends the call when it fails. */
function watch(event: MediaWatchEvent): void {
  const before = mediaWatch;
  mediaWatch = watchMedia(before, event);
  if (mediaWatch === before && event.type !== 'tick') return;
  clearTimeout(mediaWatchTimer);
  const current = mediaWatch;
  switch (current.state) {
    case 'waiting':
      mediaWatchTimer = setTimeout(() => watch({ type: 'tick', at: Date.now() }), Math.max(0, current.deadline - Date.now()));
      return;
    case 'failed':
      onMediaFailed(current);
      return;
    case 'up':
    case 'off':
      // Not from inside this transition: it may run in a store subscriber.
      if (pendingRemoteEnd) queueMicrotask(settleRemoteEnd);
      return;
    default:
      assertNever(current);
  }
}

function onMediaFailed(failure: Extract<MediaWatch, { state: 'failed' }>): void {
  const { callId, why } = failure;
  console.warn(`[call] media could not connect (${why}): ending the call`);
  // When the other side already ended the call, the server knows; otherwise tell it, and through it the other side.
  const endedRemotely = pendingRemoteEnd?.callId === callId;
  if (finish(callId, 'media_failed', endedRemotely ? 'remote' : 'local') && !endedRemotely) {
    void callsApi.end(callId).catch(() => undefined);
  }
}

async function sampleStats(owner: CallSession): Promise<void> {
  if (session !== owner || !tracker) return;
  const records = await owner.stats();
  if (session !== owner || !tracker) return;
  const verdict = tracker.update(extractSample(records, performance.now()), owner.pc.iceConnectionState);
  const state = useCallStore.getState();
  if (state.quality !== verdict.quality || state.remoteVideo !== verdict.remoteVideo) {
    patchCallStore({ quality: verdict.quality, remoteVideo: verdict.remoteVideo });
  }
}

async function startLocalMedia(): Promise<void> {
  const scope = callAbort.signal;
  const prefs = readDevicePreferences();
  patchCallStore({ selectedDevices: prefs });
  const media = await acquireLocalMedia({ audioDeviceId: prefs.audio, videoDeviceId: prefs.video });
  if (scope.aborted) {
    media.audio?.stop();
    media.video?.stop();
    return;
  }
  local.audio = media.audio;
  local.camera = media.video;
  patchCallStore({
    media: { mic: media.audio ? 'on' : 'none', camera: media.video ? 'on' : 'none', screen: 'off' },
    mediaIssue: media.issue,
  });
  await session?.setLocalTrack('audio', local.audio);
  await applyVideo();
  void refreshDevices();
}

/** Send and preview the screen while sharing, else the camera when it is on, else nothing. */
async function applyVideo(): Promise<void> {
  const track = local.screen ?? local.camera;
  patchCallStore({ localStream: track ? new MediaStream([track]) : null });
  await session?.setLocalTrack('video', track);
}

async function refreshDevices(): Promise<void> {
  const devices = await listDevices();
  const current = useCallStore.getState().selectedDevices;
  const audioSetting = local.audio?.getSettings().deviceId ?? null;
  const videoSetting = local.camera?.getSettings().deviceId ?? null;
  patchCallStore({
    devices,
    selectedDevices: { audio: audioSetting ?? current.audio, video: videoSetting ?? current.video },
  });
}

function stopLocalMedia(): void {
  for (const track of [local.audio, local.camera, local.screen]) track?.stop();
  local = { audio: null, camera: null, screen: null };
}

function tone(kind: 'ringback' | 'ringtone'): void {
  stopTones();
  stopTone = playTone(kind);
}

function stopTones(): void {
  stopTone?.();
  stopTone = null;
}

function showNotice(key: MessageKey): void {
  clearTimeout(noticeTimer);
  patchCallStore({ notice: key });
  noticeTimer = setTimeout(() => patchCallStore({ notice: null }), 5_000);
}

function newCallScope(): void {
  callAbort.abort();
  callAbort = new AbortController();
  pendingSignals = [];
  early = [];
}

/** End the live call `callId` (null: the outgoing call whose POST is in flight) and release everything it held. */
function finish(callId: string | null, cause: EndCause, by: 'local' | 'remote'): boolean {
  if (!dispatchCall({ type: 'end', callId, cause, by, at: Date.now() })) return false;
  teardown();
  void loadHistory();
  return true;
}

function teardown(): void {
  callAbort.abort();
  stopTones();
  closeSession();
  stopLocalMedia();
  pendingSignals = [];
  clearTimeout(pendingRemoteEnd?.timer);
  pendingRemoteEnd = null;
  watch({ type: 'stop' });
  ice = null;
  clearTimeout(iceRefreshTimer);
  clearTimeout(noticeTimer);
  patchCallStore(NO_CALL_MEDIA);
}

// ---------------------------------------------------------------- wiring

/**
 * A small debug surface for the end-to-end tests (documented in e2e/README.md): what arrives from the other side,
 * the connection's negotiation state, and a way to force an ICE restart so tests can make both sides renegotiate
 * at the same moment (glare). Nothing in it changes what a call does on its own.
 */
export interface ParleyDebug {
  inbound(): Promise<InboundSummary | null>;
  connection(): { signalingState: RTCSignalingState; connectionState: RTCPeerConnectionState; localIceUfrag: string | null } | null;
  /** The candidate pair media flows over (`relay` on our side proves the call goes through TURN). */
  selectedPair(): Promise<SelectedPair | null>;
  /** The ICE servers the current connection uses now, without credentials (a restart may have replaced them). */
  iceServers(): { urls: string[]; username: string | null }[] | null;
  restartIce(): void;
}

declare global {
  interface Window {
    parleyDebug?: ParleyDebug;
  }
}

let started = false;

/** Subscribe to the signaling client and the stores. Call once, at startup. */
export function startCallController(): void {
  if (started) return;
  started = true;
  const types = [
    'hello',
    'presence',
    'call:incoming',
    'call:accept',
    'call:reject',
    'call:ended',
    'call:rejoined',
    'call:peer-connection',
    'webrtc:offer',
    'webrtc:answer',
    'webrtc:ice-candidate',
    'error',
  ] as const satisfies readonly ServerMessage['type'][];
  for (const type of types) signaling.on(type, handleServerMessage);

  signaling.onStatus((status) => {
    const call = getCall();
    if (status.state !== 'open' && (call.phase === 'connecting' || call.phase === 'connected')) {
      dispatchCall({ type: 'link', callId: call.callId, link: 'self' });
    }
  });

  useCallStore.subscribe((state, previous) => {
    if (state.call === previous.call) return;
    persistCall(getCall());
    // A side off signaling: media cannot be expected; the server's grace period decides, and a fresh connection
    // (with a fresh bound) opens when both are back.
    const { call } = state;
    if ((call.phase === 'connecting' || call.phase === 'connected') && (call.link === 'self' || call.link === 'peer')) watch({ type: 'pause' });
  });

  // Hang up properly while the token still works; an expired session just drops the call locally.
  onBeforeLogout(() => hangUp());
  useSessionStore.subscribe((state) => {
    if (state.status === 'anonymous') {
      if (isLive(getCall())) {
        dispatchCall({ type: 'end', callId: liveCallId(getCall()), cause: 'failed', by: 'local', at: Date.now() });
        teardown();
      }
      dispatchCall({ type: 'dismiss' });
      // The next person to log in on this tab must not see this one's people or calls, even for a moment.
      resetUsers();
      resetHistory();
    }
  });

  navigator.mediaDevices?.addEventListener?.('devicechange', () => {
    if (isLive(getCall())) void refreshDevices();
  });

  window.parleyDebug = {
    inbound: async () => (session ? summarizeInbound(await session.stats()) : null),
    connection: () => {
      if (!session) return null;
      const { pc } = session;
      const ufrag = /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? null;
      return { signalingState: pc.signalingState, connectionState: pc.connectionState, localIceUfrag: ufrag };
    },
    selectedPair: async () => (session ? describeSelectedPair(await session.stats()) : null),
    iceServers: () =>
      session?.pc.getConfiguration().iceServers?.map((server) => ({
        urls: typeof server.urls === 'string' ? [server.urls] : [...server.urls],
        username: server.username ?? null,
      })) ?? null,
    restartIce: () => void session?.restartIce(),
  };

  const authenticated = useSessionStore.getState().status === 'authenticated';
  // A reload while our call was still ringing: nobody can answer it into this page any more, so cancel it.
  const dialing = readDialingCall();
  if (dialing && authenticated) void callsApi.end(dialing).catch(() => undefined);

  // A reload in mid-call: show the call at once and take it back as soon as the socket says hello.
  const stored = authenticated ? readActiveCall() : null;
  if (stored && dispatchCall({ type: 'resume', ...stored })) {
    newCallScope();
    void startLocalMedia();
    if (signaling.status.state === 'open') void rejoin(stored.callId);
  } else {
    persistCall(getCall());
  }
}
