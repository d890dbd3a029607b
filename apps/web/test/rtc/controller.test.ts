import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/api/endpoints';
import { GLARE_WAIT_MS } from '../../src/rtc/controller';
import { FAST_START_SCALE, FULL_SIZE_AFTER_MS } from '../../src/rtc/fastStart';
import { ALICE, BOB, CALL, createHarness, deferred, OTHER_CALL, RING_EXPIRES, settle, type Harness } from '../helpers/callHarness';
import { fakeAnswer, fakeOffer, FakePeerConnection, FakeTrack } from '../helpers/fakeRtc';

let h: Harness;

beforeEach(() => {
  h = createHarness();
});

afterEach(() => {
  h.stop();
  vi.useRealTimers();
});

const incoming = (callId = CALL, from = ALICE) =>
  ({ type: 'call:incoming', payload: { callId, from: from.username, callerId: from.id, ringExpiresAt: RING_EXPIRES } }) as const;

/** Alice (this tab) calls Bob, Bob accepts and offers, this tab answers and media connects. */
async function connectedAsCaller(): Promise<void> {
  await h.controller.placeCall(BOB);
  await settle();
  h.signaling.emit({ type: 'call:accept', payload: { callId: CALL } });
  h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer() } });
  await settle();
  h.pc().connect();
  await settle();
}

/** Bob calls this tab, which accepts and sends the offer it made while it rang; Bob answers and media connects. */
async function connectedAsCallee(): Promise<void> {
  h.signaling.emit(incoming(CALL, BOB));
  await settle();
  h.controller.acceptCall();
  h.signaling.emit({ type: 'webrtc:answer', payload: { callId: CALL, sdp: fakeAnswer() } });
  await settle();
  h.pc().connect();
  await settle();
}

describe('dialing', () => {
  it('goes from placing to ringing, connects when the callee accepts, and answers the callee’s offer', async () => {
    const created = deferred<Awaited<ReturnType<Harness['api']['createCall']>>>();
    h.api.createCall.mockReturnValueOnce(created.promise);
    const placing = h.controller.placeCall(BOB);
    expect(h.controller.store.call).toMatchObject({ phase: 'outgoing', callId: null, peer: BOB });
    expect(h.tone()).toBe('ringback');
    await settle();
    expect(h.api.createCall).toHaveBeenCalledWith({ calleeId: BOB.id, connectionId: 'conn-1' });

    created.resolve({ callId: CALL, status: 'created', callee: BOB, ringExpiresAt: RING_EXPIRES, ringing: true });
    await placing;
    expect(h.controller.store.call).toMatchObject({ phase: 'outgoing', callId: CALL, ringing: true });
    // While it rings the connection is made, waiting for the callee's offer; nothing is sent.
    await settle();
    const pc = h.pc();
    expect(pc.transceivers).toHaveLength(0);
    expect(h.signaling.sent.filter((m) => m.type.startsWith('webrtc:'))).toEqual([]);

    h.signaling.emit({ type: 'call:accept', payload: { callId: CALL } });
    expect(h.controller.store.call).toMatchObject({ phase: 'connecting', role: 'caller' });
    expect(h.tone()).toBeNull();
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer() } });
    await settle();
    expect(h.pcs).toHaveLength(1);
    expect(h.signaling.sentOf('webrtc:answer')).toHaveLength(1);
    // The camera and microphone opened for the outgoing screen are on the adopted transceivers.
    expect(pc.transceivers.map((t) => [t.direction, t.sender.track?.kind])).toEqual([
      ['sendrecv', 'audio'],
      ['sendrecv', 'video'],
    ]);
    pc.connect();
    expect(h.controller.store.call).toMatchObject({ phase: 'connected', callId: CALL, link: 'ok' });
  });

  it('says "calling" while no device of the callee has the call, and "ringing" once the server says one does', async () => {
    h.api.createCall.mockResolvedValueOnce({ callId: CALL, status: 'created', callee: BOB, ringExpiresAt: RING_EXPIRES, ringing: false });
    await h.controller.placeCall(BOB);
    expect(h.controller.store.call).toMatchObject({ phase: 'outgoing', callId: CALL, ringing: false });
    h.signaling.emit({ type: 'call:ringing', payload: { callId: CALL } });
    expect(h.controller.store.call).toMatchObject({ phase: 'outgoing', ringing: true });
  });

  it('applies a call:ringing that arrived while POST /calls was still in flight', async () => {
    const created = deferred<Awaited<ReturnType<Harness['api']['createCall']>>>();
    h.api.createCall.mockReturnValueOnce(created.promise);
    const placing = h.controller.placeCall(BOB);
    await settle();
    h.signaling.emit({ type: 'call:ringing', payload: { callId: CALL } });
    created.resolve({ callId: CALL, status: 'created', callee: BOB, ringExpiresAt: RING_EXPIRES, ringing: false });
    await placing;
    expect(h.controller.store.call).toMatchObject({ phase: 'outgoing', ringing: true });
  });

  it('tells a caller whose call never rang that the callee stayed offline', async () => {
    h.api.createCall.mockResolvedValueOnce({ callId: CALL, status: 'created', callee: BOB, ringExpiresAt: RING_EXPIRES, ringing: false });
    await h.controller.placeCall(BOB);
    h.signaling.emit({ type: 'call:ended', payload: { callId: CALL, reason: 'missed' } });
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'missed', rang: false });
  });

  it('says the callee is busy when the server says so', async () => {
    h.api.createCall.mockRejectedValueOnce(new ApiError(409, 'CALLEE_BUSY', 'bob is unavailable'));
    await h.controller.placeCall(BOB);
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'callee_busy', callId: null });
    expect(h.media.handedOut.every((t) => t.stopped)).toBe(true);
  });

  it('says the callee was called too often without an answer on 429 (the per-pair ring limit)', async () => {
    h.api.createCall.mockRejectedValueOnce(new ApiError(429, 'RATE_LIMITED', 'You have called bob too often without an answer'));
    await h.controller.placeCall(BOB);
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'too_many_rings', callId: null });
  });
});

