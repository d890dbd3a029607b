/**
 * Figure 5 — call set-up in a real browser. Two Chromium contexts with fake camera and microphone, on pages of
 * the Parley server's origin, place calls through the real REST + WebSocket protocol with RTCPeerConnection (no
 * dependency on the SPA's UI). Measured: callee's accept → first remote video frame on both sides. Baseline: the
 * same two peer connections in one page with signaling handed over directly, no server.
 *
 * The cold rows are the first call of a fresh page, through the real SPA: every call in two brand-new browser
 * contexts (their first getUserMedia, their first RTCPeerConnection), Call and Accept clicked in the UI, with the
 * SPA's per-phase timeline (`parleyDebug.timeline()`) on both sides. Their baseline is the in-page call above,
 * each in a brand-new context too.
 */
import type { CallRole } from '@parley/protocol';
import { chromium, type Browser, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { installBench } from '../browser/call-page.js';
import { PHASES, spaCall, type SpaCall } from '../browser/spa-call.js';
import { waitForQuiet } from '../proc.js';
import { median, percentile, type Spread } from '../stats.js';
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
    const side = (list: Timing[], key: 'callerMs' | 'calleeMs') => percentile(list.map((t) => t[key]), 50).toFixed(0);
    const rows = setupRows(`call set-up, Chromium, ${calls} calls`, both(timings.parley), both(timings.baseline), { p50: 300, p95: 600 }, sizes, {
      note: `p50 caller ${side(timings.parley, 'callerMs')} ms / callee ${side(timings.parley, 'calleeMs')} ms (baseline ${side(timings.baseline, 'callerMs')} / ${side(timings.baseline, 'calleeMs')}); range shown is min–max over calls; the callee opens its camera after accepting`,
    });
    // The warm pages keep a camera and a peer connection's worth of renderers busy: closed before the cold calls,
    // which measure two fresh pages on their own.
    await Promise.all([callerPage.context().close(), calleePage.context().close()]);
    const cold = await coldRows(browser, parley, sizes);
    rows.push(...cold.rows);
    return { name: 'call-setup', rows, details: { calls, chromium: browser.version(), timings, cold: cold.details } };
  } finally {
    await browser?.close();
    await parley?.stop();
  }
}

/** Median ms after the callee's Accept of each phase on one side, as `offer 120 · answer 180 · …`. */
function phaseLine(calls: SpaCall[], side: CallRole): string {
  const parts: string[] = [];
  for (const phase of PHASES) {
    const values = calls.map((c) => c[side][phase]).filter((v): v is number => v !== undefined);
    if (values.length > 0) parts.push(`${phase} ${Math.round(median(values))}`);
  }
  return parts.join(' · ');
}

/** The first call of fresh pages through the SPA, and the in-page baseline in a fresh context each time. */
async function coldRows(browser: Browser, parley: ParleyServer, sizes: Sizes): Promise<{ rows: Row[]; details: unknown }> {
  const calls = sizes.quick ? 2 : 10;
  const caller = await registerAndLogin(parley.baseUrl, 'cold-caller', 'bench-password-caller');
  const callee = await registerAndLogin(parley.baseUrl, 'cold-callee', 'bench-password-callee');
  const spa: SpaCall[] = [];
  const baseline: Timing[] = [];
  for (let i = 0; i < calls; i++) {
    await waitForQuiet({ server: parley.proc }, sizes.guard.quietWaitMs);
    spa.push(await spaCall(browser, parley.baseUrl, caller, callee));
    const page = await openPage(browser, `${parley.baseUrl}/healthz`);
    const t = await run<{ callerMs: number; calleeMs: number }>(page, 'baseline');
    baseline.push({ ...t, bothMs: Math.max(t.callerMs, t.calleeMs) });
    await page.context().close();
  }
  const side = (key: 'callerMs' | 'calleeMs') => percentile(spa.map((c) => c[key]), 50).toFixed(0);
  const rows = setupRows(`cold call set-up, Chromium, SPA, ${calls} calls in new contexts`, spa.map((c) => c.bothMs), baseline.map((t) => t.bothMs), { p50: 350, p95: 700 }, sizes, {
    note: `p50 caller ${side('callerMs')} ms / callee ${side('calleeMs')} ms; ms after Accept, medians — caller: ${phaseLine(spa, 'caller')}; callee: ${phaseLine(spa, 'callee')}; baseline: both peer connections in one new page`,
  });
  return { rows, details: { calls: spa, baseline } };
}

/** The p50 and p95 rows of a set-up figure: accept → first remote frame on both sides, each call's slower side. */
function setupRows(
  figure: string,
  parley: number[],
  baseline: number[],
  goalMs: { p50: number; p95: number },
  sizes: Sizes,
  { note }: { note: string },
): Row[] {
  return ([50, 95] as const).map((p) => {
    const ours = summarise(parley, p);
    const theirs = summarise(baseline, p);
    const goal = p === 50 ? goalMs.p50 : goalMs.p95;
    return {
      figure,
      metric: `accept → first remote frame on both sides, p${p}`,
      unit: 'ms',
      parley: ours,
      baseline: theirs,
      ratio: ratioOf(ours, theirs),
      goal: `≤ ${goal} ms`,
      met: sizes.quick ? null : ours.median <= goal,
      ...(p === 50 ? { note } : {}),
    };
  });
}
