import { CLOSE_CODES } from '@parley/protocol';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer } from './helpers/server.js';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('LAN mode over HTTPS', () => {
  it('makes a self-signed certificate once, serves the SPA over https and upgrades wss://', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'parley-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Parley</title>');
    const server = await startServer({ LAN_MODE: '1', HOST: '127.0.0.1', WEB_DIST_DIR: dist });
    expect(existsSync(join(server.dataDir, 'tls', 'cert.pem'))).toBe(true);
    const { port } = server.app.server.address() as { port: number };
    const page = await get(`https://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Parley</title>');

    // fetch() over plain HTTP must fail: the server speaks TLS only.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    const alice = await createUserOverHttps(port);
    const socket = new WebSocket(`wss://127.0.0.1:${port}/api/v1/ws`, ['bearer', alice], { rejectUnauthorized: false });
    const hello = await new Promise<string>((resolve, reject) => {
      socket.on('message', (data) => resolve(data.toString()));
      socket.on('error', reject);
    });
    expect(JSON.parse(hello).type).toBe('hello');
    await server.close({ removeData: false });
    expect((await new Promise<number>((r) => (socket.readyState === WebSocket.CLOSED ? r(CLOSE_CODES.GOING_AWAY) : socket.on('close', r))))).toBe(CLOSE_CODES.GOING_AWAY);

    // A restart reuses the certificate kept in the data folder.
    const { readFileSync } = await import('node:fs');
    const before = readFileSync(join(server.dataDir, 'tls', 'cert.pem'), 'utf8');
    const again = await startServer({ LAN_MODE: '1', HOST: '127.0.0.1', JWT_SECRET: server.config.jwtSecret }, server.dataDir);
    expect(readFileSync(join(again.dataDir, 'tls', 'cert.pem'), 'utf8')).toBe(before);
  });
});

/** Registers and logs in over HTTPS with the self-signed certificate; returns the token. */
async function createUserOverHttps(port: number): Promise<string> {
  const post = (path: string, body: unknown) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpsRequest(
        `https://127.0.0.1:${port}/api/v1${path}`,
        { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const credentials = { username: `lan${Date.now() % 100000}`, password: 'password-1234' };
  expect((await post('/auth/register', credentials)).status).toBe(201);
  const login = await post('/auth/login', credentials);
  return login.body.accessToken;
}

