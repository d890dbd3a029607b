/**
 * Fast start: a call's first video goes out at half the camera's width and height, and at full size a moment after
 * media is up. The first frame the other side can show is a keyframe, and in a fresh page on a small machine a
 * 1280×720 keyframe is what the picture waits for: encoded in software, then paced out at the start bitrate before
 * bandwidth estimation has measured anything (packages/bench/PROFILE.md §7: connection up → first video packet
 * 80–135 ms at 720p, 5–35 ms at 360p). Only the encoder scales; the camera, the local preview and the negotiated
 * session stay as they are, so going to full size is `setParameters`, not a renegotiation.
 */

/** How much the first video is scaled down in each dimension. */
export const FAST_START_SCALE = 2;

/** After the state channel opens (media reaches the other side), this long until full size. */
export const FULL_SIZE_AFTER_MS = 2_000;

/** Scale the video a sender encodes (1 = the track's own size). Nothing to do before the sender has an encoding. */
export async function scaleVideo(sender: RTCRtpSender, scale: number): Promise<void> {
  const parameters = sender.getParameters();
  if (parameters.encodings.length === 0 || parameters.encodings.every((encoding) => (encoding.scaleResolutionDownBy ?? 1) === scale)) return;
  for (const encoding of parameters.encodings) encoding.scaleResolutionDownBy = scale;
  await sender.setParameters(parameters);
}
