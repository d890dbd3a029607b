import {
  assertNever,
  SERVER_MESSAGE_TYPES,
  type CallDto,
  type CallMedia,
  type CreateCallBody,
  type CreateCallResponse,
  type EndCallResponse,
  type Peer,
  type RtcConfig,
  type ServerMessage,
  type ServerMessageType,
} from '@parley/protocol';
import { ApiError } from '../api/endpoints';
import type { ServerMessageOf, SignalingPort } from '../signaling/client';
import { CallStore, NO_CALL_MEDIA } from '../stores/call';
import { isLive, liveCallId, type EndCause } from '../stores/callMachine';
import { outgoingChat } from '../stores/chat';
import { CallConnection } from './callConnection';
import { EarlyMessages } from './earlyMessages';
import { LocalMedia } from './localMedia';
import type { MediaKind, MediaSource } from './media';
import { holdsRemoteHangup, MediaWatchdog, REMOTE_END_SETTLE_MS, type MediaWatch } from './mediaWatchdog';
import type { PeerConnectionFactory, PeerLink } from './peerLink';
import type { CallStorage } from './persistence';
import { SetupTimeline, type SetupPhase } from './setupTimeline';
import type { ToneKind } from './tones';

/**
 * How long a dial that lost to the other person's call to us (409 `CALLER_BUSY` naming a call) waits for that
 * call's `call:incoming`. The server sends it before it answers the losing POST, but on another connection, so it
 * can arrive a moment after the 409; a call we are not rung by (we are in a call on another device) never rings.
 */
export const GLARE_WAIT_MS = 1_500;

export interface CallControllerDeps {
  signaling: SignalingPort;
  api: {
    createCall(body: CreateCallBody): Promise<CreateCallResponse>;
    getCall(callId: string): Promise<CallDto>;
    endCall(callId: string): Promise<EndCallResponse>;
    rtcConfig(): Promise<RtcConfig>;
  };
  media: MediaSource;
  createPeerConnection: PeerConnectionFactory;
  storage: CallStorage;
  /** Start a looping tone; returns its stop function. */
  playTone(kind: ToneKind): () => void;
  store?: CallStore;
  /** A call of this tab ended (the history has a new row). */
  onCallEnded?(): void;
}

export interface CallController {
  readonly store: CallStore;
  /** Call `peer`: a video call, or a voice call (`audio`: our camera stays closed until we turn it on). */
  placeCall(peer: Peer, media?: CallMedia): Promise<void>;
  /** Answer the ringing call, with our camera on (`video: true`) or off; by default as the caller asked. */
  acceptCall(options?: { video: boolean }): void;
  declineCall(): void;
  /** Cancel a call we are placing, decline one that rings, or hang up a call in progress. */
  hangUp(): Promise<void>;
  dismissEnded(): void;
  toggleMute(): void;
  toggleCamera(): Promise<void>;
  toggleScreenShare(): Promise<void>;
  /** Front ↔ back camera, where the camera says which way it faces. */
  flipCamera(): Promise<void>;
  selectDevice(kind: MediaKind, deviceId: string): Promise<void>;
  /** Play the other side's sound on this speaker (`setSinkId`, applied by the remote `<video>`); null: default. */
  selectOutput(deviceId: string | null): void;
  /** Send a chat message over the call's peer channel; false when it was empty, too long, or cannot be sent. */
  sendChat(text: string): boolean;
  /** The chat panel was opened or closed (its unread count follows). */
  setChatOpen(open: boolean): void;
  refreshDevices(): Promise<void>;
  /** Subscribe to the signaling client and the store; returns the unsubscribe function. */
  start(): () => void;
  /** After a page load with a session: cancel a call the last page was placing, take back one it was in. */
  resumeFromStorage(): void;
  /** The session is gone (token expired): drop the call here without telling the server. */
  dropLocally(): void;
  /** The current call's peer link, for the debug surface. */
  peerLink(): PeerLink | null;
  /** When each set-up step of the current (or last) call happened, for the debug surface. */
  timeline(): Readonly<Partial<Record<SetupPhase, number>>>;
}

type ServerMessageHandlers = { [T in ServerMessageType]: (message: ServerMessageOf<T>) => void };

/** Errors the server answers a `call:rejoin` with when the call cannot be taken back. */
const REJOIN_REFUSALS = new Set(['CALL_NOT_FOUND', 'NOT_A_PARTICIPANT', 'CALL_NOT_ACTIVE']);

const ignore = () => undefined;

