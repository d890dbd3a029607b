import type { Actor, Recorder } from './recorder.js';

/**
 * The flows the sequence diagrams of docs/ARCHITECTURE.md show, as scripts a recorder runs against a real server.
 * The clients' side follows what the web app sends (the callee's offer leaves right behind its accept, as in
 * apps/web/src/rtc/callConnection.ts); everything the server and the database do is what they really did.
 */
export interface Scenario {
  /** The marker in the docs: `<!-- recorded:NAME -->`. */
  name: string;
  /** Server settings for the run (short ring and grace times). */
  env?: Record<string, string>;
  presence?: boolean;
  run(rec: Recorder): Promise<void>;
}

const RING_MS = 1_500;
const GRACE_MS = 1_500;
const SDP = 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\n';
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** Alice calls Bob from her socket; the call's id is shown as `callId`. */
async function dial(rec: Recorder, alice: Actor, bob: Actor): Promise<string> {
  let callId = '';
  await alice.rest('POST', '/calls', { calleeId: bob.userId, connectionId: alice.connectionId }, (body) => {
    const id = (body as { callId?: unknown }).callId;
    if (typeof id === 'string') {
      callId = id;
      rec.name(id, 'callId');
    }
  });
  return callId;
}

/** Two people online, Alice calling Bob. */
async function pair(rec: Recorder): Promise<{ alice: Actor; bob: Actor }> {
  const alice = await rec.actor('alice', 'Alice (caller)', { online: true });
  const bob = await rec.actor('bob', 'Bob (callee)', { online: true });
  return { alice, bob };
}

/** Two people in an answered call, set up off the record. */
async function inCall(rec: Recorder): Promise<{ alice: Actor; bob: Actor; callId: string }> {
  const { alice, bob } = await pair(rec);
  const callId = await dial(rec, alice, bob);
  await bob.send({ type: 'call:accept', payload: { callId } });
  await rec.begin();
  rec.note([alice, bob], 'in a call, media flowing peer to peer');
  return { alice, bob, callId };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'sequence-login',
    presence: true,
    async run(rec) {
      const alice = await rec.actor('alice', 'Alice (browser)');
      const bob = await rec.actor('bob', 'Bob (already online)', { online: true });
      await rec.begin();
      await alice.register();
      await alice.login();
      await alice.connect();
      void bob;
    },
  },
  {
    name: 'sequence-call',
    async run(rec) {
      const { alice, bob } = await pair(rec);
      await rec.begin();
      const callId = await dial(rec, alice, bob);
      rec.note(bob, 'ringtone; Accept');
      await bob.send({ type: 'call:accept', payload: { callId } });
      rec.note(bob, 'the offer it made while it rang leaves right behind the accept');
      await bob.send({ type: 'webrtc:offer', payload: { callId, sdp: SDP } });
      await alice.send({ type: 'webrtc:answer', payload: { callId, sdp: SDP } });
      await alice.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: CANDIDATE } });
      await bob.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: CANDIDATE } });
      rec.note([alice, bob], 'media: DTLS-SRTP, peer to peer (or through TURN)');
    },
  },
  {
    name: 'sequence-offline',
    async run(rec) {
      const alice = await rec.actor('alice', 'Alice (caller)', { online: true });
      const bob = await rec.actor('bob', 'Bob (offline at first)');
      await bob.register();
      await bob.login();
      await rec.begin();
      const callId = await dial(rec, alice, bob);
      rec.note(alice, '"bob is offline — we’ll ring them if they come online"');
      await bob.connect();
      rec.note(alice, '"Ringing"');
      await alice.rest('POST', `/calls/${callId}/end`);
    },
  },
  {
    name: 'sequence-decline',
    async run(rec) {
      const { alice, bob } = await pair(rec);
      await rec.begin();
      const callId = await dial(rec, alice, bob);
      await bob.send({ type: 'call:reject', payload: { callId } });
    },
  },
  {
    name: 'sequence-cancel',
    async run(rec) {
      const { alice, bob } = await pair(rec);
      await rec.begin();
      const callId = await dial(rec, alice, bob);
      await alice.rest('POST', `/calls/${callId}/end`);
    },
  },
  {
    name: 'sequence-missed',
    env: { CALL_RING_TIMEOUT_MS: String(RING_MS) },
    async run(rec) {
      const { alice, bob } = await pair(rec);
      await rec.begin();
      await dial(rec, alice, bob);
      await rec.wait(RING_MS, 'CALL_RING_TIMEOUT_MS passes (a deadline stored in the row; any node may end it)', () => alice.pendingCount > 0 && bob.pendingCount > 0);
    },
  },
  {
    name: 'sequence-glare',
    async run(rec) {
      const { alice, bob } = await pair(rec);
      await rec.begin();
      const callId = await dial(rec, alice, bob);
      rec.note(bob, 'pressed Call at the same moment');
      await bob.rest('POST', '/calls', { calleeId: alice.userId, connectionId: bob.connectionId });
      rec.note(bob, 'the 409 names the call ringing it: Bob’s tab turns into that incoming call');
      await bob.send({ type: 'call:accept', payload: { callId } });
    },
  },
  {
    name: 'sequence-hangup',
    async run(rec) {
      const { callId, bob } = await inCall(rec);
      await bob.rest('POST', `/calls/${callId}/end`);
    },
  },
  {
    name: 'sequence-reconnect',
    env: { CALL_RECONNECT_GRACE_MS: String(GRACE_MS * 4) },
    async run(rec) {
      const { alice, callId } = await inCall(rec);
      await alice.drop('the network drops; the socket closes without a goodbye');
      rec.note(alice, 'reconnects with backoff; keeps its RTCPeerConnection');
      await alice.connect();
      await alice.send({ type: 'call:rejoin', payload: { callId } });
      rec.note(alice, 'media never stopped; ICE restarts only if ICE itself failed meanwhile');
    },
  },
  {
    name: 'sequence-connection-lost',
    env: { CALL_RECONNECT_GRACE_MS: String(GRACE_MS) },
    async run(rec) {
      const { alice, bob } = await inCall(rec);
      await alice.drop('the network drops, and Alice does not come back');
      await rec.wait(GRACE_MS, 'CALL_RECONNECT_GRACE_MS passes', () => bob.pendingCount > 0);
    },
  },
];
