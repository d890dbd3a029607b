/** Limits both sides enforce. The server is the authority; the client checks early for a better message. */
export const LIMITS = {
  /** Largest WebSocket frame the server accepts; a larger one closes the socket with {@link CLOSE_CODES.MESSAGE_TOO_BIG}. */
  maxFrameBytes: 64 * 1024,
  /** An SDP blob must fit in one frame with its envelope. */
  maxSdpLength: 60_000,
  maxCandidateLength: 4096,
  usernameMinLength: 3,
  usernameMaxLength: 32,
  /** OWASP ASVS 4.0 level 2 (V2.1.1): at least 12 characters, no composition rules, no common-password list needed. */
  passwordMinLength: 12,
  passwordMaxLength: 256,
  /** Default and largest page size of `GET /calls`. */
  historyDefaultLimit: 20,
  historyMaxLimit: 100,
  userSearchMaxLength: 32,
  /** Default and largest page size of `GET /users`. */
  userListDefaultLimit: 50,
  userListMaxLimit: 100,
} as const;

/** Allowed characters of a username, as a JSON-schema pattern. */
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]+$';

/** Canonical lower-case UUID, as the server issues them (ids are compared as strings). */
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** WebSocket close codes the server uses. 4000–4999 are Parley's own. */
export const CLOSE_CODES = {
  NORMAL: 1000,
  /** The server is shutting down; reconnect with backoff. */
  GOING_AWAY: 1001,
  /** A text frame was not valid UTF-8 (closed by the WebSocket layer). */
  INVALID_PAYLOAD: 1007,
  /** A frame exceeded {@link LIMITS.maxFrameBytes}. */
  MESSAGE_TOO_BIG: 1009,
  /** The server node restarts (a cluster node that found itself declared dead); reconnect at once. */
  SERVICE_RESTART: 1012,
  /** The session ended while connected (the access token expired, or the account was deleted); log in again. */
  TOKEN_EXPIRED: 4001,
  /** The connection kept sending after being rate limited. */
  RATE_LIMITED: 4008,
  /** The client stopped reading and its outgoing buffer passed the limit. */
  SLOW_CONSUMER: 4009,
  /** The user already has the maximum number of open connections. */
  TOO_MANY_CONNECTIONS: 4029,
} as const;
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** Every error code that can appear in an HTTP error body or a WebSocket `error` message. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'UNKNOWN_MESSAGE_TYPE',
  'UNAUTHORIZED',
  'INVALID_CREDENTIALS',
  'FORBIDDEN',
  'NOT_A_PARTICIPANT',
  'NOT_FOUND',
  'USER_NOT_FOUND',
  'CALL_NOT_FOUND',
  'USERNAME_TAKEN',
  'CANNOT_CALL_SELF',
  'CALLER_BUSY',
  'CALLEE_BUSY',
  'CALL_NOT_RINGING',
  'CALL_NOT_ACTIVE',
  'CALL_ANSWERED_ELSEWHERE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  /** The request did not arrive in full within the server's request timeout (408, from the HTTP parser). */
  'REQUEST_TIMEOUT',
  /** The request line and headers passed the HTTP parser's size limit (431). */
  'HEADERS_TOO_LARGE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The two sides of a call: who placed it and who was rung. */
export const CALL_ROLES = ['caller', 'callee'] as const;
export type CallRole = (typeof CALL_ROLES)[number];

/**
 * What a caller asks for: `video` (the seed's only kind, and what a call without the field is) or `audio`, a voice
 * call: the caller's camera stays closed and the callee is offered to answer without video. Either side can turn
 * its camera on later; the media layout is the same for both kinds.
 */
export const CALL_MEDIA = ['audio', 'video'] as const;
export type CallMedia = (typeof CALL_MEDIA)[number];

/** The seed's call statuses: `created` is ringing. */
export const CALL_STATUSES = ['created', 'active', 'ended'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];


/** Why a call ended, as stored on the call. */
export const END_REASONS = ['hangup', 'cancelled', 'rejected', 'missed', 'connection_lost', 'server_restart'] as const;
export type EndReason = (typeof END_REASONS)[number];

/**
 * What `call:ended` tells one connection: a call end reason, or `answered_elsewhere` for the callee's other tabs
 * when one tab accepted (the call itself goes on).
 */
export const CALL_ENDED_REASONS = [...END_REASONS, 'answered_elsewhere'] as const;
export type CallEndedReason = (typeof CALL_ENDED_REASONS)[number];
