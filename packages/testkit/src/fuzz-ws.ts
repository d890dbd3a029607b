import { CLIENT_MESSAGE_TYPES, CLOSE_CODES, decodeServerMessage, ERROR_CODES, LIMITS, type ErrorCode } from '@parley/protocol';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import WebSocket from 'ws';

/**
 * A WebSocket fuzzer: random and mutated frames from several connections, each answer checked against the
 * protocol. It needs only a URL and tokens, so it runs against an in-process server (CI) and a child process
 * (`pnpm soak`) alike. The fuzz users must not be in any call: then every frame they send deserves exactly one
 * `error`, or a close with a documented code.
 */

export const FRAME_KINDS = [
  'json', // arbitrary JSON values
  'mutated', // a valid message with a field changed, removed or added
  'prototype', // __proto__ / constructor / prototype keys at every level
  'nasty-strings', // SQL, paths, control characters, lone surrogates, format strings in every string field
  'deep', // deep nesting, up to the frame limit
  'huge', // strings near the size limits
  'text-edit', // valid frame text truncated or with bytes flipped
  'valid-foreign', // well-formed messages about someone else's call
  'valid-unknown', // well-formed messages about calls that do not exist
  'binary', // binary frames
  'bytes', // random bytes sent as text (usually invalid UTF-8)
  'invalid-utf8', // text frames with a broken UTF-8 sequence
  'fragmented', // any of the above split into continuation frames
  'oversize', // more than 64 KiB, whole or in fragments
] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

export interface FuzzFrame {
  kind: FrameKind;
  data: Buffer;
  binary: boolean;
  /** Fragment sizes when sent in pieces. */
  fragments?: number[];
}

/** What the server must do with a frame. */
export type Expectation = { close: number } | { error: readonly ErrorCode[] | 'any' };

export function expectationOf(frame: FuzzFrame, foreignCallIds: readonly string[]): Expectation {
  if (frame.data.length > LIMITS.maxFrameBytes) return { close: CLOSE_CODES.MESSAGE_TOO_BIG };
  if (frame.binary) return { error: ['VALIDATION_FAILED'] };
  if (!isUtf8(frame.data)) return { close: CLOSE_CODES.INVALID_PAYLOAD };
  if (frame.kind === 'valid-foreign' && foreignCallIds.length > 0) return { error: ['NOT_A_PARTICIPANT'] };
  if (frame.kind === 'valid-unknown') return { error: ['CALL_NOT_FOUND'] };
  return { error: 'any' };
}

// ---------- generators ----------

const NASTY = [
  "' OR '1'='1",
  "1; DROP TABLE users; --",
  '" OR ""="',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u0644',
  '<script>alert(1)</script>',
  '${process.exit()}',
  '{{constructor.constructor("return process")()}}',
  '%s%s%s%n',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'NaN',
  '-0',
  '1e309',
  '',
  ' ',
  'null',
  'CALL:ACCEPT',
  'call:accept ',
  'webrtc:offer\u0000',
];
const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'toJSON', 'valueOf'];

const uuid = fc.uuid().map((u) => u.toLowerCase());
const candidate = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.record({ candidate: fc.string({ maxLength: 200 }), sdpMid: fc.option(fc.string({ maxLength: 8 })), sdpMLineIndex: fc.option(fc.nat(65535)) }, { requiredKeys: [] }),
);

function validMessage(callId: fc.Arbitrary<string>): fc.Arbitrary<{ type: string; payload: Record<string, unknown> }> {
  return fc.oneof(
    fc.tuple(fc.constantFrom('call:accept', 'call:reject', 'call:rejoin'), callId).map(([type, id]) => ({ type, payload: { callId: id } })),
    fc.tuple(fc.constantFrom('webrtc:offer', 'webrtc:answer'), callId, fc.string({ minLength: 1, maxLength: 300 })).map(([type, id, sdp]) => ({ type, payload: { callId: id, sdp } })),
    fc.tuple(callId, candidate).map(([id, c]) => ({ type: 'webrtc:ice-candidate', payload: { callId: id, candidate: c } })),
  );
}