describe('cancelling', () => {
  it('ends a ringing call on the server and stops the ringback and the camera', async () => {
    await h.controller.placeCall(BOB);
    await h.controller.hangUp();
    expect(h.api.endCall).toHaveBeenCalledWith(CALL);
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'cancelled', by: 'local', role: 'caller' });
    expect(h.tone()).toBeNull();
    expect(h.media.handedOut.length).toBeGreaterThan(0);
    expect(h.media.handedOut.every((t) => t.stopped)).toBe(true);
  });

  it('ends the call the server created after the user had already cancelled', async () => {
    const created = deferred<Awaited<ReturnType<Harness['api']['createCall']>>>();
    h.api.createCall.mockReturnValueOnce(created.promise);
    const placing = h.controller.placeCall(BOB);
    await settle();
    await h.controller.hangUp();
    expect(h.api.endCall).not.toHaveBeenCalled();
    created.resolve({ callId: CALL, status: 'created', callee: BOB, ringExpiresAt: RING_EXPIRES, ringing: true });
    await placing;
    expect(h.api.endCall).toHaveBeenCalledWith(CALL);
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'cancelled' });
  });

  it('stops ringing here when the caller cancels', () => {
    h.signaling.emit(incoming());
    expect(h.tone()).toBe('ringtone');
    h.signaling.emit({ type: 'call:ended', payload: { callId: CALL, reason: 'cancelled' } });
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'cancelled', role: 'callee', by: 'remote' });
    expect(h.tone()).toBeNull();
  });
});

