import { decodeServerMessage, type ClientMessage, type MessageOf, type ServerMessage, type ServerMessageType } from '@parley/protocol';
import WebSocket from 'ws';

/** Something that serves the API: a node, or nginx in front of the nodes. */
export interface Endpoint {
  apiUrl: string;
  wsUrl: string;
}

export const endpointOf = (baseUrl: string): Endpoint => ({
  apiUrl: `${baseUrl}/api/v1`,
  wsUrl: `${baseUrl.replace(/^http/, 'ws')}/api/v1/ws`,
});

export interface User {
  id: string;
  username: string;
  password: string;
  token: string;
}

let counter = 0;

export async function api<T = any>(
  at: Endpoint,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${at.apiUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

/** Registers and logs in a fresh user. */
export async function createUser(at: Endpoint, prefix = 'u'): Promise<User> {
  counter += 1;
  const username = `${prefix}${counter}_${Math.random().toString(36).slice(2, 8)}`;
  const password = 'cluster-password-123';
  const registered = await api(at, 'POST', '/auth/register', { body: { username, password } });
  if (registered.status !== 201) throw new Error(`register ${username}: ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await api(at, 'POST', '/auth/login', { body: { username, password } });
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${JSON.stringify(login.body)}`);
  return { id: registered.body.id, username, password, token: login.body.accessToken };
}

interface Waiter {
  match: (m: ServerMessage) => boolean;
  resolve: (m: ServerMessage) => void;
}

/** A real `ws` client, every server frame validated by the protocol's decoder and queued for `next`. */
export class Client {
  readonly received: ServerMessage[] = [];
  private readonly queue: ServerMessage[] = [];
  private readonly waiters: Waiter[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  connectionId = '';

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('error', () => undefined);
    socket.on('message', (data) => {
      const decoded = decodeServerMessage(data.toString());
      if (!decoded.ok) throw new Error(`invalid server frame: ${data.toString().slice(0, 200)}`);
      const message = decoded.message;
      if (message.type === 'hello') this.connectionId = message.payload.connectionId;
      this.received.push(message);
      const waiter = this.waiters.findIndex((w) => w.match(message));
      if (waiter >= 0) this.waiters.splice(waiter, 1)[0]?.resolve(message);
      else this.queue.push(message);
    });
  }

  static async connect(at: Endpoint, user: User): Promise<Client> {
    const client = new Client(new WebSocket(at.wsUrl, ['bearer', user.token]));
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
      client.socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await client.next('hello');
    return client;
  }

  /** Opens a socket and waits for `hello` or for the server to close it before then (a refusal). */
  static async attempt(at: Endpoint, user: User): Promise<{ ok: true; client: Client } | { ok: false; code: number }> {
    const client = new Client(new WebSocket(at.wsUrl, ['bearer', user.token]));
    const refused = client.closed.then(({ code }) => ({ ok: false as const, code }));
    const greeted = client.next('hello', undefined, 30_000).then(() => ({ ok: true as const, client }));
    // Refused: the wait for `hello` times out later, to no one.
    greeted.catch(() => undefined);
    return Promise.race([greeted, refused]);
  }

  /** The node part of this connection's id. */
  get node(): string {
    return this.connectionId.split('.')[0] ?? '';
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  next<T extends ServerMessageType>(type: T, where?: (m: MessageOf<ServerMessage, T>) => boolean, timeoutMs = 10_000): Promise<MessageOf<ServerMessage, T>> {
    const match = (m: ServerMessage): boolean => m.type === type && (where === undefined || where(m as MessageOf<ServerMessage, T>));
    const queued = this.queue.findIndex(match);
    if (queued >= 0) return Promise.resolve(this.queue.splice(queued, 1)[0] as MessageOf<ServerMessage, T>);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as MessageOf<ServerMessage, T>);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${type}; received: ${this.received.map((m) => m.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Every queued message of `type` (taken out of the queue). */
  take<T extends ServerMessageType>(type: T): MessageOf<ServerMessage, T>[] {
    const taken = this.queue.filter((m) => m.type === type) as MessageOf<ServerMessage, T>[];
    for (const m of taken) this.queue.splice(this.queue.indexOf(m), 1);
    return taken;
  }

  count(type: ServerMessageType, where?: (m: ServerMessage) => boolean): number {
    return this.received.filter((m) => m.type === type && (where === undefined || where(m))).length;
  }

  close(): void {
    this.socket.close();
  }

  kill(): void {
    this.socket.terminate();
  }
}

/** alice on `a`, bob on `b`, in an active call. */
export async function callAcross(a: Endpoint, b: Endpoint) {
  const alice = await createUser(a);
  const bob = await createUser(b);
  const aliceWs = await Client.connect(a, alice);
  const bobWs = await Client.connect(b, bob);
  const created = await api(a, 'POST', '/calls', { token: alice.token, body: { calleeId: bob.id, connectionId: aliceWs.connectionId } });
  const callId = created.body.callId as string;
  await bobWs.next('call:incoming');
  bobWs.send({ type: 'call:accept', payload: { callId } });
  await aliceWs.next('call:accept');
  return { alice, bob, aliceWs, bobWs, callId };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
