import {
  assertNever,
  decodePeerMessage,
  PEER_CHANNEL,
  type IceCandidate,
  type PeerChatMessage,
  type PeerMediaState,
  type RelayedMessage,
} from '@parley/protocol';
import type { IceConfig } from './iceConfig';
import type { MediaKind } from './media';
import type { StatsRecord } from './quality';
import { FAST_START_SCALE, FULL_SIZE_AFTER_MS, scaleVideo } from './fastStart';
import { withStartBitrate } from './sdp';

/** Makes the browser's `RTCPeerConnection` (a fake one in unit tests). */
export type PeerConnectionFactory = (configuration: RTCConfiguration) => RTCPeerConnection;

export interface PeerLinkOptions {
  callId: string;
  /**
   * Perfect negotiation roles: the callee is polite (on an offer collision it rolls back and takes the other offer),
   * the caller is impolite (it ignores the colliding offer).
   */
  polite: boolean;
  /**
   * This side lays out the media sections (audio, video, the state channel) and makes the first offer: the callee
   * at the start of a call (the offer is made while it rings and leaves with its accept, so set-up takes one
   * signaling round trip after Accept, not two), and either side when it opens a connection for a call already
   * under way (its page was reloaded). Otherwise it waits for the other side's offer and adopts its layout.
   */
  offers: boolean;
  /** The configuration the connection starts with. */
  ice: IceConfig;
  /** The configuration for an ICE restart: fresh TURN credentials when the ones in use run out. */
  freshIce(): Promise<IceConfig>;
  createPeerConnection: PeerConnectionFactory;
  send(message: RelayedMessage): void;
  /** The remote stream gained or lost a track. The stream object is the same for the link's whole life. */
  onRemoteTracks(stream: MediaStream): void;
  onConnectionState(state: RTCPeerConnectionState): void;
  onIceConnectionState?(state: RTCIceConnectionState): void;
  /** ICE gathering completed with this many local candidates (zero: nothing to connect with). */
  onGathered(candidates: number): void;
  /** What the other side says it sends, from the state channel. */
  onRemoteMedia(state: PeerMediaState): void;
  /** A chat message from the other side, from the state channel (checked and size-limited). */
  onChat(message: PeerChatMessage): void;
  /** The state channel opened: media reaches the other side's current connection end to end. */
  onChannelOpen(): void;
  /** An offer came from a new connection of the other side (its page reloaded): media reconnects on this one. */
  onPeerReplaced(): void;
}

/** Chat messages written while the channel is not open (the other page is reloading) wait, up to this many. */
export const CHAT_OUTBOX_LIMIT = 50;

/** After ICE reports `disconnected` this long without recovering, the caller restarts ICE. */
export const DISCONNECTED_RESTART_MS = 2_500;

/**
 * Owns one `RTCPeerConnection` for one call, with perfect negotiation
 * (https://developer.mozilla.org/docs/Web/API/WebRTC_API/Perfect_negotiation), and the call's state channel.
 *
 * Media never needs renegotiation: the offering side creates one audio and one video transceiver, both `sendrecv`,
 * and the negotiated state channel before its first offer; the other side takes the transceivers from that offer
 * and turns them `sendrecv`. Microphone, camera, device switches and screen sharing are then `replaceTrack` on
 * those senders. Renegotiation happens for ICE restarts, and when the other side's page reloads: its new
 * connection offers, and this one accepts on the same RTCPeerConnection (ICE and DTLS start over, the senders and
 * the `<video>` stay). A link is kept across signaling reconnects: media flows peer to peer, not through the server.
 *
 * Incoming signals are processed one at a time in arrival order; ICE candidates that arrive before the remote
 * description are buffered and added right after it.
 */
