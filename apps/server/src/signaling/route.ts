import {
  assertNever,
  CLOSE_CODES,
  decodeClientMessage,
  scanRelayedFrame,
  type ClientMessage,
  type ErrorCode,
  type RelayedEnvelope,
  type ServerMessage,
} from '@parley/protocol';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import { bearerToken, type AuthSession } from '../auth/plugin.js';
import { AppError, errorBody } from '../http/errors.js';
import { upgradeOriginCheck } from '../http/origin.js';
import { RELAY_TIMING_MS } from '../observability/metrics.js';
import type { Connection } from './hub.js';
import { AccountWatch } from './account-watch.js';
import { readHoldsMore } from './read-state.js';
import { TokenBucket } from './token-bucket.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the WebSocket upgrade's auth hook. */
    wsSession?: AuthSession;
  }
}

/** The JWT from `Authorization: Bearer` (read as the REST routes read it), the subprotocol pair `["bearer", <jwt>]`, or `?token=`. */
function tokenOf(request: FastifyRequest): string | undefined {
  const fromHeader = bearerToken(request.headers.authorization);
  if (fromHeader !== undefined) return fromHeader;
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    const [scheme, token] = protocols.split(',').map((p) => p.trim());
    if (scheme === 'bearer' && token) return token;
  }
  const query = request.query as Record<string, unknown> | undefined;
  const token = query?.['token'];
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

/**
 * `/api/v1/ws` (and `/ws`): authenticates at upgrade, then decodes every frame with the protocol's validator and
 * hands it to the call service. Protocol mistakes get an `error` message and the connection stays open.
 */