describe('answering', () => {
  it('makes its offer while it rings, sends it right after the accept, and puts the tracks on it after Accept', async () => {
    h.signaling.emit(incoming());
    expect(h.controller.store.call).toMatchObject({ phase: 'incoming', callId: CALL, peer: ALICE });
    expect(h.api.rtcConfig).toHaveBeenCalledTimes(1);
    await settle();
    // Ready before Accept: the connection, its layout and its offer; nothing sent, no camera or microphone opened.
    const pc = h.pc();
    expect(pc.offeredSections).toEqual(['audio', 'video', 'application']);
    expect(h.signaling.sent).toEqual([]);
    expect(h.media.handedOut).toHaveLength(0);

    h.controller.acceptCall();
    // The accept, then at once the offer and its candidates, in order.
    expect(h.signaling.sent.map((m) => m.type)).toEqual(['call:accept', 'webrtc:offer', 'webrtc:ice-candidate']);
    expect(h.signaling.sentOf('call:accept')[0]?.payload).toEqual({ callId: CALL });
    expect(h.controller.store.call).toMatchObject({ phase: 'connecting', role: 'callee' });
    await settle();
    expect(pc.transceivers.map((t) => t.sender.track?.kind)).toEqual(['audio', 'video']);

    h.signaling.emit({ type: 'webrtc:answer', payload: { callId: CALL, sdp: fakeAnswer() } });
    await settle();
    expect(pc.signalingState).toBe('stable');
    pc.connect();
    expect(h.controller.store.call).toMatchObject({ phase: 'connected', role: 'callee' });
  });

  it('declares a start bitrate for the video it receives in the SDP it sends, not in its own description', async () => {
    h.signaling.emit(incoming());
    await settle();
    h.controller.acceptCall();
    expect(h.signaling.sentOf('webrtc:offer')[0]?.payload.sdp).toContain('a=fmtp:96 x-google-start-bitrate=1000');
    expect(h.pc().localDescription?.sdp).not.toContain('x-google-start-bitrate');
  });

  it('queues signals that arrive before its connection exists and applies them in order', async () => {
    await h.controller.placeCall(BOB);
    // Before the ICE configuration resolved and the link was made.
    h.signaling.emit({ type: 'call:accept', payload: { callId: CALL } });
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer() } });
    h.signaling.emit({ type: 'webrtc:ice-candidate', payload: { callId: CALL, candidate: { candidate: 'candidate:9', sdpMid: '0', sdpMLineIndex: 0 } } });
    await settle();
    expect(h.pc().remoteCandidates.map((c) => c.candidate)).toEqual(['candidate:9']);
    expect(h.signaling.sentOf('webrtc:answer')).toHaveLength(1);
  });

  it('declines: tells the server, stops ringing, opens no connection', () => {
    h.signaling.emit(incoming());
    h.controller.declineCall();
    expect(h.signaling.sentOf('call:reject')).toEqual([{ type: 'call:reject', payload: { callId: CALL } }]);
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'rejected', by: 'local', role: 'callee' });
    expect(h.tone()).toBeNull();
    expect(h.pcs).toHaveLength(0);
  });

  it('tells the caller the callee declined', async () => {
    await h.controller.placeCall(BOB);
    h.signaling.emit({ type: 'call:reject', payload: { callId: CALL } });
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'rejected', by: 'remote', role: 'caller' });
  });
});

describe('glare: both press Call at once', () => {
  const lost = () => new ApiError(409, 'CALLER_BUSY', 'You are already in a call', OTHER_CALL);

  it('becomes the incoming call from the other person when its call:incoming came before the 409', async () => {
    const created = deferred<never>();
    h.api.createCall.mockReturnValueOnce(created.promise);
    const placing = h.controller.placeCall(BOB);
    await settle();
    h.signaling.emit(incoming(OTHER_CALL, BOB));
    created.reject(lost());
    await placing;
    expect(h.controller.store.call).toEqual({ phase: 'incoming', callId: OTHER_CALL, peer: BOB, ringExpiresAt: RING_EXPIRES, media: 'video' });
    expect(h.tone()).toBe('ringtone');

    // And it can be answered like any incoming call.
    h.controller.acceptCall();
    expect(h.signaling.sentOf('call:accept')).toEqual([{ type: 'call:accept', payload: { callId: OTHER_CALL } }]);
  });

  it('becomes the incoming call when its call:incoming arrives just after the 409', async () => {
    h.api.createCall.mockRejectedValueOnce(lost());
    const placing = h.controller.placeCall(BOB);
    await settle();
    expect(h.controller.store.call).toMatchObject({ phase: 'outgoing', callId: null });
    h.signaling.emit(incoming(OTHER_CALL, BOB));
    await placing;
    expect(h.controller.store.call).toMatchObject({ phase: 'incoming', callId: OTHER_CALL, peer: BOB });
  });

  it('says "already in a call" when the blocking call does not ring here (it is on another device)', async () => {
    vi.useFakeTimers();
    h.api.createCall.mockRejectedValueOnce(lost());
    const placing = h.controller.placeCall(BOB);
    await vi.advanceTimersByTimeAsync(GLARE_WAIT_MS - 100);
    expect(h.controller.store.call).toMatchObject({ phase: 'outgoing' });
    await vi.advanceTimersByTimeAsync(200);
    await placing;
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'caller_busy' });
  });
});

