import { describe, expect, it } from 'vitest';
import { checkRestAnswer, REST_ANSWERS, type RestAnswerName } from '../src/index.js';

const id = '0192f3a4-1234-7abc-8def-0123456789ab';
const at = '2026-11-26T10:00:00.000Z';

const good: { [N in RestAnswerName]: unknown } = {
  UserDto: { id, username: 'alice' },
  LoginResponse: { accessToken: 'a.b.c', expiresAt: at },
  UserList: [{ id, username: 'bob', online: true }],
  BlockList: [{ id, username: 'mallory', blockedAt: at }],
  CreateCallResponse: { callId: id, status: 'created', callee: { id, username: 'bob' }, ringExpiresAt: at, ringing: true },
  CallDto: { callId: id, status: 'ended', callerId: id, calleeId: id, createdAt: at, endedAt: at, endReason: 'missed' },
  EndCallResponse: { status: 'ended', endReason: 'hangup' },
  CallHistory: [{ callId: id, status: 'ended', direction: 'outgoing', peer: { id, username: 'bob' }, createdAt: at, durationMs: 1200 }],
  RtcConfig: { iceServers: [{ urls: ['stun:stun.example.org'] }], iceTransportPolicy: 'all', expiresAt: at },
  NoContent: null,
  ErrorBody: { error: { code: 'CALLER_BUSY', message: 'busy', callId: id } },
};

describe('checkRestAnswer', () => {
  it.each(Object.keys(REST_ANSWERS) as RestAnswerName[])('accepts a real %s', (name) => {
    expect(checkRestAnswer(name, good[name])).toEqual({ ok: true, value: good[name] });
  });

  it.each([
    ['LoginResponse', { accessToken: 'a.b.c' }, /^not a LoginResponse: \/ .*expiresAt/],
    ['LoginResponse', { accessToken: 'a.b.c', expiresAt: 'tomorrow' }, /\/expiresAt must match format "date-time"/],
    ['UserDto', { id: id.toUpperCase(), username: 'alice' }, /\/id must match pattern/],
    ['UserList', { users: [] }, /must be array/],
    ['UserList', [{ id, username: 'bob', online: 'yes' }], /\/0\/online must be boolean/],
    ['CallHistory', [{ ...(good.CallHistory as object[])[0], durationMs: -1 }], /\/0\/durationMs must be >= 0/],
    ['ErrorBody', { error: { code: 'NO_SUCH_CODE', message: 'x' } }, /\/error\/code/],
    ['ErrorBody', { error: 'Bad Request', message: 'Client Error', statusCode: 400 }, /\/error must be object/],
    ['RtcConfig', null, /must be object/],
    ['EndCallResponse', 'ended', /must be object/],
    ['NoContent', {}, /must be null/],
  ] as const)('refuses a malformed %s and says where: %j', (name, value, error) => {
    const result = checkRestAnswer(name, value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});
