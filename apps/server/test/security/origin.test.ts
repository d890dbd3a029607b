import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createUser } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** An upgrade with these headers and a valid token: 101 when it opened, else the refusal's status and body. */
function upgrade(server: TestServer, token: string, headers: Record<string, string>, path = '/api/v1/ws'): Promise<{ status: number; body?: unknown }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${server.baseUrl.replace('http', 'ws')}${path}`, ['bearer', token], { headers });
    socket.on('open', () => {
      resolve({ status: 101 });
      socket.close();
    });
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    socket.on('error', () => {});
  });
}

const refused = { status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringMatching(/origin/i) } } };

describe('WebSocket upgrade Origin', () => {
  it('refuses a page of another origin with 403, even with a valid token, on both paths', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    for (const path of ['/api/v1/ws', '/ws']) {
      expect(await upgrade(server, alice.token, { origin: 'https://evil.example' }, path)).toEqual(refused);
    }
    const port = new URL(server.baseUrl).port;
    for (const origin of ['null', `https://127.0.0.1:${port}`, 'http://127.0.0.1:1', `http://127.0.0.1.evil.example:${port}`, 'not a url']) {
      expect(await upgrade(server, alice.token, { origin }), origin).toEqual(refused);
    }
  });

  it('accepts the server’s own origin, the CORS_ORIGINS, and clients that send no Origin (not a browser)', async () => {
    const server = await startServer({ CORS_ORIGINS: 'https://app.example,http://localhost:5173' });
    const alice = await createUser(server);
    const port = new URL(server.baseUrl).port;
    expect(await upgrade(server, alice.token, {})).toEqual({ status: 101 });
    expect(await upgrade(server, alice.token, { origin: `http://127.0.0.1:${port}` })).toEqual({ status: 101 });
    // Host names compare as URLs do: case and the default port do not matter.
    expect(await upgrade(server, alice.token, { origin: `HTTP://127.0.0.1:${port}` })).toEqual({ status: 101 });
    expect(await upgrade(server, alice.token, { origin: 'https://app.example' })).toEqual({ status: 101 });
    expect(await upgrade(server, alice.token, { origin: 'https://app.example:443' })).toEqual({ status: 101 });
    expect(await upgrade(server, alice.token, { origin: 'http://localhost:5173' })).toEqual({ status: 101 });
    expect(await upgrade(server, alice.token, { origin: 'https://other.example' })).toEqual(refused);
  });

  it('behind a TRUST_PROXY proxy, takes its own origin from X-Forwarded-Proto and -Host; without it, ignores them', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'parley.example', origin: 'https://parley.example' };
    const proxied = await startServer({ TRUST_PROXY: '127.0.0.1' });
    const alice = await createUser(proxied);
    expect(await upgrade(proxied, alice.token, forwarded)).toEqual({ status: 101 });
    expect(await upgrade(proxied, alice.token, { ...forwarded, origin: 'https://evil.example' })).toEqual(refused);

    const direct = await startServer();
    const bob = await createUser(direct);
    expect(await upgrade(direct, bob.token, forwarded)).toEqual(refused);
  });
});
