import http from 'node:http';
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no normalisation of `..`, no encoding. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Source address, e.g. `127.0.0.2` to act as another client IP (all of 127/8 is loopback on Linux). */
  localAddress?: string;
  timeoutMs?: number;
}

export type RawReply =
  | { ok: true; status: number; headers: http.IncomingHttpHeaders; body: string }
  | { ok: false; error: string };

/**
 * One HTTP request with full control over what goes on the wire (fetch normalises paths and refuses some
 * headers). Never rejects: network failures come back as `{ ok: false }`.
 */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: req.headers ?? {},
        agent: false,
        ...(req.localAddress ? { localAddress: req.localAddress } : {}),
        timeout: req.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => resolve({ ok: false, error: err.message }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code ?? err.message }));
    outgoing.end(req.body);
  });
}

/**
 * Writes `bytes` on a fresh TCP connection, exactly as given (for what no HTTP client would send: a broken request
 * line, oversized headers), and resolves with everything the server sent until it closed the connection, as latin1
 * text. Rejects when nothing closes it within `timeoutMs`.
 */
export function rawExchange(baseUrl: string, bytes: string | Buffer, timeoutMs = 10_000): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(bytes));
    let received = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no close within ${timeoutMs} ms; received: ${received.slice(0, 200)}`)));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', (hadError) => (hadError ? undefined : resolve(received)));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(received) : reject(error)));
  });
}
