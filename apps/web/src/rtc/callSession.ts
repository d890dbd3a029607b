import type { IceCandidate, PayloadOf, RelayedMessage, ServerMessage } from '@parley/protocol';
import type { IceConfig } from './iceConfig';
import type { StatsRecord } from './quality';

export type MediaKind = 'audio' | 'video';

/** A `webrtc:*` message as it arrives from the server. */
export type IncomingSignal = Extract<ServerMessage, { type: `webrtc:${string}` }>;

export interface CallSessionOptions {
  callId: string;
  /**
   * Perfect negotiation roles: the callee is polite (on an offer collision it rolls back and takes the other offer),
   * the caller is impolite (it ignores the colliding offer). The caller is also the side that makes the first offer
   * of every fresh connection, so a new call and a re-created connection after a rejoin never start with glare.
   */
  polite: boolean;
  /** The configuration the connection starts with. */
  ice: IceConfig;
  /** The configuration for an ICE restart: the caller's source fetches fresh TURN credentials when these run out. */
  freshIce(): Promise<IceConfig>;
  send(message: RelayedMessage): void;
  /** The remote stream gained or lost a track. The stream object is the same for the session's whole life. */
  onRemoteTracks(stream: MediaStream): void;
  onConnectionState(state: RTCPeerConnectionState): void;
  /** ICE gathering completed with this many local candidates (zero: nothing to connect with). */
  onGathered(candidates: number): void;
}

/** After ICE reports `disconnected` this long without recovering, the offering side restarts ICE. */
const DISCONNECTED_RESTART_MS = 2_500;

/**
 * Owns one `RTCPeerConnection` for one call, with perfect negotiation
 * (https://developer.mozilla.org/docs/Web/API/WebRTC_API/Perfect_negotiation).
 *
 * Media never needs renegotiation: the caller creates one audio and one video transceiver, both `sendrecv`, before
 * the first offer; the callee takes the transceivers from that offer and turns them `sendrecv`. Microphone, camera,
 * device switches and screen sharing are then `replaceTrack` on those senders, including from no track to a track
 * (a late camera permission) and back. Renegotiation still happens for ICE restarts, and perfect negotiation keeps
 * those from deadlocking when both sides restart at once.
 *
 * Incoming signals are processed one at a time in arrival order; ICE candidates that arrive before the remote
 * description are buffered and added right after it.
 */
export class CallSession {
  readonly callId: string;
  readonly remoteStream = new MediaStream();
  readonly pc: RTCPeerConnection;
  #options: CallSessionOptions;
  #makingOffer = false;
  #ignoreOffer = false;
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #queue: Promise<void> = Promise.resolve();
  #localTracks: Record<MediaKind, MediaStreamTrack | null> = { audio: null, video: null };
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** The ICE configuration the connection uses now (replaced before a restart when it ran out). */
  #ice: IceConfig;
  /** Local candidates of the gathering in progress. */
  #gathered = 0;

  constructor(options: CallSessionOptions) {
    this.callId = options.callId;
    this.#options = options;
    this.#ice = options.ice;
    this.pc = new RTCPeerConnection({ iceServers: options.ice.iceServers, iceTransportPolicy: options.ice.iceTransportPolicy });
    const pc = this.pc;

    pc.onnegotiationneeded = () => void this.#negotiate();
    pc.onicecandidate = ({ candidate }) => {
      // A null candidate marks the end of gathering; the remote side needs nothing for it.
      if (!candidate) return;
      this.#gathered++;
      this.#send({ type: 'webrtc:ice-candidate', payload: { callId: this.callId, candidate: toWireCandidate(candidate) } });
    };
    pc.ontrack = ({ track }) => this.#addRemoteTrack(track);
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

    if (!options.polite) {
      // The offering side lays out the m-lines: always audio then video, always sendrecv, tracks or not.
      pc.addTransceiver('audio', { direction: 'sendrecv' });
      pc.addTransceiver('video', { direction: 'sendrecv' });
    }
  }

