import { afterEach, describe, expect, it, vi } from 'vitest';

const callId = '0192f3a4-1234-7abc-8def-0123456789ab';

describe('decoders in a browser (strict CSP, no eval)', () => {
  const realFunction = globalThis.Function;
  afterEach(() => {
    globalThis.Function = realFunction;
    delete (globalThis as { document?: unknown }).document;
    vi.resetModules();
  });

  it('validate without ever constructing code', async () => {
    vi.resetModules();
    (globalThis as { document?: unknown }).document = {};
    const evaluated: unknown[] = [];
    globalThis.Function = new Proxy(realFunction, {
      construct(target, args) {
        evaluated.push(args);
        throw new EvalError('Refused to evaluate a string as JavaScript (CSP)');
      },
    });
    const { decodeServerMessage } = await import('../src/ws.js');
    expect(decodeServerMessage(JSON.stringify({ type: 'call:ended', payload: { callId, reason: 'hangup' } })).ok).toBe(true);
    expect(decodeServerMessage(JSON.stringify({ type: 'call:ended', payload: { callId, reason: 'bored' } }))).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
    });
    // REST answers are checked the same way.
    const { checkRestAnswer } = await import('../src/rest-check.js');
    expect(checkRestAnswer('LoginResponse', { accessToken: 'a.b.c', expiresAt: '2026-11-26T10:00:00.000Z' }).ok).toBe(true);
    expect(checkRestAnswer('LoginResponse', { accessToken: 'a.b.c', expiresAt: 'soon' }).ok).toBe(false);
    expect(evaluated).toEqual([]);
  });
});
