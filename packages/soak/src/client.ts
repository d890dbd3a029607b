// The browser client's reconnect policy (backoffDelay), so the soak's clients behave like real tabs after a crash.
import { backoffDelay, decodeServerMessage, type ClientMessage, type ServerMessage } from '@parley/protocol';
import WebSocket from 'ws';
import { sleep } from './api.js';

/**
 * A signaling connection as a browser tab holds it: token as subprotocol, waits for `hello`, decodes every frame
 * with the protocol's decoder. Presence frames (one per user coming or going, to everyone) are counted, not
 * decoded, to keep a thousand clients in one process cheap.
 */
export class SignalingClient {
  connectionId = '';
  presenceFrames = 0;
  invalidFrames: string[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  private handler: ((message: ServerMessage) => void) | undefined;
  private closeHandler: ((code: number) => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        this.closeHandler?.(code);
        resolve(code);
      }),
    );
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer, isBinary) => {
      const text = data.toString('utf8');
      if (text.startsWith('{"type":"presence"')) {
        this.presenceFrames += 1;
        return;
      }
      const decoded = isBinary ? undefined : decodeServerMessage(text);
      if (!decoded?.ok) {
        this.invalidFrames.push(text.slice(0, 200));
        return;
      }
      if (decoded.message.type === 'hello') this.connectionId = decoded.message.payload.connectionId;
      this.handler?.(decoded.message);
    });
  }

  /** Opens a connection and resolves once the server said hello. */
  static connect(wsUrl: string, token: string, timeoutMs = 10_000): Promise<SignalingClient> {
    const socket = new WebSocket(wsUrl, ['bearer', token]);
    const client = new SignalingClient(socket);
    return new Promise((resolve, reject) => {
      const refused = (_req: unknown, res: { statusCode?: number }) => fail(new Error(`upgrade refused: ${res.statusCode}`));
      const errored = (error: Error) => fail(error);
      const closed = (code: number) => fail(new Error(`closed ${code} before hello`));
      const settle = () => {
        clearTimeout(timer);
        socket.off('unexpected-response', refused).off('error', errored).off('close', closed);
        client.handler = undefined;
      };
      const fail = (error: Error) => {
        settle();
        socket.terminate();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error('no hello in time')), timeoutMs);
      socket.on('unexpected-response', refused).on('error', errored).on('close', closed);
      client.handler = (message) => {
        if (message.type !== 'hello') return;
        settle();
        resolve(client);
      };
    });
  }

  onMessage(handler: (message: ServerMessage) => void): void {
    this.handler = handler;
  }

  onClose(handler: (code: number) => void): void {
    this.closeHandler = handler;
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: ClientMessage): void {
    if (this.open) this.socket.send(JSON.stringify(message));
  }

  /** Drops the TCP connection without a close handshake, as a network failure would. */
  terminate(): void {
    this.socket.terminate();
  }

  close(): Promise<number> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve(this.closeCode ?? 1006);
    this.socket.close(1000);
    return this.closed;
  }

  /**
   * Stops reading from the socket, like a frozen tab: the server's writes pile up. Through `ws`'s own pause, not the
   * TCP socket's: `ws` resumes its socket whenever its frame parser drains, unless the WebSocket itself is paused.
   */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }
}

/**
 * Reconnects exactly as the web client does: the same capped, jittered backoff table (`backoffDelay`), until `deadline`.
 */
export async function connectWithBackoff(wsUrl: string, token: string, { deadline = Date.now() + 30_000 }: { deadline?: number } = {}): Promise<{ client: SignalingClient; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { client: await SignalingClient.connect(wsUrl, token), attempts: attempt };
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`gave up reconnecting after ${attempt} attempts`, { cause: error });
      await sleep(backoffDelay(attempt - 1));
    }
  }
}