  /** Put a local track on the wire (or take it off with null) without renegotiating. */
  async setLocalTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    this.#localTracks[kind] = track;
    const transceiver = this.#transceiver(kind);
    if (transceiver && !this.#closed) await transceiver.sender.replaceTrack(track);
  }

  /** Feed one relayed signal from the server. Signals of another call are dropped. */
  handle(message: IncomingSignal): void {
    if (message.payload.callId !== this.callId) {
      console.debug('[rtc] dropping a signal of another call', message.type);
      return;
    }
    this.#queue = this.#queue.then(() => this.#process(message)).catch((error: unknown) => {
      console.warn(`[rtc] ${message.type} failed`, error);
    });
  }

  /**
   * Restart ICE from this side (the caller does when ICE fails; the e2e glare test forces it on both sides at once).
   * Fresh TURN credentials go in first when the ones in use have been replaced or run out: a restart gathers new
   * relay candidates, and the relay checks the credentials then. With `onlyIf`, the restart is skipped when the ICE
   * state no longer calls for it after the credentials arrived.
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
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = null;
    this.pc.onconnectionstatechange = this.pc.oniceconnectionstatechange = this.pc.onicegatheringstatechange = null;
    this.pc.close();
    for (const track of this.remoteStream.getTracks()) this.remoteStream.removeTrack(track);
  }

  #send(message: RelayedMessage): void {
    if (!this.#closed) this.#options.send(message);
  }

  #transceiver(kind: MediaKind): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind && t.currentDirection !== 'stopped');
  }

  async #negotiate(): Promise<void> {
    // The polite side never opens a fresh connection: it waits for the caller's offer, whose transceivers it adopts.
    if (this.#options.polite && !this.pc.remoteDescription) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      if (description?.type === 'offer') {
        this.#send({ type: 'webrtc:offer', payload: { callId: this.callId, sdp: description.sdp } });
      }
    } catch (error) {
      console.warn('[rtc] could not make an offer', error);
    } finally {
      this.#makingOffer = false;
    }
  }

  async #process(message: IncomingSignal): Promise<void> {
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
        // On the polite side a collision rolls our own offer back implicitly.
        await pc.setRemoteDescription({ type: 'offer', sdp: message.payload.sdp });
        await this.#adoptTransceivers();
        await this.#flushCandidates();
        await pc.setLocalDescription();
        const answer = pc.localDescription;
        if (answer) this.#send({ type: 'webrtc:answer', payload: { callId: this.callId, sdp: answer.sdp } });
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

  /** Callee: the transceivers the offer created are `recvonly`; make them send our tracks. */
  async #adoptTransceivers(): Promise<void> {
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.currentDirection === 'stopped' || transceiver.direction === 'sendrecv') continue;
      const kind = transceiver.receiver.track.kind;
      if (kind !== 'audio' && kind !== 'video') continue;
      transceiver.direction = 'sendrecv';
      await transceiver.sender.replaceTrack(this.#localTracks[kind]);
    }
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
   * ICE restarts come from the caller only (both sides see the same ICE state, so nothing is lost). That keeps the
   * app from ever creating glare itself: perfect negotiation resolves glare, but Chrome (seen on 156) stops
   * delivering the polite side's remote video to its <video> after the rollback, although frames keep being decoded
   * (see e2e/tests/negotiation.spec.ts).
   */
  #watchIce(): void {
    if (this.#closed || this.#options.polite) return;
    const state = this.pc.iceConnectionState;
    clearTimeout(this.#disconnectedTimer);
    if (state === 'failed') {
      void this.restartIce(() => this.pc.iceConnectionState === 'failed');
    } else if (state === 'disconnected') {
      this.#disconnectedTimer = setTimeout(() => {
        const stillDown = () => this.pc.iceConnectionState === 'disconnected';
        if (!this.#closed && stillDown()) void this.restartIce(stillDown);
      }, DISCONNECTED_RESTART_MS);
    }
  }
}

type WireCandidate = PayloadOf<RelayedMessage, 'webrtc:ice-candidate'>['candidate'];

function toWireCandidate(candidate: RTCIceCandidate): WireCandidate {
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
