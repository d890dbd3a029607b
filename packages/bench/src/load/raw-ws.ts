import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A minimal WebSocket client (RFC 6455) over a plain TCP socket, for load generation: text frames out with an
 * all-zero mask (no XOR pass), server frames parsed in place without copies, pings answered. It does a fraction of
 * the `ws` client's work per message, so one load process can keep a server saturated on a 2-core machine.
 */
export class RawWs {
  private handler: ((buf: Buffer, start: number, end: number) => void) | undefined;
  /** Frames that arrived before anyone listened (the server's first message can share a packet with the 101). */
  private early: Buffer[] = [];
  onClose: () => void = () => {};
  closed = false;
  private pending: Buffer | undefined;
  private closeSent = false;

  private constructor(private readonly socket: Socket) {
    socket.on('close', () => {
      this.closed = true;
      this.onClose();
    });
    socket.on('error', () => {});
  }

  /** Opens `ws://host:port/path` with the given subprotocols; resolves once the server answered 101. */
  static open(port: number, path: string, protocols: string[] = [], host = '127.0.0.1', timeoutMs = 30_000): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('WebSocket handshake timed out'));
      }, timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        const lines = [
          `GET ${path} HTTP/1.1`,
          `Host: ${host}:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
        ];
        if (protocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${protocols.join(', ')}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      });
      let head: Buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('error', fail);
        const status = head.toString('latin1', 0, head.indexOf('\r\n'));
        if (!status.startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${status}`));
        clearTimeout(timer);
        const ws = new RawWs(socket);
        socket.on('data', (data: Buffer) => ws.receive(data));
        resolve(ws);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) ws.receive(rest);
      };
      socket.on('data', onData);
    });
  }

  /** Text frame payloads, as (buffer, start, end) so the hot path never allocates. */
  set onText(handler: (buf: Buffer, start: number, end: number) => void) {
    this.handler = handler;
    const early = this.early;
    this.early = [];
    for (const frame of early) handler(frame, 0, frame.length);
  }

  /** Sends one text frame (ASCII payloads only: the bench never sends anything else). */
  send(text: string): void {
    if (this.closed) return;
    const length = text.length;
    const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + 4 + length);
    frame[0] = 0x81;
    if (length < 126) {
      frame[1] = 0x80 | length;
    } else if (length < 65_536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    frame.writeUInt32BE(0, headerLength);
    frame.write(text, headerLength + 4, 'latin1');
    this.socket.write(frame);
  }

  /** Groups the writes made inside `fn` into one TCP write. */
  batch(fn: () => void): void {
    this.socket.cork();
    try {
      fn();
    } finally {
      this.socket.uncork();
    }
  }

  /** Starts the closing handshake (code 1000) and resolves when the TCP connection is gone. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.closeSent = true;
      this.control(0x8, Buffer.from([0x03, 0xe8]));
      // A server that never answers the close frame is cut off.
      setTimeout(() => this.socket.destroy(), 5000).unref();
    });
  }

  /** Drops the connection without a closing handshake. */
  destroy(): void {
    this.socket.destroy();
  }

  private control(opcode: number, payload: Buffer): void {
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.socket.write(frame);
  }

  private receive(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let offset = 0;
    // Answers written while handling these frames leave in one TCP write.
    this.socket.cork();
    for (;;) {
      if (buf.length - offset < 2) break;
      const opcode = buf[offset]! & 0x0f;
      let length = buf[offset + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buf.length - offset < 4) break;
        length = buf.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (buf.length - offset < 10) break;
        length = Number(buf.readBigUInt64BE(offset + 2));
        header = 10;
      }
      const start = offset + header;
      const end = start + length;
      if (end > buf.length) break;
      if (opcode === 0x1) {
        if (this.handler) this.handler(buf, start, end);
        else this.early.push(Buffer.from(buf.subarray(start, end)));
      }
      else if (opcode === 0x9) this.control(0xa, buf.subarray(start, end));
      else if (opcode === 0x8 && !this.socket.destroyed) {
        if (!this.closeSent) this.control(0x8, buf.subarray(start, Math.min(end, start + 2)));
        this.closeSent = true;
        this.socket.end();
      }
      offset = end;
    }
    this.socket.uncork();
    if (offset < buf.length) this.pending = buf.subarray(offset);
  }
}
