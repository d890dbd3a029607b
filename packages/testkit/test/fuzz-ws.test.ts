import { CLOSE_CODES, decodeClientMessage, LIMITS } from '@parley/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectationOf, FRAME_KINDS, frameArbitrary, type FuzzFrame } from '../src/fuzz-ws.js';

const foreign = '0192f3a4-1234-7abc-8def-0123456789ab';
const frame = (kind: FuzzFrame['kind'], data: Buffer | string, binary = false): FuzzFrame => ({ kind, data: Buffer.from(data), binary });

describe('expectationOf', () => {
  it('expects the documented close codes for frames the WebSocket layer refuses', () => {
    expect(expectationOf(frame('oversize', Buffer.alloc(LIMITS.maxFrameBytes + 1, 0x61)), [])).toEqual({ close: CLOSE_CODES.MESSAGE_TOO_BIG });
    expect(expectationOf(frame('invalid-utf8', Buffer.from([0x7b, 0xff, 0x7d])), [])).toEqual({ close: CLOSE_CODES.INVALID_PAYLOAD });
  });

  it('expects a specific error for binary frames and well-formed messages about calls the sender is not in', () => {
    expect(expectationOf(frame('binary', '{}', true), [])).toEqual({ error: ['VALIDATION_FAILED'] });
    expect(expectationOf(frame('valid-foreign', '{}'), [foreign])).toEqual({ error: ['NOT_A_PARTICIPANT'] });
    expect(expectationOf(frame('valid-unknown', '{}'), [foreign])).toEqual({ error: ['CALL_NOT_FOUND'] });
    expect(expectationOf(frame('json', '[]'), [foreign])).toEqual({ error: 'any' });
  });
});

describe('frameArbitrary', () => {
  const frames = fc.sample(frameArbitrary({ foreignCallIds: [foreign] }), { seed: 7, numRuns: 3000 });

  it('produces every kind of frame', () => {
    const kinds = new Set(frames.map((f) => f.kind));
    expect([...FRAME_KINDS].filter((kind) => !kinds.has(kind))).toEqual([]);
  });

  it('makes the "valid" kinds protocol-valid messages, so that only the call they name is wrong', () => {
    for (const f of frames.filter((f) => f.kind === 'valid-foreign' || f.kind === 'valid-unknown')) {
      const decoded = decodeClientMessage(f.data.toString('utf8'));
      expect(decoded.ok, f.data.toString('utf8')).toBe(true);
      if (decoded.ok && f.kind === 'valid-foreign') expect(decoded.message.payload.callId).toBe(foreign);
    }
  });

  it('makes oversize frames larger than the frame limit', () => {
    for (const f of frames.filter((f) => f.kind === 'oversize')) expect(f.data.length).toBeGreaterThan(LIMITS.maxFrameBytes);
  });
});