describe('a signaling blip in mid-call', () => {
  it('keeps the peer connection while the socket is down and after the rejoin, with no renegotiation', async () => {
    await connectedAsCaller();
    const pc = h.pc();
    const offers = h.signaling.sentOf('webrtc:offer').length;

    h.signaling.drop();
    expect(h.controller.store.call).toMatchObject({ phase: 'connected', link: 'self' });
    expect(pc.closed).toBe(false);

    h.signaling.reconnect();
    expect(h.signaling.sentOf('call:rejoin')).toEqual([{ type: 'call:rejoin', payload: { callId: CALL } }]);
    h.signaling.emit({ type: 'call:rejoined', payload: { callId: CALL, role: 'caller', peer: BOB } });
    await settle();
    expect(h.controller.store.call).toMatchObject({ phase: 'connected', link: 'ok' });
    expect(h.pcs).toHaveLength(1);
    expect(pc.closed).toBe(false);
    expect(pc.restarts).toBe(0);
    expect(h.signaling.sentOf('webrtc:offer')).toHaveLength(offers);
  });

  it('restarts ICE from the side that came back when ICE itself dropped meanwhile', async () => {
    await connectedAsCallee();
    const pc = h.pc();
    const offers = h.signaling.sentOf('webrtc:offer').length;
    h.signaling.drop();
    pc.connect('disconnected');
    expect(h.controller.store.call).toMatchObject({ link: 'self' });
    h.signaling.reconnect();
    h.signaling.emit({ type: 'call:rejoined', payload: { callId: CALL, role: 'callee', peer: BOB } });
    await settle();
    expect(h.pcs).toHaveLength(1);
    expect(pc.restarts).toBe(1);
    expect(h.signaling.sentOf('webrtc:offer')).toHaveLength(offers + 1);
  });

  it('keeps the connection when the other side’s socket drops and comes back', async () => {
    await connectedAsCallee();
    const pc = h.pc();
    h.signaling.emit({ type: 'call:peer-connection', payload: { callId: CALL, connected: false, graceMs: 10_000 } });
    expect(h.controller.store.call).toMatchObject({ link: 'peer' });
    h.signaling.emit({ type: 'call:peer-connection', payload: { callId: CALL, connected: true } });
    await settle();
    expect(h.controller.store.call).toMatchObject({ phase: 'connected', link: 'ok' });
    expect(h.pcs).toHaveLength(1);
    expect(pc.closed).toBe(false);
    expect(pc.restarts).toBe(0);
  });

  it('withdraws an offer the server dropped while the other side was away', async () => {
    await connectedAsCaller();
    const pc = h.pc();
    h.signaling.emit({ type: 'call:peer-connection', payload: { callId: CALL, connected: false, graceMs: 10_000 } });
    await h.controller.peerLink()?.restartIce();
    await settle();
    expect(pc.signalingState).toBe('have-local-offer');
    h.signaling.emit({ type: 'call:peer-connection', payload: { callId: CALL, connected: true } });
    await settle();
    expect(pc.signalingState).toBe('stable');
  });

  it('accepts, on the same connection, the offer of the other side’s new connection after its reload', async () => {
    await connectedAsCaller();
    const pc = h.pc();
    h.signaling.emit({ type: 'call:peer-connection', payload: { callId: CALL, connected: false, graceMs: 10_000 } });
    // Its page is gone: so is the SCTP association under the state channel.
    pc.channel.close();
    const answers = h.signaling.sentOf('webrtc:answer').length;
    h.signaling.emit({ type: 'call:peer-connection', payload: { callId: CALL, connected: true } });
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer('remote-cert-2', 'remote-ufrag-9') } });
    await settle();
    expect(h.pcs).toHaveLength(1);
    expect(h.signaling.sentOf('webrtc:answer')).toHaveLength(answers + 1);
    // Media must come back within the watchdog's bound: it waits for this connection to reconnect.
    pc.connect('connecting');
    expect(h.controller.store.call).toMatchObject({ phase: 'connected' });
    // A new state channel with the same id replaced the closed one and opens with the new connection.
    expect(pc.channels).toHaveLength(2);
    pc.connect();
    expect(pc.channel.readyState).toBe('open');
  });
});

