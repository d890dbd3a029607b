import { CLOSE_CODES, LIMITS } from '@parley/protocol';
import { sleep } from './api.js';
import { PairEngine } from './pairs.js';
import { LOAD_ENV, mib, RssSampler, ServerProcess } from './server-process.js';

export interface SlowConsumerOptions {
  /** How much the fast side sends at the frozen one (at least; it goes on until the server reacts). */
  floodMiB: number;
  maxBufferedBytes?: number;
}

export interface SlowConsumerReport {
  floodBytes: number;
  maxBufferedBytes: number;
  /** Bytes the fast side had sent when the server reported the frozen side gone. */
  detectedAfterBytes: number | undefined;
  detectedAfterMs: number | undefined;
  rssBefore: number;
  rssPeak: number;
  rssGrowth: number;
  /** What the frozen client saw once it read again (4009, or 1006 when the server had to cut the TCP connection). */
  frozenSideCloseCode: number | undefined;
  fastSideOk: boolean;
  failures: string[];
}

/** Memory the server may grow by while it is flooded, whatever the flood's size. */
export const SLOW_CONSUMER_RSS_BUDGET = 96 * 1024 * 1024;

/**
 * Slow consumer: one participant stops reading its socket while the other sends offers as fast as it can. The
 * hub must close the frozen socket (4009) once its outgoing buffer passes WS_MAX_BUFFERED_BYTES, instead of
 * holding everything in memory.
 */
export async function runSlowConsumer(options: SlowConsumerOptions): Promise<SlowConsumerReport> {
  const maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024;
  const server = await ServerProcess.start({ env: { ...LOAD_ENV, WS_MAX_BUFFERED_BYTES: String(maxBufferedBytes), CALL_RECONNECT_GRACE_MS: '60000' } });
  const failures: string[] = [];
  try {
    const engine = new PairEngine({ apiUrl: server.apiUrl, wsUrl: server.wsUrl });
    await engine.createPairs(1, 'slow');
    await engine.connectAll();
    const pair = engine.pairs[0]!;
    await engine.connectCall(pair);
    await sleep(500);
    const rssBefore = server.rssBytes();
    const sampler = new RssSampler(server, 50);

    const frozen = pair.callee;
    const fast = pair.caller;
    frozen.client!.pauseReading();
    const frozenClient = frozen.client!;
    let detectedAfterBytes: number | undefined;
    let detectedAfterMs: number | undefined;
    let sentBytes = 0;
    const started = performance.now();
    const gone = engine.waitFor(fast, (m) => m.type === 'call:peer-connection' && !m.payload.connected, 120_000).then(() => {
      detectedAfterBytes = sentBytes;
      detectedAfterMs = performance.now() - started;
    });
    gone.catch(() => undefined);

    const sdp = 'v=0\r\n' + 'a=x-soak:'.padEnd(LIMITS.maxSdpLength - 10, 'x');
    const frame = JSON.stringify({ type: 'webrtc:offer', payload: { callId: pair.callId, sdp } });
    const socket = fast.client!.socket;
    const floodBytes = options.floodMiB * 1024 * 1024;
    // Flood until at least `floodMiB` went out, the server has reacted, and a tenth of the flood more followed the
    // reaction (frames to a peer that is gone are dropped, so they must not pile up either).
    const floodUntil = Date.now() + 60_000;
    const more = () => detectedAfterBytes === undefined || sentBytes < detectedAfterBytes + floodBytes / 10;
    while ((sentBytes < floodBytes || more()) && fast.client?.open && Date.now() < floodUntil) {
      socket.send(frame);
      sentBytes += frame.length;
      // Our own socket must not buffer the flood either: wait for it to drain.
      while (socket.bufferedAmount > 4 * 1024 * 1024) await sleep(1);
    }
    while (socket.bufferedAmount > 0 && fast.client?.open) await sleep(5);
    await Promise.race([gone, sleep(5000)]);
    const rssPeak = sampler.stop();

    frozenClient.resumeReading();
    const frozenSideCloseCode = await Promise.race([frozenClient.closed, sleep(5000).then(() => undefined)]);
    // The fast side's connection is untouched and the server still relays for it.
    const fastSideOk = fast.client?.open === true && (await fetch(`${server.baseUrl}/healthz`)).status === 200;

    if (detectedAfterBytes === undefined) failures.push('the server never dropped the frozen connection');
    if (rssPeak - rssBefore > SLOW_CONSUMER_RSS_BUDGET) {
      failures.push(`server RSS grew by ${mib(rssPeak - rssBefore).toFixed(1)} MiB while flooded (budget ${mib(SLOW_CONSUMER_RSS_BUDGET)} MiB)`);
    }
    if (sentBytes < floodBytes) failures.push(`the flood stopped early at ${mib(sentBytes).toFixed(1)} MiB (fast side closed?)`);
    if (frozenSideCloseCode !== CLOSE_CODES.SLOW_CONSUMER && frozenSideCloseCode !== 1006) failures.push(`frozen side closed with ${frozenSideCloseCode}`);
    if (!fastSideOk) {
      const metrics = await server.metricsText().catch(() => '');
      const rejected = metrics.split('\n').filter((line) => line.startsWith('parley_ws_rejected_total{') || line.startsWith('parley_ws_connections ')).join(', ');
      const closes = JSON.stringify(engine.stats.unexpectedCloses);
      failures.push(`the fast side lost its connection (close codes ${closes}; server: ${rejected || 'no metrics'}) or the server stopped answering`);
    }
    await engine.closeAll();
    return {
      floodBytes: sentBytes,
      maxBufferedBytes,
      detectedAfterBytes,
      detectedAfterMs: detectedAfterMs === undefined ? undefined : Math.round(detectedAfterMs),
      rssBefore,
      rssPeak,
      rssGrowth: rssPeak - rssBefore,
      frozenSideCloseCode,
      fastSideOk,
      failures,
    };
  } finally {
    await server.stop();
  }
}
