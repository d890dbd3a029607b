import type { FastifyInstance } from 'fastify';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Bytes Node's HTTP parser cannot read (bad framing, oversized headers, a timeout): Fastify's default answer — a
 * fixed JSON 400/408/431, then the socket closed — with the guard Node's own default has and Fastify's lacks: no
 * answer is written when a response has already started on that connection, because a second one would corrupt it
 * for the client. That happens when a request is followed by unframed bytes (a body without Content-Length): the
 * first request is answered, then the leftovers fail to parse. When every hook of a route is synchronous (404s,
 * 401s), that answer is on the wire before the parser reaches the leftovers; the client then saw two answers on a
 * `Connection: close` response and reported none (HPE_CLOSED_CONNECTION).
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status: number;
  let message: string;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') [status, message] = [408, 'Client Timeout'];
  else if (error.code === 'HPE_HEADER_OVERFLOW') [status, message] = [431, 'Exceeded maximum allowed HTTP header size'];
  else [status, message] = [400, 'Client Error'];
  this.log.trace({ err: error }, `client error ${status}`);
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = `{"error":"${STATUS_CODES[status]}","message":"${message}","statusCode":${status}}`;
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
