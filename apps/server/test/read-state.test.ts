import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { readHoldsMore } from '../src/signaling/read-state.js';

/** A masked client text frame (payloads under 126 bytes), as a browser writes it. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length >= 126) throw new Error('short frames only');
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((byte, i) => byte ^ mask[i % 4]!)]);
}

const servers: WebSocketServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/**
 * A `ws` server that records, for each frame it hands over, what `readHoldsMore` said, and a raw TCP client past
 * the upgrade: what the client writes in one `write` reaches the server in one read (loopback, a few bytes).
 */
async function setUp(): Promise<{ client: Socket; seen: Array<{ text: string; more: boolean }>; next: (count: number) => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  await new Promise((listening) => server.once('listening', listening));
  const seen: Array<{ text: string; more: boolean }> = [];
  const waiters: Array<() => void> = [];
  server.on('connection', (socket: WebSocket) =>
    socket.on('message', (data) => {
      seen.push({ text: String(data), more: readHoldsMore(socket) });
      for (const wake of waiters.splice(0)) wake();
    }),
  );
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  sockets.push(client);
  await new Promise((connected) => client.once('connect', connected));
  client.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((upgraded) => client.once('data', (head) => (String(head).startsWith('HTTP/1.1 101') ? upgraded() : undefined)));
  const next = async (count: number) => {
    while (seen.length < count) await new Promise<void>((wake) => waiters.push(wake));
  };
  return { client, seen, next };
}

describe('readHoldsMore', () => {
  it('says more for every frame of a read but its last, and no more after a single frame', async () => {
    const { client, seen, next } = await setUp();
    client.write(Buffer.concat([textFrame('a'), textFrame('b'), textFrame('c')]));
    await next(3);
    client.write(textFrame('alone'));
    await next(4);
    expect(seen).toEqual([
      { text: 'a', more: true },
      { text: 'b', more: true },
      { text: 'c', more: false },
      { text: 'alone', more: false },
    ]);
  });

  it('says more when the read ends inside the next frame', async () => {
    const { client, seen, next } = await setUp();
    const second = textFrame('second');
    client.write(Buffer.concat([textFrame('first'), second.subarray(0, 3)]));
    await next(1);
    client.write(second.subarray(3));
    await next(2);
    expect(seen).toEqual([
      { text: 'first', more: true },
      { text: 'second', more: false },
    ]);
  });
});
