import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/cluster/bus.js';
import { decodeBatch, encodeBatch, encodeEntry } from '../../src/cluster/bus-wire.js';

const CONN = 'a1b2c3d4e5f6.6a0c2d0e-5b7e-4b8e-9a55-0f1c2d3e4f50';

/** Bus messages with awkward content: frames and strings holding tabs, newlines, digits, non-ASCII, any bytes. */
const awkward = fc.string({ unit: fc.oneof(fc.constantFrom('\t', '\n', 'd', 'j', '7', 'é', '😀'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })) });
const message: fc.Arbitrary<BusMessage> = fc.oneof(
  fc.record({ kind: fc.constant('deliver' as const), conn: fc.constantFrom(CONN, 'n.1'), frame: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) }),
  fc.record({ kind: fc.constant('user' as const), user: awkward, frame: awkward }),
  fc.record({ kind: fc.constant('presence' as const), user: awkward, online: fc.boolean() }),
  fc.record({ kind: fc.constant('close-user' as const), user: awkward, code: fc.integer({ min: 1000, max: 4999 }), reason: awkward }),
);

describe('the bus wire format', () => {
  it('carries any run of messages, in order and byte for byte', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('a1b2c3d4e5f6', 'n'), fc.array(message, { minLength: 1, maxLength: 8 }), (seq, from, messages) => {
        const data = encodeBatch(seq, from, messages.flatMap(encodeEntry));
        const decoded = decodeBatch(data);
        expect(decoded?.seq).toBe(seq);
        expect(decoded?.from).toBe(from);
        expect(decoded?.messages).toEqual(messages);
      }),
      { numRuns: 1000 },
    );
  });

  it('forwards a relayed frame without copying it out of the Redis message', () => {
    const frame = Buffer.from('{"type":"webrtc:offer","payload":{"callId":"x","sdp":"v=0\\r\\n\t"}}');
    const data = encodeBatch(1, 'n', encodeEntry({ kind: 'deliver', conn: CONN, frame }));
    const [delivered] = decodeBatch(data)?.messages ?? [];
    expect(delivered).toEqual({ kind: 'deliver', conn: CONN, frame });
    expect(delivered?.kind === 'deliver' && delivered.frame.buffer).toBe(data.buffer);
  });

  it.each([
    ['empty', ''],
    ['no header', 'd1\t2\tab'],
    ['a bad sequence number', 'x\tn\nj2\t{}'],
    ['an entry longer than the message', '1\tn\nj9\t{}'],
    ['an unknown entry kind', '1\tn\nx2\t{}'],
    ['a frame without a connection', '1\tn\nd\t2\tab'],
    ['trailing bytes after an entry', '1\tn\nd' + CONN + '\t2\tabz'],
  ])('refuses %s', (_, text) => {
    expect(decodeBatch(Buffer.from(text, 'utf8'))).toBeUndefined();
  });

  it('carries the nodes that got a broadcast over their link, and a marker without entries', () => {
    const message: BusMessage = { kind: 'presence', user: 'u1', online: true };
    expect(decodeBatch(encodeBatch(7, 'a1', encodeEntry(message), ['b2', 'c3']))).toEqual({ seq: 7, from: 'a1', linked: ['b2', 'c3'], messages: [message] });
    expect(decodeBatch(encodeBatch(8, 'a1', []))).toEqual({ seq: 8, from: 'a1', linked: [], messages: [] });
  });
});
