import { connect } from '@parley/testkit';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { describe, expect, it } from 'vitest';
import { connectCall } from './helpers/calls.js';
import { createUser, request } from './helpers/http.js';
import { startServer } from './helpers/server.js';

describe('health', () => {
  it('GET /healthz answers ok and /readyz ready once migrated', async () => {
    const server = await startServer();
    expect(await (await fetch(`${server.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('GET /readyz answers 503 when the database is gone', async () => {
    const server = await startServer();
    const { store } = server.app.parley;
    if (!(store instanceof SqliteStore)) throw new Error('expected the SQLite store');
    store.handle.sqlite.close();
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    // The app's onClose would close it again; reopen a handle-less state by skipping that.
    store.handle.close = () => undefined;
  });
});

describe('GET /metrics', () => {
  it('is off unless METRICS_TOKEN is set', async () => {
    const server = await startServer();
    expect((await fetch(`${server.baseUrl}/metrics`)).status).toBe(404);
  });

  it('wants the bearer token and reports connections, calls, relays and logins', async () => {
    const server = await startServer({ METRICS_TOKEN: 'metrics-token-for-operations-0123456789' });
    expect((await fetch(`${server.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    await request(server, 'POST', '/auth/login', { body: { username: alice.username, password: 'nope-nope' } });
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    aliceWs.send({ type: 'webrtc:offer', payload: { callId, sdp: 'v=0' } });
    await bobWs.next('webrtc:offer');
    // On a quiet server every relayed frame is timed (one per 20 ms at most): the answer too.
    await new Promise((resolve) => setTimeout(resolve, 30));
    bobWs.send({ type: 'webrtc:answer', payload: { callId, sdp: 'v=0' } });
    await aliceWs.next('webrtc:answer');
    aliceWs.sendRaw('nonsense');
    await aliceWs.next('error');
    await request(server, 'POST', `/calls/${callId}/end`, { token: alice.token });

    const res = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-operations-0123456789' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^parley_ws_connections 2$/m);
    expect(text).toMatch(/^parley_online_users 2$/m);
    expect(text).toMatch(/^parley_calls_created_total 1$/m);
    expect(text).toMatch(/^parley_calls_ended_total\{reason="hangup"\} 1$/m);
    expect(text).toMatch(/^parley_calls_live\{status="active"\} 0$/m);
    expect(text).toMatch(/^parley_ws_relayed_total\{type="webrtc:offer"\} 1$/m);
    expect(text).toMatch(/^parley_ws_relayed_total\{type="webrtc:answer"\} 1$/m);
    expect(text).toMatch(/^parley_ws_rejected_total\{code="INVALID_JSON"\} 1$/m);
    expect(text).toMatch(/^parley_login_attempts_total\{result="failure"\} 1$/m);
    expect(text).toMatch(/^parley_call_duration_seconds_count 1$/m);
    expect(text).toMatch(/^parley_ws_relay_seconds_count 2$/m);
    expect(text).toMatch(/^parley_argon2_seconds_count\{op="hash"\} 2$/m);
  });
});

describe('API documentation', () => {
  it('serves an OpenAPI 3 document generated from the protocol schemas, and the docs UI', async () => {
    const server = await startServer();
    const doc: any = await (await fetch(`${server.baseUrl}/docs/json`)).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/users/me', '/api/v1/users', '/api/v1/calls', '/api/v1/calls/{id}', '/api/v1/calls/{id}/end', '/api/v1/rtc/config']),
    );
    const register = doc.paths['/api/v1/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RegisterBody' });
    expect(doc.components.schemas.RegisterBody.properties.username.pattern).toBe('^[A-Za-z0-9_.-]+$');
    expect(doc.tags.find((t: { name: string }) => t.name === 'signaling').description).toContain('webrtc:ice-candidate');
    const ui = await fetch(`${server.baseUrl}/docs`);
    expect(ui.status).toBeLessThan(400);
  });

  it('describes every WebSocket message in an AsyncAPI document', async () => {
    const server = await startServer();
    const doc: any = await (await fetch(`${server.baseUrl}/docs/asyncapi.json`)).json();
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.keys(doc.channels.signaling.messages)).toEqual(
      expect.arrayContaining(['call:accept', 'call:reject', 'call:rejoin', 'webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate', 'call:incoming', 'call:ended', 'presence', 'error', 'hello']),
    );
    expect(JSON.stringify(doc)).not.toContain('~kind');
  });
});

describe('GET /api/v1/rtc/config', () => {
  it('returns no ICE servers by default', async () => {
    const server = await startServer();
    const alice = await createUser(server);
    const res = await request(server, 'GET', '/rtc/config', { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.iceServers).toEqual([]);
    expect(res.body.iceTransportPolicy).toBe('all');
  });

  it('issues TURN REST API credentials that coturn can check', async () => {
    const server = await startServer({
      STUN_URLS: 'stun:turn.example.org:3478',
      TURN_URLS: 'turn:turn.example.org:3478?transport=udp,turn:turn.example.org:3478?transport=tcp',
      TURN_SECRET: 'shared-secret-for-operations-0123456789',
      TURN_TTL_SECONDS: '600',
    });
    const alice = await createUser(server);
    const res = await request(server, 'GET', '/rtc/config', { token: alice.token });
    const [stun, turn] = res.body.iceServers;
    expect(stun).toEqual({ urls: ['stun:turn.example.org:3478'] });
    expect(turn.urls).toHaveLength(2);
    const [expiry, userId] = turn.username.split(':');
    expect(userId).toBe(alice.id);
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(590);
    const { createHmac } = await import('node:crypto');
    expect(turn.credential).toBe(createHmac('sha1', 'shared-secret-for-operations-0123456789').update(turn.username).digest('base64'));
    expect(Date.parse(res.body.expiresAt)).toBe(Number(expiry) * 1000);
    expect((await request(server, 'GET', '/rtc/config')).status).toBe(401);
  });
});

describe('the web app', () => {
  it('is served at / with history fallback, strict CSP and long-lived assets', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'parley-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Parley</title><script type="module" src="/assets/app-1.js"></script>');
    writeFileSync(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
    const server = await startServer({ WEB_DIST_DIR: dist });
    const root = await fetch(`${server.baseUrl}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<title>Parley</title>');
    const csp = root.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const deep = await fetch(`${server.baseUrl}/calls/history`, { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<title>Parley</title>');
    const asset = await fetch(`${server.baseUrl}/assets/app-1.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const apiMiss = await fetch(`${server.baseUrl}/api/v1/nothing-here`);
    expect([apiMiss.status, ((await apiMiss.json()) as any).error.code]).toEqual([404, 'NOT_FOUND']);
  });
});