/**
 * The call layer of one tab: the actions the UI calls (`placeCall`, `acceptCall`, `hangUp`, …) and the handler of
 * every server message, over a {@link CallStore} that holds what the UI shows. Everything it touches outside
 * itself comes in `deps`, so a unit test builds one with a fake signaling client and a fake RTCPeerConnection.
 * The connection to the other side is a {@link CallConnection} (see its reconnect design note), local tracks are
 * {@link LocalMedia}.
 *
 * Glare. When both people press Call at once, the server creates one call and answers the other POST with 409
 * `CALLER_BUSY` naming that call, which also rings the loser's tab with `call:incoming` (just before or just after
 * the 409). The losing tab turns into the incoming call from the other person (`crossed`): one of the two sees
 * "Ringing", the other the incoming-call dialog, and nobody is told they are busy.
 *
 * Media watchdog. Media must come up within a bound while both sides are on signaling (`mediaWatchdog.ts`); when
 * it cannot, this tab ends the call as `media_failed` through POST /calls/:id/end, so the other side learns at
 * once. A hang-up from the other side that arrives while our own media is still connecting waits up to
 * REMOTE_END_SETTLE_MS for our watchdog's verdict: it is usually the other side's watchdog giving up a moment
 * before ours, and then both people should read the same reason.
 */