const text = (value: string) => Buffer.from(value, 'utf8');
const json = (value: unknown) => text(JSON.stringify(value) ?? 'null');

/** Every path to a value inside a JSON tree. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/** Applies `edit` to a deep copy at `path`; `undefined` deletes. Keys are set as own properties (no setters). */
function edit(root: unknown, path: (string | number)[], replacement: unknown, mode: 'set' | 'delete' | 'add-key', key?: string): unknown {
  const copy = JSON.parse(JSON.stringify(root));
  if (path.length === 0) return mode === 'set' ? replacement : copy;
  let node = copy;
  for (const step of path.slice(0, -1)) node = node[step];
  const last = path[path.length - 1]!;
  if (mode === 'delete') {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else if (mode === 'add-key') {
    const target = node[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      Object.defineProperty(target, key ?? 'extra', { value: replacement, enumerable: true, writable: true, configurable: true });
    }
  } else {
    Object.defineProperty(node, last, { value: replacement, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...NASTY), fc.constant(null), fc.integer(), fc.double());

function mutated(callIds: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  return fc
    .tuple(validMessage(callIds), fc.nat(), anyValue, fc.constantFrom('set', 'delete', 'add-key'), fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 10 })))
    .map(([message, n, replacement, mode, key]) => {
      const all = paths(message);
      const path = all[n % all.length]!;
      return json(edit(message, path, replacement, mode as 'set' | 'delete' | 'add-key', key));
    });
}

function prototypeFrames(callIds: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  return fc.tuple(validMessage(callIds), fc.constantFrom(...DANGEROUS_KEYS), fc.constantFrom('root', 'payload', 'candidate', 'type')).map(([message, key, where]) => {
    const poison = `"${key}":{"polluted":"yes","isAdmin":true}`;
    const raw = JSON.stringify(message);
    switch (where) {
      case 'root':
        return text(raw.replace('{', `{${poison},`));
      case 'payload':
        return text(raw.replace('"payload":{', `"payload":{${poison},`));
      case 'candidate':
        return text(raw.replace('"payload":{', `"payload":{"candidate":{${poison}},`));
      default:
        return text(`{"type":"${key}","payload":{${poison}}}`);
    }
  });
}

function nastyStrings(callIds: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  return fc.tuple(validMessage(callIds), fc.constantFrom(...NASTY), fc.nat()).map(([message, nasty, n]) => {
    const strings = paths(message).filter((p) => p.length > 0);
    return json(edit(message, strings[n % strings.length]!, nasty, 'set'));
  });
}

