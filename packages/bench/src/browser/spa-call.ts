import type { Browser, BrowserContext, Page } from '@playwright/test';

/** A registered user and the access token the SPA is started with (no login screen in the measurement). */
export interface SpaUser {
  id: string;
  username: string;
  token: string;
}

/** The SPA's set-up steps (`parleyDebug.timeline()`, apps/web/src/rtc/setupTimeline.ts), plus the first presented frame. */
export const PHASES = ['local-media', 'peer-connection', 'offer', 'answer', 'ice-connected', 'connected', 'remote-media', 'first-frame'] as const;
export type Phase = (typeof PHASES)[number];

/** One call: ms from the callee's Accept click to each step, on each side. */
export interface SpaCall {
  callerMs: number;
  calleeMs: number;
  bothMs: number;
  caller: Partial<Record<Phase, number>>;
  callee: Partial<Record<Phase, number>>;
}

declare global {
  interface Window {
    __firstRemoteFrame?: Promise<number>;
  }
}

const epoch = 'performance.timeOrigin + performance.now()';

/** A call whose picture never comes fails the figure with a reason instead of holding the run. */
const FIRST_FRAME_TIMEOUT_MS = 20_000;
const FIRST_FRAME_WAIT = `Promise.race([window.__firstRemoteFrame, new Promise((_, reject) => setTimeout(() => reject(new Error('no remote video frame within ${FIRST_FRAME_TIMEOUT_MS} ms of Accept')), ${FIRST_FRAME_TIMEOUT_MS}))])`;

/** A new browser context (first getUserMedia, first RTCPeerConnection of its own) with the SPA signed in as `user`. */
async function openSpa(browser: Browser, baseUrl: string, user: SpaUser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: baseUrl, permissions: ['camera', 'microphone'], locale: 'en-US' });
  const session = JSON.stringify({ token: user.token, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
  // The session the login screen would have stored (stores/session.ts), so the page opens signed in.
  await context.addInitScript((value) => localStorage.setItem('parley.session', value), session);
  const page = await context.newPage();
  await page.goto('/');
  await page.getByTestId('me').waitFor();
  return { context, page };
}

/** Resolves (in the page) with the time the remote `<video>` presents its first frame. */
async function watchFirstFrame(page: Page): Promise<void> {
  await page.evaluate(`window.__firstRemoteFrame = new Promise((resolve) => {
    const poll = () => {
      const video = document.querySelector('[data-testid="remote-video"]');
      if (video && 'requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => resolve(${epoch}));
      else setTimeout(poll, 2);
    };
    poll();
  }); undefined`);
}

/**
 * One call between two brand-new contexts through the real SPA: the caller clicks Call, the callee clicks Accept
 * (the clock starts), and both wait for the first presented remote frame. Then the caller hangs up and both
 * contexts close.
 */
export async function spaCall(browser: Browser, baseUrl: string, caller: SpaUser, callee: SpaUser): Promise<SpaCall> {
  const [a, b] = await Promise.all([openSpa(browser, baseUrl, caller), openSpa(browser, baseUrl, callee)]);
  try {
    // The callee's socket is open once the caller's list shows them online.
    await a.page.locator(`[data-testid="user-row"][data-username="${callee.username}"][data-online="true"]`).waitFor();
    await Promise.all([watchFirstFrame(a.page), watchFirstFrame(b.page)]);
    await a.page.getByRole('button', { name: `Call ${callee.username}` }).click();
    const accept = b.page.getByRole('dialog', { name: 'Incoming call' }).getByRole('button', { name: 'Accept' });
    await accept.waitFor();
    const acceptAt = await accept.evaluate((button: HTMLButtonElement) => {
      const at = performance.timeOrigin + performance.now();
      button.click();
      return at;
    });
    const [callerFrame, calleeFrame] = await Promise.all([a.page.evaluate<number>(FIRST_FRAME_WAIT), b.page.evaluate<number>(FIRST_FRAME_WAIT)]);
    const phases = async (page: Page, frame: number) => {
      const marks = (await page.evaluate(() => window.parleyDebug?.timeline?.() ?? {})) as Partial<Record<Phase, number>>;
      const relative: Partial<Record<Phase, number>> = {};
      for (const phase of PHASES) {
        const at = phase === 'first-frame' ? frame : marks[phase];
        if (at !== undefined) relative[phase] = Math.round(at - acceptAt);
      }
      return relative;
    };
    const callerMs = callerFrame - acceptAt;
    const calleeMs = calleeFrame - acceptAt;
    const result: SpaCall = {
      callerMs,
      calleeMs,
      bothMs: Math.max(callerMs, calleeMs),
      caller: await phases(a.page, callerFrame),
      callee: await phases(b.page, calleeFrame),
    };
    await a.page.getByRole('button', { name: 'Hang up' }).click();
    await b.page.getByTestId('call-ended').waitFor();
    return result;
  } finally {
    await Promise.all([a.context.close(), b.context.close()]);
  }
}

declare global {
  interface Window {
    parleyDebug?: { timeline?(): Record<string, number> };
  }
}
