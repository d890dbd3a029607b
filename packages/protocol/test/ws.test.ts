import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_MESSAGE_TYPES,
  decodeClientMessage,
  decodePeerMessage,
  PEER_CHAT_LIMITS,
  decodeServerMessage,
  LIMITS,
  SERVER_MESSAGE_TYPES,
  type ClientMessage,
} from '../src/index.js';

const uuid = fc.uuid();
const sdp = fc.string({ minLength: 1, maxLength: 200 });
const candidate = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.record(
    { candidate: fc.string({ maxLength: 200 }), sdpMid: fc.option(fc.string({ maxLength: 10 })), sdpMLineIndex: fc.option(fc.nat(65535)) },
    { requiredKeys: [] },
  ),
);
const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  uuid.map((callId) => ({ type: 'call:accept' as const, payload: { callId } })),
  uuid.map((callId) => ({ type: 'call:reject' as const, payload: { callId } })),
  uuid.map((callId) => ({ type: 'call:rejoin' as const, payload: { callId } })),
  fc.record({ callId: uuid, sdp }).map((payload) => ({ type: 'webrtc:offer' as const, payload })),
  fc.record({ callId: uuid, sdp }).map((payload) => ({ type: 'webrtc:answer' as const, payload })),
  fc.record({ callId: uuid, candidate }).map((payload) => ({ type: 'webrtc:ice-candidate' as const, payload })),
);

describe('decodeClientMessage', () => {
  it('accepts every valid message and returns it unchanged', () => {
    fc.assert(
      fc.property(clientMessage, (message) => {
        const result = decodeClientMessage(JSON.stringify(message));
        expect(result).toEqual({ ok: true, message });
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        const result = decodeClientMessage(text);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('never throws on arbitrary JSON, and accepts only the known types', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = decodeClientMessage(JSON.stringify(value));
        if (result.ok) expect(CLIENT_MESSAGE_TYPES).toContain(result.message.type);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects a valid message with one extra field anywhere', () => {
    fc.assert(
      fc.property(clientMessage, fc.constantFrom('__proto__', 'constructor', 'extra'), (message, key) => {
        const text = JSON.stringify(message).replace('"payload":{', `"payload":{"${key}":1,`);
        const result = decodeClientMessage(text);
        expect(result).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      }),
    );
  });

  it('names the error: invalid JSON, unknown type, invalid payload', () => {
    expect(decodeClientMessage('{')).toMatchObject({ ok: false, code: 'INVALID_JSON' });
    expect(decodeClientMessage('{"type":"call:dance","payload":{}}')).toMatchObject({ ok: false, code: 'UNKNOWN_MESSAGE_TYPE' });
    expect(decodeClientMessage('null')).toMatchObject({ ok: false, code: 'UNKNOWN_MESSAGE_TYPE' });
    expect(decodeClientMessage('{"type":"webrtc:offer","payload":{"callId":"nope","sdp":"v=0"}}')).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
      callId: 'nope',
    });
  });

  it('rejects an SDP longer than the limit', () => {
    const message = { type: 'webrtc:offer', payload: { callId: '0192f3a4-1234-7abc-8def-0123456789ab', sdp: 'x'.repeat(LIMITS.maxSdpLength + 1) } };
    expect(decodeClientMessage(JSON.stringify(message))).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
  });
});

describe('decodeServerMessage', () => {
  it('accepts the relayed webrtc messages the client sent', () => {
    fc.assert(
      fc.property(clientMessage, (message) => {
        if (!message.type.startsWith('webrtc:')) return;
        expect(decodeServerMessage(JSON.stringify(message)).ok).toBe(true);
      }),
    );
  });

  it('accepts call:ended with every reason including answered_elsewhere, and rejects others', () => {
    const callId = '0192f3a4-1234-7abc-8def-0123456789ab';
    expect(decodeServerMessage(JSON.stringify({ type: 'call:ended', payload: { callId, reason: 'answered_elsewhere' } })).ok).toBe(true);
    expect(decodeServerMessage(JSON.stringify({ type: 'call:ended', payload: { callId, reason: 'bored' } })).ok).toBe(false);
  });

  it('never throws on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void decodeServerMessage(JSON.stringify(value))), { numRuns: 2000 });
  });

  it('accepts call:ringing with a call id and nothing else', () => {
    const callId = '0192f3a4-1234-7abc-8def-0123456789ab';
    expect(decodeServerMessage(JSON.stringify({ type: 'call:ringing', payload: { callId } }))).toEqual({ ok: true, message: { type: 'call:ringing', payload: { callId } } });
    expect(decodeServerMessage(JSON.stringify({ type: 'call:ringing', payload: { callId, extra: 1 } })).ok).toBe(false);
    expect(decodeServerMessage(JSON.stringify({ type: 'call:ringing', payload: {} })).ok).toBe(false);
  });
});

describe('message type lists', () => {
  it('name every member of each union once, in union order', () => {
    expect(CLIENT_MESSAGE_TYPES).toEqual(['call:accept', 'call:reject', 'call:rejoin', 'webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate']);
    expect(new Set(SERVER_MESSAGE_TYPES).size).toBe(SERVER_MESSAGE_TYPES.length);
    expect(SERVER_MESSAGE_TYPES).toContain('call:ringing');
    expect(SERVER_MESSAGE_TYPES).toContain('presence');
  });

  it('are exactly the types the decoders accept', () => {
    for (const type of SERVER_MESSAGE_TYPES) {
      expect(decodeServerMessage(JSON.stringify({ type, payload: null }))).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    }
    for (const type of CLIENT_MESSAGE_TYPES) {
      expect(decodeClientMessage(JSON.stringify({ type, payload: null }))).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    }
  });
});

describe('decodePeerMessage', () => {
  const chat = { type: 'chat', id: 'm1', text: 'hi', sentAt: 1 };

  it('accepts exactly {mic, camera} booleans as the media state', () => {
    expect(decodePeerMessage('{"mic":true,"camera":false}')).toEqual({ kind: 'media', state: { mic: true, camera: false } });
    for (const bad of ['{"mic":true}', '{"mic":1,"camera":false}', '{"mic":true,"camera":false,"x":1}', 'null', '[]', '{', '']) {
      expect(decodePeerMessage(bad)).toBeNull();
    }
    expect(decodePeerMessage(new ArrayBuffer(4))).toBeNull();
  });

  it('accepts a chat message and refuses malformed, empty, oversized or unknown ones', () => {
    expect(decodePeerMessage(JSON.stringify(chat))).toEqual({ kind: 'chat', message: chat });
    const tooLong = 'x'.repeat(PEER_CHAT_LIMITS.maxTextLength + 1);
    for (const bad of [
      { ...chat, text: '' },
      { ...chat, text: tooLong },
      { ...chat, id: '' },
      { ...chat, sentAt: -1 },
      { ...chat, extra: true },
      { ...chat, type: 'shout' },
      { type: 'chat', text: 'hi' },
    ]) {
      expect(decodePeerMessage(JSON.stringify(bad))).toBeNull();
    }
    // The frame limit is checked before parsing: padding with spaces does not get a huge frame parsed.
    expect(decodePeerMessage(JSON.stringify(chat) + ' '.repeat(PEER_CHAT_LIMITS.maxFrameLength))).toBeNull();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void decodePeerMessage(text)));
  });
});
