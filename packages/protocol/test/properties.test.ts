import fc from 'fast-check';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import * as protocol from '../src/index.js';
import { decodeClientMessage, decodeServerMessage, isClientMessage, isServerMessage, LIMITS } from '../src/index.js';

/**
 * Every exported schema of the protocol, found by shape so a new DTO is covered without touching this file. The
 * compiled checker is what the server (Fastify's TypeBox compiler) and the web client use.
 */
const schemas = (Object.entries(protocol) as [string, unknown][]).filter(
  (entry): entry is [string, TSchema] =>
    typeof entry[1] === 'object' && entry[1] !== null && ('type' in entry[1] || 'anyOf' in entry[1] || 'enum' in entry[1]),
);

/** A JSON-schema node as TypeBox emits it (the subset the protocol uses). */
interface Node {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Node[];
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Node;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

/** Values that satisfy `schema`, derived from the schema itself. */
function valid(schema: Node): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(valid));
  switch (schema.type) {
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 80, 300);
      if (schema.format === 'date-time') {
        return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
      }
      if (schema.pattern) {
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => [...s].length >= minLength && [...s].length <= (schema.maxLength ?? Infinity));
      }
      return fc.string({ unit: 'binary', minLength, maxLength });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valid(schema.items ?? {}), { maxLength: 4 });
    case 'object': {
      const properties = schema.properties ?? {};
      const record = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, valid(v)]));
      return fc.record(record, { requiredKeys: (schema.required ?? []) as never[] });
    }
    default:
      return fc.anything();
  }
}

/** Values that must NOT satisfy `schema` (for objects: one required field removed, or one unknown key added). */
function broken(schema: Node): fc.Arbitrary<unknown> | undefined {
  if (schema.type !== 'object') return undefined;
  const required = schema.required ?? [];
  const strict = schema.additionalProperties === false;
  if (required.length === 0 && !strict) return undefined;
  return fc.tuple(valid(schema) as fc.Arbitrary<Record<string, unknown>>, fc.nat(), fc.constantFrom('__proto__', 'constructor', 'extra', 'isAdmin')).map(
    ([value, n, extra]) => {
      const copy: Record<string, unknown> = JSON.parse(JSON.stringify(value));
      if (strict && (required.length === 0 || n % 2 === 0)) {
        Object.defineProperty(copy, extra, { value: 1, enumerable: true, configurable: true, writable: true });
      } else {
        delete copy[required[n % required.length] as string];
      }
      return copy;
    },
  );
}

/** Arbitrary values of every JS kind, including objects with dangerous keys and null prototypes. */
const hostile = fc.oneof(
  fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true }),
  fc.jsonValue().map((v) => JSON.parse(`{"__proto__":${JSON.stringify(v) ?? 'null'},"constructor":{"prototype":{"polluted":1}}}`)),
);