describe('a page reload in mid-call', () => {
  it('shows the call at once, rejoins, and opens one new connection that makes the offer (as callee too)', async () => {
    h.stop();
    h = createHarness();
    h.storage.active = { callId: CALL, role: 'callee', peer: BOB, answeredAt: 1_000 };
    h.signaling.status = { state: 'waiting', attempt: 0, reason: 'closed' };
    h.controller.resumeFromStorage();
    expect(h.controller.store.call).toMatchObject({ phase: 'connecting', role: 'callee', link: 'self', answeredAt: 1_000 });
    expect(h.pcs).toHaveLength(0);

    h.signaling.reconnect();
    h.signaling.emit({ type: 'call:rejoined', payload: { callId: CALL, role: 'callee', peer: BOB } });
    await settle();
    const pc = h.pc();
    expect(pc.offeredSections).toEqual(['audio', 'video', 'application']);
    expect(h.signaling.sentOf('webrtc:offer')).toHaveLength(1);
    h.signaling.emit({ type: 'webrtc:answer', payload: { callId: CALL, sdp: fakeAnswer() } });
    await settle();
    pc.connect();
    expect(h.controller.store.call).toMatchObject({ phase: 'connected', link: 'ok' });
  });

  it('cancels a call the last page was still placing', () => {
    h.storage.dialing = CALL;
    h.controller.resumeFromStorage();
    expect(h.api.endCall).toHaveBeenCalledWith(CALL);
  });
});

describe('hanging up', () => {
  it('from this side: ends the call on the server and releases the connection and the devices', async () => {
    await connectedAsCaller();
    const pc = h.pc();
    await h.controller.hangUp();
    expect(h.api.endCall).toHaveBeenCalledWith(CALL);
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'hangup', by: 'local' });
    expect(pc.closed).toBe(true);
    expect(h.media.handedOut.every((t) => t.stopped)).toBe(true);
    expect(h.controller.store.state.remoteStream).toBeNull();
  });

  it('from the other side: says who hung up and releases everything', async () => {
    await connectedAsCallee();
    const pc = h.pc();
    h.signaling.emit({ type: 'call:ended', payload: { callId: CALL, reason: 'hangup' } });
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'hangup', by: 'remote', role: 'callee' });
    expect(pc.closed).toBe(true);
    expect(h.api.endCall).not.toHaveBeenCalled();
    expect(h.media.handedOut.every((t) => t.stopped)).toBe(true);
  });

  it('ignores a late call:ended of another call', async () => {
    await connectedAsCaller();
    h.signaling.emit({ type: 'call:ended', payload: { callId: OTHER_CALL, reason: 'hangup' } });
    expect(h.controller.store.call).toMatchObject({ phase: 'connected' });
  });
});

describe('remote media state over the state channel', () => {
  it('tells the other side at once when the microphone mutes and the camera goes off, and again when they come back', async () => {
    await connectedAsCaller();
    const channel = h.pc().channel;
    expect(channel.sentJson).toEqual([{ mic: true, camera: true }]);

    h.controller.toggleMute();
    await h.controller.toggleCamera();
    expect(channel.sentJson.slice(1)).toEqual([
      { mic: false, camera: true },
      { mic: false, camera: false },
    ]);
    h.controller.toggleMute();
    await h.controller.toggleCamera();
    expect(channel.sentJson.at(-1)).toEqual({ mic: true, camera: true });
    // The camera went back on the wire as a new track.
    expect(h.pc().transceivers[1]?.sender.track).toBeInstanceOf(FakeTrack);
  });

  it('shows what the other side says it sends, and ignores what is not a media state', async () => {
    await connectedAsCallee();
    const channel = h.pc().channel;
    channel.receive(JSON.stringify({ mic: false, camera: false }));
    expect(h.controller.store.state.remoteMedia).toEqual({ mic: false, camera: false });
    channel.receive('{"mic":"yes"}');
    channel.receive('not json');
    expect(h.controller.store.state.remoteMedia).toEqual({ mic: false, camera: false });
    channel.receive(JSON.stringify({ mic: true, camera: true }));
    expect(h.controller.store.state.remoteMedia).toEqual({ mic: true, camera: true });
  });

  it('sends the current state when the channel opens, also after a mute before it did', async () => {
    h.signaling.emit(incoming(CALL, BOB));
    h.controller.acceptCall();
    await settle();
    h.controller.toggleMute();
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer() } });
    await settle();
    h.pc().connect();
    expect(h.pc().channel.sentJson).toEqual([{ mic: false, camera: true }]);
  });
});

