import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rawExchange, rawRequest } from '../src/raw-http.js';

const servers: (http.Server | net.Server)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen<S extends http.Server | net.Server>(server: S): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

describe('rawRequest', () => {
  it('sends the path exactly as given and returns status, headers and body', async () => {
    const baseUrl = await listen(
      http.createServer((req, res) => {
        res.setHeader('x-method', req.method ?? '');
        res.end(req.url);
      }),
    );
    const reply = await rawRequest(baseUrl, { method: 'DELETE', path: '/a/../b/%zz?q=%00' });
    expect(reply).toMatchObject({ ok: true, status: 200, body: '/a/../b/%zz?q=%00' });
    expect(reply.ok && reply.headers['x-method']).toBe('DELETE');
  });

  it('reports a refused connection instead of rejecting', async () => {
    const baseUrl = await listen(net.createServer());
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await rawRequest(baseUrl, { method: 'GET', path: '/' })).toEqual({ ok: false, error: 'ECONNREFUSED' });
  });
});

describe('rawExchange', () => {
  it('writes the bytes as they are and returns all that came back before the close', async () => {
    let seen = '';
    const baseUrl = await listen(
      net.createServer((socket) => {
        socket.once('data', (chunk) => {
          seen = chunk.toString('latin1');
          socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\nno');
        });
      }),
    );
    const reply = await rawExchange(baseUrl, 'NOT HTTP AT ALL\r\n\r\n');
    expect(seen).toBe('NOT HTTP AT ALL\r\n\r\n');
    expect(reply).toBe('HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\nno');
  });

  it('gives up when the server never closes', async () => {
    // Reads (so it sees the client's close) but never answers.
    const baseUrl = await listen(net.createServer((socket) => socket.resume()));
    await expect(rawExchange(baseUrl, 'GET / HTTP/1.1\r\n', 200)).rejects.toThrow(/no close within 200 ms/);
  });
});
