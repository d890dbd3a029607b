/**
 * Figure 5 — call set-up in a real browser. Two Chromium contexts with fake camera and microphone, on pages of
 * the Parley server's origin, place calls through the real REST + WebSocket protocol with RTCPeerConnection (no
 * dependency on the SPA's UI). Measured: callee's accept → first remote video frame on both sides. Baseline: the
 * same two peer connections in one page with signaling handed over directly, no server.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { installBench } from '../browser/call-page.js';
import { percentile, type Spread } from '../stats.js';
import { ratioOf, type FigureResult, type Row, type Sizes } from '../report-types.js';
import { registerAndLogin, startParley, type ParleyServer } from '../servers.js';

const CHROMIUM_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Lets ICE pair loopback candidates on a machine whose only interface is lo.
  '--allow-loopback-in-peer-connection',
];

interface Timing {
  callerMs: number;
  calleeMs: number;
  bothMs: number;
}

/** Runs `expression` (a call on `window.bench`) in the page. Strings, so nothing of the bench's own transpiled code is serialised. */
const run = <T>(page: Page, expression: string, args: unknown = {}): Promise<T> => page.evaluate(`window.bench.${expression}(${JSON.stringify(args)})`);

async function openPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], bypassCSP: true });
  const page = await context.newPage();
  await page.goto(url);
  // tsx keeps function names with an `__name` helper that the page does not have.
  await page.evaluate('globalThis.__name = (f) => f');
  await page.evaluate(installBench);
  return page;
}

/** The p-th percentile over the calls; the p50 row also shows the fastest and slowest call. */
const summarise = (values: number[], p: number): Spread => {
  const value = percentile(values, p);
  return p === 50 ? { median: value, min: Math.min(...values), max: Math.max(...values), rounds: values } : { median: value, min: value, max: value, rounds: [value] };
};

export async function callSetupFigure(sizes: Sizes): Promise<FigureResult> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    return { name: 'call-setup', rows: [], details: null, skipped: `no Chromium at ${executablePath} (set CHROMIUM_PATH)` };
  }
  const calls = sizes.quick ? 3 : 10;
  let parley: ParleyServer | undefined;
  let browser: Browser | undefined;
  try {
    parley = await startParley();
    const apiUrl = `${parley.baseUrl}/api/v1`;
    const wsUrl = `ws://127.0.0.1:${parley.port}/api/v1/ws`;
    const caller = await registerAndLogin(parley.baseUrl, 'bench-caller', 'bench-password-caller');
    const callee = await registerAndLogin(parley.baseUrl, 'bench-callee', 'bench-password-callee');
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    // Any page of the server's origin will do; /healthz runs none of the SPA's code.
    const [callerPage, calleePage] = await Promise.all([openPage(browser, `${parley.baseUrl}/healthz`), openPage(browser, `${parley.baseUrl}/healthz`)]);
    await run(callerPage, 'connect', { wsUrl, token: caller.token, camera: true });
    await run(calleePage, 'connect', { wsUrl, token: callee.token, camera: false });

    const parleyCall = async (): Promise<Timing> => {
      const callId = await run<string>(callerPage, 'call', { apiUrl, token: caller.token, calleeId: callee.id });
      const answered = run<{ acceptAt: number; frameAt: number }>(calleePage, 'answer', { callId });
      const callerFrameAt = await run<number>(callerPage, 'callerFrame');
      const { acceptAt, frameAt } = await answered;
      const ended = run(calleePage, 'ended', { callId });
      await run(callerPage, 'hangUp', { apiUrl, token: caller.token, callId });
      await ended;
      const callerMs = callerFrameAt - acceptAt;
      const calleeMs = frameAt - acceptAt;
      return { callerMs, calleeMs, bothMs: Math.max(callerMs, calleeMs) };
    };
    const baselineCall = async (): Promise<Timing> => {
      const t = await run<{ callerMs: number; calleeMs: number }>(callerPage, 'baseline');
      return { ...t, bothMs: Math.max(t.callerMs, t.calleeMs) };
    };

    // One unrecorded call each: the first camera open and codec start are slower.
    await parleyCall();
    await baselineCall();
    const timings: { parley: Timing[]; baseline: Timing[] } = { parley: [], baseline: [] };
    for (let i = 0; i < calls; i++) {
      timings.parley.push(await parleyCall());
      timings.baseline.push(await baselineCall());
    }
    const both = (list: Timing[]) => list.map((t) => t.bothMs);
    const p50 = [summarise(both(timings.parley), 50), summarise(both(timings.baseline), 50)] as const;
    const p95 = [summarise(both(timings.parley), 95), summarise(both(timings.baseline), 95)] as const;
    const label = `call set-up, Chromium, ${calls} calls`;
    const side = (list: Timing[], key: 'callerMs' | 'calleeMs') => percentile(list.map((t) => t[key]), 50).toFixed(0);
    const rows: Row[] = [
      {
        figure: label,
        metric: 'accept → first remote frame on both sides, p50',
        unit: 'ms',
        parley: p50[0],
        baseline: p50[1],
        ratio: ratioOf(p50[0], p50[1]),
        goal: '≤ 300 ms',
        met: sizes.quick ? null : p50[0].median <= 300,
        note: `p50 caller ${side(timings.parley, 'callerMs')} ms / callee ${side(timings.parley, 'calleeMs')} ms (baseline ${side(timings.baseline, 'callerMs')} / ${side(timings.baseline, 'calleeMs')}); range shown is min–max over calls; the callee opens its camera after accepting`,
      },
      {
        figure: label,
        metric: 'accept → first remote frame on both sides, p95',
        unit: 'ms',
        parley: p95[0],
        baseline: p95[1],
        ratio: ratioOf(p95[0], p95[1]),
        goal: '≤ 600 ms',
        met: sizes.quick ? null : p95[0].median <= 600,
      },
    ];
    return { name: 'call-setup', rows, details: { calls, chromium: browser.version(), timings } };
  } finally {
    await browser?.close();
    await parley?.stop();
  }
}