describe('the media watchdog', () => {
  it('ends the call as media_failed when media never connects, and tells the server', async () => {
    vi.useFakeTimers();
    h.signaling.emit(incoming(CALL, BOB));
    h.controller.acceptCall();
    await vi.advanceTimersByTimeAsync(0);
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer() } });
    await vi.advanceTimersByTimeAsync(12_500);
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'media_failed', by: 'local' });
    expect(h.api.endCall).toHaveBeenCalledWith(CALL);
  });

  it('fails at once on accept when the offer prepared while ringing found no candidate at all', async () => {
    FakePeerConnection.candidates = 0;
    h.signaling.emit(incoming(CALL, BOB));
    await settle();
    expect(h.controller.store.call).toMatchObject({ phase: 'incoming' });
    h.controller.acceptCall();
    await settle();
    expect(h.controller.store.call).toMatchObject({ phase: 'ended', cause: 'media_failed', by: 'local' });
    // The offer went out first, so the other side finds out for itself and says the same.
    expect(h.signaling.sentOf('webrtc:offer')).toHaveLength(1);
  });

  it('does not end a call whose socket blipped: the connection stays up and nothing is re-armed', async () => {
    vi.useFakeTimers();
    h.signaling.emit(incoming(CALL, BOB));
    h.controller.acceptCall();
    await vi.advanceTimersByTimeAsync(0);
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer() } });
    await vi.advanceTimersByTimeAsync(0);
    h.pc().connect();
    h.signaling.drop();
    await vi.advanceTimersByTimeAsync(3_000);
    h.signaling.reconnect();
    h.signaling.emit({ type: 'call:rejoined', payload: { callId: CALL, role: 'callee', peer: BOB } });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(h.controller.store.call).toMatchObject({ phase: 'connected', link: 'ok' });
  });
});

describe('chat over the state channel', () => {
  const chatFrames = (sent: unknown[]) => sent.filter((m): m is { type: 'chat'; text: string } => typeof m === 'object' && m !== null && 'type' in m && m.type === 'chat');

  it('sends a message peer to peer, shows it, and receives the other side’s with an unread count while closed', async () => {
    await connectedAsCaller();
    const channel = h.pc().channel;
    expect(h.controller.sendChat('  hello bob ')).toBe(true);
    expect(chatFrames(channel.sentJson)).toMatchObject([{ type: 'chat', text: 'hello bob' }]);
    // Never through the server.
    expect(h.signaling.sent.some((m) => JSON.stringify(m).includes('hello bob'))).toBe(false);

    channel.receive(JSON.stringify({ type: 'chat', id: 'b1', text: 'hi alice', sentAt: 1 }));
    channel.receive(JSON.stringify({ type: 'chat', id: 'b2', text: 'you there?', sentAt: 2 }));
    const chat = () => h.controller.store.state.chat;
    expect(chat().entries.map((e) => [e.from, e.text])).toEqual([
      ['self', 'hello bob'],
      ['peer', 'hi alice'],
      ['peer', 'you there?'],
    ]);
    expect(chat().unread).toBe(2);
    h.controller.setChatOpen(true);
    expect(chat().unread).toBe(0);
  });

  it('refuses invalid or oversized messages from the other side, and refuses to send empty ones', async () => {
    await connectedAsCaller();
    const channel = h.pc().channel;
    channel.receive(JSON.stringify({ type: 'chat', id: 'b1', text: '', sentAt: 1 }));
    channel.receive(JSON.stringify({ type: 'chat', id: 'b1', text: 'x'.repeat(2_001), sentAt: 1 }));
    channel.receive(JSON.stringify({ type: 'chat', id: 'b1', text: 'hi', sentAt: 1, html: '<b>' }));
    channel.receive(JSON.stringify({ type: 'chat', text: 'no id', sentAt: 1 }));
    channel.receive(`{"type":"chat","id":"b1","text":"hi","sentAt":1}${' '.repeat(10_000)}`);
    expect(h.controller.store.state.chat.entries).toEqual([]);
    expect(h.controller.sendChat('   ')).toBe(false);
    // The media state still gets through beside it.
    channel.receive(JSON.stringify({ mic: false, camera: true }));
    expect(h.controller.store.state.remoteMedia).toEqual({ mic: false, camera: true });
  });

  it('keeps working over the same channel after an ICE restart, and holds messages while the channel reopens', async () => {
    await connectedAsCaller();
    const pc = h.pc();
    pc.connect('failed');
    await settle();
    expect(pc.restarts).toBe(1);
    h.signaling.emit({ type: 'webrtc:answer', payload: { callId: CALL, sdp: fakeAnswer('remote-cert-1', 'remote-ufrag-2') } });
    await settle();
    pc.connect();
    expect(pc.channels).toHaveLength(1);
    expect(h.controller.sendChat('after restart')).toBe(true);
    expect(chatFrames(pc.channel.sentJson).map((m) => m.text)).toEqual(['after restart']);

    // The other page reloads: its channel closes, a new one with the same id waits; a message waits with it.
    pc.channel.close();
    expect(h.controller.sendChat('while away')).toBe(true);
    pc.connect();
    expect(chatFrames(pc.channel.sentJson).map((m) => m.text)).toEqual(['while away']);
  });

  it('forgets the conversation when the call ends', async () => {
    await connectedAsCaller();
    h.pc().channel.receive(JSON.stringify({ type: 'chat', id: 'b1', text: 'bye', sentAt: 1 }));
    await h.controller.hangUp();
    expect(h.controller.store.state.chat).toEqual({ entries: [], open: false, unread: 0 });
    expect(h.controller.sendChat('too late')).toBe(false);
  });
});

