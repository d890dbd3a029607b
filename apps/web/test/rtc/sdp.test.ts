import { describe, expect, it } from 'vitest';
import { withStartBitrate } from '../../src/rtc/sdp';

const SDP = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 45',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:98 H264/90000',
  'a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:45 AV1/90000',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  '',
].join('\r\n');

describe('withStartBitrate', () => {
  it('declares the start bitrate on every video codec, and on nothing else', () => {
    const out = withStartBitrate(SDP, 1000).split('\r\n');
    expect(out).toContain('a=fmtp:96 x-google-start-bitrate=1000');
    expect(out).toContain('a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1000');
    expect(out).toContain('a=fmtp:45 x-google-start-bitrate=1000');
    // Not on retransmission or audio.
    expect(out).toContain('a=fmtp:97 apt=96');
    expect(out).toContain('a=fmtp:111 minptime=10;useinbandfec=1');
    // The new fmtp line follows its rtpmap line.
    expect(out.indexOf('a=fmtp:96 x-google-start-bitrate=1000')).toBe(out.indexOf('a=rtpmap:96 VP8/90000') + 1);
  });

  it('is idempotent and keeps the line endings', () => {
    const once = withStartBitrate(SDP);
    expect(withStartBitrate(once)).toBe(once);
    expect(once.endsWith('\r\n')).toBe(true);
    expect(once.split('\r\n').length).toBe(SDP.split('\r\n').length + 2);
  });

  it('leaves an SDP without video as it is', () => {
    const audioOnly = 'v=0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2\n';
    expect(withStartBitrate(audioOnly)).toBe(audioOnly);
  });
});
