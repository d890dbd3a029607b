import type { ErrorCode } from '@parley/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, errorBody } from './errors.js';

/** What a framework error with a 4xx status means to the client. */
function codeForStatus(status: number, frameworkCode: string | undefined): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return frameworkCode?.includes('JSON') ? 'INVALID_JSON' : 'VALIDATION_FAILED';
  }
}

/**
 * One error handler: client mistakes become 4xx with `{ error: { code, message } }`; anything else is logged and
 * answered with a generic 500 that reveals nothing.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.code(error.statusCode).send(error.toBody());
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const first = error.validation[0];
      const detail = first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : error.message;
      return reply.code(400).send(errorBody('VALIDATION_FAILED', `Invalid ${where}: ${detail}`));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(codeForStatus(status, error.code), error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody('INTERNAL_ERROR', 'Something went wrong on the server'));
  });
}