describe('voice calls', () => {
  it('places a voice call without opening the camera, says so to the server, and adds video later', async () => {
    await h.controller.placeCall(BOB, 'audio');
    await settle();
    expect(h.api.createCall).toHaveBeenCalledWith({ calleeId: BOB.id, connectionId: 'conn-1', media: 'audio' });
    expect(h.media.wants).toEqual([{ video: false }]);
    expect(h.media.handedOut.map((t) => t.kind)).toEqual(['audio']);
    expect(h.controller.store.state.media).toMatchObject({ mic: 'on', camera: 'off' });

    h.signaling.emit({ type: 'call:accept', payload: { callId: CALL } });
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer() } });
    await settle();
    const pc = h.pc();
    pc.connect();
    await settle();
    // The other side shows the avatar from the start: no picture is on the wire.
    expect(pc.channel.sentJson).toEqual([{ mic: true, camera: false }]);
    expect(pc.transceivers.find((t) => t.receiver.track.kind === 'video')?.sender.track).toBeNull();

    await h.controller.toggleCamera();
    await settle();
    expect(h.controller.store.state.media.camera).toBe('on');
    expect(pc.transceivers.find((t) => t.receiver.track.kind === 'video')?.sender.track?.kind).toBe('video');
    expect(pc.channel.sentJson.at(-1)).toEqual({ mic: true, camera: true });
    // Adding video needed no renegotiation.
    expect(h.signaling.sentOf('webrtc:offer')).toHaveLength(0);
  });

  it('rings as a voice call, answers it without video by default, or with video when the callee chooses', async () => {
    h.signaling.emit({ ...incoming(CALL, BOB), payload: { ...incoming(CALL, BOB).payload, media: 'audio' } });
    expect(h.controller.store.call).toMatchObject({ phase: 'incoming', media: 'audio' });
    await settle();
    h.controller.acceptCall();
    await settle();
    expect(h.media.wants).toEqual([{ video: false }]);
    expect(h.controller.store.state.media.camera).toBe('off');
  });

  it('lets the callee of a video call answer without video', async () => {
    h.signaling.emit(incoming(CALL, BOB));
    expect(h.controller.store.call).toMatchObject({ phase: 'incoming', media: 'video' });
    await settle();
    h.controller.acceptCall({ video: false });
    h.signaling.emit({ type: 'webrtc:answer', payload: { callId: CALL, sdp: fakeAnswer() } });
    await settle();
    h.pc().connect();
    await settle();
    expect(h.media.wants).toEqual([{ video: false }]);
    expect(h.pc().channel.sentJson).toEqual([{ mic: true, camera: false }]);
  });
});

