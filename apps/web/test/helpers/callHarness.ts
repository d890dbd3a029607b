import type { CallDto, CreateCallBody, CreateCallResponse, Peer, RtcConfig } from '@parley/protocol';
import { vi } from 'vitest';
import { createCallController, type CallController } from '../../src/rtc/controller';
import type { AcquiredMedia, DevicePreferences, Facing, MediaKind, MediaSource, MediaWants } from '../../src/rtc/media';
import type { CallStorage, StoredCall } from '../../src/rtc/persistence';
import type { CallState } from '../../src/stores/callMachine';
import { FakeMediaStream, FakePeerConnection, FakeTrack } from './fakeRtc';
import { FakeSignaling } from './fakeSignaling';

export const ALICE: Peer = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
export const BOB: Peer = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };
export const CALL = '11111111-1111-4111-8111-111111111111';
export const OTHER_CALL = '22222222-2222-4222-8222-222222222222';
export const RING_EXPIRES = '2030-01-01T00:00:30.000Z';

/** A promise the test settles by hand. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Storage in memory: what a reload would find. */
export class MemoryCallStorage implements CallStorage {
  active: StoredCall | null = null;
  dialing: string | null = null;
  devices: DevicePreferences = { audio: null, video: null };
  persistCall(call: CallState): void {
    this.active =
      call.phase === 'connecting' || call.phase === 'connected' ? { callId: call.callId, role: call.role, peer: call.peer, answeredAt: call.answeredAt } : null;
    this.dialing = call.phase === 'outgoing' ? call.callId : null;
  }
  readActiveCall = () => this.active;
  readDialingCall = () => this.dialing;
  readDevicePreferences = () => this.devices;
  saveDevicePreferences = (prefs: DevicePreferences) => {
    this.devices = prefs;
  };
}

/** Cameras and microphones that always work (`deny()` makes the next request fail). */
export class FakeMediaSource implements MediaSource {
  readonly handedOut: FakeTrack[] = [];
  /** What each acquireLocalMedia call asked for. */
  readonly wants: MediaWants[] = [];
  /** The way the fake camera faces (null: it does not say, like most desktop cameras). */
  facing: Facing | null = null;
  async acquireLocalMedia(prefs: DevicePreferences, wants: MediaWants): Promise<AcquiredMedia> {
    this.wants.push(wants);
    const audio = this.#track('audio', prefs.audio);
    const video = wants.video ? this.#track('video', prefs.video) : null;
    if (video) video.facingMode = this.facing ?? undefined;
    return { audio: audio as unknown as MediaStreamTrack, video: video as unknown as MediaStreamTrack | null, issue: null };
  }
  async acquireTrack(kind: MediaKind, deviceId: string | null, facing?: Facing): Promise<MediaStreamTrack | null> {
    const track = this.#track(kind, deviceId);
    if (kind === 'video') track.facingMode = facing ?? this.facing ?? undefined;
    return track as unknown as MediaStreamTrack;
  }
  async acquireScreen(): Promise<MediaStreamTrack | null> {
    return this.#track('video', 'screen') as unknown as MediaStreamTrack;
  }
  async listDevices() {
    return { audio: [{ deviceId: 'audio-default', label: 'Mic' }], video: [{ deviceId: 'video-default', label: 'Cam' }], output: [] };
  }
  #track(kind: MediaKind, deviceId: string | null): FakeTrack {
    const track = new FakeTrack(kind, deviceId ?? `${kind}-default`);
    this.handedOut.push(track);
    return track;
  }
}

export const RTC_CONFIG: RtcConfig = { iceServers: [], iceTransportPolicy: 'all', expiresAt: '2030-01-01T00:00:00.000Z' };

export interface Harness {
  controller: CallController;
  signaling: FakeSignaling;
  storage: MemoryCallStorage;
  media: FakeMediaSource;
  api: {
    createCall: ReturnType<typeof vi.fn<(body: CreateCallBody) => Promise<CreateCallResponse>>>;
    getCall: ReturnType<typeof vi.fn<(callId: string) => Promise<CallDto>>>;
    endCall: ReturnType<typeof vi.fn<(callId: string) => Promise<{ status: 'ended'; endReason: 'hangup' }>>>;
    rtcConfig: ReturnType<typeof vi.fn<() => Promise<RtcConfig>>>;
  };
  /** The tone playing now, if any. */
  tone(): string | null;
  /** Every RTCPeerConnection the controller made. */
  pcs: FakePeerConnection[];
  /** The one peer connection there should be. */
  pc(): FakePeerConnection;
  stop(): void;
}

/** A fresh controller over fakes; the WebRTC and media globals it needs are stubbed for the test's duration. */
export function createHarness(): Harness {
  vi.stubGlobal('MediaStream', FakeMediaStream);
  FakePeerConnection.created = [];
  FakePeerConnection.candidates = 1;
  const signaling = new FakeSignaling();
  const storage = new MemoryCallStorage();
  const media = new FakeMediaSource();
  let playing: string | null = null;
  const api = {
    createCall: vi.fn(async (body: CreateCallBody): Promise<CreateCallResponse> => ({
      callId: CALL,
      status: 'created',
      callee: { id: body.calleeId, username: 'bob' },
      ringExpiresAt: RING_EXPIRES,
      ringing: true,
    })),
    getCall: vi.fn(async (callId: string): Promise<CallDto> => ({ callId, status: 'ended', callerId: ALICE.id, calleeId: BOB.id, createdAt: RING_EXPIRES })),
    endCall: vi.fn(async () => ({ status: 'ended' as const, endReason: 'hangup' as const })),
    rtcConfig: vi.fn(async () => RTC_CONFIG),
  };
  const controller = createCallController({
    signaling,
    api,
    media,
    createPeerConnection: (configuration) => new FakePeerConnection(configuration) as unknown as RTCPeerConnection,
    storage,
    playTone: (kind) => {
      playing = kind;
      return () => {
        if (playing === kind) playing = null;
      };
    },
  });
  const unsubscribe = controller.start();
  return {
    controller,
    signaling,
    storage,
    media,
    api,
    tone: () => playing,
    pcs: FakePeerConnection.created,
    pc: () => {
      if (FakePeerConnection.created.length !== 1) throw new Error(`${FakePeerConnection.created.length} peer connections`);
      return FakePeerConnection.created[0]!;
    },
    stop: () => {
      void controller.hangUp();
      unsubscribe();
      vi.unstubAllGlobals();
    },
  };
}

/** Let promises and microtasks settle (several rounds: the code under test chains a few awaits). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
