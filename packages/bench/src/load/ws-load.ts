/**
 * WebSocket load generator (its own process). Holds call pairs for the relay figure and idle sockets for the
 * connections figure; the bench drives it over IPC. Both sides of every pair live here, so sender → receiver
 * latency is measured on one clock.
 */
import { randomUUID } from 'node:crypto';
import { Samples } from '../stats.js';
import { RawWs } from './raw-ws.js';
import { serveRpc } from './rpc.js';

export interface BenchUser {
  id: string;
  token: string;
}

/**
 * Where the pairs connect. Parley: one server, or (`calleePort`) a cluster, callers on one node and callees on
 * another, so every relayed frame crosses the bus.
 */
type Target = { kind: 'parley'; port: number; calleePort?: number; users: BenchUser[] } | { kind: 'raw'; port: number };

const TS_MARK = Buffer.from(' ts ');
const QUOTE = 0x22;
const PRESENCE = Buffer.from('{"type":"presence"');

/**
 * One ICE candidate message as a browser would trickle it (object form, ~230 bytes), with the send time inside
 * the candidate string so the receiver can compute latency. Parley and the baseline get identical bytes.
 */
function candidateTemplate(callId: string): [string, string] {
  return [
    `{"type":"webrtc:ice-candidate","payload":{"callId":"${callId}","candidate":{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.2 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sW3a network-cost 999 ts `,
    '","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"sW3a"}}}',
  ];
}

/** Send time (performance.now ms) carried by a relayed frame, or NaN when the frame is not one of ours. */
function sentAt(buf: Buffer, start: number, end: number): number {
  const mark = buf.indexOf(TS_MARK, start);
  if (mark < 0 || mark >= end) return NaN;
  const from = mark + TS_MARK.length;
  const to = buf.indexOf(QUOTE, from);
  return Number(buf.toString('latin1', from, to));
}

type Mode = 'setup' | 'idle' | 'saturate' | 'trickle';

interface Side {
  ws: RawWs;
  prefix: string;
  suffix: string;
}

const state = {
  mode: 'setup' as Mode,
  measuring: false,
  received: 0,
  errors: 0,
  presence: 0,
  latency: new Samples(),
  sides: [] as Side[],
  idle: [] as RawWs[],
  idleFrames: 0,
};

function send(side: Side): void {
  side.ws.send(side.prefix + performance.now() + side.suffix);
}

/** What every bench-phase frame does on arrival; in saturate mode the receiver answers at once (closed loop). */
function onRelayed(side: Side, buf: Buffer, start: number, end: number): void {
  const at = sentAt(buf, start, end);
  if (Number.isNaN(at)) {
    if (isPresence(buf, start, end)) {
      state.presence += 1;
      return;
    }
    state.errors += 1;
    if (state.errors <= 3) console.error('unexpected frame:', buf.toString('utf8', start, Math.min(end, start + 300)));
    return;
  }
  if (state.measuring) {
    state.received += 1;
    state.latency.push(performance.now() - at);
  }
  if (state.mode === 'saturate') send(side);
}

function isPresence(buf: Buffer, start: number, end: number): boolean {
  return end - start >= PRESENCE.length && buf.compare(PRESENCE, 0, PRESENCE.length, start, start + PRESENCE.length) === 0;
}

/** Waits until no presence frame has arrived for `quietMs`: the server finished its fan-out. */
async function presenceSettled(quietMs = 500): Promise<void> {
  let seen = -1;
  while (seen !== state.presence) {
    seen = state.presence;
    await sleep(quietMs);
  }
}

/** A Parley connection during set-up: keeps the messages the set-up waits for, counts and skips presence. */
class Inbox {
  private readonly waiters: { type: string; resolve: (m: any) => void }[] = [];
  private readonly queue: any[] = [];
  connectionId = '';

