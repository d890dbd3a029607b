import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeAllClients, connect } from '../src/ws-client.js';

const userId = '0192f3a4-1234-7abc-8def-0123456789ab';
const callId = '0192f3a4-5678-7abc-8def-0123456789ab';

/** A stand-in for the signaling route: checks the token, says hello, then lets the test speak for the server. */
async function fakeSignaling(): Promise<{ wsUrl: string; sockets: WebSocket[]; tokens: string[]; close(): Promise<void> }> {
  const sockets: WebSocket[] = [];
  const tokens: string[] = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false) });
  server.on('connection', (socket, request) => {
    const fromProtocol = request.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim())[1];
    const fromHeader = request.headers.authorization?.replace(/^Bearer /, '');
    const fromQuery = new URL(request.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
    tokens.push(fromProtocol ?? fromHeader ?? fromQuery ?? '');
    sockets.push(socket);
    socket.send(JSON.stringify({ type: 'hello', payload: { connectionId: `c${sockets.length}`, userId, username: 'alice' } }));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    sockets,
    tokens,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  closeAllClients();
  await stop?.();
});

describe('TestClient', () => {
  it('connects with the token in the subprotocol, header or query, and knows its connection id from hello', async () => {
    const server = await fakeSignaling();
    stop = server.close;
    const clients = [await connect(server, { token: 'a.b.c' }), await connect(server, { token: 'd.e.f' }, 'header'), await connect(server, { token: 'g.h.i' }, 'query')];
    expect(server.tokens).toEqual(['a.b.c', 'd.e.f', 'g.h.i']);
    expect(clients.map((c) => c.connectionId)).toEqual(['c1', 'c2', 'c3']);
  });

  it('hands out messages by type in arrival order, waiting for ones still to come', async () => {
    const server = await fakeSignaling();
    stop = server.close;
    const client = await connect(server, { token: 't' });
    const socket = server.sockets[0]!;
    const ended = (reason: string) => JSON.stringify({ type: 'call:ended', payload: { callId, reason } });
    socket.send(JSON.stringify({ type: 'presence', payload: { online: [userId], offline: [] } }));
    socket.send(ended('hangup'));
    expect((await client.next('call:ended')).payload.reason).toBe('hangup');
    const later = client.next('call:ended', (m) => m.payload.reason === 'missed');
    socket.send(ended('cancelled'));
    socket.send(ended('missed'));
    expect((await later).payload.reason).toBe('missed');
    expect((await client.next('call:ended')).payload.reason).toBe('cancelled');
    expect((await client.next('presence')).payload.online).toEqual([userId]);
  });

  it('keeps frames that fail the protocol decoder apart, and times out naming what did arrive', async () => {
    const server = await fakeSignaling();
    stop = server.close;
    const client = await connect(server, { token: 't' });
    server.sockets[0]!.send(JSON.stringify({ type: 'call:ended', payload: { callId, reason: 'bored' } }));
    await expect(client.next('call:ended', () => true, 200)).rejects.toThrow(/timed out waiting for call:ended; received: hello/);
    expect(client.invalid).toHaveLength(1);
    await client.expectNone('call:ended', 50);
  });

  it('fails expectNone when such a message is queued', async () => {
    const server = await fakeSignaling();
    stop = server.close;
    const client = await connect(server, { token: 't' });
    server.sockets[0]!.send(JSON.stringify({ type: 'call:ended', payload: { callId, reason: 'hangup' } }));
    await expect(client.expectNone('call:ended', 100)).rejects.toThrow(/unexpected call:ended/);
  });
});