export const signalingRoutes: FastifyPluginAsync = async (app) => {
  const { hub, calls, config, metrics, userCache, users, directory, identity, presence } = app.parley;
  const accounts = new AccountWatch(userCache, users, hub, app.log);
  accounts.start();
  app.addHook('preClose', async () => {
    accounts.stop();
  });

  const sendError = (conn: Connection, code: ErrorCode, message: string, callId?: string) => {
    metrics.rejectedFrames.inc({ code });
    const error: ServerMessage = { type: 'error', payload: { code, message, ...(callId === undefined ? {} : { callId }) } };
    hub.send(conn, JSON.stringify(error));
  };

  // Timing a relayed frame (a clock read and a prom-client histogram update, a few µs when it runs this seldom) is a
  // measurable share of the relay path under load. One frame in each RELAY_TIMING_MS is timed: every frame of a quiet
  // server, and at most 1,000 / RELAY_TIMING_MS a second however busy it is, plenty for the latency distribution.
  let nextTimedAt = 0;

  /**
   * Forwards an offer, answer or candidate (`frame`, as received at `receivedAt`, by `performance.now()`) to the other
   * side of its call.
   */
  const relay = (conn: Connection, envelope: RelayedEnvelope, frame: Buffer, receivedAt: number): void | Promise<void> => {
    if (receivedAt < nextTimedAt) return calls.relay(conn, envelope, frame);
    nextTimedAt = receivedAt + RELAY_TIMING_MS;
    const slow = calls.relay(conn, envelope, frame);
    // Only the common case (answered from memory, synchronously) is timed.
    if (slow === undefined) metrics.relayLatency.observe((performance.now() - receivedAt) / 1000);
    return slow;
  };

  const dispatch = (conn: Connection, message: ClientMessage, frame: Buffer, receivedAt: number): void | Promise<void> => {
    switch (message.type) {
      case 'call:accept':
        return calls.accept(conn, message.payload.callId);
      case 'call:reject':
        return calls.reject(conn, message.payload.callId);
      case 'call:rejoin':
        return calls.rejoin(conn, message.payload.callId);
      case 'webrtc:offer':
      case 'webrtc:answer':
      case 'webrtc:ice-candidate':
        return relay(conn, { type: message.type, callId: message.payload.callId }, frame, receivedAt);
      default:
        return assertNever(message);
    }
  };

  const failed = (conn: Connection, type: string, error: unknown): void => {
    if (error instanceof AppError) return sendError(conn, error.code, error.message, error.callId);
    app.log.error({ err: error, userId: conn.userId, type }, 'signaling handler failed');
    sendError(conn, 'INTERNAL_ERROR', 'Something went wrong on the server');
  };

  /** Runs `task` now, or after what is pending on the connection; keeps `conn.pending` while anything waits. */
  const inTurn = (conn: Connection, task: () => void | Promise<void>): void => {
    const queued = conn.pending === null ? task() : conn.pending.then(task);
    if (queued === undefined) return;
    const pending: Promise<void> = queued.finally(() => {
      if (conn.pending === pending) conn.pending = null;
    });
    conn.pending = pending;
  };

  /**
   * A text frame that is not UTF-8, handled as `ws` handles one when it checks (app.ts leaves the check to
   * {@link handle}): closed with 1007, and the error goes to the socket's error handler, which logs it as the
   * client's fault (socket-errors.ts) and drops the connection.
   */
  const invalidUtf8 = (conn: Connection): void => {
    const reason = 'invalid UTF-8 sequence';
    conn.socket.close(CLOSE_CODES.INVALID_PAYLOAD, reason);
    conn.socket.emit('error', Object.assign(new Error(reason), { code: 'WS_ERR_INVALID_UTF8' }));
  };

  /** One frame, after the rate limit: checked and handled; a promise when it waits for the database. */
  const handle = (conn: Connection, data: RawData, isBinary: boolean, receivedAt: number): void | Promise<void> => {
    if (isBinary) return sendError(conn, 'VALIDATION_FAILED', 'Binary frames are not accepted; send JSON text');
    // `ws` hands over a Buffer (binaryType 'nodebuffer'). A relayed frame is forwarded as these very bytes.
    const frame = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    // Most frames are WebRTC signaling as browsers write it: checked byte by byte against the JSON grammar and the
    // message's schema without being parsed, and all ASCII (protocol/relay-scan.ts). Anything else has its UTF-8
    // checked and is decoded in full, which accepts it or says what is wrong.
    const relayed = scanRelayedFrame(frame, conn.recentCallId);
    let type = 'frame';
    try {
      let done: void | Promise<void>;
      if (relayed !== undefined) {
        type = relayed.type;
        conn.recentCallId = relayed.callId;
        done = relay(conn, relayed, frame, receivedAt);
      } else {
        if (!isUtf8(frame)) return invalidUtf8(conn);
        const decoded = decodeClientMessage(frame.toString('utf8'));
        if (!decoded.ok) return sendError(conn, decoded.code, decoded.error, decoded.callId);
        type = decoded.message.type;
        done = dispatch(conn, decoded.message, frame, receivedAt);
      }
      if (done !== undefined) return done.catch((error: unknown) => failed(conn, type, error));
    } catch (error) {
      failed(conn, type, error);
    }
  };

  const admit = (conn: Connection, data: RawData, isBinary: boolean, receivedAt: number): void => {
    if (!conn.bucket.take(receivedAt)) {
      conn.throttled += 1;
      if (conn.throttled > config.rateLimits.wsMessageBurst) {
        conn.socket.close(CLOSE_CODES.RATE_LIMITED, 'Rate limit exceeded');
        return;
      }
      return sendError(conn, 'RATE_LIMITED', 'Too many messages; slow down');
    }
    conn.throttled = 0;
    // The common case, nothing pending: handled now, without a closure per frame.
    if (conn.pending === null) {
      const waiting = handle(conn, data, isBinary, receivedAt);
      if (waiting !== undefined) inTurn(conn, () => waiting);
      return;
    }
    inTurn(conn, () => handle(conn, data, isBinary, receivedAt));
  };

  /** A frame as `ws` hands it over: the hub learns whether its read holds more (how to write what it sends). */
  const onFrame = (conn: Connection, data: RawData, isBinary: boolean): void => {
    // `ws` goes on reading a socket that is closing until the peer's close frame; what comes after the server
    // closed it (a rate limit, invalid UTF-8, a shutdown) is not handled.
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    hub.handlingFrame(!readHoldsMore(conn.socket));
    try {
      // One clock read a frame, for the rate limit and the relay's latency.
      admit(conn, data, isBinary, performance.now());
    } finally {
      hub.frameHandled();
    }
  };

  const open = (socket: WebSocket, request: FastifyRequest): void => {
    const session = request.wsSession;
    if (!session) {
      socket.close(CLOSE_CODES.TOKEN_EXPIRED, 'Not authenticated');
      return;
    }
    const conn: Connection = {
      id: `${identity.id}.${randomUUID()}`,
      userId: session.user.id,
      username: session.user.username,
      session: { id: session.sessionId, generation: session.generation },
      socket,
      transport: request.raw.socket,
      bucket: new TokenBucket(config.rateLimits.wsMessageBurst, config.rateLimits.wsMessagesPerSecond),
      throttled: 0,
      alive: true,
      recentCallId: undefined,
      relayRoute: undefined,
      pending: null,
    };
    hub.add(conn);
    // Plain bindings rather than a pino child per socket: a child logger costs ~1 KiB of heap for the socket's life.
    const where = { reqId: request.id, userId: conn.userId, connectionId: conn.id };
    // A session ends with its token: the client logs in again.
    const expiry = setTimeout(
      () => socket.close(CLOSE_CODES.TOKEN_EXPIRED, 'Access token expired'),
      Math.min(Math.max(session.expiresAt - Date.now(), 0), 2 ** 31 - 1),
    );
    // Listeners first (frames are queued behind the registration), then the directory, then `hello`: no other
    // node can look for this connection before it is registered.
    socket.on('message', (data, isBinary) => onFrame(conn, data, isBinary));
    socket.on('pong', () => {
      conn.alive = true;
    });
    // Socket errors are logged by the plugin's errorHandler (socket-errors.ts), by what caused them.
    let registered: Promise<boolean> = Promise.resolve(false);
    socket.on('close', (code) => {
      clearTimeout(expiry);
      if (!hub.remove(conn)) return;
      calls.connectionClosed(conn);
      void registered.then(async (ok) => {
        if (!ok) return;
        const { lastForUser } = await directory.unregister(conn);
        if (lastForUser) presence.changed(conn.userId, false);
      });
      app.log.debug({ ...where, code }, 'socket closed');
    });
    inTurn(conn, () => {
      registered = directory.register(conn).then(
        (result) => {
          if (!result.ok) {
            socket.close(CLOSE_CODES.TOO_MANY_CONNECTIONS, 'Too many open connections for this user');
            return false;
          }
          if (socket.readyState !== socket.OPEN) return true;
          hub.send(conn, JSON.stringify({ type: 'hello', payload: { connectionId: conn.id, userId: conn.userId, username: conn.username } } satisfies ServerMessage));
          if (result.firstForUser) presence.changed(conn.userId, true);
          calls.connectionOpened(conn);
          app.log.debug(where, 'socket opened');
          return true;
        },
        (error: unknown) => {
          app.log.error({ ...where, err: error }, 'registering a connection failed');
          socket.close(CLOSE_CODES.GOING_AWAY, 'Try again');
          return false;
        },
      );
      return registered.then(() => undefined);
    });
  };

  const originAllowed = upgradeOriginCheck(config.corsOrigins);
  const route = (instance: FastifyInstance, url: string) =>
    instance.get(
      url,
      {
        websocket: true,
        schema: { hide: true },
        preValidation: async (request, reply) => {
          if (!originAllowed(request)) return reply.code(403).send(errorBody('FORBIDDEN', 'WebSocket connections from this origin are not allowed'));
          const token = tokenOf(request);
          const session = token === undefined ? undefined : await app.userFromToken(token);
          if (!session) return reply.code(401).send(errorBody('UNAUTHORIZED', 'A valid access token is required'));
          request.wsSession = session;
        },
      },
      open,
    );
  route(app, '/api/v1/ws');
  route(app, '/ws');
};
