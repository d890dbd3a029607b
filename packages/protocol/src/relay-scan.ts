import { LIMITS } from './constants.js';
import type { RelayedMessage } from './ws.js';

/** A frame's bytes: a Node `Buffer`, whose `latin1` slice is how the callId is read out without a copy. */
export type FrameBytes = Uint8Array & { toString(encoding: 'latin1', start: number, end: number): string };

/** What the relay needs of a relayed frame: its type and call. The frame's bytes are forwarded as they are. */
export interface RelayedEnvelope {
  type: RelayedMessage['type'];
  callId: string;
}

/**
 * The relay's fast path. Recognises a `webrtc:offer`, `webrtc:answer` or `webrtc:ice-candidate` frame written the
 * way `JSON.stringify` writes it (no whitespace, the envelope's keys in schema order) and checks it byte by byte
 * against the JSON grammar and the message's schema, without building a string or an object: on a relay carrying
 * one frame per TCP read, `JSON.parse` and the schema check were the largest share of the server's own work per
 * frame.
 *
 * `undefined` means only "not recognised here" — another key order, whitespace, an over-long or unusual value, or a
 * frame that is not valid at all — and the caller decodes the frame with {@link decodeClientMessage}, which accepts
 * it or explains what is wrong. The one promise: every frame accepted here is a frame `decodeClientMessage` accepts,
 * with the same type and callId (a property test in test/relay-scan.test.ts holds it to that).
 *
 * `frame` is a WebSocket frame's payload, not necessarily valid UTF-8: what is accepted here is all ASCII.
 * `recentCallId`, the callId of the sender's previous frame, is handed back as the callId when the frame names the
 * same call: the frames of a call mostly follow each other, and the string the relay already looked the call up
 * with (its hash computed) costs nothing to reuse, where a new one is made and hashed for every frame.
 */
export function scanRelayedFrame(frame: FrameBytes, recentCallId?: string): RelayedEnvelope | undefined {
  let at = expect(frame, 0, TYPE_OPEN);
  if (at < 0) return undefined;
  let type: RelayedEnvelope['type'];
  let next: number;
  if ((next = expect(frame, at, ICE)) >= 0) type = 'webrtc:ice-candidate';
  else if ((next = expect(frame, at, OFFER)) >= 0) type = 'webrtc:offer';
  else if ((next = expect(frame, at, ANSWER)) >= 0) type = 'webrtc:answer';
  else return undefined;
  at = expect(frame, next, PAYLOAD_OPEN);
  if (at < 0 || !isUuid(frame, at)) return undefined;
  const callIdAt = at;
  at = expect(frame, at + UUID_LENGTH, type === 'webrtc:ice-candidate' ? CANDIDATE_KEY : SDP_KEY);
  if (at < 0) return undefined;
  if (type === 'webrtc:ice-candidate') {
    at = frame[at] === OPEN_BRACE ? candidateObject(frame, at) : string(frame, at, 0, LIMITS.maxCandidateLength);
  } else {
    at = string(frame, at, 1, LIMITS.maxSdpLength);
  }
  if (at < 0 || at + 2 !== frame.length || frame[at] !== CLOSE_BRACE || frame[at + 1] !== CLOSE_BRACE) return undefined;
  const callId = recentCallId !== undefined && sameUuid(frame, callIdAt, recentCallId) ? recentCallId : frame.toString('latin1', callIdAt, callIdAt + UUID_LENGTH);
  return { type, callId };
}

/** Whether `text` is the UUID `frame` holds at `at` (already checked to be one: ASCII, {@link UUID_LENGTH} bytes). */
function sameUuid(frame: Uint8Array, at: number, text: string): boolean {
  if (text.length !== UUID_LENGTH) return false;
  for (let i = 0; i < UUID_LENGTH; i++) if (frame[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const TYPE_OPEN = bytes('{"type":"');
const ICE = bytes('webrtc:ice-candidate"');
const OFFER = bytes('webrtc:offer"');
const ANSWER = bytes('webrtc:answer"');
const PAYLOAD_OPEN = bytes(',"payload":{"callId":"');
const CANDIDATE_KEY = bytes('","candidate":');
const SDP_KEY = bytes('","sdp":');
const NULL = bytes('null');
const UUID_LENGTH = 36;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** `RTCIceCandidateInit`'s members, as the schema allows them: a string, a nullable string or a nullable index. */
const CANDIDATE_MEMBERS = [
  { name: bytes('candidate"'), value: 'string', maxLength: LIMITS.maxCandidateLength, nullable: false },
  { name: bytes('sdpMid"'), value: 'string', maxLength: 256, nullable: true },
  { name: bytes('sdpMLineIndex"'), value: 'index', maxLength: 0, nullable: true },
  { name: bytes('usernameFragment"'), value: 'string', maxLength: 256, nullable: true },
] as const;

/** The offset after `literal` when `frame` holds it at `at`, else -1. */
function expect(frame: Uint8Array, at: number, literal: Uint8Array): number {
  if (at + literal.length > frame.length) return -1;
  for (let i = 0; i < literal.length; i++) if (frame[at + i] !== literal[i]) return -1;
  return at + literal.length;
}

/** A lowercase UUID (the protocol's `Uuid` pattern) at `at`. */
function isUuid(frame: Uint8Array, at: number): boolean {
  if (at + UUID_LENGTH > frame.length) return false;
  for (let i = 0; i < UUID_LENGTH; i++) {
    const c = frame[at + i]!;
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (!((c >= DIGIT_0 && c <= DIGIT_9) || (c >= 0x61 && c <= 0x66))) {
      return false;
    }
  }
  return true;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= DIGIT_0 && c <= DIGIT_9) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46));
}

