import { architectureDocs, renderDocument } from '@parley/server/docs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClusterRecorder } from './recorder.js';

/**
 * The sequence diagram "a call across two nodes" of docs/ARCHITECTURE.md (and its Russian twin) is a recording of
 * this scenario against a real cluster (two nodes of the production build, PostgreSQL, Redis): this test records it
 * again and fails when what the system sends differs from what the docs say. `pnpm diagrams` (UPDATE_DIAGRAMS=1)
 * writes the new recording into the docs instead. The one-process diagrams are apps/server/test/docs/.
 */
const update = process.env['UPDATE_DIAGRAMS'] === '1';
const NAME = 'sequence-call-two-nodes';
const SDP = 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\n';
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 };

async function callAcrossTwoNodes(rec: ClusterRecorder): Promise<void> {
  const alice = await rec.actor('alice', 'Alice (browser)', 0, { online: true });
  const bob = await rec.actor('bob', 'Bob (browser)', 1, { online: true });
  await rec.begin();
  rec.note('server', 'each step: the action, then what the nodes sent each other (over their direct link),<br/>Redis commands and database writes in the order they happened, then the HTTP answer, then the frames each browser got');
  let callId = '';
  await alice.rest('POST', '/calls', { calleeId: bob.userId, connectionId: alice.connectionId }, (body) => {
    const id = (body as { callId?: unknown }).callId;
    if (typeof id === 'string') {
      callId = id;
      rec.name(id, 'callId');
    }
  });
  rec.note(bob, 'ringtone, Accept');
  await bob.send({ type: 'call:accept', payload: { callId } });
  rec.note(bob, 'the offer it made while it rang leaves right behind the accept');
  await bob.send({ type: 'webrtc:offer', payload: { callId, sdp: SDP } });
  await alice.send({ type: 'webrtc:answer', payload: { callId, sdp: SDP } });
  await alice.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: CANDIDATE } });
  await bob.send({ type: 'webrtc:ice-candidate', payload: { callId, candidate: CANDIDATE } });
  rec.note([alice, bob], 'media: DTLS-SRTP, peer to peer (or through TURN)');
  await alice.rest('POST', `/calls/${callId}/end`);
}

describe('recorded sequence diagram across two nodes', () => {
  it(`${NAME} matches a run of a real cluster`, async () => {
    const rec = await ClusterRecorder.start();
    let block: string;
    try {
      await callAcrossTwoNodes(rec);
      block = '```mermaid\n' + rec.diagram() + '\n```';
    } finally {
      await rec.stop();
    }
    for (const doc of architectureDocs.filter(existsSync)) {
      const committed = readFileSync(doc, 'utf8');
      const fresh = renderDocument(committed, { [NAME]: block }, 'recorded');
      if (update) writeFileSync(doc, fresh);
      else expect(fresh, `${doc}: run \`pnpm diagrams\` and review the change`).toBe(committed);
    }
    if (update) console.log(`docs: recorded ${NAME} into ${architectureDocs.join(', ')}`);
  });
});