  handle(buf: Buffer, start: number, end: number): void {
    if (isPresence(buf, start, end)) {
      state.presence += 1;
      return;
    }
    const message = JSON.parse(buf.toString('utf8', start, end));
    if (message.type === 'hello') this.connectionId = message.payload.connectionId;
    const index = this.waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message);
    else this.queue.push(message);
  }

  next(type: string, timeoutMs = 60_000): Promise<any> {
    const index = this.queue.findIndex((m) => m.type === type);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
      this.waiters.push({ type, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }
}

async function openParley(port: number, user: BenchUser): Promise<{ ws: RawWs; inbox: Inbox }> {
  const ws = await RawWs.open(port, '/api/v1/ws', ['bearer', user.token]);
  const inbox = new Inbox();
  ws.onText = (buf, start, end) => inbox.handle(buf, start, end);
  await inbox.next('hello');
  return { ws, inbox };
}

/** Caller and callee connect, the caller rings over REST, the callee accepts on its socket: an active call. */
async function parleyPair(port: number, calleePort: number, caller: BenchUser, callee: BenchUser): Promise<[Side, Side]> {
  const [a, b] = await Promise.all([openParley(port, caller), openParley(calleePort, callee)]);
  const created = await fetch(`http://127.0.0.1:${port}/api/v1/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${caller.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ calleeId: callee.id, connectionId: a.inbox.connectionId }),
  });
  if (created.status !== 201) throw new Error(`POST /calls answered ${created.status}: ${await created.text()}`);
  const { callId } = (await created.json()) as { callId: string };
  const incoming = await b.inbox.next('call:incoming');
  if (incoming.payload.callId !== callId) throw new Error('rung for another call');
  b.ws.send(JSON.stringify({ type: 'call:accept', payload: { callId } }));
  await Promise.all([a.inbox.next('call:accept'), b.inbox.next('call:accept')]);
  const [prefix, suffix] = candidateTemplate(callId);
  return [
    { ws: a.ws, prefix, suffix },
    { ws: b.ws, prefix, suffix },
  ];
}

/** The baseline relay pairs sockets by a query parameter; the frames carry a made-up call id of the same size. */
async function rawPair(port: number, index: number): Promise<[Side, Side]> {
  const [a, b] = await Promise.all([RawWs.open(port, `/?pair=${index}&side=a`), RawWs.open(port, `/?pair=${index}&side=b`)]);
  const [prefix, suffix] = candidateTemplate(randomUUID());
  return [
    { ws: a, prefix, suffix },
    { ws: b, prefix, suffix },
  ];
}

/** Runs `count` tasks with at most `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

serveRpc({
  /**
   * Opens `pairs` active calls (2 × pairs sockets). `pairOffset` numbers this generator's raw-relay pairs after
   * another generator's.
   */
  async setupPairs({ target, pairs, concurrency = 50, pairOffset = 0 }: { target: Target; pairs: number; concurrency?: number; pairOffset?: number }) {
    const started = performance.now();
    state.mode = 'setup';
    await pool(pairs, concurrency, async (i) => {
      const sides =
        target.kind === 'parley'
          ? await parleyPair(target.port, target.calleePort ?? target.port, target.users[2 * i]!, target.users[2 * i + 1]!)
          : await rawPair(target.port, pairOffset + i);
      const [a, b] = sides;
      a.ws.onText = (buf, start, end) => onRelayed(a, buf, start, end);
      b.ws.onText = (buf, start, end) => onRelayed(b, buf, start, end);
      state.sides.push(a, b);
    });
    const callsMs = performance.now() - started;
    // Each user's first socket announced them to everyone online; that fan-out must be over before measuring.
    await presenceSettled();
    state.mode = 'idle';
    return { ms: performance.now() - started, callsMs, sockets: state.sides.length, presenceFrames: state.presence };
  },

  /**
   * Closed loop: every socket keeps `window` frames in flight (each arrival is answered at once), so the relay is
   * never idle. Reports frames delivered per second over `durationMs` after `warmupMs`.
   */
  async saturate({ window, warmupMs, durationMs }: { window: number; warmupMs: number; durationMs: number }) {
    state.mode = 'saturate';
    state.errors = 0;
    for (const side of state.sides) side.ws.batch(() => {
      for (let i = 0; i < window; i++) send(side);
    });
    await sleep(warmupMs);
    state.latency.clear();
    state.received = 0;
    state.measuring = true;
    const started = performance.now();
    await sleep(durationMs);
    const seconds = (performance.now() - started) / 1000;
    state.measuring = false;
    const received = state.received;
    state.mode = 'idle';
    // Let the frames still in flight land before the next phase.
    await sleep(Math.min(1000, 200 + durationMs / 4));
    const [p50, p99] = state.latency.percentiles([50, 99]);
    return { rate: received / seconds, received, p50, p99, errors: state.errors, closed: state.sides.filter((s) => s.ws.closed).length };
  },

  /**
   * Open loop: frames leave at a fixed total `rate` per second, spread evenly over every socket (1 ms ticks), for
   * `durationMs` after `warmupMs`. Latency is measured on every frame received during the measured span.
   */
  async trickle({ rate, warmupMs, durationMs, histogram = false }: { rate: number; warmupMs: number; durationMs: number; histogram?: boolean }) {
    state.mode = 'trickle';
    state.errors = 0;
    state.received = 0;
    state.latency.clear();
    const sides = state.sides;
    let cursor = 0;
    let sent = 0;
    let sentMeasured = 0;
    const started = performance.now();
    let running = true;
    const tick = () => {
      if (!running) return;
      const now = performance.now();
      const due = Math.floor(((now - started) / 1000) * rate) - sent;
      for (let i = 0; i < due; i++) {
        send(sides[cursor]!);
        cursor = cursor + 1 === sides.length ? 0 : cursor + 1;
      }
      sent += due;
      if (state.measuring) sentMeasured += due;
      setTimeout(tick, 1);
    };
    tick();
    await sleep(warmupMs);
    state.measuring = true;
    const measuredFrom = performance.now();
    await sleep(durationMs);
    running = false;
    const seconds = (performance.now() - measuredFrom) / 1000;
    // Frames sent in the span may still be on their way: wait for them, still measuring.
    await sleep(300);
    state.measuring = false;
    state.mode = 'idle';
    const [p50, p99, p999, max] = state.latency.percentiles([50, 99, 99.9, 100]);
    return {
      offered: rate,
      sentPerSecond: sentMeasured / seconds,
      deliveredPerSecond: state.received / seconds,
      p50,
      p99,
      p999,
      max,
      samples: state.latency.count,
      sent: sentMeasured,
      errors: state.errors,
      closed: sides.filter((s) => s.ws.closed).length,
      ...(histogram ? { histogram: state.latency.histogram().pairs() } : {}),
    };
  },

  async closePairs() {
    const started = performance.now();
    await Promise.all(state.sides.map((s) => s.ws.close()));
    state.sides = [];
    return { ms: performance.now() - started };
  },

  /**
   * Opens `count` idle sockets, at most `concurrency` handshakes in flight. For Parley, socket i uses token
   * i mod tokens (so each user's first socket comes first) and counts as open at its `hello`.
   */
  async openIdle({ port, tokens, count, concurrency }: { port: number; tokens: string[] | null; count: number; concurrency: number }) {
    state.mode = 'idle';
    state.idleFrames = 0;
    let failed = 0;
    let firstError = '';
    const started = performance.now();
    await pool(count, concurrency, async (i) => {
      try {
        const ws = tokens
          ? await RawWs.open(port, '/api/v1/ws', ['bearer', tokens[i % tokens.length]!])
          : await RawWs.open(port, `/?idle=${i}`);
        if (tokens) {
          await new Promise<void>((resolve) => {
            ws.onText = () => {
              ws.onText = () => {
                state.idleFrames += 1;
              };
              resolve();
            };
          });
        }
        state.idle.push(ws);
      } catch (error) {
        failed += 1;
        firstError ||= String(error);
      }
    });
    const ms = performance.now() - started;
    return { ms, opened: state.idle.length, failed, firstError, perSecond: (count - failed) / (ms / 1000) };
  },

  /** Frames the idle sockets received after their hello (presence fan-out), so far. */
  idleFrames() {
    return { frames: state.idleFrames, open: state.idle.filter((ws) => !ws.closed).length };
  },

  async closeIdle() {
    const started = performance.now();
    await Promise.all(state.idle.map((ws) => ws.close()));
    const ms = performance.now() - started;
    state.idle = [];
    return { ms };
  },
});
