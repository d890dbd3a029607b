import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrame } from '../src/signaling/text-frame.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** Payloads around each boundary of the length encoding (7 bits, 16 bits, 64 bits), in characters and in bytes. */
const payloads: Array<string | Uint8Array> = [
  '',
  'a',
  'x'.repeat(125),
  'x'.repeat(126),
  'é'.repeat(70), // 70 characters, 140 bytes: the header must follow the bytes
  'y'.repeat(65_535),
  'z'.repeat(65_536),
  '{"type":"presence"}'.repeat(10_000),
  Buffer.from('{"type":"webrtc:ice-candidate","payload":{"callId":"x","candidate":"c"}}', 'utf8'),
  new TextEncoder().encode('ü'.repeat(40_000)),
];

describe('textFrame', () => {
  it('makes frames a ws client reads back intact as text, at every length encoding, written to the upgraded socket', async () => {
    const server = createServer();
    servers.push(server);
    const wss = new WebSocketServer({ noServer: true });
    // As the hub does: the frames go to the upgraded TCP socket, past `ws`'s sender.
    server.on('upgrade', (request, socket, head) =>
      wss.handleUpgrade(request, socket, head, () => {
        for (const payload of payloads) socket.write(textFrame(payload));
      }),
    );
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const received: Array<{ text: string; isBinary: boolean }> = [];
    await new Promise<void>((done, fail) => {
      client.on('message', (data, isBinary) => {
        received.push({ text: String(data), isBinary });
        if (received.length === payloads.length) done();
      });
      client.on('error', fail);
      client.on('close', (code) => fail(new Error(`closed with ${code} after ${received.length} frames`)));
    });
    client.terminate();
    expect(received).toEqual(payloads.map((payload) => ({ text: typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'), isBinary: false })));
  });
});