/**
 * What a byte is inside a JSON string, for {@link string}: most are {@link PLAIN}, passed over by a loop that only
 * looks them up. The others stop it: a quote ends the string, a backslash starts an escape, and the rest are
 * refused here. Control characters are not JSON. Bytes from 0x80 up are refused too, although JSON allows them: a
 * frame accepted here is then all ASCII, valid UTF-8 whatever its sender wrote, so the server does not have `ws`
 * check every frame's UTF-8 before the scan reads the same bytes (`skipUTF8Validation`). Browsers write signaling
 * in ASCII; a frame with anything else takes the general path, which checks its UTF-8.
 */
const PLAIN = 0;
const STOP = 1;
const STRING_BYTES = Uint8Array.from({ length: 256 }, (_, c) => (c >= 0x20 && c < 0x80 && c !== QUOTE && c !== BACKSLASH ? PLAIN : STOP));

/**
 * A JSON string starting at `at` (its opening quote) whose source is `minBytes` to `maxBytes` bytes long, in ASCII;
 * the offset after its closing quote, else -1. Bytes bound the decoded length from above (every character takes at
 * least one byte, itself or its escape), so a string within `maxBytes` is within a `maxLength` of that many
 * characters; a longer source is left to the general path, which counts characters.
 */
function string(frame: Uint8Array, at: number, minBytes: number, maxBytes: number): number {
  if (frame[at] !== QUOTE) return -1;
  const start = at + 1;
  // One past the last byte a string of `maxBytes` could put its closing quote on.
  const limit = Math.min(frame.length, start + maxBytes + 1);
  let i = start;
  for (;;) {
    while (i < limit && STRING_BYTES[frame[i]!] === PLAIN) i++;
    if (i >= limit) return -1;
    const c = frame[i];
    if (c === QUOTE) break;
    if (c !== BACKSLASH) return -1;
    const e = frame[i + 1];
    if (e === 0x75) {
      if (!isHex(frame[i + 2]) || !isHex(frame[i + 3]) || !isHex(frame[i + 4]) || !isHex(frame[i + 5])) return -1;
      i += 6;
    } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
    } else {
      return -1;
    }
  }
  return i - start < minBytes ? -1 : i + 1;
}

/** An `sdpMLineIndex`: an integer 0–65535 written without sign, fraction or exponent. */
function index(frame: Uint8Array, at: number): number {
  let value = 0;
  let i = at;
  for (; i < frame.length && i - at <= 5; i++) {
    const c = frame[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) break;
    value = value * 10 + (c - DIGIT_0);
  }
  const digits = i - at;
  if (digits === 0 || digits > 5 || (digits > 1 && frame[at] === DIGIT_0) || value > 65535) return -1;
  return i;
}

/** `{…}` of `RTCIceCandidateInit` members, each at most once; the offset after `}`, else -1. */
function candidateObject(frame: Uint8Array, at: number): number {
  let i = at + 1;
  if (frame[i] === CLOSE_BRACE) return i + 1;
  let seen = 0;
  for (;;) {
    if (frame[i] !== QUOTE) return -1;
    let member = -1;
    for (let m = 0; m < CANDIDATE_MEMBERS.length; m++) {
      const end = expect(frame, i + 1, CANDIDATE_MEMBERS[m]!.name);
      if (end >= 0) {
        member = m;
        i = end;
        break;
      }
    }
    // An unknown or repeated member: the general path decides (JSON.parse keeps the last of repeated keys).
    if (member < 0 || (seen & (1 << member)) !== 0 || frame[i] !== COLON) return -1;
    seen |= 1 << member;
    const spec = CANDIDATE_MEMBERS[member]!;
    i += 1;
    const asNull = spec.nullable ? expect(frame, i, NULL) : -1;
    if (asNull >= 0) i = asNull;
    else i = spec.value === 'index' ? index(frame, i) : string(frame, i, 0, spec.maxLength);
    if (i < 0) return -1;
    if (frame[i] === CLOSE_BRACE) return i + 1;
    if (frame[i] !== COMMA) return -1;
    i += 1;
  }
}
