import type { CallRole, RelayedMessage, RtcConfig } from '@parley/protocol';
import type { CallStore } from '../stores/call';
import { IceConfigSource } from './iceConfig';
import type { LocalMedia } from './localMedia';
import type { MediaKind } from './media';
import type { MediaWatchdog } from './mediaWatchdog';
import { PeerLink, type PeerConnectionFactory } from './peerLink';
import { extractSample, QualityTracker } from './quality';
import type { SetupTimeline } from './setupTimeline';

const STATS_INTERVAL_MS = 1_000;

export interface CallConnectionOptions {
  callId: string;
  rtcConfig(): Promise<RtcConfig>;
  createPeerConnection: PeerConnectionFactory;
  /** Onto the signaling socket; dropped while it is down (the link takes care of what that loses). */
  send(message: RelayedMessage): void;
  store: CallStore;
  local: LocalMedia;
  watchdog: MediaWatchdog;
  timeline: SetupTimeline;
  /** Media reached the other side (the call is connected). */
  onMediaUp(): void;
  /** ICE dropped or failed in mid-call (shown as a banner; the link restarts ICE). */
  onMediaDown(): void;
}

export type Side = 'self' | 'peer';

/**
 * One call's connection to the other side, from the moment the call is known until it ends: its ICE configuration
 * (fetched once up front, refreshed before the TURN credentials expire), its {@link PeerLink} once the call is
 * answered, the signals that arrive before that link exists, the quality sampling, and what the media watchdog
 * is told.
 *
 * Reconnect design. The link is kept for the whole call. A signaling socket that drops and comes back within the
 * server's grace changes nothing about it: media flows peer to peer meanwhile, ICE restarts wait until both sides
 * are on signaling again, and the side that came back restarts ICE only when ICE itself failed or dropped. Only a
 * page that lost its RTCPeerConnection (a reload) opens a new one, and that new one makes the offer; the other
 * side accepts it on its existing connection (ICE and DTLS start over there, its senders and `<video>` stay).
 */
