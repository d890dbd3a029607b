/**
 * A WebSocket text frame as a server sends it (RFC 6455 §5.2: FIN, opcode 1, no mask, no extension bits), header
 * and payload in one buffer.
 *
 * The hub writes frames to the socket's stream itself instead of through `ws`'s `send`, which hands the stream the
 * header and the payload as two chunks (corked, written, uncorked: a `writev` assembled in JavaScript and C++ for
 * every frame). One buffer is one plain `write`; at one frame per TCP read that took 6–12% off the relay's CPU per
 * frame (packages/bench/PROFILE.md §8, fifth round). `ws` still does everything else — the handshake, reading
 * frames, ping/pong and the closing handshake — and since Parley negotiates no compression its sender never holds
 * a frame back, so what it writes (a ping, the close frame) and what the hub writes reach the stream in the order
 * they were sent.
 */
export function textFrame(payload: string | Uint8Array): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt16BE(0, 2);
    frame.writeUIntBE(length, 4, 6);
  }
  if (typeof payload === 'string') frame.write(payload, header, 'utf8');
  else frame.set(payload, header);
  return frame;
}
