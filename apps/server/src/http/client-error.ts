import type { FastifyInstance } from 'fastify';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AppError } from './errors.js';

/** What a failure of Node's HTTP parser means to the client, as the one error body every answer uses. */
export function clientErrorFor(errorCode: string | undefined): AppError {
  switch (errorCode) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('REQUEST_TIMEOUT', 'The request did not arrive in time');
    case 'HPE_HEADER_OVERFLOW':
      return new AppError('HEADERS_TOO_LARGE', 'The request line and headers are too large');
    default:
      return new AppError('VALIDATION_FAILED', 'The request is not valid HTTP/1.1');
  }
}

/**
 * Bytes Node's HTTP parser cannot read (bad framing, oversized headers, a timeout) never reach Fastify's routing or
 * error handler, so they are answered here, on the raw socket, with the same `{ error: { code, message } }` body as
 * everything else, and the socket is closed. Like Node's own default (and unlike Fastify's), no answer is written
 * when a response has already started on that connection, because a second one would corrupt it for the client.
 * That happens when a request is followed by unframed bytes (a body without Content-Length): the first request is
 * answered, then the leftovers fail to parse. When every hook of a route is synchronous (404s, 401s), that answer is
 * on the wire before the parser reaches the leftovers; the client then saw two answers on a `Connection: close`
 * response and reported none (HPE_CLOSED_CONNECTION).
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = clientErrorFor(error.code);
  this.log.trace({ err: error }, `client error ${answer.statusCode}`);
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(answer.toBody());
    socket.write(
      `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
