import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

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
