import type { ClientMessage, ClientMessageType, MessageOf, ServerMessage, ServerMessageType } from '@parley/protocol';
import type { ServerMessageOf, SignalingPort, SignalingStatus } from '../../src/signaling/client';

type AnyHandler = (message: ServerMessage) => void;

/**
 * A signaling client without a socket: what the call layer sends is recorded in `sent`, and the test plays the
 * server with `emit`. `drop()` and `reconnect()` move the status as a real socket would.
 */
export class FakeSignaling implements SignalingPort {
  status: SignalingStatus = { state: 'open', connectionId: 'conn-1' };
  readonly sent: ClientMessage[] = [];
  readonly #handlers = new Map<ServerMessageType, Set<AnyHandler>>();
  readonly #statusListeners = new Set<(status: SignalingStatus) => void>();
  #connections = 1;

  send(message: ClientMessage): boolean {
    if (this.status.state !== 'open') return false;
    this.sent.push(message);
    return true;
  }

  on<T extends ServerMessageType>(type: T, handler: (message: ServerMessageOf<T>) => void): () => void {
    const set = this.#handlers.get(type) ?? new Set();
    this.#handlers.set(type, set);
    // Each handler is registered under its own type and only ever called with messages of that type.
    const any = handler as AnyHandler;
    set.add(any);
    return () => set.delete(any);
  }

  onStatus(listener: (status: SignalingStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  async ready(): Promise<string> {
    if (this.status.state === 'open') return this.status.connectionId;
    throw new DOMException('No hello', 'TimeoutError');
  }

  /** The server sends `message`. */
  emit(message: ServerMessage): void {
    for (const handler of [...(this.#handlers.get(message.type) ?? [])]) handler(message);
  }

  /** The socket closed (or the network went away): the client waits to reconnect. */
  drop(): void {
    this.#setStatus({ state: 'waiting', attempt: 0, reason: 'closed' });
  }

  /** A new socket opened and the server said hello. */
  reconnect(): void {
    const connectionId = `conn-${++this.#connections}`;
    this.#setStatus({ state: 'open', connectionId });
    this.emit({ type: 'hello', payload: { connectionId, userId: '00000000-0000-4000-8000-00000000000a', username: 'alice' } });
  }

  /** Every message of `type` sent so far. */
  sentOf<T extends ClientMessageType>(type: T): MessageOf<ClientMessage, T>[] {
    return this.sent.filter((m): m is MessageOf<ClientMessage, T> => m.type === type);
  }

  #setStatus(status: SignalingStatus): void {
    this.status = status;
    for (const listener of [...this.#statusListeners]) listener(status);
  }
}
