import {
  backoffDelay,
  CLOSE_CODES,
  decodeServerMessage,
  type ClientMessage,
  type MessageOf,
  type ServerMessage,
  type ServerMessageType,
} from '@parley/protocol';

/** Where the socket is. `open` means the server's `hello` arrived, so `connectionId` is known. */
export type SignalingStatus =
  | { state: 'idle' }
  | { state: 'connecting'; attempt: number }
  | { state: 'open'; connectionId: string }
  | { state: 'waiting'; attempt: number; reason: 'closed' | 'offline' };

export type ServerMessageOf<T extends ServerMessageType> = MessageOf<ServerMessage, T>;

type AnyHandler = (message: ServerMessage) => void;

export interface SignalingHooks {
  /** The socket closed before it ever opened: the server may have refused the token. */
  onUpgradeRefused?(): void;
  /** The server closed the socket because the token expired. */
  onTokenExpired?(): void;
}

export interface NextOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Owns the one WebSocket of this tab: typed `send`/`on`, reconnect with capped jittered backoff, and `next()` to
 * await a message without callbacks. Invalid or unknown frames are logged and ignored, never thrown.
 */
export class SignalingClient {
  #url: () => string;
  #hooks: SignalingHooks = {};
  #token: string | null = null;
  #ws: WebSocket | null = null;
  #status: SignalingStatus = { state: 'idle' };
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #handlers = new Map<ServerMessageType, Set<AnyHandler>>();
  #statusListeners = new Set<(status: SignalingStatus) => void>();
  #windowListeners: (() => void) | null = null;

  /** `url` is computed at each connect. */
  constructor(url: () => string) {
    this.#url = url;
  }

  /** The session installs what to do when the server refuses or expires the token. */
  setHooks(hooks: SignalingHooks): void {
    this.#hooks = hooks;
  }

  get status(): SignalingStatus {
    return this.#status;
  }

  get connectionId(): string | null {
    return this.#status.state === 'open' ? this.#status.connectionId : null;
  }

  /** Connect with this token, and keep reconnecting until `stop()`. */
  start(token: string): void {
    if (this.#token === token && this.#status.state !== 'idle') return;
    this.stop();
    this.#token = token;
    this.#attempt = 0;
    this.#listenToWindow();
    this.#connect();
  }

  /** Close for good (log out). */
  stop(): void {
    this.#token = null;
    clearTimeout(this.#retryTimer);
    this.#windowListeners?.();
    this.#windowListeners = null;
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close(CLOSE_CODES.NORMAL, 'logout');
    }
    this.#setStatus({ state: 'idle' });
  }

  /** Send one message if the socket is open; returns false (and drops it) otherwise. */
  send(message: ClientMessage): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.#status.state !== 'open') return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  /** Subscribe to one message type; returns the unsubscribe function. */
  on<T extends ServerMessageType>(type: T, handler: (message: ServerMessageOf<T>) => void): () => void {
    let set = this.#handlers.get(type);
    if (!set) {
      set = new Set();
      this.#handlers.set(type, set);
    }
    const anyHandler = handler as AnyHandler;
    set.add(anyHandler);
    return () => set.delete(anyHandler);
  }

  onStatus(listener: (status: SignalingStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /**
   * The next message of one of `types` that passes `predicate`, e.g.
   * `await signaling.next('call:accept', (m) => m.payload.callId === id, { signal })`.
   * Rejects with an `AbortError` when `signal` aborts and a `TimeoutError` after `timeoutMs`.
   */
  next<T extends ServerMessageType>(
    types: T | readonly T[],
    predicate: (message: ServerMessageOf<T>) => boolean = () => true,
    options: NextOptions = {},
  ): Promise<ServerMessageOf<T>> {
    const list: readonly T[] = typeof types === 'string' ? [types] : types;
    return new Promise((resolve, reject) => {
      const { signal, timeoutMs } = options;
      if (signal?.aborted) {
        reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
        return;
      }
      const offs: (() => void)[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        for (const off of offs) off();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
      };
      for (const type of list) {
        offs.push(
          this.on(type, (message) => {
            if (!predicate(message)) return;
            cleanup();
            resolve(message);
          }),
        );
      }
      signal?.addEventListener('abort', onAbort);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(new DOMException(`No ${list.join('/')} within ${timeoutMs} ms`, 'TimeoutError'));
        }, timeoutMs);
      }
    });
  }

