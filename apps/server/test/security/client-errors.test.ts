import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, LIMITS } from '@parley/protocol';
import { sleep } from '../helpers/calls.js';
import { createUser } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { connect } from '../helpers/ws-client.js';

/** Writes `bytes` on a fresh connection; everything the server sent until it closed the connection. */
function exchange(server: TestServer, bytes: string): Promise<string> {
  const url = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];

describe('bytes the HTTP parser cannot read', () => {
  it('are answered with the fixed 400 when nothing else was answered on the connection', async () => {
    const server = await startServer();
    const reply = await exchange(server, 'NOT HTTP AT ALL\r\n\r\n');
    expect(statusLines(reply)).toEqual(['HTTP/1.1 400']);
    expect(reply).toContain('{"error":"Bad Request","message":"Client Error","statusCode":400}');
  });

  it('after an answered request (a body sent without framing) do not add a second, corrupting answer', async () => {
    const server = await startServer();
    for (const path of ['/api/v1/nope', '/api/v1/users/me']) {
      const reply = await exchange(server, `DELETE ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n${'x'.repeat(80)}`);
      expect(statusLines(reply), path).toHaveLength(1);
      expect(reply).toMatch(/^HTTP\/1\.1 (404|401) /);
      expect(reply).toMatch(/\r\n\r\n\{"error":\{"code":"(NOT_FOUND|UNAUTHORIZED)","message":"[^"]+"\}\}$/);
    }
  });
});

describe('WebSocket frames a client got wrong', () => {
  it('are logged at info as the client’s fault, without a stack, and still close the socket with 1007 / 1009', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const invalidUtf8 = await connect(server, alice);
    invalidUtf8.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect((await invalidUtf8.closed).code).toBe(CLOSE_CODES.INVALID_PAYLOAD);
    const tooBig = await connect(server, alice);
    tooBig.sendRaw('x'.repeat(LIMITS.maxFrameBytes + 1));
    expect((await tooBig.closed).code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG);
    await sleep(100);

    const lines = server.logs.map((line) => JSON.parse(line) as { level: number; msg?: string; code?: string; err?: unknown });
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    const faults = lines.filter((line) => line.msg === 'WebSocket closed: the client sent an invalid frame');
    expect(faults.map((line) => [line.level, line.code])).toEqual([
      [30, 'WS_ERR_INVALID_UTF8'],
      [30, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'],
    ]);
    expect(server.logs.join('')).not.toContain('"stack"');
  });
});
