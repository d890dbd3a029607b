import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

/** The connection went away under the socket (an unclean disconnect): routine. */
const DISCONNECTS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * @fastify/websocket's `errorHandler`: every error on an established socket, and any thrown while opening it.
 * Its default logs each at error level with a stack, which made a client's bad frame look like a server fault.
 * `ws` names the frames a client got wrong `WS_ERR_*` (invalid UTF-8: 1007, over 64 KiB: 1009, bad opcode or
 * masking: 1002) and has already sent the close code when this runs: those are the client's fault, logged at info
 * without a stack. The request's `reqId` ties the line to the socket's "socket opened" line (user, connection).
 */
export function socketErrorHandler(error: Error, socket: WebSocket, request: FastifyRequest, _reply: FastifyReply): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (code?.startsWith('WS_ERR_')) request.log.info({ code, reason: error.message }, 'WebSocket closed: the client sent an invalid frame');
  else if (code !== undefined && DISCONNECTS.has(code)) request.log.debug({ code }, 'WebSocket connection lost');
  else request.log.error({ err: error }, 'WebSocket handler failed');
  socket.terminate();
}