  /** Resolves with this connection's id once the socket is open (immediately if it already is). */
  async ready(options: NextOptions = {}): Promise<string> {
    if (this.#status.state === 'open') return this.#status.connectionId;
    const hello = await this.next('hello', () => true, options);
    return hello.payload.connectionId;
  }

  #connect(): void {
    const token = this.#token;
    if (!token) return;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.#setStatus({ state: 'waiting', attempt: this.#attempt, reason: 'offline' });
      return;
    }
    this.#setStatus({ state: 'connecting', attempt: this.#attempt });
    let opened = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.#url(), ['bearer', token]);
    } catch (error) {
      console.warn('[signaling] cannot open socket', error);
      this.#scheduleReconnect();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      opened = true;
    };
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') {
        console.warn('[signaling] ignoring a binary frame');
        return;
      }
      const result = decodeServerMessage(event.data);
      if (!result.ok) {
        console.warn(`[signaling] ignoring frame: ${result.code}: ${result.error}`);
        return;
      }
      this.#dispatch(result.message);
    };
    ws.onclose = (event: CloseEvent) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      if (event.code === CLOSE_CODES.TOKEN_EXPIRED) {
        this.#hooks.onTokenExpired?.();
        if (!this.#token) return;
      } else if (!opened) {
        this.#hooks.onUpgradeRefused?.();
      }
      this.#scheduleReconnect();
    };
  }

  #dispatch(message: ServerMessage): void {
    if (message.type === 'hello') {
      this.#attempt = 0;
      this.#setStatus({ state: 'open', connectionId: message.payload.connectionId });
    }
    const handlers = this.#handlers.get(message.type);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        handler(message);
      } catch (error) {
        console.error(`[signaling] handler for ${message.type} failed`, error);
      }
    }
  }

  #scheduleReconnect(): void {
    if (!this.#token) return;
    clearTimeout(this.#retryTimer);
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.#setStatus({ state: 'waiting', attempt: this.#attempt, reason: 'offline' });
      return;
    }
    const delay = backoffDelay(this.#attempt);
    this.#setStatus({ state: 'waiting', attempt: this.#attempt, reason: 'closed' });
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  /**
   * The browser knows before TCP does: when it reports going offline, drop the socket at once (the server keeps a
   * call for its grace period), and when it is back, reconnect straight away instead of waiting out the backoff.
   */
  #listenToWindow(): void {
    if (typeof window === 'undefined' || this.#windowListeners) return;
    const onOffline = () => {
      const ws = this.#ws;
      if (!ws) return;
      this.#ws = null;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close(4000, 'offline');
      clearTimeout(this.#retryTimer);
      this.#setStatus({ state: 'waiting', attempt: this.#attempt, reason: 'offline' });
    };
    const onOnline = () => {
      if (!this.#token || this.#ws) return;
      clearTimeout(this.#retryTimer);
      this.#attempt = 0;
      this.#connect();
    };
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    this.#windowListeners = () => {
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
    };
  }

  #setStatus(status: SignalingStatus): void {
    this.#status = status;
    for (const listener of [...this.#statusListeners]) listener(status);
  }
}

/** What the call layer uses of the signaling client (a fake one in unit tests). */
export type SignalingPort = Pick<SignalingClient, 'status' | 'send' | 'on' | 'onStatus' | 'ready'>;

function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/v1/ws`;
}

/** The tab's one signaling client. The session store starts and stops it. */
export const signaling = new SignalingClient(socketUrl);
