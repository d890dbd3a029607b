import type { ErrorBody, ErrorCode } from '@parley/protocol';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNKNOWN_MESSAGE_TYPE: 400,
  CANNOT_CALL_SELF: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_A_PARTICIPANT: 403,
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  CALL_NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  CALLER_BUSY: 409,
  CALLEE_BUSY: 409,
  CALL_NOT_RINGING: 409,
  CALL_NOT_ACTIVE: 409,
  CALL_ANSWERED_ELSEWHERE: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
};

/** An error meant for the client: its code picks the HTTP status; the message is safe to show. */
export class AppError extends Error {
  override name = 'AppError';
  readonly statusCode: number;
  /** Sent as `Retry-After` (429s that know when the client may try again). */
  retryAfterSeconds: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly callId?: string,
  ) {
    super(message);
    this.statusCode = STATUS[code];
  }

  static rateLimited(message: string, retryAfterSeconds: number): AppError {
    const error = new AppError('RATE_LIMITED', message);
    error.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
    return error;
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.callId);
  }
}

export function errorBody(code: ErrorCode, message: string, callId?: string): ErrorBody {
  return { error: { code, message, ...(callId === undefined ? {} : { callId }) } };
}

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code];
}