describe.each(schemas)('%s', (_name, schema) => {
  const checker = Compile(schema);

  it('never throws on hostile values and agrees with its own error list', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const ok = checker.Check(value);
        const errors = [...checker.Errors(value)];
        expect(ok).toBe(errors.length === 0);
      }),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('accepts every value derived from the schema, before and after a JSON round trip', () => {
    fc.assert(
      fc.property(valid(schema as Node), (value) => {
        expect(checker.Check(value)).toBe(true);
        const copy = JSON.parse(JSON.stringify(value));
        expect(checker.Check(copy)).toBe(true);
        expect(copy).toEqual(value);
      }),
      { numRuns: 200 },
    );
  });

  const bad = broken(schema as Node);
  if (bad) {
    it('rejects a value with a required field missing or an unknown key', () => {
      fc.assert(
        fc.property(bad, (value) => {
          expect(checker.Check(value)).toBe(false);
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('schema coverage', () => {
  it('finds every REST DTO and WS message schema', () => {
    const names = schemas.map(([name]) => name);
    for (const expected of ['RegisterBody', 'LoginBody', 'CreateCallBody', 'CallHistoryQuery', 'CallDto', 'RtcConfig', 'ErrorBody', 'ClientMessage', 'ServerMessage']) {
      expect(names).toContain(expected);
    }
  });
});

describe('boundaries', () => {
  const register = Compile(protocol.RegisterBody);

  it('counts username and password limits exactly', () => {
    const { usernameMinLength: min, usernameMaxLength: max, passwordMinLength: pmin, passwordMaxLength: pmax } = protocol.LIMITS;
    const ok = (username: string, password: string) => register.Check({ username, password });
    expect(ok('a'.repeat(min), 'p'.repeat(pmin))).toBe(true);
    expect(ok('a'.repeat(max), 'p'.repeat(pmax))).toBe(true);
    expect(ok('a'.repeat(min - 1), 'p'.repeat(pmin))).toBe(false);
    expect(ok('a'.repeat(max + 1), 'p'.repeat(pmin))).toBe(false);
    expect(ok('a'.repeat(min), 'p'.repeat(pmin - 1))).toBe(false);
    expect(ok('a'.repeat(min), 'p'.repeat(pmax + 1))).toBe(false);
  });

  it('refuses usernames with characters outside the pattern (SQL, paths, control, unicode look-alikes)', () => {
    for (const username of ["x' OR 1=1 --", '../etc', 'a b c', 'nul\u0000l', 'аdmin', 'tab\tx', '<script>']) {
      expect(register.Check({ username, password: 'password-1234' })).toBe(false);
    }
  });

  it('accepts only canonical lower-case UUIDs as ids', () => {
    const body = Compile(protocol.CreateCallBody);
    expect(body.Check({ calleeId: '0192f3a4-1234-7abc-8def-0123456789ab' })).toBe(true);
    for (const calleeId of ['0192F3A4-1234-7ABC-8DEF-0123456789AB', '0192f3a412347abc8def0123456789ab', "1' OR '1'='1", '../../etc/passwd', '']) {
      expect(body.Check({ calleeId })).toBe(false);
    }
  });

  it('parses arbitrary strings as date-time only when they are timestamps', () => {
    const query = Compile(protocol.CallHistoryQuery);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (before) => {
        if (query.Check({ before })) expect(Number.isNaN(Date.parse(before))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('frame decoders', () => {
  const validClient = valid(protocol.ClientMessage as Node);
  const validServer = valid(protocol.ServerMessage as Node);
  const decoders = [
    ['decodeClientMessage', decodeClientMessage, isClientMessage],
    ['decodeServerMessage', decodeServerMessage, isServerMessage],
  ] as const;

  it('round-trip every valid message unchanged', () => {
    fc.assert(
      fc.property(validClient, (message) => {
        expect(decodeClientMessage(JSON.stringify(message))).toEqual({ ok: true, message });
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(validServer, (message) => {
        expect(decodeServerMessage(JSON.stringify(message))).toEqual({ ok: true, message });
      }),
      { numRuns: 500 },
    );
  });

  it.each(decoders)('%s never throws on arbitrary bytes read as UTF-8 (as the server reads a frame)', (_name, decode, is) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const text = Buffer.from(bytes).toString('utf8');
        const result = decode(text);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          expect(result).toMatchObject({ ok: false, code: 'INVALID_JSON' });
          return;
        }
        expect(result.ok).toBe(is(parsed));
      }),
      { numRuns: 2000 },
    );
  });

  it.each(decoders)('%s answers malformed frames with a known code and a bounded message', (_name, decode) => {
    const mutated = fc
      .tuple(fc.oneof(validClient, validServer), fc.jsonValue(), fc.constantFrom('payload', 'type', 'callId', 'sdp', 'candidate', '__proto__', 'constructor'))
      .map(([message, junk, key]) => JSON.stringify(message).replace(`"${key}":`, `"${key}":${JSON.stringify(junk)},"${key}_":`));
    fc.assert(
      fc.property(fc.oneof(mutated, fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
        const result = decode(text);
        if (result.ok) return;
        expect(['INVALID_JSON', 'UNKNOWN_MESSAGE_TYPE', 'VALIDATION_FAILED']).toContain(result.code);
        // The error may quote the offending field, never the whole frame back many times over.
        expect(result.error.length).toBeLessThanOrEqual(text.length + 200);
        if (result.callId !== undefined) expect(result.callId.length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 2000 },
    );
  });

  it.each(decoders)('%s survives deep nesting and frame-sized strings', (_name, decode) => {
    const depth = LIMITS.maxFrameBytes / 2;
    const frames = [
      '['.repeat(depth) + ']'.repeat(depth),
      '{"a":'.repeat(depth / 5) + '1' + '}'.repeat(depth / 5),
      `{"type":"call:accept","payload":{"callId":${'['.repeat(depth / 2)}${']'.repeat(depth / 2)}}}`,
      `{"type":"webrtc:ice-candidate","payload":{"callId":"0192f3a4-1234-7abc-8def-0123456789ab","candidate":${'{"candidate":'.repeat(4000)}"x"${'}'.repeat(4000)}}}`,
      '['.repeat(depth),
      `{"type":"${'x'.repeat(LIMITS.maxFrameBytes)}","payload":{}}`,
      `{"type":"webrtc:offer","payload":{"callId":"0192f3a4-1234-7abc-8def-0123456789ab","sdp":"${'s'.repeat(LIMITS.maxSdpLength + 1)}"}}`,
    ];
    for (const frame of frames) {
      const result = decode(frame);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.length).toBeLessThan(500);
    }
  });

  it('does not let __proto__ or constructor keys reach Object.prototype', () => {
    fc.assert(
      fc.property(validClient, fc.jsonValue(), (message, junk) => {
        const text = JSON.stringify(message).replace('{', `{"__proto__":{"polluted":${JSON.stringify(junk)}},"constructor":{"prototype":{"polluted":1}},`);
        const result = decodeClientMessage(text);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });
});
