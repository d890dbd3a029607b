import { decodeServerMessage, type ServerMessageType } from '@parley/protocol';
import type { BrowserContext, WebSocketRoute } from '@playwright/test';

const SIGNALING = /\/api\/v1\/ws(\?|$)/;

/** A handle on one browser context's signaling WebSocket, routed through Playwright (`routeWebSocket`). */
export interface SignalingRoute {
  /**
   * Cut only the signaling socket for `ms`: the open one is closed (the server sees it go) and every reconnect
   * attempt is refused until the time is up. HTTP and the peer-to-peer media are untouched.
   */
  cut(ms: number): Promise<void>;
}

export interface SignalingRouteOptions {
  /** Hold server → page frames of these message types this long before delivering them. */
  delay?: { types: readonly string[]; ms: number };
}

/**
 * Route the context's signaling socket through the test: frames are forwarded both ways as they are, except what
 * `options.delay` holds back. Call from `OpenOptions.setup`, before the page opens.
 */
export async function routeSignaling(context: BrowserContext, options: SignalingRouteOptions = {}): Promise<SignalingRoute> {
  let refuseUntil = 0;
  const open = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
  await context.routeWebSocket(SIGNALING, (ws) => {
    if (Date.now() < refuseUntil) {
      void ws.close({ code: 4000, reason: 'cut by the test' });
      return;
    }
    const server = ws.connectToServer();
    const pair = { page: ws, server };
    open.add(pair);
    // With close handlers installed Playwright no longer forwards a close: each side closes the other itself.
    ws.onClose((code, reason) => {
      open.delete(pair);
      void server.close({ code, reason });
    });
    server.onClose((code, reason) => {
      open.delete(pair);
      void ws.close({ code, reason });
    });
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      const delay = options.delay;
      if (delay && typeof message === 'string' && delay.types.some((type) => message.includes(`"type":"${type}"`))) {
        setTimeout(() => ws.send(message), delay.ms);
      } else {
        ws.send(message);
      }
    });
  });
  return {
    async cut(ms) {
      refuseUntil = Date.now() + ms;
      const pairs = [...open];
      open.clear();
      await Promise.all(pairs.flatMap(({ page, server }) => [page.close({ code: 4000, reason: 'cut by the test' }), server.close({ code: 4000, reason: 'cut by the test' })]));
    },
  };
}

/** What one browser context's pages received on their signaling sockets, read off the pages (nothing is routed). */
export interface SignalingLog {
  /** The `connectionId` of every `hello`, oldest first: one per socket a server accepted. */
  readonly connectionIds: readonly string[];
  /** How many frames of `type` the context's pages received so far, over all their sockets. */
  count(type: ServerMessageType): number;
}

/**
 * Record the server → page frames of the context's signaling sockets (`page.on('websocket')`). Call from
 * `OpenOptions.setup`, before the page opens.
 */
export function recordSignaling(context: BrowserContext): SignalingLog {
  const connectionIds: string[] = [];
  const counts = new Map<ServerMessageType, number>();
  context.on('page', (page) =>
    page.on('websocket', (socket) => {
      if (!SIGNALING.test(socket.url())) return;
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string') return;
        const decoded = decodeServerMessage(payload);
        if (!decoded.ok) return;
        const { message } = decoded;
        counts.set(message.type, (counts.get(message.type) ?? 0) + 1);
        if (message.type === 'hello') connectionIds.push(message.payload.connectionId);
      });
    }),
  );
  return { connectionIds, count: (type) => counts.get(type) ?? 0 };
}
