import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignalingClient } from '../../src/signaling/client';

/** Just enough of a browser WebSocket to drive the client from a test. */
class FakeWebSocket {
  static readonly OPEN = 1;
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeWebSocket.instances.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const USER = '0a0a0a0a-0000-4000-8000-000000000001';
const CALL_A = '0a0a0a0a-0000-4000-8000-00000000000a';
const CALL_B = '0a0a0a0a-0000-4000-8000-00000000000b';
const hello = (connectionId = 'c1') => ({ type: 'hello', payload: { connectionId, userId: USER, username: 'alice' } });
const accept = (callId: string) => ({ type: 'call:accept', payload: { callId } });

let client: SignalingClient;
const last = () => FakeWebSocket.instances[FakeWebSocket.instances.length - 1]!;

beforeEach(() => {
  FakeWebSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
  client = new SignalingClient(() => 'ws://test/api/v1/ws');
});

afterEach(() => {
  client.stop();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('SignalingClient', () => {
  it('authenticates with the bearer subprotocol and is open only once hello arrives', async () => {
    client.start('t0k3n');
    expect(last().protocols).toEqual(['bearer', 't0k3n']);
    last().open();
    expect(client.status.state).toBe('connecting');
    expect(client.send(accept(CALL_A) as never)).toBe(false);
    const ready = client.ready();
    last().receive(hello('conn-1'));
    await expect(ready).resolves.toBe('conn-1');
    expect(client.status).toEqual({ state: 'open', connectionId: 'conn-1' });
    expect(client.send({ type: 'call:accept', payload: { callId: CALL_A } })).toBe(true);
    expect(JSON.parse(last().sent[0]!)).toEqual(accept(CALL_A));
  });

  it('ignores frames that are not valid server messages, with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const seen = vi.fn();
    client.on('call:accept', seen);
    client.start('t');
    last().open();
    last().receive('not json');
    last().receive({ type: 'call:teleport', payload: {} });
    last().receive({ type: 'call:accept', payload: { callId: 'not-a-uuid' } });
    last().receive(accept(CALL_A));
    expect(warn).toHaveBeenCalledTimes(3);
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen).toHaveBeenCalledWith(accept(CALL_A));
  });

  it('next() resolves with the first message that passes the predicate, and unsubscribes', async () => {
    client.start('t');
    last().open();
    const next = client.next('call:accept', (m) => m.payload.callId === CALL_B);
    last().receive(accept(CALL_A));
    last().receive(accept(CALL_B));
    await expect(next).resolves.toEqual(accept(CALL_B));
  });

  it('next() waits for any of several types', async () => {
    client.start('t');
    last().open();
    const next = client.next(['call:accept', 'call:ended'], (m) => m.payload.callId === CALL_A);
    last().receive({ type: 'call:ended', payload: { callId: CALL_A, reason: 'missed' } });
    await expect(next).resolves.toMatchObject({ type: 'call:ended' });
  });

  it('next() rejects when aborted or timed out', async () => {
    vi.useFakeTimers();
    client.start('t');
    const controller = new AbortController();
    const aborted = client.next('call:accept', undefined, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const timedOut = client.next('call:accept', undefined, { timeoutMs: 1_000 });
    const check = expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(1_000);
    await check;
  });

  it('reconnects with backoff after a drop and reports a refused upgrade', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const refused = vi.fn();
    client.setHooks({ onUpgradeRefused: refused });
    client.start('t');
    last().drop(); // closed before it ever opened: the server may have refused the token
    expect(refused).toHaveBeenCalledTimes(1);
    expect(client.status).toMatchObject({ state: 'waiting', reason: 'closed' });
    await vi.advanceTimersByTimeAsync(249);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(2);

    // The second attempt waits longer; a successful hello resets the schedule.
    last().drop();
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeWebSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances).toHaveLength(3);
    last().open();
    last().receive(hello());
    last().drop();
    expect(refused).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(250);
    expect(FakeWebSocket.instances).toHaveLength(4);
  });

  it('hands an expired token to the session and stops for good on stop()', async () => {
    vi.useFakeTimers();
    const expired = vi.fn(() => client.stop());
    client.setHooks({ onTokenExpired: expired });
    client.start('t');
    last().open();
    last().receive(hello());
    last().drop(4001);
    expect(expired).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(client.status).toEqual({ state: 'idle' });
  });
});