const deep = fc.tuple(fc.integer({ min: 10, max: LIMITS.maxFrameBytes / 2 - 100 }), fc.constantFrom('array', 'object', 'callId', 'candidate', 'unclosed')).map(([depth, where]) => {
  switch (where) {
    case 'array':
      return text('['.repeat(depth) + ']'.repeat(depth));
    case 'object':
      return text('{"a":'.repeat(Math.floor(depth / 3)) + '0' + '}'.repeat(Math.floor(depth / 3)));
    case 'callId':
      return text(`{"type":"call:accept","payload":{"callId":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
    case 'candidate': {
      const d = Math.floor(depth / 8);
      return text(`{"type":"webrtc:ice-candidate","payload":{"callId":"00000000-0000-4000-8000-000000000000","candidate":${'{"candidate":'.repeat(d)}"x"${'}'.repeat(d)}}}`);
    }
    default:
      return text('['.repeat(depth * 2));
  }
});

const huge = fc.tuple(fc.constantFrom('sdp-limit', 'sdp-over', 'type', 'key', 'candidate-over', 'many-keys'), uuid).map(([what, callId]) => {
  switch (what) {
    case 'sdp-limit':
      return json({ type: 'webrtc:offer', payload: { callId, sdp: 's'.repeat(LIMITS.maxSdpLength) } });
    case 'sdp-over':
      return json({ type: 'webrtc:offer', payload: { callId, sdp: 's'.repeat(LIMITS.maxSdpLength + 1) } });
    case 'type':
      return json({ type: 't'.repeat(LIMITS.maxFrameBytes - 100), payload: {} });
    case 'key':
      return text(`{"type":"call:accept","payload":{"callId":"${callId}","${'k'.repeat(LIMITS.maxFrameBytes - 200)}":1}}`);
    case 'candidate-over':
      return json({ type: 'webrtc:ice-candidate', payload: { callId, candidate: 'c'.repeat(LIMITS.maxCandidateLength + 1) } });
    default:
      return json({ type: 'call:accept', payload: Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`k${i}`, i])) });
  }
});

function textEdit(callIds: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  return fc.tuple(validMessage(callIds), fc.nat(), fc.integer({ min: 0, max: 127 }), fc.constantFrom('truncate', 'flip', 'insert', 'duplicate-key')).map(([message, n, byte, how]) => {
    const raw = JSON.stringify(message);
    const at = n % raw.length;
    switch (how) {
      case 'truncate':
        return text(raw.slice(0, at));
      case 'flip':
        return text(raw.slice(0, at) + String.fromCharCode(byte) + raw.slice(at + 1));
      case 'insert':
        return text(raw.slice(0, at) + String.fromCharCode(byte) + raw.slice(at));
      default:
        return text(raw.replace('{"type":', `{"type":"${CLIENT_MESSAGE_TYPES[n % CLIENT_MESSAGE_TYPES.length]}","type":`));
    }
  });
}

/** Valid UTF-8 text with one broken sequence somewhere. */
const invalidUtf8 = fc.tuple(fc.string({ maxLength: 200 }), fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]), fc.nat()).map(
  ([s, bad, n]) => {
    const base = Buffer.from(JSON.stringify({ type: 'call:accept', payload: { callId: s } }));
    const at = n % (base.length + 1);
    return Buffer.concat([base.subarray(0, at), Buffer.from(bad), base.subarray(at)]);
  },
);

export interface FrameSources {
  /** Ids of live calls the fuzz users are not part of. */
  foreignCallIds: readonly string[];
}

export function frameArbitrary({ foreignCallIds }: FrameSources): fc.Arbitrary<FuzzFrame> {
  const callIds = foreignCallIds.length > 0 ? fc.oneof(uuid, fc.constantFrom(...foreignCallIds)) : uuid;
  const textual: fc.Arbitrary<[FrameKind, Buffer]> = fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue().map((v) => ['json', json(v)] as [FrameKind, Buffer]) },
    { weight: 5, arbitrary: mutated(callIds).map((b) => ['mutated', b] as [FrameKind, Buffer]) },
    { weight: 2, arbitrary: prototypeFrames(callIds).map((b) => ['prototype', b] as [FrameKind, Buffer]) },
    { weight: 2, arbitrary: nastyStrings(callIds).map((b) => ['nasty-strings', b] as [FrameKind, Buffer]) },
    { weight: 1, arbitrary: deep.map((b) => ['deep', b] as [FrameKind, Buffer]) },
    { weight: 1, arbitrary: huge.map((b) => ['huge', b] as [FrameKind, Buffer]) },
    { weight: 2, arbitrary: textEdit(callIds).map((b) => ['text-edit', b] as [FrameKind, Buffer]) },
    {
      weight: foreignCallIds.length > 0 ? 2 : 0,
      arbitrary: validMessage(foreignCallIds.length > 0 ? fc.constantFrom(...foreignCallIds) : uuid).map((m) => ['valid-foreign', json(m)] as [FrameKind, Buffer]),
    },
    { weight: 1, arbitrary: validMessage(uuid).map((m) => ['valid-unknown', json(m)] as [FrameKind, Buffer]) },
  );
  return fc.oneof(
    { weight: 40, arbitrary: textual.map(([kind, data]) => ({ kind, data, binary: false })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => ({ kind: 'binary' as const, data: Buffer.from(b), binary: true })) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 256 }).map((b) => ({ kind: 'bytes' as const, data: Buffer.from(b), binary: false })) },
    { weight: 1, arbitrary: invalidUtf8.map((data) => ({ kind: 'invalid-utf8' as const, data, binary: false })) },
    {
      weight: 2,
      arbitrary: fc.tuple(textual, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 })).map(([[, data], cuts]) => ({
        kind: 'fragmented' as const,
        data,
        binary: false,
        fragments: cuts,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: LIMITS.maxFrameBytes + 1, max: LIMITS.maxFrameBytes + 16 * 1024 }), fc.boolean(), fc.boolean()).map(([size, binary, split]) => ({
        kind: 'oversize' as const,
        data: Buffer.alloc(size, 0x61),
        binary,
        ...(split ? { fragments: [size / 4, size / 4, size / 4].map(Math.floor) } : {}),
      })),
    },
  );
}

// ---------- driver ----------

export interface WsFuzzOptions {
  wsUrl: string;
  /** One per fuzz user (each user gets `connectionsPerToken` sockets). None of them may be in a call. */
  tokens: readonly string[];
  connectionsPerToken?: number;
  frames: number;
  seed?: number;
  foreignCallIds?: readonly string[];
  /** Frames in flight per connection. */
  window?: number;
}

export interface WsFuzzReport {
  framesSent: number;
  connections: number;
  reconnects: number;
  byKind: Record<string, number>;
  errorsByCode: Record<string, number>;
  closesByCode: Record<string, number>;
  /** Everything the server did that the protocol does not allow; empty when the run passed. */
  violations: string[];
  durationMs: number;
}

interface Pending {
  frame: FuzzFrame;
  expected: Expectation;
}

const increment = (counts: Record<string, number>, key: string | number) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

function describeFrame(frame: FuzzFrame): string {
  const preview = frame.data.subarray(0, 120).toString('utf8').replace(/[^\x20-\x7e]/g, '?');
  return `${frame.kind}${frame.binary ? ' (binary)' : ''} ${frame.data.length} B: ${preview}`;
}

/** One fuzzing connection: sends frames, matches each `error` answer to the oldest frame awaiting one. */
class FuzzConnection {
  private socket: WebSocket | undefined;
  private readonly pending: Pending[] = [];
  private drained: (() => void) | undefined;
  private closedWith: ((code: number) => void) | undefined;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly report: WsFuzzReport,
  ) {}

  async open(): Promise<void> {
    const socket = new WebSocket(this.url, ['bearer', this.token]);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fuzz connection: no hello within 10 s')), 10_000);
      socket.on('message', (data, isBinary) => {
        const raw = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        if (isBinary) return void this.report.violations.push('server sent a binary frame');
        const decoded = decodeServerMessage(raw.toString('utf8'));
        if (!decoded.ok) return void this.report.violations.push(`server frame fails the protocol: ${decoded.error}`);
        const message = decoded.message;
        if (message.type === 'hello') {
          clearTimeout(timer);
          return resolve();
        }
        if (message.type === 'presence') return;
        if (message.type !== 'error') return void this.report.violations.push(`fuzz user received ${message.type}`);
        increment(this.report.errorsByCode, message.payload.code);
        const oldest = this.pending.shift();
        if (!oldest) return void this.report.violations.push(`unsolicited error ${message.payload.code}: ${message.payload.message}`);
        const allowed = oldest.expected;
        if ('close' in allowed) {
          this.report.violations.push(`expected close ${allowed.close}, got error ${message.payload.code} for ${describeFrame(oldest.frame)}`);
        } else if (message.payload.code === 'INTERNAL_ERROR') {
          this.report.violations.push(`INTERNAL_ERROR for ${describeFrame(oldest.frame)}`);
        } else if (allowed.error !== 'any' && !allowed.error.includes(message.payload.code) && message.payload.code !== 'RATE_LIMITED') {
          this.report.violations.push(`expected ${allowed.error.join('|')}, got ${message.payload.code} for ${describeFrame(oldest.frame)}`);
        } else if (!ERROR_CODES.includes(message.payload.code)) {
          this.report.violations.push(`undocumented error code ${message.payload.code}`);
        }
        if (this.pending.length === 0) this.drained?.();
      });
      socket.on('close', (code) => {
        clearTimeout(timer);
        increment(this.report.closesByCode, code);
        const waiter = this.closedWith;
        this.closedWith = undefined;
        if (waiter) return waiter(code);
        this.report.violations.push(`unexpected close ${code} with ${this.pending.length} frame(s) unanswered`);
        this.pending.length = 0;
        this.drained?.();
        reject(new Error(`closed ${code} before hello`));
      });
      socket.on('error', () => undefined);
      socket.on('unexpected-response', (_req, res) => reject(new Error(`fuzz connection refused: ${res.statusCode}`)));
    });
  }

  private waitDrained(timeoutMs = 10_000): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.report.violations.push(`${this.pending.length} frame(s) never answered, first: ${describeFrame(this.pending[0]!.frame)}`);
        this.pending.length = 0;
        this.drained = undefined;
        resolve();
      }, timeoutMs);
      this.drained = () => {
        clearTimeout(timer);
        this.drained = undefined;
        resolve();
      };
    });
  }

  private write(frame: FuzzFrame): void {
    const socket = this.socket!;
    if (!frame.fragments) return socket.send(frame.data, { binary: frame.binary });
    let offset = 0;
    for (const size of frame.fragments) {
      if (offset >= frame.data.length - 1) break;
      const end = Math.min(offset + Math.max(1, size), frame.data.length - 1);
      socket.send(frame.data.subarray(offset, end), { binary: frame.binary, fin: false });
      offset = end;
    }
    socket.send(frame.data.subarray(offset), { binary: frame.binary, fin: true });
  }

  async send(frame: FuzzFrame, expected: Expectation, window: number): Promise<void> {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      this.report.reconnects += 1;
      await this.open();
    }
    if ('close' in expected) {
      await this.waitDrained();
      const closed = new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(-1), 10_000);
        this.closedWith = (code) => {
          clearTimeout(timer);
          resolve(code);
        };
      });
      this.write(frame);
      const code = await closed;
      if (code !== expected.close) this.report.violations.push(`expected close ${expected.close}, got ${code} for ${describeFrame(frame)}`);
      return;
    }
    this.pending.push({ frame, expected });
    this.write(frame);
    if (this.pending.length >= window) await this.waitDrained();
  }

  async finish(): Promise<void> {
    await this.waitDrained();
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    await new Promise<void>((resolve) => {
      this.closedWith = () => resolve();
      socket.close(1000);
    });
  }
}

/** Runs the fuzzer; resolves with what happened. Never throws for server misbehaviour: that is in `violations`. */
export async function runWsFuzz(options: WsFuzzOptions): Promise<WsFuzzReport> {
  const started = performance.now();
  const foreignCallIds = options.foreignCallIds ?? [];
  const report: WsFuzzReport = { framesSent: 0, connections: 0, reconnects: 0, byKind: {}, errorsByCode: {}, closesByCode: {}, violations: [], durationMs: 0 };
  const connections = options.tokens.flatMap((token) =>
    Array.from({ length: options.connectionsPerToken ?? 2 }, () => new FuzzConnection(options.wsUrl, token, report)),
  );
  report.connections = connections.length;
  await Promise.all(connections.map((c) => c.open()));
  const arbitrary = frameArbitrary({ foreignCallIds });
  const perConnection = Math.ceil(options.frames / connections.length);
  const batch = 250;
  await Promise.all(
    connections.map(async (conn, index) => {
      for (let done = 0; done < perConnection; done += batch) {
        const frames = fc.sample(arbitrary, { seed: (options.seed ?? 1) * 100_003 + index * 7_919 + done, numRuns: Math.min(batch, perConnection - done) });
        for (const frame of frames) {
          increment(report.byKind, frame.kind);
          report.framesSent += 1;
          await conn.send(frame, expectationOf(frame, foreignCallIds), options.window ?? 16);
        }
      }
      await conn.finish();
    }),
  );
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
