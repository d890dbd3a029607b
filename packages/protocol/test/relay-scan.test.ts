import fc from 'fast-check';
import { isAscii } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeClientMessage, LIMITS, scanRelayedFrame, type RelayedMessage } from '../src/index.js';

const CALL_ID = '6a0c2d0e-5b7e-4b8e-9a55-0f1c2d3e4f50';
const frame = (text: string) => Buffer.from(text, 'utf8');

/** What the general path makes of a frame: the type and callId it accepts, or null. */
function general(bytes: Buffer): { type: string; callId: string } | null {
  const decoded = decodeClientMessage(bytes.toString('utf8'));
  if (!decoded.ok || !decoded.message.type.startsWith('webrtc:')) return null;
  const message = decoded.message as RelayedMessage;
  return { type: message.type, callId: message.payload.callId };
}

/** The property every frame must hold: accepted by the fast path ⇒ accepted, with the same envelope, by the general one. */
function sound(bytes: Buffer): void {
  const fast = scanRelayedFrame(bytes);
  if (fast !== undefined) expect(general(bytes), bytes.toString('utf8')).toEqual(fast);
}

// ---------- arbitraries: relayed messages as a browser sends them ----------

const uuid = fc.uuid().map((id) => id.toLowerCase());
/** Any text: quotes, backslashes, control characters, non-ASCII, astral characters (escaped by JSON.stringify). */
const text = (maxLength: number) => fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '/', 'é', '😀', '\u2028', '\ud800'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const candidateInit = fc.record(
  {
    candidate: text(120),
    sdpMid: nullable(text(8)),
    sdpMLineIndex: nullable(fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(0, 9, 10, 65535))),
    usernameFragment: nullable(text(8)),
  },
  { requiredKeys: [] },
);
const relayed: fc.Arbitrary<RelayedMessage> = fc.oneof(
  fc.record({ type: fc.constant('webrtc:ice-candidate' as const), payload: fc.record({ callId: uuid, candidate: fc.oneof(text(120), candidateInit) }) }),
  fc.record({ type: fc.constantFrom('webrtc:offer' as const, 'webrtc:answer' as const), payload: fc.record({ callId: uuid, sdp: text(300).filter((s) => s.length > 0) }) }),
);

/** A string mutated the way a buggy or hostile client might: characters replaced, inserted, removed, cut off. */
const JSON_BITS = ['"', '\\', '\\u', '\\u00e9', '\\x', '{', '}', ',', ':', ' ', 'null', 'nul', '0', '01', '65536', '-1', '1e2', '1.5', '\u0001', 'A', '__proto__', '"sdpMid":', '"candidate":'];
function mutated(source: string): fc.Arbitrary<string> {
  const at = fc.nat({ max: source.length });
  return fc.oneof(
    fc.tuple(at, fc.constantFrom(...JSON_BITS)).map(([i, bit]) => source.slice(0, i) + bit + source.slice(i)),
    fc.tuple(at, fc.constantFrom(...JSON_BITS)).map(([i, bit]) => source.slice(0, i) + bit + source.slice(i + 1)),
    fc.tuple(at, fc.nat({ max: 4 })).map(([i, n]) => source.slice(0, i) + source.slice(i + n + 1)),
    at.map((i) => source.slice(0, i)),
  );
}

