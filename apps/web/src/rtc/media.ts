/**
 * Getting the camera and microphone without ever blocking a call: whatever is refused or missing, the call goes on
 * with what we got (audio-only, video-only or receive-only) and `issue` says why, for a message.
 */

export type MediaIssue = 'denied' | 'no-devices' | 'no-camera' | 'no-microphone' | 'unsupported';

/** What the browser gave us: a track of each kind, or null and why. */
export interface AcquiredMedia {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  issue: MediaIssue | null;
}

/** The microphone and camera the user picked (device ids), null for the browser's default. */
export interface DevicePreferences {
  audio: string | null;
  video: string | null;
}

export type MediaKind = keyof DevicePreferences;

/** Which way a camera faces (`facingMode`): the front camera of a phone is `user`, the back one `environment`. */
export type Facing = 'user' | 'environment';

/** What a call asks for at its start: a voice call (`video: false`) opens no camera. */
export interface MediaWants {
  video: boolean;
}

/** Where the call layer gets its tracks from (these functions in the app, a fake in unit tests). */
export interface MediaSource {
  acquireLocalMedia(prefs: DevicePreferences, wants: MediaWants): Promise<AcquiredMedia>;
  /** A camera by device id, or (with `facing`) the camera that faces that way. */
  acquireTrack(kind: MediaKind, deviceId: string | null, facing?: Facing): Promise<MediaStreamTrack | null>;
  acquireScreen(): Promise<MediaStreamTrack | null>;
  listDevices(): Promise<DeviceLists>;
}

/** A permission prompt nobody answers must not hold the call: after this long we go on receive-only. */
const GET_USER_MEDIA_TIMEOUT_MS = 15_000;

const VIDEO_CONSTRAINTS: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

export function audioConstraints(deviceId?: string | null): MediaTrackConstraints {
  return {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
  };
}

export function videoConstraints(deviceId?: string | null, facing?: Facing): MediaTrackConstraints {
  if (facing) return { ...VIDEO_CONSTRAINTS, facingMode: { exact: facing } };
  return { ...VIDEO_CONSTRAINTS, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) };
}

/** Which way the camera behind `track` faces, when the browser says (phones and tablets do; most desktops don't). */
export function facingOf(track: MediaStreamTrack | null): Facing | null {
  const facing = track?.getSettings().facingMode;
  return facing === 'user' || facing === 'environment' ? facing : null;
}

function canCapture(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;
}

async function tryGetUserMedia(constraints: MediaStreamConstraints): Promise<{ stream: MediaStream } | { error: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ error: 'TimeoutError' }), GET_USER_MEDIA_TIMEOUT_MS);
  });
  const request = navigator.mediaDevices.getUserMedia(constraints).then(
    (stream) => ({ stream }),
    (error: unknown) => ({ error: error instanceof DOMException ? error.name : 'Error' }),
  );
  const result = await Promise.race([request, timeout]);
  clearTimeout(timer);
  if ('error' in result && result.error === 'TimeoutError') {
    // If the prompt is answered after all, release the devices we no longer wait for.
    void request.then((late) => {
      if ('stream' in late) for (const track of late.stream.getTracks()) track.stop();
    });
  }
  return result;
}

/**
 * Ask for microphone and camera; on failure ask for each alone, so one missing device does not cost the other. A
 * voice call (`wants.video` false) asks for the microphone only.
 */
export async function acquireLocalMedia(prefs: DevicePreferences = { audio: null, video: null }, wants: MediaWants = { video: true }): Promise<AcquiredMedia> {
  if (!canCapture()) return { audio: null, video: null, issue: 'unsupported' };
  if (!wants.video) return acquireMicrophone(prefs.audio);

  const both = await tryGetUserMedia({ audio: audioConstraints(prefs.audio), video: videoConstraints(prefs.video) });
  if ('stream' in both) {
    return { audio: both.stream.getAudioTracks()[0] ?? null, video: both.stream.getVideoTracks()[0] ?? null, issue: null };
  }
  // A remembered device that is gone is not a reason to go without: fall back to the default device.
  const [audioOnly, videoOnly] = [
    await tryGetUserMedia({ audio: audioConstraints(null) }),
    await tryGetUserMedia({ video: videoConstraints(null) }),
  ];
  const audio = 'stream' in audioOnly ? (audioOnly.stream.getAudioTracks()[0] ?? null) : null;
  const video = 'stream' in videoOnly ? (videoOnly.stream.getVideoTracks()[0] ?? null) : null;
  let issue: MediaIssue | null = null;
  if (!audio && !video) {
    const denied = [both, audioOnly, videoOnly].some((r) => 'error' in r && (r.error === 'NotAllowedError' || r.error === 'SecurityError'));
    issue = denied ? 'denied' : 'no-devices';
  } else if (!video) issue = 'no-camera';
  else if (!audio) issue = 'no-microphone';
  return { audio, video, issue };
}

async function acquireMicrophone(deviceId: string | null): Promise<AcquiredMedia> {
  let result = await tryGetUserMedia({ audio: audioConstraints(deviceId) });
  if (!('stream' in result) && deviceId) result = await tryGetUserMedia({ audio: audioConstraints(null) });
  if ('stream' in result) return { audio: result.stream.getAudioTracks()[0] ?? null, video: null, issue: null };
  const denied = result.error === 'NotAllowedError' || result.error === 'SecurityError';
  return { audio: null, video: null, issue: denied ? 'denied' : 'no-devices' };
}

/** One device track on its own, for switching devices or turning the camera back on. Null when it failed. */
export async function acquireTrack(kind: MediaKind, deviceId?: string | null, facing?: Facing): Promise<MediaStreamTrack | null> {
  if (!canCapture()) return null;
  const result = await tryGetUserMedia(kind === 'audio' ? { audio: audioConstraints(deviceId) } : { video: videoConstraints(deviceId, facing) });
  if (!('stream' in result)) return null;
  return (kind === 'audio' ? result.stream.getAudioTracks() : result.stream.getVideoTracks())[0] ?? null;
}

export function canShareScreen(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.mediaDevices && 'getDisplayMedia' in navigator.mediaDevices;
}

export async function acquireScreen(): Promise<MediaStreamTrack | null> {
  if (!canShareScreen()) return null;
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    const track = stream.getVideoTracks()[0] ?? null;
    // Text and slides stay sharp rather than smooth.
    if (track) track.contentHint = 'detail';
    return track;
  } catch {
    return null;
  }
}

export interface DeviceOption {
  deviceId: string;
  label: string;
}

export interface DeviceLists {
  audio: DeviceOption[];
  video: DeviceOption[];
  /** Speakers and headphones; listed only where the browser can route a `<video>`'s sound (`setSinkId`). */
  output: DeviceOption[];
}

/** Whether this browser can play the other side's sound on a chosen speaker (`HTMLMediaElement.setSinkId`). */
export function canChooseOutput(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

export async function listDevices(): Promise<DeviceLists> {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices?.enumerateDevices) return { audio: [], video: [], output: [] };
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    // Labels are empty until a permission was granted; the picker then shows a numbered name in the UI language.
    const pick = (kind: MediaDeviceKind): DeviceOption[] =>
      devices.filter((d) => d.kind === kind && d.deviceId).map((d) => ({ deviceId: d.deviceId, label: d.label }));
    return { audio: pick('audioinput'), video: pick('videoinput'), output: canChooseOutput() ? pick('audiooutput') : [] };
  } catch {
    return { audio: [], video: [], output: [] };
  }
}
