/**
 * Runs inside Chromium pages (serialised by Playwright, so everything lives in this one function). It installs
 * `window.bench`: a caller and a callee that set up a real call over Parley's REST + WebSocket protocol with
 * RTCPeerConnection and fake media, and an in-page baseline with the same two peer connections and no server.
 * Times are epoch milliseconds (`performance.timeOrigin + performance.now()`), comparable across pages.
 */
export function installBench(): void {
  const now = () => performance.timeOrigin + performance.now();
  const media = () => navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });

  interface Message {
    type: string;
    payload: any;
  }

  /** The signaling socket, with `next(type)` waits for the messages the call needs. */
  class Signal {
    private readonly queue: Message[] = [];
    private readonly waiters: { type: string; match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
    listener: ((m: Message) => void) | undefined;

    constructor(readonly ws: WebSocket) {
      ws.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as Message;
        if (this.listener && message.type === 'webrtc:ice-candidate') return this.listener(message);
        const index = this.waiters.findIndex((w) => w.type === message.type && w.match(message));
        if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message);
        else this.queue.push(message);
      });
    }

    next(type: string, match: (m: Message) => boolean = () => true, timeoutMs = 15_000): Promise<Message> {
      const index = this.queue.findIndex((m) => m.type === type && match(m));
      if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
        this.waiters.push({ type, match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    }

    /** Candidates that arrived before the listener existed, then every later one. */
    onCandidates(listener: (m: Message) => void): void {
      for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.type === 'webrtc:ice-candidate') listener(this.queue.splice(i, 1)[0]!);
      this.listener = listener;
    }

    send(type: string, payload: unknown): void {
      this.ws.send(JSON.stringify({ type, payload }));
    }

    clear(): void {
      this.queue.length = 0;
      this.listener = undefined;
    }
  }

  /** Resolves with the time the first remote video frame was presented (or decoded, whichever is seen first). */
  function firstFrame(pc: RTCPeerConnection, stream: MediaStream): { at: Promise<number>; video: HTMLVideoElement } {
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.width = 160;
    video.height = 120;
    video.srcObject = stream;
    document.body.append(video);
    void video.play().catch(() => {});
    const at = new Promise<number>((resolve, reject) => {
      let done = false;
      const finish = (t: number) => {
        if (!done) resolve(t);
        done = true;
      };
      if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => finish(now()));
      const poll = async () => {
        if (done) return;
        const stats = await pc.getStats();
        for (const report of stats.values()) {
          if (report.type === 'inbound-rtp' && report.kind === 'video' && (report.framesDecoded ?? 0) > 0) return finish(now());
        }
        setTimeout(poll, 5);
      };
      void poll();
      setTimeout(() => done || reject(new Error('no remote video frame within 15 s')), 15_000);
    });
    return { at, video };
  }

  /** Wires trickle ICE in both directions; remote candidates wait for the remote description. */
  function trickle(pc: RTCPeerConnection, send: (candidate: RTCIceCandidateInit) => void): { add: (c: RTCIceCandidateInit) => void; ready: () => void } {
    pc.addEventListener('icecandidate', (event) => {
      if (event.candidate) send(event.candidate.toJSON());
    });
    const early: RTCIceCandidateInit[] = [];
    let ready = false;
    return {
      add: (c) => (ready ? void pc.addIceCandidate(c).catch(() => {}) : early.push(c)),
      ready: () => {
        ready = true;
        for (const c of early.splice(0)) void pc.addIceCandidate(c).catch(() => {});
      },
    };
  }

  const state: {
    signal?: Signal;
    connectionId?: string;
    stream?: MediaStream;
    pc?: RTCPeerConnection;
    video?: HTMLVideoElement;
    callerDone?: Promise<number>;
  } = {};

  function cleanUp(): void {
    state.pc?.close();
    state.video?.remove();
    state.pc = undefined;
    state.video = undefined;
    state.signal?.clear();
  }

  const bench = {
    /** Opens the signaling socket (`['bearer', token]`) and waits for `hello`; the caller also opens its camera. */
    async connect({ wsUrl, token, camera }: { wsUrl: string; token: string; camera: boolean }): Promise<string> {
      const ws = new WebSocket(wsUrl, ['bearer', token]);
      state.signal = new Signal(ws);
      const hello = await state.signal.next('hello');
      state.connectionId = hello.payload.connectionId;
      if (camera) state.stream = await media();
      return state.connectionId!;
    },

    /**
     * Caller: rings over REST, and in the background answers the callee's accept with an offer. Returns the call
     * id; `callerFrame()` then resolves with the first remote frame's time.
     */
    async call({ apiUrl, token, calleeId }: { apiUrl: string; token: string; calleeId: string }): Promise<string> {
      const signal = state.signal!;
      const response = await fetch(`${apiUrl}/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ calleeId, connectionId: state.connectionId }),
      });
      if (response.status !== 201) throw new Error(`POST /calls answered ${response.status}`);
      const { callId } = (await response.json()) as { callId: string };
      state.callerDone = (async () => {
        await signal.next('call:accept', (m) => m.payload.callId === callId);
        const pc = new RTCPeerConnection();
        state.pc = pc;
        const ice = trickle(pc, (candidate) => signal.send('webrtc:ice-candidate', { callId, candidate }));
        signal.onCandidates((m) => ice.add(m.payload.candidate));
        const remote = new MediaStream();
        pc.addEventListener('track', (event) => remote.addTrack(event.track));
        for (const track of state.stream!.getTracks()) pc.addTrack(track, state.stream!);
        const frame = firstFrame(pc, remote);
        state.video = frame.video;
        await pc.setLocalDescription(await pc.createOffer());
        signal.send('webrtc:offer', { callId, sdp: pc.localDescription!.sdp });
        const answer = await signal.next('webrtc:answer', (m) => m.payload.callId === callId);
        await pc.setRemoteDescription({ type: 'answer', sdp: answer.payload.sdp });
        ice.ready();
        return frame.at;
      })();
      return callId;
    },

    callerFrame(): Promise<number> {
      return state.callerDone!;
    },

    /**
     * Callee: waits for the ring, then "clicks Accept" (the clock starts), opens its camera, answers the offer.
     * Resolves with the accept time and the first remote frame's time.
     */
    async answer({ callId }: { callId: string }): Promise<{ acceptAt: number; frameAt: number }> {
      const signal = state.signal!;
      await signal.next('call:incoming', (m) => m.payload.callId === callId);
      const acceptAt = now();
      signal.send('call:accept', { callId });
      const stream = await media();
      state.stream = stream;
      const pc = new RTCPeerConnection();
      state.pc = pc;
      const ice = trickle(pc, (candidate) => signal.send('webrtc:ice-candidate', { callId, candidate }));
      signal.onCandidates((m) => ice.add(m.payload.candidate));
      const remote = new MediaStream();
      pc.addEventListener('track', (event) => remote.addTrack(event.track));
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
      const frame = firstFrame(pc, remote);
      state.video = frame.video;
      const offer = await signal.next('webrtc:offer', (m) => m.payload.callId === callId);
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.payload.sdp });
      ice.ready();
      await pc.setLocalDescription(await pc.createAnswer());
      signal.send('webrtc:answer', { callId, sdp: pc.localDescription!.sdp });
      return { acceptAt, frameAt: await frame.at };
    },

    /** Caller hangs up over REST; both sides wait for `call:ended` and drop their peer connection. */
    async hangUp({ apiUrl, token, callId }: { apiUrl: string; token: string; callId: string }): Promise<void> {
      const ended = state.signal!.next('call:ended', (m) => m.payload.callId === callId);
      const response = await fetch(`${apiUrl}/calls/${callId}/end`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 200) throw new Error(`POST /calls/:id/end answered ${response.status}`);
      await ended;
      cleanUp();
    },

    async ended({ callId }: { callId: string }): Promise<void> {
      await state.signal!.next('call:ended', (m) => m.payload.callId === callId);
      cleanUp();
      for (const track of state.stream?.getTracks() ?? []) track.stop();
      state.stream = undefined;
    },

    /**
     * Baseline: the same call with both peer connections in this page and signaling handed over directly. The
     * clock starts at the "accept"; the callee opens its camera after it, as in the Parley call.
     */
    async baseline(): Promise<{ callerMs: number; calleeMs: number }> {
      const callerStream = state.stream ?? (state.stream = await media());
      const acceptAt = now();
      const caller = new RTCPeerConnection();
      const callee = new RTCPeerConnection();
      // Each side's candidates go straight into the other's peer connection.
      const callerIce = trickle(caller, (c) => calleeIce.add(c));
      const calleeIce = trickle(callee, (c) => callerIce.add(c));
      const callerRemote = new MediaStream();
      const calleeRemote = new MediaStream();
      caller.addEventListener('track', (event) => callerRemote.addTrack(event.track));
      callee.addEventListener('track', (event) => calleeRemote.addTrack(event.track));
      for (const track of callerStream.getTracks()) caller.addTrack(track, callerStream);
      const callerFrame = firstFrame(caller, callerRemote);
      const calleeFrame = firstFrame(callee, calleeRemote);
      const calleeStream = media();
      await caller.setLocalDescription(await caller.createOffer());
      const stream = await calleeStream;
      for (const track of stream.getTracks()) callee.addTrack(track, stream);
      await callee.setRemoteDescription(caller.localDescription!);
      calleeIce.ready();
      await callee.setLocalDescription(await callee.createAnswer());
      await caller.setRemoteDescription(callee.localDescription!);
      callerIce.ready();
      const [callerAt, calleeAt] = await Promise.all([callerFrame.at, calleeFrame.at]);
      caller.close();
      callee.close();
      callerFrame.video.remove();
      calleeFrame.video.remove();
      for (const track of stream.getTracks()) track.stop();
      return { callerMs: callerAt - acceptAt, calleeMs: calleeAt - acceptAt };
    },
  };
  (window as any).bench = bench;
}
