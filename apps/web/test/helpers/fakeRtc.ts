/**
 * Just enough of WebRTC and media capture for unit tests of the call layer, in Node: a fake RTCPeerConnection that
 * keeps JSEP's signaling states, media sections and data channels, fake tracks and streams. Tests drive the network
 * side by hand (`connect()`, `channel.open()`); the SDP it writes carries what the code under test reads (the DTLS
 * fingerprint, the ICE ufrag, one `m=` line per media section).
 */

export class FakeTrack {
  static count = 0;
  readonly id = `track-${++FakeTrack.count}`;
  enabled = true;
  stopped = false;
  /** What a phone's camera reports (`getSettings().facingMode`); undefined like most desktop cameras. */
  facingMode: string | undefined = undefined;
  readonly #listeners = new Map<string, (() => void)[]>();
  constructor(
    readonly kind: 'audio' | 'video',
    readonly deviceId = `${kind}-default`,
  ) {}
  stop(): void {
    this.stopped = true;
  }
  getSettings(): { deviceId: string; facingMode?: string } {
    return { deviceId: this.deviceId, ...(this.facingMode ? { facingMode: this.facingMode } : {}) };
  }
  addEventListener(type: string, listener: () => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  /** The browser ended the track (e.g. its "Stop sharing" bar). */
  end(): void {
    for (const listener of this.#listeners.get('ended') ?? []) listener();
  }
}

export class FakeMediaStream {
  readonly #tracks: FakeTrack[];
  constructor(tracks: FakeTrack[] = []) {
    this.#tracks = [...tracks];
  }
  getTracks(): FakeTrack[] {
    return [...this.#tracks];
  }
  getTrackById(id: string): FakeTrack | null {
    return this.#tracks.find((t) => t.id === id) ?? null;
  }
  addTrack(track: FakeTrack): void {
    this.#tracks.push(track);
  }
  removeTrack(track: FakeTrack): void {
    this.#tracks.splice(this.#tracks.indexOf(track), 1);
  }
}

export class FakeDataChannel {
  readyState: RTCDataChannelState = 'connecting';
  readonly sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(
    readonly label: string,
    readonly id: number | null,
  ) {}
  send(data: string): void {
    if (this.readyState !== 'open') throw new DOMException('not open', 'InvalidStateError');
    this.sent.push(data);
  }
  /** What was sent, parsed. */
  get sentJson(): unknown[] {
    return this.sent.map((s) => JSON.parse(s) as unknown);
  }
  open(): void {
    this.readyState = 'open';
    this.onopen?.();
  }
  receive(data: unknown): void {
    this.onmessage?.({ data });
  }
  /** The other side's connection went away. */
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.onclose?.();
  }
}

export class FakeTransceiver {
  mid: string | null = null;
  currentDirection: RTCRtpTransceiverDirection | null = null;
  /** What the sender encodes (one encoding unless the transceiver was made with others, as in browsers). */
  encodings: RTCRtpEncodingParameters[];
  readonly sender = {
    track: null as FakeTrack | null,
    replaceTrack: async (track: FakeTrack | null) => {
      this.sender.track = track;
    },
    getParameters: (): { encodings: RTCRtpEncodingParameters[] } => ({ encodings: this.encodings.map((encoding) => ({ ...encoding })) }),
    setParameters: async (parameters: { encodings: RTCRtpEncodingParameters[] }) => {
      await tick();
      this.encodings = parameters.encodings.map((encoding) => ({ ...encoding }));
    },
  };
  readonly receiver: { track: FakeTrack };
  constructor(
    kind: 'audio' | 'video',
    public direction: RTCRtpTransceiverDirection,
    sendEncodings: RTCRtpEncodingParameters[] = [{}],
  ) {
    this.receiver = { track: new FakeTrack(kind) };
    this.encodings = sendEncodings.map((encoding) => ({ ...encoding }));
  }
  stop(): void {
    this.direction = 'stopped';
  }
}

interface Description {
  type: RTCSdpType;
  sdp: string;
}

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

let certificates = 0;

/** Builds the SDP a fake connection writes; `fakeOffer` lets a test play the other browser. */
export function fakeSdp(options: { certificate: string; ufrag: string; sections: string[] }): string {
  return [
    'v=0',
    `a=fingerprint:sha-256 ${options.certificate}`,
    `a=ice-ufrag:${options.ufrag}`,
    ...options.sections.flatMap((section, i) => (section === 'video' ? [`m=${section} mid=${i}`, 'a=rtpmap:96 VP8/90000'] : [`m=${section} mid=${i}`])),
  ].join('\n');
}

/** An offer as the other side's (fresh or kept) connection would make it: audio, video and the state channel. */
export const fakeOffer = (certificate = 'remote-cert-1', ufrag = 'remote-ufrag-1') => fakeSdp({ certificate, ufrag, sections: ['audio', 'video', 'application'] });
export const fakeAnswer = (certificate = 'remote-cert-1', ufrag = 'remote-ufrag-1') => fakeSdp({ certificate, ufrag, sections: ['audio', 'video', 'application'] });

export class FakePeerConnection {
  static created: FakePeerConnection[] = [];
  /** Local candidates each gathering finds (0: as if the only relay refused us). */
  static candidates = 1;
  readonly certificate = `local-cert-${++certificates}`;
  configuration: RTCConfiguration;
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  iceGatheringState: RTCIceGatheringState = 'new';
  localDescription: Description | null = null;
  remoteDescription: Description | null = null;
  #stableLocal: Description | null = null;
  readonly transceivers: FakeTransceiver[] = [];
  readonly channels: FakeDataChannel[] = [];
  readonly remoteCandidates: RTCIceCandidateInit[] = [];
  restarts = 0;
  #ufrag = 1;
  #hasDataSection = false;
  #negotiationQueued = false;
  closed = false;
  stats: Record<string, unknown>[] = [];

  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((event: { candidate: { toJSON(): RTCIceCandidateInit } | null }) => void) | null = null;
  ontrack: ((event: { track: FakeTrack }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  onicegatheringstatechange: (() => void) | null = null;

  constructor(configuration: RTCConfiguration) {
    this.configuration = configuration;
    FakePeerConnection.created.push(this);
  }

  get ufrag(): string {
    return `local-ufrag-${this.#ufrag}`;
  }

  addTransceiver(kind: 'audio' | 'video', init: { direction: RTCRtpTransceiverDirection; sendEncodings?: RTCRtpEncodingParameters[] }): FakeTransceiver {
    const transceiver = new FakeTransceiver(kind, init.direction, init.sendEncodings);
    this.transceivers.push(transceiver);
    this.#negotiationNeeded();
    return transceiver;
  }

  createDataChannel(label: string, init: { negotiated?: boolean; id?: number }): FakeDataChannel {
    const channel = new FakeDataChannel(label, init.id ?? null);
    this.channels.push(channel);
    if (!this.#hasDataSection) this.#negotiationNeeded();
    return channel;
  }

  /** The channel the code under test uses now (the last one it created). */
  get channel(): FakeDataChannel {
    const channel = this.channels[this.channels.length - 1];
    if (!channel) throw new Error('no data channel');
    return channel;
  }

  getTransceivers(): FakeTransceiver[] {
    return [...this.transceivers];
  }

  async setLocalDescription(description?: { type: 'rollback' }): Promise<void> {
    await tick();
    if (this.closed) throw new DOMException('closed', 'InvalidStateError');
    if (description?.type === 'rollback') {
      if (this.signalingState !== 'have-local-offer') throw new DOMException('nothing to roll back', 'InvalidStateError');
      this.#rollback();
      return;
    }
    if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: this.#sdp() };
      this.signalingState = 'stable';
      this.#stableLocal = this.localDescription;
      for (const t of this.transceivers) if (t.mid !== null && t.direction !== 'stopped') t.currentDirection = t.direction;
    } else {
      this.transceivers.forEach((t, i) => {
        if (t.mid === null && t.direction !== 'stopped') t.mid = String(i);
      });
      if (this.channels.length > 0) this.#hasDataSection = true;
      this.localDescription = { type: 'offer', sdp: this.#sdp() };
      this.signalingState = 'have-local-offer';
    }
    this.#gather();
  }

  async setRemoteDescription(description: Description): Promise<void> {
    await tick();
    if (this.closed) throw new DOMException('closed', 'InvalidStateError');
    if (description.type === 'offer') {
      if (this.signalingState === 'have-local-offer') this.#rollback();
      const sections = [...description.sdp.matchAll(/^m=(\w+) mid=(\S+)$/gm)].map((m) => ({ kind: m[1]!, mid: m[2]! }));
      for (const { kind, mid } of sections) {
        if (kind === 'application') {
          this.#hasDataSection = true;
          continue;
        }
        if (this.transceivers.some((t) => t.mid === mid)) continue;
        const transceiver = new FakeTransceiver(kind === 'audio' ? 'audio' : 'video', 'recvonly');
        transceiver.mid = mid;
        this.transceivers.push(transceiver);
        this.ontrack?.({ track: transceiver.receiver.track });
      }
      this.remoteDescription = description;
      this.signalingState = 'have-remote-offer';
      return;
    }
    if (this.signalingState !== 'have-local-offer') throw new DOMException(`answer in ${this.signalingState}`, 'InvalidStateError');
    this.remoteDescription = description;
    this.signalingState = 'stable';
    this.#stableLocal = this.localDescription;
    for (const t of this.transceivers) if (t.mid !== null && t.direction !== 'stopped') t.currentDirection = t.direction;
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await tick();
    if (!this.remoteDescription) throw new DOMException('no remote description', 'InvalidStateError');
    this.remoteCandidates.push(candidate);
  }

  restartIce(): void {
    this.restarts++;
    this.#ufrag++;
    this.#negotiationNeeded();
  }

  getConfiguration(): RTCConfiguration {
    return this.configuration;
  }

  setConfiguration(configuration: RTCConfiguration): void {
    this.configuration = configuration;
  }

  async getStats(): Promise<Map<string, unknown>> {
    return new Map(this.stats.map((record, i) => [String(i), record]));
  }

  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
    this.connectionState = 'closed';
  }

  /** The network side: ICE and DTLS reach `state` (`connected` also opens the data channels). */
  connect(state: RTCPeerConnectionState = 'connected'): void {
    this.connectionState = state;
    this.iceConnectionState = state === 'connecting' ? 'checking' : state === 'closed' ? 'closed' : (state as RTCIceConnectionState);
    this.oniceconnectionstatechange?.();
    this.onconnectionstatechange?.();
    if (state === 'connected') for (const channel of this.channels) if (channel.readyState === 'connecting') channel.open();
  }

  /** The local offer's `m=` sections. */
  get offeredSections(): string[] {
    return [...(this.localDescription?.sdp ?? '').matchAll(/^m=(\w+)/gm)].map((m) => m[1]!);
  }

  #rollback(): void {
    this.signalingState = 'stable';
    this.localDescription = this.#stableLocal;
    for (const t of this.transceivers) if (t.currentDirection === null) t.mid = null;
  }

  /** Like a browser: one event for a burst of changes, and only while nothing is being negotiated. */
  #negotiationNeeded(): void {
    if (this.#negotiationQueued) return;
    this.#negotiationQueued = true;
    queueMicrotask(() => {
      this.#negotiationQueued = false;
      if (!this.closed && this.signalingState === 'stable') this.onnegotiationneeded?.();
    });
  }

  /** Candidates come as their own tasks, after the description was applied (as in a browser). */
  #gather(): void {
    setTimeout(() => {
      if (!this.closed) this.#gatherNow();
    }, 0);
  }

  #gatherNow(): void {
    this.iceGatheringState = 'gathering';
    this.onicegatheringstatechange?.();
    for (let i = 0; i < FakePeerConnection.candidates; i++) {
      this.onicecandidate?.({
        candidate: { toJSON: () => ({ candidate: `candidate:${i + 1} 1 udp 1 127.0.0.1 ${9000 + this.#ufrag} typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: this.ufrag }) },
      });
    }
    this.iceGatheringState = 'complete';
    this.onicegatheringstatechange?.();
    this.onicecandidate?.({ candidate: null });
  }

  #sdp(): string {
    const sections: string[] = this.transceivers.filter((t) => t.mid !== null).map((t) => t.receiver.track.kind);
    if (this.#hasDataSection || this.channels.length > 0) sections.push('application');
    return fakeSdp({ certificate: this.certificate, ufrag: this.ufrag, sections });
  }
}
