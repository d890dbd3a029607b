import { decodeServerMessage, type ClientMessage, type MessageOf, type ServerMessage, type ServerMessageType } from '@parley/protocol';
import WebSocket from 'ws';

/** Where the signaling socket listens (`ws://host:port/api/v1/ws`): an in-process test server or a child process. */
export interface WsTarget {
  wsUrl: string;
}

/** Whose socket it is. */
export interface WsUser {
  token: string;
}

/** How the access token travels: the subprotocol (what browsers do), an `Authorization` header, or the query. */
export type TokenTransport = 'protocol' | 'header' | 'query';

interface Waiter {
  match: (m: ServerMessage) => boolean;
  resolve: (m: ServerMessage) => void;
}

/**
 * A real `ws` client that validates every server frame with the protocol's decoder and queues them, so tests can
 * `await client.next('call:incoming')` in order.
 */
export class TestClient {
  readonly received: ServerMessage[] = [];
  private readonly queue: ServerMessage[] = [];
  private readonly waiters: Waiter[] = [];
  readonly invalid: string[] = [];
  closed: Promise<{ code: number; reason: string }>;
  connectionId = '';

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (data) => {
      const decoded = decodeServerMessage(data.toString());
      if (!decoded.ok) {
        this.invalid.push(data.toString());
        return;
      }
      const message = decoded.message;
      if (message.type === 'hello') this.connectionId = message.payload.connectionId;
      this.received.push(message);
      const waiter = this.waiters.findIndex((w) => w.match(message));
      if (waiter >= 0) {
        const [w] = this.waiters.splice(waiter, 1);
        w?.resolve(message);
      } else {
        this.queue.push(message);
      }
    });
  }

  /** Connects and waits for the `hello`. */
  static async connect(server: WsTarget, user: WsUser, how: TokenTransport = 'protocol'): Promise<TestClient> {
    const socket =
      how === 'protocol'
        ? new WebSocket(server.wsUrl, ['bearer', user.token])
        : how === 'header'
          ? new WebSocket(server.wsUrl, { headers: { authorization: `Bearer ${user.token}` } })
          : new WebSocket(`${server.wsUrl}?token=${encodeURIComponent(user.token)}`);
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await client.next('hello');
    return client;
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.socket.send(data, { binary: options.binary ?? false });
  }

  /** The next message of `type` (optionally matching), waiting up to `timeoutMs`. */
  next<T extends ServerMessageType>(
    type: T,
    predicate: (m: MessageOf<ServerMessage, T>) => boolean = () => true,
    timeoutMs = 3000,
  ): Promise<MessageOf<ServerMessage, T>> {
    const match = (m: ServerMessage): boolean => m.type === type && predicate(m as MessageOf<ServerMessage, T>);
    const index = this.queue.findIndex(match);
    if (index >= 0) {
      const [found] = this.queue.splice(index, 1);
      return Promise.resolve(found as MessageOf<ServerMessage, T>);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { match, resolve: (m) => (clearTimeout(timer), resolve(m as MessageOf<ServerMessage, T>)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${type}; received: ${this.received.map((m) => m.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Asserts that no message of `type` arrives within `ms` (or is already queued). */
  async expectNone(type: ServerMessageType, ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const found = this.queue.find((m) => m.type === type);
    if (found) throw new Error(`unexpected ${type}: ${JSON.stringify(found)}`);
  }

  /** Drops queued messages (e.g. presence noise). */
  drain(): void {
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }

  /** Drops the TCP connection without a close handshake (a network failure). */
  kill(): void {
    this.socket.terminate();
  }
}

const clients = new Set<TestClient>();

/** A client that {@link closeAllClients} drops after the test. */
export async function connect(server: WsTarget, user: WsUser, how?: TokenTransport): Promise<TestClient> {
  const client = await TestClient.connect(server, user, how);
  clients.add(client);
  return client;
}

export function closeAllClients(): void {
  for (const c of clients) c.kill();
  clients.clear();
}