export function createCallController(deps: CallControllerDeps): CallController {
  const { signaling, api, storage } = deps;
  const store = deps.store ?? new CallStore();

  let dialAttempt = 0;
  /** Aborted when the dial in progress ends: cancels its wait for the socket. */
  let dialScope = new AbortController();
  const early = new EarlyMessages();
  let connection: CallConnection | null = null;
  /** The call we sent `call:rejoin` for and await the answer of. */
  let rejoining: string | null = null;
  /** The other side hung up while our media was still connecting: what to show unless our own watchdog fails first. */
  let pendingRemoteEnd: { callId: string; timer: ReturnType<typeof setTimeout> } | null = null;
  let stopTone: (() => void) | null = null;
  const timeline = new SetupTimeline();

  const watchdog = new MediaWatchdog({
    failed: onMediaFailed,
    // Not from inside the watchdog's transition: it may run in a store subscriber.
    settled: () => {
      if (pendingRemoteEnd) queueMicrotask(settleRemoteEnd);
    },
  });

  const local = new LocalMedia({
    source: deps.media,
    store,
    preferences: { read: () => storage.readDevicePreferences(), save: (prefs) => storage.saveDevicePreferences(prefs) },
    inCall: () => isLive(store.call),
    onTrack: (kind, track) => connection?.setLocalTrack(kind, track),
    onState: (state) => connection?.setMediaState(state),
    onAcquired: () => timeline.mark('local-media'),
  });

  /** The connection of `callId`, made when the call becomes known so its ICE configuration is fetched early. */
  function connectionFor(callId: string): CallConnection {
    if (connection?.callId === callId) return connection;
    connection?.close();
    connection = new CallConnection({
      callId,
      rtcConfig: () => api.rtcConfig(),
      createPeerConnection: deps.createPeerConnection,
      send: (message) => {
        if (!signaling.send(message)) console.debug('[call] signaling down, dropped', message.type);
      },
      store,
      local,
      watchdog,
      timeline,
      onMediaUp: () => void store.dispatch({ type: 'media-up', callId, at: Date.now() }),
      onMediaDown: () => {
        const call = store.call;
        if ((call.phase === 'connecting' || call.phase === 'connected') && call.callId === callId && call.link === 'ok') {
          store.dispatch({ type: 'link', callId, link: 'media' });
        }
      },
    });
    return connection;
  }

  // ---------------------------------------------------------------- user actions

  const dialing = (attempt: number) => {
    const call = store.call;
    return call.phase === 'outgoing' && call.attempt === attempt;
  };

  async function placeCall(peer: Peer, media: CallMedia = 'video'): Promise<void> {
    const attempt = ++dialAttempt;
    if (!store.dispatch({ type: 'dial', attempt, peer })) return;
    dialScope.abort();
    dialScope = new AbortController();
    early.clear();
    timeline.reset();
    tone('ringback');
    void local.start({ video: media === 'video' });
    let created: CreateCallResponse;
    try {
      const connectionId = await signaling.ready({ timeoutMs: 10_000, signal: dialScope.signal });
      // A video call says nothing, as the seed's clients do.
      created = await api.createCall({ calleeId: peer.id, connectionId, ...(media === 'audio' ? { media } : {}) });
    } catch (error) {
      if (dialing(attempt)) await dialFailed(attempt, error);
      return;
    }
    const { callId } = created;
    if (!dialing(attempt)) {
      // Cancelled while the server was creating the call: end what it created.
      void api.endCall(callId).catch(ignore);
      return;
    }
    // The connection is made while it rings; the callee's offer arrives right after its accept.
    void connectionFor(callId).prepare('caller', false);
    store.dispatch({ type: 'dialed', attempt, callId, ringExpiresAt: created.ringExpiresAt, ringing: created.ringing });
    for (const message of early.take(callId)) deliver(message.type, message);
  }

  async function dialFailed(attempt: number, error: unknown): Promise<void> {
    const blocking = error instanceof ApiError && error.code === 'CALLER_BUSY' ? error.callId : undefined;
    const incoming = blocking === undefined ? null : await early.incoming(blocking, GLARE_WAIT_MS);
    if (!dialing(attempt)) return;
    if (!incoming) {
      finish(null, dialFailure(error), 'remote');
      return;
    }
    // Glare: the other person's call to us won; we are its callee now (see the note at the top).
    const { callId, from, callerId, ringExpiresAt, media = 'video' } = incoming.payload;
    store.dispatch({ type: 'crossed', attempt, callId, peer: { id: callerId, username: from }, ringExpiresAt: ringExpiresAt ?? null, media });
    early.clear();
    tone('ringtone');
    void connectionFor(callId).prepare('callee', true);
  }

  function acceptCall(options?: { video: boolean }): void {
    const call = store.call;
    if (call.phase !== 'incoming') return;
    const { callId } = call;
    const video = options?.video ?? call.media === 'video';
    if (!signaling.send({ type: 'call:accept', payload: { callId } })) return;
    timeline.mark('accept');
    // The offer made while it rang follows the accept on the socket at once; the in-call screen renders after.
    void connectionFor(callId).open('callee', true);
    store.dispatch({ type: 'answer', callId, at: Date.now() });
    stopTones();
    void local.start({ video });
  }

  function declineCall(): void {
    const call = store.call;
    if (call.phase !== 'incoming') return;
    signaling.send({ type: 'call:reject', payload: { callId: call.callId } });
    finish(call.callId, 'rejected', 'local');
  }

  async function hangUp(): Promise<void> {
    const call = store.call;
    switch (call.phase) {
      case 'idle':
      case 'ended':
        return;
      case 'incoming':
        declineCall();
        return;
      case 'outgoing':
        finish(call.callId, 'cancelled', 'local');
        if (call.callId) await api.endCall(call.callId).catch(ignore);
        return;
      case 'connecting':
      case 'connected':
        finish(call.callId, 'hangup', 'local');
        await api.endCall(call.callId).catch(ignore);
        return;
      default:
        assertNever(call);
    }
  }

  // ---------------------------------------------------------------- server messages

  const handlers = {
    hello: onHello,
    // The people list follows presence itself (stores/users.ts).
    presence: ignore,
    'call:incoming': onIncoming,
    'call:ringing': (message) => {
      if (!bufferEarly(message)) store.dispatch({ type: 'ringing', callId: message.payload.callId });
    },
    'call:accept': onAccept,
    'call:reject': (message) => {
      if (!bufferEarly(message)) finish(message.payload.callId, 'rejected', 'remote');
    },
    'call:ended': (message) => {
      if (!bufferEarly(message)) onEnded(message);
    },
    'call:rejoined': onRejoined,
    'call:peer-connection': onPeerConnection,
    'webrtc:offer': onSignal,
    'webrtc:answer': onSignal,
    'webrtc:ice-candidate': onSignal,
    error: onError,
  } satisfies ServerMessageHandlers;

  const table: ServerMessageHandlers = handlers;
  function deliver<T extends ServerMessageType>(type: T, message: ServerMessageOf<T>): void {
    table[type](message);
  }

  /** While our POST /calls is in flight, a message about a call may be about ours: keep it for when we know. */
  function bufferEarly(message: ServerMessage): boolean {
    const call = store.call;
    if (call.phase !== 'outgoing' || call.callId !== null) return false;
    early.hold(message);
    return true;
  }

  function onHello(): void {
    const call = store.call;
    // A new socket in mid-call (after a reload, or after the network came back): take the call back. A caller whose
    // socket dropped while ringing must too, or the server ends the call when its grace period runs out.
    const callId = liveCallId(call);
    if (callId && (call.phase === 'connecting' || call.phase === 'connected' || call.phase === 'outgoing')) rejoin(callId);
  }

  function rejoin(callId: string): void {
    if (signaling.send({ type: 'call:rejoin', payload: { callId } })) rejoining = callId;
  }

  function onIncoming(message: ServerMessageOf<'call:incoming'>): void {
    const { callId, from, callerId, ringExpiresAt, media = 'video' } = message.payload;
    if (bufferEarly(message)) return;
    if (!store.dispatch({ type: 'ring', callId, peer: { id: callerId, username: from }, ringExpiresAt: ringExpiresAt ?? null, media })) return;
    timeline.reset();
    tone('ringtone');
    // Have the ICE configuration, the RTCPeerConnection and its offer ready by the time Accept is clicked. No camera
    // or microphone is touched before Accept; the tracks join the offered transceivers afterwards.
    void connectionFor(callId).prepare('callee', true);
  }

  function onAccept(message: ServerMessageOf<'call:accept'>): void {
    if (bufferEarly(message)) return;
    const { callId } = message.payload;
    const call = store.call;
    if (call.phase === 'outgoing' && call.callId === callId) {
      timeline.mark('accept');
      void connectionFor(callId).open('caller', false);
      store.dispatch({ type: 'answered', callId, at: Date.now() });
      stopTones();
    }
    // For the callee this is the confirmation that its accept won; it is already connecting.
  }

  function onEnded(message: ServerMessageOf<'call:ended'>): void {
    const { callId, reason } = message.payload;
    if (holdsRemoteHangup(watchdog.state, callId, reason)) {
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

  function onRejoined(message: ServerMessageOf<'call:rejoined'>): void {
    const { callId, role } = message.payload;
    if (rejoining !== callId) return;
    rejoining = null;
    const call = store.call;
    // Still ringing: nothing to connect; the accept will reach this socket.
    if ((call.phase !== 'connecting' && call.phase !== 'connected') || call.callId !== callId) return;
    store.dispatch({ type: 'link', callId, link: 'ok' });
    void connectionFor(callId).selfBack(role);
  }

  function onPeerConnection(message: ServerMessageOf<'call:peer-connection'>): void {
    const { callId, connected } = message.payload;
    const call = store.call;
    if ((call.phase !== 'connecting' && call.phase !== 'connected') || call.callId !== callId) return;
    store.dispatch({ type: 'link', callId, link: connected ? 'ok' : 'peer' });
    const current = connectionFor(callId);
    if (connected) void current.peerBack();
    else current.away('peer');
  }

  function onSignal(message: ServerMessageOf<'webrtc:offer' | 'webrtc:answer' | 'webrtc:ice-candidate'>): void {
    const call = store.call;
    if ((call.phase === 'connecting' || call.phase === 'connected') && call.callId === message.payload.callId) {
      connectionFor(call.callId).handle(message);
      return;
    }
    console.debug('[call] dropping a stale signal', message.type);
  }

  function onError(message: ServerMessageOf<'error'>): void {
    const { code, callId } = message.payload;
    const call = store.call;
    if (!callId || liveCallId(call) !== callId) {
      console.warn(`[call] server error ${code}: ${message.payload.message}`);
      return;
    }
    if (rejoining === callId && REJOIN_REFUSALS.has(code)) {
      rejoining = null;
      finish(callId, 'connection_lost', 'remote');
      return;
    }
    switch (code) {
      case 'CALL_ANSWERED_ELSEWHERE':
        finish(callId, 'answered_elsewhere', 'remote');
        return;
      case 'CALL_NOT_RINGING':
        // Our accept lost to a cancel or the ring timeout: find out which, for the message.
        if (call.phase === 'connecting' && call.role === 'callee') {
          void api
            .getCall(callId)
            .then((dto) => finish(callId, dto.endReason ?? (dto.status === 'active' ? 'answered_elsewhere' : 'failed'), 'remote'))
            .catch(() => finish(callId, 'failed', 'remote'));
        }
        return;
      default:
        // Relay errors while the other side is away are expected; the rejoin logic decides what happens to the call.
        console.warn(`[call] server error ${code} for the call: ${message.payload.message}`);
    }
  }

  function onMediaFailed(failure: Extract<MediaWatch, { state: 'failed' }>): void {
    const { callId, why } = failure;
    console.warn(`[call] media could not connect (${why}): ending the call`);
    // When the other side already ended the call, the server knows; otherwise tell it, and through it the other side.
    const endedRemotely = pendingRemoteEnd?.callId === callId;
    if (finish(callId, 'media_failed', endedRemotely ? 'remote' : 'local') && !endedRemotely) {
      void api.endCall(callId).catch(ignore);
    }
  }

  // ---------------------------------------------------------------- the call's end

  function tone(kind: ToneKind): void {
    stopTones();
    stopTone = deps.playTone(kind);
  }

  function stopTones(): void {
    stopTone?.();
    stopTone = null;
  }

  /** End the live call `callId` (null: the outgoing call whose POST is in flight) and release everything it held. */
  function finish(callId: string | null, cause: EndCause, by: 'local' | 'remote'): boolean {
    if (!store.dispatch({ type: 'end', callId, cause, by, at: Date.now() })) return false;
    teardown();
    deps.onCallEnded?.();
    return true;
  }

  function teardown(): void {
    dialScope.abort();
    stopTones();
    connection?.close();
    connection = null;
    local.stop();
    early.clear();
    rejoining = null;
    clearTimeout(pendingRemoteEnd?.timer);
    pendingRemoteEnd = null;
    watchdog.stop();
    store.patch(NO_CALL_MEDIA);
  }

  // ---------------------------------------------------------------- wiring

  function start(): () => void {
    const offs = SERVER_MESSAGE_TYPES.map((type) => signaling.on(type, (message) => deliver(type, message)));
    offs.push(
      signaling.onStatus((status) => {
        const call = store.call;
        if (status.state === 'open' || (call.phase !== 'connecting' && call.phase !== 'connected')) return;
        store.dispatch({ type: 'link', callId: call.callId, link: 'self' });
        connection?.away('self');
      }),
      store.onCall((call) => storage.persistCall(call)),
    );
    return () => {
      for (const off of offs) off();
    };
  }

  function resumeFromStorage(): void {
    // A reload while our call was still ringing: nobody can answer it into this page any more, so cancel it.
    const dialingCall = storage.readDialingCall();
    if (dialingCall) void api.endCall(dialingCall).catch(ignore);
    // A reload in mid-call: show the call at once and take it back as soon as the socket says hello.
    const stored = storage.readActiveCall();
    if (stored && store.dispatch({ type: 'resume', ...stored })) {
      void local.start();
      connectionFor(stored.callId).away('self');
      if (signaling.status.state === 'open') rejoin(stored.callId);
    } else {
      storage.persistCall(store.call);
    }
  }

  let chatSequence = 0;

  function sendChat(text: string): boolean {
    const call = store.call;
    if ((call.phase !== 'connecting' && call.phase !== 'connected') || !connection) return false;
    const message = outgoingChat(text, `${Date.now().toString(36)}-${++chatSequence}`, Date.now());
    if (!message || !connection.sendChat(message)) return false;
    store.chat({ type: 'sent', message });
    return true;
  }

  function dropLocally(): void {
    const callId = liveCallId(store.call);
    if (isLive(store.call) && store.dispatch({ type: 'end', callId, cause: 'failed', by: 'local', at: Date.now() })) teardown();
    store.dispatch({ type: 'dismiss' });
  }

  return {
    store,
    placeCall,
    acceptCall,
    declineCall,
    hangUp,
    dismissEnded: () => void store.dispatch({ type: 'dismiss' }),
    toggleMute: () => local.toggleMute(),
    toggleCamera: () => local.toggleCamera(),
    toggleScreenShare: () => local.toggleScreenShare(),
    flipCamera: () => local.flipCamera(),
    selectDevice: (kind, deviceId) => local.selectDevice(kind, deviceId),
    selectOutput: (deviceId) => store.patch({ selectedOutput: deviceId }),
    sendChat,
    setChatOpen: (open) => store.chat({ type: open ? 'open' : 'close' }),
    refreshDevices: async () => {
      if (isLive(store.call)) await local.refreshDevices();
    },
    start,
    resumeFromStorage,
    dropLocally,
    peerLink: () => connection?.link ?? null,
    timeline: () => timeline.marks,
  };
}

function dialFailure(error: unknown): EndCause {
  if (!(error instanceof ApiError)) return 'failed';
  switch (error.code) {
    case 'CALLEE_BUSY':
      return 'callee_busy';
    case 'CALLER_BUSY':
      return 'caller_busy';
    case 'USER_NOT_FOUND':
    case 'CANNOT_CALL_SELF':
      return 'unavailable';
    // The per-pair limit on unanswered calls (the account-wide call limit says the same: wait and try later).
    case 'RATE_LIMITED':
      return 'too_many_rings';
    default:
      return 'failed';
  }
}
