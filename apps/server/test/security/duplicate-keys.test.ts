import { decodeServerMessage } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { connectCall, sleep } from '../helpers/calls.js';
import { createUser } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import { connect, type TestClient } from '@parley/testkit';

/** Every text frame `client` receives from now on, as the bytes that arrived. */
/** The relayed frames a client receives, as bytes (presence batches, which may arrive at any time, left out). */
function rawFrames(client: TestClient): string[] {
  const frames: string[] = [];
  client.socket.on('message', (data) => {
    const text = data.toString();
    if (!text.startsWith('{"type":"presence"')) frames.push(text);
  });
  return frames;
}

/**
 * Relayed frames are forwarded byte for byte, so a frame with a key twice reaches the peer as sent. That is safe
 * because the server and the peer read it alike: both parse with `JSON.parse`, where the last of duplicate keys
 * wins (ECMA-262), so the peer sees exactly the message the server validated, never another one.
 */
describe('relayed frames with duplicate top-level keys', () => {
  it('are judged by their last `type` and `payload`, which is what the peer decodes', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([createUser(server), createUser(server)]);
    const [aliceWs, bobWs] = await Promise.all([connect(server, alice), connect(server, bob)]);
    const callId = await connectCall(server, alice, aliceWs, bob, bobWs);
    const arrived = rawFrames(bobWs);

    // A server-only `call:ended` first, an offer last: relayed as the offer it is.
    const disguised = `{"type":"call:ended","payload":{"callId":"${callId}","reason":"hangup"},"type":"webrtc:offer","payload":{"callId":"${callId}","sdp":"v=0"}}`;
    aliceWs.sendRaw(disguised);
    expect((await bobWs.next('webrtc:offer')).payload).toEqual({ callId, sdp: 'v=0' });
    expect(arrived).toEqual([disguised]);
    const seen = decodeServerMessage(arrived[0]!);
    expect(seen.ok && seen.message).toEqual({ type: 'webrtc:offer', payload: { callId, sdp: 'v=0' } });

    // An offer first, `call:ended` last: read as `call:ended`, which clients may not send, so nothing is relayed.
    aliceWs.sendRaw(`{"type":"webrtc:offer","payload":{"callId":"${callId}","sdp":"v=0"},"type":"call:ended","payload":{"callId":"${callId}","reason":"hangup"}}`);
    expect((await aliceWs.next('error')).payload.code).toBe('UNKNOWN_MESSAGE_TYPE');

    // Two payloads: the last one was validated, and it is the one the peer reads.
    const twoPayloads = `{"type":"webrtc:offer","payload":{"callId":"${callId}","sdp":"x","extra":1},"payload":{"callId":"${callId}","sdp":"v=1"}}`;
    aliceWs.sendRaw(twoPayloads);
    expect((await bobWs.next('webrtc:offer')).payload).toEqual({ callId, sdp: 'v=1' });
    await sleep(50);
    expect(arrived).toEqual([disguised, twoPayloads]);
    expect(bobWs.invalid).toEqual([]);
    expect(bobWs.received.some((m) => m.type === 'call:ended')).toBe(false);
  });
});
