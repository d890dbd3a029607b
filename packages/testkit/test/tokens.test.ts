import { describe, expect, it } from 'vitest';
import { badTokens, forgeToken } from '../src/tokens.js';

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('forgeToken', () => {
  it('signs HS256 like any JWT library (the jwt.io example token)', () => {
    const token = forgeToken({ payload: { sub: '1234567890', name: 'John Doe', iat: 1516239022 }, secret: 'your-256-bit-secret' });
    expect(token).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    );
  });

  it('names the algorithm it was asked for, with an empty signature for alg none', () => {
    const none = forgeToken({ payload: { sub: 'x' }, alg: 'none' });
    expect(none.endsWith('.')).toBe(true);
    expect(decode(none.split('.')[0]!)).toEqual({ alg: 'none', typ: 'JWT' });
    const hs512 = forgeToken({ payload: { sub: 'x' }, alg: 'HS512', secret: 's' });
    expect(decode(hs512.split('.')[0]!)['alg']).toBe('HS512');
    // 64 bytes of HMAC-SHA512 are 86 base64url characters.
    expect(hs512.split('.')[2]).toHaveLength(86);
    expect(forgeToken({ payload: {}, signature: 'sig' }).split('.')[2]).toBe('sig');
  });
});

describe('badTokens', () => {
  it('makes every kind of wrong token for the user', () => {
    const now = Math.floor(Date.now() / 1000);
    const tokens = badTokens('the-secret', 'alice', 'deleted');
    expect(tokens.none).toBeUndefined();
    expect(tokens.garbage).toBe('not.a.jwt');
    expect(decode(tokens.expired!.split('.')[1]!)['exp']).toBeLessThan(now);
    expect(decode(tokens['no-subject']!.split('.')[1]!)['sub']).toBeUndefined();
    expect(decode(tokens['deleted-user']!.split('.')[1]!)['sub']).toBe('deleted');
    expect(decode(tokens['alg-none']!.split('.')[0]!)['alg']).toBe('none');
    // Signed with the right secret but not the pinned algorithm, and with the pinned algorithm but another secret.
    expect(tokens['alg-hs512']).toBe(forgeToken({ payload: decode(tokens['alg-hs512']!.split('.')[1]!), secret: 'the-secret', alg: 'HS512' }));
    expect(tokens['other-secret']).not.toBe(forgeToken({ payload: decode(tokens['other-secret']!.split('.')[1]!), secret: 'the-secret' }));
  });
});
