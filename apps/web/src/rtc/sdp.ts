/**
 * The bitrate (kbit/s) a sender starts its video at, before bandwidth estimation has measured anything. Chrome
 * starts at 300 kbit/s, and at that rate a 720p camera's first frames are dropped and then scaled down to 320×180:
 * measured here, 180–240 ms from the connection being up to the first video packet, against 15–80 ms when the
 * receiver declares 800–2000 (packages/bench/PROFILE.md). Estimation corrects it within a second either way.
 */
export const START_BITRATE_KBPS = 1_000;

const NOT_A_CODEC = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03']);

/**
 * The SDP we send, with `x-google-start-bitrate` on every video codec we can receive: the other side's sender
 * reads it from its remote description and starts its video at that rate (Chrome; other browsers ignore the
 * parameter). Our own local description is left as the browser made it.
 */
export function withStartBitrate(sdp: string, kbps = START_BITRATE_KBPS): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const out: string[] = [];
  let video = false;
  const codecs = new Set<string>();
  const withFmtp = new Set<string>();
  // First pass: which payload types of video sections are codecs, and which already have an fmtp line.
  for (const line of lines) {
    if (line.startsWith('m=')) video = line.startsWith('m=video');
    if (!video) continue;
    const rtpmap = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
    if (rtpmap && !NOT_A_CODEC.has(rtpmap[2]!.toLowerCase())) codecs.add(rtpmap[1]!);
    const fmtp = /^a=fmtp:(\d+) /.exec(line);
    if (fmtp) withFmtp.add(fmtp[1]!);
  }
  video = false;
  for (const line of lines) {
    if (line.startsWith('m=')) video = line.startsWith('m=video');
    const fmtp = video ? /^a=fmtp:(\d+) (.*)$/.exec(line) : null;
    if (fmtp && codecs.has(fmtp[1]!) && !fmtp[2]!.includes('x-google-start-bitrate')) {
      out.push(`${line};x-google-start-bitrate=${kbps}`);
      continue;
    }
    out.push(line);
    const rtpmap = video ? /^a=rtpmap:(\d+) /.exec(line) : null;
    if (rtpmap && codecs.has(rtpmap[1]!) && !withFmtp.has(rtpmap[1]!)) out.push(`a=fmtp:${rtpmap[1]} x-google-start-bitrate=${kbps}`);
  }
  return out.join(eol);
}