describe('camera flip', () => {
  it('switches between the front and back camera where the camera says which way it faces', async () => {
    h.media.facing = 'user';
    await connectedAsCaller();
    expect(h.controller.store.state.cameraFacing).toBe('user');
    const front = h.media.handedOut.find((t) => t.kind === 'video');
    await h.controller.flipCamera();
    expect(front?.stopped).toBe(true);
    expect(h.controller.store.state.cameraFacing).toBe('environment');
    const back = h.pc().transceivers.find((t) => t.receiver.track.kind === 'video')?.sender.track;
    expect(back?.facingMode).toBe('environment');
  });

  it('does nothing where the camera does not say which way it faces', async () => {
    await connectedAsCaller();
    expect(h.controller.store.state.cameraFacing).toBeNull();
    const before = h.media.handedOut.length;
    await h.controller.flipCamera();
    expect(h.media.handedOut).toHaveLength(before);
  });
});

describe('fast start: the first video goes out small', () => {
  const videoScale = () => h.pc().transceivers.find((t) => t.receiver.track.kind === 'video')?.encodings.map((e) => e.scaleResolutionDownBy ?? 1);
  const audioScale = () => h.pc().transceivers.find((t) => t.receiver.track.kind === 'audio')?.encodings.map((e) => e.scaleResolutionDownBy ?? 1);

  /** On fake timers: this tab called Bob, Bob accepted and offered, this tab answered (media not up yet). */
  async function answeredAsCaller(): Promise<void> {
    vi.useFakeTimers();
    const placing = h.controller.placeCall(BOB);
    await vi.advanceTimersByTimeAsync(0);
    await placing;
    h.signaling.emit({ type: 'call:accept', payload: { callId: CALL } });
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer() } });
    await vi.advanceTimersByTimeAsync(0);
  }

  it('the offering side (callee) makes its video transceiver at half size and goes to full size after media is up', async () => {
    vi.useFakeTimers();
    h.signaling.emit(incoming(CALL, BOB));
    await vi.advanceTimersByTimeAsync(0);
    expect(videoScale()).toEqual([FAST_START_SCALE]);
    expect(audioScale()).toEqual([1]);
    h.controller.acceptCall();
    h.signaling.emit({ type: 'webrtc:answer', payload: { callId: CALL, sdp: fakeAnswer() } });
    await vi.advanceTimersByTimeAsync(0);
    // Not before media is up, however long that takes.
    await vi.advanceTimersByTimeAsync(FULL_SIZE_AFTER_MS * 2);
    expect(videoScale()).toEqual([FAST_START_SCALE]);
    h.pc().connect();
    await vi.advanceTimersByTimeAsync(FULL_SIZE_AFTER_MS - 100);
    expect(videoScale()).toEqual([FAST_START_SCALE]);
    await vi.advanceTimersByTimeAsync(200);
    expect(videoScale()).toEqual([1]);
  });

  it('the answering side (caller) scales the video transceiver it adopts from the offer, then goes to full size', async () => {
    await answeredAsCaller();
    expect(h.signaling.sentOf('webrtc:answer')).toHaveLength(1);
    expect(videoScale()).toEqual([FAST_START_SCALE]);
    expect(audioScale()).toEqual([1]);
    h.pc().connect();
    await vi.advanceTimersByTimeAsync(FULL_SIZE_AFTER_MS + 100);
    expect(videoScale()).toEqual([1]);
  });

  it('goes to full size once: a reload of the other side (a new offer on this connection) does not shrink it again', async () => {
    await answeredAsCaller();
    h.pc().connect();
    await vi.advanceTimersByTimeAsync(FULL_SIZE_AFTER_MS + 100);
    h.signaling.emit({ type: 'webrtc:offer', payload: { callId: CALL, sdp: fakeOffer('remote-cert-2', 'remote-ufrag-9') } });
    await vi.advanceTimersByTimeAsync(FULL_SIZE_AFTER_MS + 100);
    expect(videoScale()).toEqual([1]);
  });
});
