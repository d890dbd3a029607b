import type { ServerMessage } from '@parley/protocol';
import type { ServerMessageOf } from '../signaling/client';

type Incoming = ServerMessageOf<'call:incoming'>;

/**
 * Call messages that arrive while our POST /calls is still in flight, when we cannot yet tell whether they are
 * about our call: kept, then replayed for our call once the server answers (`take`), or searched for the
 * `call:incoming` of the call that beat ours in glare (`incoming`).
 */
export class EarlyMessages {
  #held: ServerMessage[] = [];
  #waiting: { callId: string; resolve(message: Incoming | null): void } | null = null;

  hold(message: ServerMessage): void {
    this.#held.push(message);
    if (message.type === 'call:incoming' && this.#waiting?.callId === message.payload.callId) this.#waiting.resolve(message);
  }

  /** The held messages about `callId`, in arrival order; the rest are dropped. */
  take(callId: string): ServerMessage[] {
    const mine = this.#held.filter((m) => 'callId' in m.payload && m.payload.callId === callId);
    this.#held = [];
    return mine;
  }

  /** The `call:incoming` of `callId`: held already, or arriving within `waitMs`, or null. */
  incoming(callId: string, waitMs: number): Promise<Incoming | null> {
    const found = this.#held.find((m): m is Incoming => m.type === 'call:incoming' && m.payload.callId === callId);
    if (found) return Promise.resolve(found);
    this.#waiting?.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), waitMs);
      const done = (message: Incoming | null) => {
        clearTimeout(timer);
        if (this.#waiting?.resolve === done) this.#waiting = null;
        resolve(message);
      };
      this.#waiting = { callId, resolve: done };
    });
  }

  /** Forget everything; a wait in progress ends with null. */
  clear(): void {
    this.#held = [];
    this.#waiting?.resolve(null);
  }
}