describe('the relay fast path (scanRelayedFrame)', () => {
  it('recognises every relayed message JSON.stringify writes in ASCII, with its type and callId', () => {
    fc.assert(
      fc.property(relayed, (message) => {
        const bytes = frame(JSON.stringify(message));
        const envelope = { type: message.type, callId: message.payload.callId };
        expect(general(bytes)).toEqual(envelope);
        expect(scanRelayedFrame(bytes)).toEqual(isAscii(bytes) ? envelope : undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts only ASCII, so a frame it accepts is valid UTF-8 however its sender wrote it', () => {
    const nonAscii = fc.integer({ min: 0x80, max: 0xff });
    fc.assert(
      fc.property(
        relayed.chain((message) => fc.tuple(fc.constant(frame(JSON.stringify(message))), fc.nat(), nonAscii)),
        ([bytes, at, byte]) => {
          const broken = Buffer.from(bytes);
          broken[at % broken.length] = byte;
          expect(scanRelayedFrame(broken)).toBeUndefined();
        },
      ),
      { numRuns: 5000 },
    );
    const candidate = (inside: Buffer) =>
      Buffer.concat([frame(`{"type":"webrtc:ice-candidate","payload":{"callId":"${CALL_ID}","candidate":{"candidate":"a`), inside, frame('b"}}}')]);
    expect(scanRelayedFrame(candidate(frame('c')))).toEqual({ type: 'webrtc:ice-candidate', callId: CALL_ID });
    for (const inside of [[0xff], [0xc3], [0xc3, 0xa9], [0xed, 0xa0, 0x80], [0x7f]]) {
      const bytes = candidate(Buffer.from(inside));
      expect(scanRelayedFrame(bytes) !== undefined, inside.join()).toBe(isAscii(Buffer.from(inside)));
    }
  });

  it('gives the same envelope with any recent callId: the frame\'s own, another, or one that only starts like it', () => {
    // The recent callId a frame is scanned with: its own, another call's, a prefix or extension of its own, any text.
    const recent = (own: string) => fc.oneof(fc.constant(own), uuid, fc.string({ maxLength: 40 }), fc.constant(own.slice(0, 35)), fc.constant(`${own}0`));
    fc.assert(
      fc.property(
        relayed.chain((message) => fc.tuple(fc.constant(message), recent(message.payload.callId))),
        ([message, previous]) => {
          const bytes = frame(JSON.stringify(message));
          const scanned = scanRelayedFrame(bytes, previous);
          expect(scanned).toEqual(isAscii(bytes) ? { type: message.type, callId: message.payload.callId } : undefined);
        },
      ),
      { numRuns: 2000 },
    );
    // A broken frame is not accepted because of a matching recent callId.
    fc.assert(
      fc.property(
        relayed.chain((message) => fc.tuple(mutated(JSON.stringify(message)), fc.constant(message.payload.callId))),
        ([text, previous]) => {
          const bytes = frame(text);
          expect(scanRelayedFrame(bytes, previous)).toEqual(scanRelayedFrame(bytes));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('accepts nothing the general path refuses, however a frame is broken', () => {
    fc.assert(
      fc.property(
        relayed.chain((message) => mutated(JSON.stringify(message)).chain((once) => fc.oneof(fc.constant(once), mutated(once)))),
        (text) => sound(frame(text)),
      ),
      { numRuns: 20_000 },
    );
  });

  it('accepts nothing the general path refuses among frames built from JSON fragments', () => {
    const piece = fc.constantFrom(
      '{"type":"webrtc:ice-candidate","payload":{"callId":"',
      '{"type":"webrtc:offer","payload":{"callId":"',
      CALL_ID,
      '","candidate":',
      '","sdp":',
      '{',
      '}',
      '}}',
      '"',
      '"candidate":',
      '"sdpMid":',
      '"sdpMLineIndex":',
      '"usernameFragment":',
      '"other":',
      ...JSON_BITS,
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => sound(frame(pieces.join('')))),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['whitespace', `{"type": "webrtc:offer","payload":{"callId":"${CALL_ID}","sdp":"v=0"}}`, true],
    ['another key order', `{"payload":{"callId":"${CALL_ID}","sdp":"v=0"},"type":"webrtc:offer"}`, true],
    ['a repeated member (JSON.parse keeps the last)', `{"type":"webrtc:ice-candidate","payload":{"callId":"${CALL_ID}","candidate":{"sdpMid":"0","sdpMid":"1"}}}`, true],
    ['text that is not ASCII', `{"type":"webrtc:offer","payload":{"callId":"${CALL_ID}","sdp":"v=0 é"}}`, true],
    ['a candidate longer in bytes than its limit in characters', `{"type":"webrtc:ice-candidate","payload":{"callId":"${CALL_ID}","candidate":"${'é'.repeat(LIMITS.maxCandidateLength)}"}}`, true],
    ['an unknown member', `{"type":"webrtc:ice-candidate","payload":{"callId":"${CALL_ID}","candidate":{"__proto__":{}}}}`, false],
    ['an index out of range', `{"type":"webrtc:ice-candidate","payload":{"callId":"${CALL_ID}","candidate":{"sdpMLineIndex":65536}}}`, false],
    ['a control character in a string', `{"type":"webrtc:offer","payload":{"callId":"${CALL_ID}","sdp":"v=0\u0001"}}`, false],
    ['an uppercase callId', `{"type":"webrtc:offer","payload":{"callId":"${CALL_ID.toUpperCase()}","sdp":"v=0"}}`, false],
    ['an empty sdp', `{"type":"webrtc:answer","payload":{"callId":"${CALL_ID}","sdp":""}}`, false],
    ['a null candidate string', `{"type":"webrtc:ice-candidate","payload":{"callId":"${CALL_ID}","candidate":{"candidate":null}}}`, false],
    ['trailing bytes', `{"type":"webrtc:offer","payload":{"callId":"${CALL_ID}","sdp":"v=0"}}x`, false],
    ['a call message', `{"type":"call:accept","payload":{"callId":"${CALL_ID}"}}`, true],
  ])('leaves %s to the general path (which accepts: %s)', (_, text, accepted) => {
    expect(scanRelayedFrame(frame(text))).toBeUndefined();
    expect(decodeClientMessage(text).ok).toBe(accepted);
  });

  it('reads candidates with every member, null members and escapes', () => {
    const text = `{"type":"webrtc:ice-candidate","payload":{"callId":"${CALL_ID}","candidate":{"candidate":"a\\"b\\\\c\\u00e9\\n","sdpMid":null,"sdpMLineIndex":0,"usernameFragment":null}}}`;
    expect(scanRelayedFrame(frame(text))).toEqual({ type: 'webrtc:ice-candidate', callId: CALL_ID });
    expect(scanRelayedFrame(frame(`{"type":"webrtc:ice-candidate","payload":{"callId":"${CALL_ID}","candidate":{}}}`))).toEqual({
      type: 'webrtc:ice-candidate',
      callId: CALL_ID,
    });
  });
});
