import type { PeerMediaState } from '@parley/protocol';
import type { MessageKey } from '../i18n';
import type { CallStore } from '../stores/call';
import { facingOf, type DevicePreferences, type Facing, type MediaKind, type MediaSource, type MediaWants } from './media';

export interface LocalMediaOptions {
  source: MediaSource;
  store: CallStore;
  preferences: { read(): DevicePreferences; save(prefs: DevicePreferences): void };
  /** Whether a call still wants these tracks (a track that arrives after the call ended is stopped). */
  inCall(): boolean;
  /** What goes on the wire changed: the track of `kind` (the screen or the camera for video), or null. */
  onTrack(kind: MediaKind, track: MediaStreamTrack | null): void;
  /** What the other side should be told we send changed. */
  onState(state: PeerMediaState): void;
  /** The call's microphone and camera request finished (with whatever it got). */
  onAcquired?(): void;
}

const NOTICE_MS = 5_000;

/**
 * This tab's microphone, camera and screen for the live call: acquiring them without ever blocking the call,
 * mute (`track.enabled`), camera off and on, screen sharing, device switches. The store shows the state; the
 * connection gets each track through `onTrack` and the other side's view of it through `onState`.
 */
export class LocalMedia {
  readonly #options: LocalMediaOptions;
  #audio: MediaStreamTrack | null = null;
  #camera: MediaStreamTrack | null = null;
  #screen: MediaStreamTrack | null = null;
  /** The acquisition of the current call, shared by everyone who asks for it. */
  #started: Promise<void> | null = null;
  /** Bumped by `stop()`: an acquisition that finishes for an older generation releases what it got. */
  #generation = 0;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LocalMediaOptions) {
    this.#options = options;
  }

  get audio(): MediaStreamTrack | null {
    return this.#audio;
  }

  /** What we send as video: the screen while sharing, else the camera when it is on. */
  get video(): MediaStreamTrack | null {
    return this.#screen ?? this.#camera;
  }

  /** What the other side should know we send. */
  get peerState(): PeerMediaState {
    const { mic } = this.#options.store.state.media;
    return { mic: this.#audio !== null && mic === 'on', camera: this.video !== null };
  }

  /**
   * Ask for microphone and camera once per call; later calls share the first request. A voice call (`video: false`)
   * opens the microphone only: the camera is `off` (not `none`) and the camera button turns it on like any time.
   */
  start(wants: MediaWants = { video: true }): Promise<void> {
    this.#started ??= this.#acquire(wants);
    return this.#started;
  }

  async #acquire(wants: MediaWants): Promise<void> {
    const generation = this.#generation;
    const { store, source, preferences } = this.#options;
    const prefs = preferences.read();
    store.patch({ selectedDevices: prefs });
    const media = await source.acquireLocalMedia(prefs, wants);
    if (generation !== this.#generation) {
      media.audio?.stop();
      media.video?.stop();
      return;
    }
    this.#audio = media.audio;
    this.#camera = media.video;
    const camera = media.video ? 'on' : wants.video ? 'none' : 'off';
    store.patch({
      media: { mic: media.audio ? 'on' : 'none', camera, screen: 'off' },
      mediaIssue: media.issue,
      cameraFacing: facingOf(media.video),
    });
    this.#options.onAcquired?.();
    this.#options.onTrack('audio', this.#audio);
    this.#applyVideo();
    void this.refreshDevices();
  }

  toggleMute(): void {
    const { store } = this.#options;
    const { mic } = store.state.media;
    if (!this.#audio || mic === 'none') return;
    const muting = mic === 'on';
    this.#audio.enabled = !muting;
    store.patchMedia({ mic: muting ? 'muted' : 'on' });
    this.#options.onState(this.peerState);
  }

  async toggleCamera(): Promise<void> {
    const { store, source } = this.#options;
    if (store.state.media.camera === 'on') {
      this.#camera?.stop();
      this.#camera = null;
      store.patchMedia({ camera: 'off' });
      this.#applyVideo();
      return;
    }
    const generation = this.#generation;
    const track = await source.acquireTrack('video', store.state.selectedDevices.video);
    if (generation !== this.#generation || !this.#options.inCall()) {
      track?.stop();
      return;
    }
    if (!track) {
      this.#notice('media.deviceFailed');
      return;
    }
    this.#camera = track;
    store.patch({ mediaIssue: null, cameraFacing: facingOf(track) });
    store.patchMedia({ camera: 'on' });
    this.#applyVideo();
    void this.refreshDevices();
  }

  /**
   * Switch between the front and the back camera (`facingMode`), on a device whose camera says which way it faces.
   * The old camera is released first: many phones cannot open both at once. If the other one cannot be opened,
   * the one we had is opened again.
   */
  async flipCamera(): Promise<void> {
    const { store, source } = this.#options;
    const facing = store.state.cameraFacing;
    if (!facing || store.state.media.camera !== 'on') return;
    const next: Facing = facing === 'user' ? 'environment' : 'user';
    const generation = this.#generation;
    this.#camera?.stop();
    const track = (await source.acquireTrack('video', null, next)) ?? (await source.acquireTrack('video', null, facing));
    if (generation !== this.#generation || !this.#options.inCall()) {
      track?.stop();
      return;
    }
    this.#camera = track;
    if (!track) {
      store.patchMedia({ camera: 'off' });
      this.#notice('media.deviceFailed');
    } else if (facingOf(track) !== next) {
      this.#notice('media.deviceFailed');
    }
    store.patch({ cameraFacing: facingOf(track) });
    this.#applyVideo();
    void this.refreshDevices();
  }

  async toggleScreenShare(): Promise<void> {
    if (this.#screen) {
      this.#stopScreen();
      return;
    }
    const generation = this.#generation;
    const track = await this.#options.source.acquireScreen();
    if (!track) {
      this.#notice('media.screenFailed');
      return;
    }
    if (generation !== this.#generation || !this.#options.inCall()) {
      track.stop();
      return;
    }
    this.#screen = track;
    // The browser's own "Stop sharing" bar ends the track.
    track.addEventListener('ended', () => {
      if (this.#screen === track) this.#stopScreen();
    });
    this.#options.store.patchMedia({ screen: 'sharing' });
    this.#applyVideo();
  }

  async selectDevice(kind: MediaKind, deviceId: string): Promise<void> {
    const { store, source, preferences } = this.#options;
    const selectedDevices = { ...store.state.selectedDevices, [kind]: deviceId };
    store.patch({ selectedDevices });
    preferences.save(selectedDevices);
    if (kind === 'video' && store.state.media.camera !== 'on') return;
    const generation = this.#generation;
    const track = await source.acquireTrack(kind, deviceId);
    if (!track) {
      this.#notice('media.deviceFailed');
      return;
    }
    if (generation !== this.#generation || !this.#options.inCall()) {
      track.stop();
      return;
    }
    if (kind === 'audio') {
      this.#audio?.stop();
      track.enabled = store.state.media.mic !== 'muted';
      this.#audio = track;
      store.patchMedia({ mic: track.enabled ? 'on' : 'muted' });
      this.#options.onTrack('audio', track);
      this.#options.onState(this.peerState);
    } else {
      this.#camera?.stop();
      this.#camera = track;
      store.patch({ cameraFacing: facingOf(track) });
      this.#applyVideo();
    }
  }

  /** The device lists, and which devices the tracks really use. */
  async refreshDevices(): Promise<void> {
    const devices = await this.#options.source.listDevices();
    const { store } = this.#options;
    const current = store.state.selectedDevices;
    store.patch({
      devices,
      selectedDevices: {
        audio: this.#audio?.getSettings().deviceId ?? current.audio,
        video: this.#camera?.getSettings().deviceId ?? current.video,
      },
    });
  }

  /** Release every track (the call ended). */
  stop(): void {
    this.#generation++;
    this.#started = null;
    for (const track of [this.#audio, this.#camera, this.#screen]) track?.stop();
    this.#audio = this.#camera = this.#screen = null;
    clearTimeout(this.#noticeTimer);
  }

  #stopScreen(): void {
    this.#screen?.stop();
    this.#screen = null;
    this.#options.store.patchMedia({ screen: 'off' });
    this.#applyVideo();
  }

  /** Send and preview the screen while sharing, else the camera when it is on, else nothing. */
  #applyVideo(): void {
    const track = this.video;
    this.#options.store.patch({ localStream: track ? new MediaStream([track]) : null });
    this.#options.onTrack('video', track);
    this.#options.onState(this.peerState);
  }

  #notice(key: MessageKey): void {
    const { store } = this.#options;
    clearTimeout(this.#noticeTimer);
    store.patch({ notice: key });
    this.#noticeTimer = setTimeout(() => store.patch({ notice: null }), NOTICE_MS);
  }
}