export class PeerLink {
  readonly callId: string;
  readonly remoteStream = new MediaStream();
  readonly pc: RTCPeerConnection;
  #options: PeerLinkOptions;
  #makingOffer = false;
  #ignoreOffer = false;
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #queue: Promise<void> = Promise.resolve();
  #localTracks: Record<MediaKind, MediaStreamTrack | null> = { audio: null, video: null };
  #localMedia: PeerMediaState = { mic: false, camera: false };
  #channel: RTCDataChannel;
  /** Chat messages waiting for the channel to (re)open, oldest first. */
  #chatOutbox: PeerChatMessage[] = [];
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  /** While a side is off signaling an offer could not reach the other side, so ICE restarts wait. */
  #restartsHeld = false;
  #closed = false;
  /** The ICE configuration the connection uses now (replaced before a restart when it ran out). */
  #ice: IceConfig;
  /** Local candidates of the gathering in progress. */
  #gathered = 0;
  /** Set once media is up: the video goes to full size when it fires (fastStart.ts). */
  #fullSizeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Remote tracks that arrived while an offer was being answered: they join the remote stream after the answer. */
  #heldTracks: MediaStreamTrack[] | null = null;

  constructor(options: PeerLinkOptions) {
    this.callId = options.callId;
    this.#options = options;
    this.#ice = options.ice;
    this.pc = options.createPeerConnection({
      iceServers: options.ice.iceServers,
      iceTransportPolicy: options.ice.iceTransportPolicy,
      bundlePolicy: 'max-bundle',
    });
    const pc = this.pc;

    pc.onnegotiationneeded = () => void this.#negotiate();
    pc.onicecandidate = ({ candidate }) => {
      // A null candidate marks the end of gathering; the remote side needs nothing for it.
      if (!candidate) return;
      this.#gathered++;
      this.#send({ type: 'webrtc:ice-candidate', payload: { callId: this.callId, candidate: toWireCandidate(candidate) } });
    };
    pc.ontrack = ({ track }) => {
      if (this.#heldTracks) this.#heldTracks.push(track);
      else this.#addRemoteTrack(track);
    };
    pc.onconnectionstatechange = () => {
      if (this.#closed) return;
      this.#options.onConnectionState(pc.connectionState);
    };
    pc.oniceconnectionstatechange = () => this.#watchIce();
    pc.onicegatheringstatechange = () => {
      if (this.#closed) return;
      if (pc.iceGatheringState === 'gathering') this.#gathered = 0;
      else if (pc.iceGatheringState === 'complete') this.#options.onGathered(this.#gathered);
    };

    if (options.offers) {
      // The offering side lays out the m-lines: always audio, video, then the state channel; sendrecv, tracks or not.
      // Their receivers' tracks are the remote tracks: the remote stream is complete before any <video> shows it.
      // Video starts small (fastStart.ts).
      for (const kind of ['audio', 'video'] as const) {
        const init: RTCRtpTransceiverInit = kind === 'video' ? { direction: 'sendrecv', sendEncodings: [{ scaleResolutionDownBy: FAST_START_SCALE }] } : { direction: 'sendrecv' };
        this.remoteStream.addTrack(pc.addTransceiver(kind, init).receiver.track);
      }
    }
    this.#channel = this.#openChannel();
  }

  /** Put a local track on the wire (or take it off with null) without renegotiating. */
  async setLocalTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    this.#localTracks[kind] = track;
    const transceiver = this.#transceiver(kind);
    if (transceiver && !this.#closed) await transceiver.sender.replaceTrack(track);
  }

  /** Tell the other side what we send; repeated whenever the channel (re)opens. */
  setMediaState(state: PeerMediaState): void {
    this.#localMedia = state;
    this.#sendMediaState();
  }

  /**
   * Send a chat message to the other side over the state channel. While the channel is not open (the other side's
   * page is reloading) it waits, and goes out when the channel opens again; false when too many already wait.
   */
  sendChat(message: PeerChatMessage): boolean {
    if (this.#closed) return false;
    if (this.#channel.readyState === 'open' && this.#chatOutbox.length === 0 && this.#sendOnChannel(message)) return true;
    if (this.#chatOutbox.length >= CHAT_OUTBOX_LIMIT) return false;
    this.#chatOutbox.push(message);
    return true;
  }

  /** Feed one relayed signal from the server. Signals of another call are dropped. */
  handle(message: RelayedMessage): void {
    if (message.payload.callId !== this.callId) {
      console.debug('[rtc] dropping a signal of another call', message.type);
      return;
    }
    this.#queue = this.#queue.then(() => this.#process(message)).catch((error: unknown) => {
      console.warn(`[rtc] ${message.type} failed`, error);
    });
  }

  /**
   * Restart ICE from this side (the caller does when ICE fails; a side that comes back to signaling does when its
   * connection needs it; the e2e glare test forces it on both sides at once). Fresh TURN credentials go in first
   * when the ones in use have been replaced or run out: a restart gathers new relay candidates, and the relay checks
   * the credentials then. With `onlyIf`, the restart is skipped when the ICE state no longer calls for it after the
   * credentials arrived.
   */
  async restartIce(onlyIf?: () => boolean): Promise<void> {
    if (this.#closed) return;
    const fresh = await this.#options.freshIce();
    if (this.#closed || (onlyIf && !onlyIf())) return;
    if (fresh !== this.#ice) {
      this.#ice = fresh;
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: fresh.iceServers, iceTransportPolicy: fresh.iceTransportPolicy });
    }
    this.pc.restartIce();
  }

  /**
   * A side is off signaling (`true`) or both are back (`false`). Nothing about the connection changes: media keeps
   * flowing peer to peer. Only ICE restarts wait, since their offer could not reach the other side; once both are
   * back the caller looks at ICE again.
   */
  holdRestarts(held: boolean): void {
    if (this.#restartsHeld === held) return;
    this.#restartsHeld = held;
    clearTimeout(this.#disconnectedTimer);
    if (!held) this.#scheduleRestartCheck();
  }

  /**
   * Back on signaling after our socket dropped: an offer we made meanwhile may never have arrived, so it is taken
   * back and made again; an ICE connection that failed or dropped meanwhile restarts from this side at once.
   */
  async resync(): Promise<void> {
    if (this.#closed) return;
    const hadOffer = await this.withdrawOffer();
    const state = this.pc.iceConnectionState;
    if (hadOffer || state === 'failed' || state === 'disconnected') await this.restartIce();
  }

  /** Roll back an offer of ours that is still waiting for its answer; returns whether there was one. */
  async withdrawOffer(): Promise<boolean> {
    if (this.#closed || this.pc.signalingState !== 'have-local-offer') return false;
    try {
      await this.pc.setLocalDescription({ type: 'rollback' });
      return true;
    } catch (error) {
      console.debug('[rtc] could not roll back an offer', error);
      return false;
    }
  }

  async stats(): Promise<StatsRecord[]> {
    if (this.#closed) return [];
    const report = await this.pc.getStats();
    const records: StatsRecord[] = [];
    report.forEach((value: StatsRecord) => records.push(value));
    return records;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#disconnectedTimer);
    clearTimeout(this.#fullSizeTimer);
    this.#channel.onopen = this.#channel.onmessage = this.#channel.onclose = null;
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = null;
    this.pc.onconnectionstatechange = this.pc.oniceconnectionstatechange = this.pc.onicegatheringstatechange = null;
    this.pc.close();
    for (const track of this.remoteStream.getTracks()) this.remoteStream.removeTrack(track);
  }

  #send(message: RelayedMessage): void {
    if (!this.#closed) this.#options.send(message);
  }

  /**
   * The state channel: negotiated with a fixed id on both sides, so it is part of the connection from the start
   * and lives through renegotiation and ICE restarts. When the other side's connection goes away (its page
   * reloaded) the channel closes; a new one with the same id opens with the other side's next connection.
   */
  #openChannel(): RTCDataChannel {
    const channel = this.pc.createDataChannel(PEER_CHANNEL.label, { negotiated: true, id: PEER_CHANNEL.id });
    channel.onopen = () => {
      if (this.#closed || this.#channel !== channel) return;
      this.#sendMediaState();
      this.#flushChat();
      this.#scheduleFullSize();
      this.#options.onChannelOpen();
    };
    channel.onmessage = ({ data }: MessageEvent) => {
      const message = decodePeerMessage(data);
      if (!message) {
        console.debug('[rtc] ignoring a malformed or oversized state-channel message');
        return;
      }
      switch (message.kind) {
        case 'media':
          this.#options.onRemoteMedia(message.state);
          return;
        case 'chat':
          this.#options.onChat(message.message);
          return;
        default:
          assertNever(message);
      }
    };
    channel.onclose = () => {
      if (!this.#closed && this.#channel === channel && this.pc.signalingState !== 'closed') this.#channel = this.#openChannel();
    };
    return channel;
  }

  #sendMediaState(): void {
    if (this.#closed || this.#channel.readyState !== 'open') return;
    this.#sendOnChannel(this.#localMedia);
  }

  #flushChat(): void {
    while (this.#chatOutbox.length > 0 && this.#channel.readyState === 'open') {
      const [next] = this.#chatOutbox;
      if (!next || !this.#sendOnChannel(next)) return;
      this.#chatOutbox.shift();
    }
  }

  /** One frame on the state channel (a media state, or a chat message): whether the channel took it. */
  #sendOnChannel(message: PeerMediaState | PeerChatMessage): boolean {
    try {
      this.#channel.send(JSON.stringify(message));
      return true;
    } catch (error) {
      console.debug('[rtc] could not send on the state channel', error);
      return false;
    }
  }

  #transceiver(kind: MediaKind): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind && t.direction !== 'stopped');
  }

  async #negotiate(): Promise<void> {
    // A side that does not offer waits for the other side's offer, whose layout it adopts.
    if (!this.#options.offers && !this.pc.remoteDescription) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      if (description?.type === 'offer') {
        this.#send({ type: 'webrtc:offer', payload: { callId: this.callId, sdp: withStartBitrate(description.sdp) } });
      }
    } catch (error) {
      console.warn('[rtc] could not make an offer', error);
    } finally {
      this.#makingOffer = false;
    }
  }

  async #process(message: RelayedMessage): Promise<void> {
    if (this.#closed) return;
    const pc = this.pc;
    switch (message.type) {
      case 'webrtc:offer': {
        const collision = this.#makingOffer || pc.signalingState !== 'stable';
        this.#ignoreOffer = !this.#options.polite && collision;
        if (this.#ignoreOffer) {
          console.debug('[rtc] ignoring a colliding offer (impolite side)');
          return;
        }
        const previous = fingerprint(pc.remoteDescription?.sdp);
        // A track joining a stream that a <video> shows sets up the player there and then: not before the answer.
        this.#heldTracks = [];
        try {
          // On the polite side a collision rolls our own offer back implicitly.
          await pc.setRemoteDescription({ type: 'offer', sdp: message.payload.sdp });
          this.#dropUnnegotiated();
          const adopted = this.#adoptTransceivers();
          await pc.setLocalDescription();
          const answer = pc.localDescription;
          if (answer) this.#send({ type: 'webrtc:answer', payload: { callId: this.callId, sdp: withStartBitrate(answer.sdp) } });
          // Our tracks and the other side's candidates can wait until the answer is on its way: neither changes it.
          for (const { transceiver, kind } of adopted) await transceiver.sender.replaceTrack(this.#localTracks[kind]);
          await this.#flushCandidates();
        } finally {
          const held = this.#heldTracks;
          this.#heldTracks = null;
          for (const track of held) this.#addRemoteTrack(track);
        }
        // A new DTLS certificate means a new RTCPeerConnection on the other side, not a renegotiation of the old one.
        if (previous !== null && fingerprint(message.payload.sdp) !== previous) this.#options.onPeerReplaced();
        return;
      }
      case 'webrtc:answer': {
        if (pc.signalingState !== 'have-local-offer') {
          console.debug('[rtc] ignoring an answer in state', pc.signalingState);
          return;
        }
        await pc.setRemoteDescription({ type: 'answer', sdp: message.payload.sdp });
        await this.#flushCandidates();
        return;
      }
      case 'webrtc:ice-candidate': {
        const candidate = fromWireCandidate(message.payload.candidate);
        if (!pc.remoteDescription) {
          this.#pendingCandidates.push(candidate);
          return;
        }
        await this.#addCandidate(candidate);
        return;
      }
      default:
        assertNever(message);
    }
  }

  async #addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer we ignored, or of a connection the other side has since replaced, are expected to fail.
      if (!this.#ignoreOffer) console.debug('[rtc] could not add an ICE candidate', error);
    }
  }

  async #flushCandidates(): Promise<void> {
    const pending = this.#pendingCandidates;
    this.#pendingCandidates = [];
    for (const candidate of pending) await this.#addCandidate(candidate);
  }

  /**
   * Our own transceivers that no offer placed: a connection of ours whose first offer lost a collision (both pages
   * reloaded at once) adopts the other side's transceivers instead, and its own would otherwise ask for a second
   * layout.
   */
  #dropUnnegotiated(): void {
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.mid === null && transceiver.direction !== 'stopped') transceiver.stop();
    }
  }

  /** Once per link: full-size video a moment after media first reaches the other side. */
  #scheduleFullSize(): void {
    if (this.#fullSizeTimer !== undefined) return;
    this.#fullSizeTimer = setTimeout(() => {
      const video = this.#transceiver('video');
      if (video && !this.#closed) this.#scaleVideo(video, 1);
    }, FULL_SIZE_AFTER_MS);
  }

  #scaleVideo(transceiver: RTCRtpTransceiver, scale: number): void {
    scaleVideo(transceiver.sender, scale).catch((error: unknown) => console.debug('[rtc] could not scale the video', error));
  }

  /** The transceivers an offer created are `recvonly`: make them `sendrecv` (our tracks go on them after the answer). */
  #adoptTransceivers(): { transceiver: RTCRtpTransceiver; kind: MediaKind }[] {
    const adopted: { transceiver: RTCRtpTransceiver; kind: MediaKind }[] = [];
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.direction === 'stopped' || transceiver.direction === 'sendrecv') continue;
      const kind = transceiver.receiver.track.kind;
      if (kind !== 'audio' && kind !== 'video') continue;
      transceiver.direction = 'sendrecv';
      // Video starts small (fastStart.ts), as the offering side's does.
      if (kind === 'video' && this.#fullSizeTimer === undefined) this.#scaleVideo(transceiver, FAST_START_SCALE);
      adopted.push({ transceiver, kind });
    }
    return adopted;
  }

  /** One remote tile: exactly one track per kind in the remote stream, however often `track` fires. */
  #addRemoteTrack(track: MediaStreamTrack): void {
    const stream = this.remoteStream;
    if (stream.getTrackById(track.id)) return;
    for (const existing of stream.getTracks()) if (existing.kind === track.kind) stream.removeTrack(existing);
    stream.addTrack(track);
    this.#options.onRemoteTracks(stream);
  }

  /**
   * Automatic ICE restarts come from the caller only (both sides see the same ICE state, so nothing is lost). That
   * keeps the app from ever creating glare itself: perfect negotiation resolves glare, but Chrome (seen on 156)
   * stops delivering the polite side's remote video to its <video> after the rollback, although frames keep being
   * decoded (see e2e/tests/negotiation.spec.ts).
   */
  #watchIce(): void {
    if (!this.#closed) this.#options.onIceConnectionState?.(this.pc.iceConnectionState);
    if (this.#closed || this.#options.polite || this.#restartsHeld) return;
    const state = this.pc.iceConnectionState;
    clearTimeout(this.#disconnectedTimer);
    if (state === 'failed') {
      void this.restartIce(() => this.pc.iceConnectionState === 'failed' && !this.#restartsHeld);
    } else if (state === 'disconnected') {
      this.#scheduleRestartCheck();
    }
  }

  /** Restart ICE if, a moment from now, it is still down and nothing else is being negotiated. */
  #scheduleRestartCheck(): void {
    if (this.#closed || this.#options.polite) return;
    clearTimeout(this.#disconnectedTimer);
    this.#disconnectedTimer = setTimeout(() => {
      const stillDown = () => {
        const state = this.pc.iceConnectionState;
        return (state === 'disconnected' || state === 'failed') && this.pc.signalingState === 'stable' && !this.#restartsHeld;
      };
      if (!this.#closed && stillDown()) void this.restartIce(stillDown);
    }, DISCONNECTED_RESTART_MS);
  }
}

/** The DTLS certificate fingerprint an SDP names: it changes only with a new RTCPeerConnection. */
function fingerprint(sdp: string | undefined): string | null {
  return (sdp && /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim()) || null;
}

function toWireCandidate(candidate: RTCIceCandidate): IceCandidate {
  const json = candidate.toJSON();
  return {
    candidate: json.candidate ?? '',
    sdpMid: json.sdpMid ?? null,
    sdpMLineIndex: json.sdpMLineIndex ?? null,
    usernameFragment: json.usernameFragment ?? null,
  };
}

function fromWireCandidate(candidate: IceCandidate): RTCIceCandidateInit {
  if (typeof candidate === 'string') return { candidate, sdpMid: '0', sdpMLineIndex: 0 };
  return {
    candidate: candidate.candidate ?? '',
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    usernameFragment: candidate.usernameFragment ?? null,
  };
}