export class CallConnection {
  readonly callId: string;
  readonly #options: CallConnectionOptions;
  readonly #ice: IceConfigSource;
  #iceTimer: ReturnType<typeof setTimeout> | undefined;
  #link: PeerLink | null = null;
  /** The link being made (ahead of time while the call rings, or when it is answered). */
  #preparing: Promise<PeerLink | null> | null = null;
  /** The call is answered: the link's signals go out and the watchdog watches. */
  #open = false;
  /** What the link said before the call was answered (the caller's offer and candidates), in order. */
  #outbox: RelayedMessage[] = [];
  /** How many local candidates the last completed gathering found (null: none completed yet). */
  #gathered: number | null = null;
  /** Signals of this call that arrived before its link existed, in arrival order. */
  #pending: RelayedMessage[] = [];
  #away: Record<Side, boolean> = { self: false, peer: false };
  #tracker = new QualityTracker();
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: CallConnectionOptions) {
    this.callId = options.callId;
    this.#options = options;
    this.#ice = new IceConfigSource(() => options.rtcConfig());
    void this.#scheduleIceRefresh();
  }

  /** The current RTCPeerConnection's owner, if the call has one yet. */
  get link(): PeerLink | null {
    return this.#link;
  }

  /**
   * Make the RTCPeerConnection ahead of time, while the call rings, so that the call's set-up after Accept does not
   * pay for it (the first connection of a page is the slow one, see packages/bench/PROFILE.md): the callee's, and
   * the caller's with its offer made and its candidates gathered. Nothing it says leaves this tab until `open()`;
   * it touches no camera or microphone. `offers`: see {@link PeerLinkOptions.offers}.
   */
  prepare(role: CallRole, offers: boolean): Promise<PeerLink | null> {
    this.#preparing ??= this.#create(role, offers);
    return this.#preparing;
  }

  /**
   * The call is answered (or taken back after a reload): open the connection, once, and let its signals out. A link
   * prepared while it rang sends what it said at once, before this returns (so before the UI renders the call).
   */
  open(role: CallRole, offers: boolean): Promise<void> {
    if (this.#open || this.#closed) return Promise.resolve();
    this.#open = true;
    // The bound starts now: fetching the ICE configuration is part of connecting.
    this.#options.watchdog.arm(this.callId);
    if (this.#link) {
      this.#release(this.#link);
      return Promise.resolve();
    }
    return this.prepare(role, offers).then((link) => {
      if (link && !this.#closed) this.#release(link);
    });
  }

  #release(link: PeerLink): void {
    const outbox = this.#outbox;
    this.#outbox = [];
    for (const message of outbox) this.#options.send(message);
    clearInterval(this.#statsTimer);
    this.#statsTimer = setInterval(() => void this.#sampleStats(link), STATS_INTERVAL_MS);
    // A gathering that finished while it rang (the caller's offer) counts for the bound that starts now. After the
    // offer went out: if it found nothing, the other side must find out for itself, and say the same.
    if (this.#gathered !== null) this.#options.watchdog.gathered(this.#gathered);
  }

  async #create(role: CallRole, offers: boolean): Promise<PeerLink | null> {
    const { watchdog, store, local, timeline } = this.#options;
    const config = await this.#ice.current();
    if (this.#closed) return null;
    const link: PeerLink = new PeerLink({
      callId: this.callId,
      polite: role === 'callee',
      offers,
      ice: config,
      freshIce: () => this.#ice.fresh(),
      createPeerConnection: this.#options.createPeerConnection,
      send: (message) => {
        if (message.type === 'webrtc:offer' || message.type === 'webrtc:answer') timeline.mark(message.type === 'webrtc:offer' ? 'offer' : 'answer');
        if (this.#open) this.#options.send(message);
        else this.#outbox.push(message);
      },
      onRemoteTracks: () => {
        if (this.#link === link) this.#showRemote(link);
      },
      onConnectionState: (state) => this.#onConnectionState(link, state),
      onIceConnectionState: (state) => {
        if (state === 'connected' || state === 'completed') timeline.mark('ice-connected');
      },
      onGathered: (candidates) => {
        if (this.#link !== link) return;
        this.#gathered = candidates;
        watchdog.gathered(candidates);
      },
      onRemoteMedia: (remoteMedia) => {
        if (this.#link === link) store.patch({ remoteMedia });
      },
      onChat: (message) => {
        if (this.#link === link) store.chat({ type: 'received', message });
      },
      onChannelOpen: () => {
        // The channel opens only over a working DTLS connection with the other side's current RTCPeerConnection.
        if (this.#link === link) this.#mediaUp();
      },
      onPeerReplaced: () => {
        if (this.#link === link && !this.#held()) watchdog.arm(this.callId);
      },
    });
    this.#link = link;
    timeline.mark('peer-connection');
    if (this.#held()) link.holdRestarts(true);
    store.patch({ remoteStream: null, quality: null, remoteVideo: 'none' });
    if (link.remoteStream.getTracks().length > 0) this.#showRemote(link);
    // Tracks first (recorded synchronously), then the queued signals in arrival order, before any newer signal.
    void link.setLocalTrack('audio', local.audio);
    void link.setLocalTrack('video', local.video);
    link.setMediaState(local.peerState);
    const queued = this.#pending;
    this.#pending = [];
    for (const message of queued) link.handle(message);
    return link;
  }

  handle(message: RelayedMessage): void {
    if (this.#closed) return;
    if (message.type === 'webrtc:offer') this.#options.timeline.mark('offer');
    else if (message.type === 'webrtc:answer') this.#options.timeline.mark('answer');
    if (this.#link) this.#link.handle(message);
    else this.#pending.push(message);
  }

  setLocalTrack(kind: MediaKind, track: MediaStreamTrack | null): void {
    void this.#link?.setLocalTrack(kind, track);
  }

  setMediaState(state: Parameters<PeerLink['setMediaState']>[0]): void {
    this.#link?.setMediaState(state);
  }

  /** A chat message to the other side; false when there is no connection to carry it (yet) or too many wait. */
  sendChat(message: Parameters<PeerLink['sendChat']>[0]): boolean {
    return this.#link?.sendChat(message) ?? false;
  }

  /** A side dropped off signaling. Media goes on; the watchdog cannot expect anything new until both are back. */
  away(side: Side): void {
    this.#away[side] = true;
    this.#link?.holdRestarts(true);
    this.#options.watchdog.pause();
  }

  /**
   * Our socket is back and the server gave us the call again (`call:rejoined`). With a link, it is resynced (see
   * {@link PeerLink.resync}); without one (this page was reloaded) a new connection opens and offers.
   */
  async selfBack(role: CallRole): Promise<void> {
    this.#away.self = false;
    const link = this.#link;
    if (!link) {
      await this.open(role, true);
      return;
    }
    if (!this.#held()) link.holdRestarts(false);
    await link.resync();
    this.#armIfDown(link);
  }

  /** The other side is back on signaling (`call:peer-connection {connected: true}`). */
  async peerBack(): Promise<void> {
    this.#away.peer = false;
    const link = this.#link;
    if (!link) return;
    // The server dropped whatever we offered while they were away; their side (kept or new) negotiates from here.
    await link.withdrawOffer();
    if (!this.#held()) link.holdRestarts(false);
    this.#armIfDown(link);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#iceTimer);
    clearInterval(this.#statsTimer);
    this.#link?.close();
    this.#link = null;
    this.#pending = [];
    this.#outbox = [];
  }

  /** The remote stream reaches the store (and a <video>) once it has tracks. */
  #showRemote(link: PeerLink): void {
    const stream = link.remoteStream;
    this.#options.store.patch({ remoteStream: stream });
    const { timeline } = this.#options;
    const video = stream.getTracks().find((track) => track.kind === 'video');
    if (video && !video.muted) timeline.mark('remote-media');
    else video?.addEventListener('unmute', () => timeline.mark('remote-media'), { once: true });
  }

  #held(): boolean {
    return this.#away.self || this.#away.peer;
  }

  /** Both sides are back: if media is not up, it must come up within the watchdog's bound. */
  #armIfDown(link: PeerLink): void {
    if (this.#held() || link.pc.connectionState === 'connected') return;
    this.#options.watchdog.arm(this.callId);
    this.#options.watchdog.connectionState(link.pc.connectionState);
  }

  #mediaUp(): void {
    this.#options.watchdog.connectionState('connected');
    this.#options.onMediaUp();
  }

  #onConnectionState(link: PeerLink, state: RTCPeerConnectionState): void {
    if (this.#link !== link) return;
    if (state === 'connected') {
      this.#options.timeline.mark('connected');
      this.#mediaUp();
      return;
    }
    this.#options.watchdog.connectionState(state);
    if (this.#link === link && (state === 'disconnected' || state === 'failed')) this.#options.onMediaDown();
  }

  /**
   * Fetched once per call, as soon as the call is known (TURN credentials are minted per request), and fetched
   * again before the credentials expire, for ICE restarts later in a long call.
   */
  async #scheduleIceRefresh(): Promise<void> {
    const delay = await this.#ice.nextRefreshInMs();
    if (this.#closed) return;
    clearTimeout(this.#iceTimer);
    this.#iceTimer = setTimeout(() => {
      if (!this.#closed) void this.#ice.refresh().then(() => this.#scheduleIceRefresh());
    }, delay);
  }

  async #sampleStats(link: PeerLink): Promise<void> {
    if (this.#link !== link) return;
    const records = await link.stats();
    if (this.#link !== link) return;
    const verdict = this.#tracker.update(extractSample(records, performance.now()), link.pc.iceConnectionState);
    const { store } = this.#options;
    if (store.state.quality !== verdict.quality || store.state.remoteVideo !== verdict.remoteVideo) {
      store.patch({ quality: verdict.quality, remoteVideo: verdict.remoteVideo });
    }
  }
}
