import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { NAMES, uiLanguageOf, type UiLanguage } from './names';
import type { TestUser } from './users';

export interface Tab {
  user: TestUser;
  context: BrowserContext;
  page: Page;
  /** The language the UI speaks in this browser, which the helpers drive it by. */
  lang: UiLanguage;
}

export interface OpenOptions {
  /** `navigator.language` of the browser (the UI picks English or Russian from it). */
  locale?: string;
  /** Replace getUserMedia with one that refuses, as if the user denied camera and microphone. */
  denyMedia?: boolean;
  /** Runs on the new context before its page opens (init scripts, WebSocket routes). */
  setup?: (context: BrowserContext) => Promise<void>;
}

/** A new browser context (its own storage, like another person's browser) for `user`, logged in through the UI. */
export async function openAs(browser: Browser, baseURL: string, user: TestUser, options: OpenOptions = {}): Promise<Tab> {
  const locale = options.locale ?? 'en-US';
  const lang = uiLanguageOf(locale);
  const context = await browser.newContext({
    baseURL,
    locale,
    permissions: ['camera', 'microphone'],
    viewport: { width: 1280, height: 800 },
  });
  if (options.denyMedia) {
    await context.addInitScript(() => {
      const deny = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
      Object.defineProperty(navigator.mediaDevices, 'getUserMedia', { value: deny, configurable: true });
    });
  }
  await options.setup?.(context);
  const page = await context.newPage();
  forwardErrors(page, user.username);
  await login(page, user, lang);
  return { user, context, page, lang };
}

/** Open another tab of the same browser (shares the login). */
export async function openTab(tab: Tab): Promise<Tab> {
  const page = await tab.context.newPage();
  forwardErrors(page, `${tab.user.username}#2`);
  await page.goto('/');
  await expect(page.getByTestId('me')).toContainText(tab.user.username);
  return { ...tab, page };
}

/** Surface page errors in the test output (a crash in the SPA should be visible, not a mystery timeout). */
function forwardErrors(page: Page, who: string): void {
  page.on('pageerror', (error) => console.log(`[${who}] pageerror: ${error.message}`));
}

/** Logs in through the login form, finding its fields and button by their names in `lang`. */
export async function login(page: Page, user: Pick<TestUser, 'username' | 'password'>, lang: UiLanguage = 'en'): Promise<void> {
  const names = NAMES[lang];
  await page.goto('/');
  await page.getByLabel(names.username, { exact: true }).fill(user.username);
  await page.getByLabel(names.password, { exact: true }).fill(user.password);
  await page.getByRole('button', { name: names.logIn, exact: true }).click();
  await expect(page.getByTestId('me')).toContainText(user.username);
}

/** The user row of `username` in the people list. */
export function userRow(page: Page, username: string, lang: UiLanguage = 'en') {
  return page.getByTestId('user-row').filter({ has: page.getByRole('button', { name: NAMES[lang].call(username), exact: true }) });
}

/**
 * The callee's Call button. The people list loads a page at a time (sorted by name), and the suite's server
 * gathers hundreds of users over a run: someone not on the first page is found with the search box, as a person
 * with many contacts finds them.
 */
export async function callButton(caller: Tab, username: string) {
  const button = caller.page.getByRole('button', { name: NAMES[caller.lang].call(username), exact: true });
  const shown = await button
    .waitFor({ state: 'visible', timeout: 3_000 })
    .then(() => true)
    .catch(() => false);
  if (!shown) await caller.page.getByRole('searchbox').first().fill(username);
  return button;
}

export async function placeCall(caller: Tab, callee: Tab): Promise<void> {
  await (await callButton(caller, callee.user.username)).click();
  await expect(caller.page.getByTestId('outgoing-call')).toBeVisible();
}

export function incomingDialog(page: Page, lang: UiLanguage = 'en') {
  return page.getByRole('dialog', { name: NAMES[lang].incomingCall, exact: true });
}

export function endedNotice(page: Page) {
  return page.getByTestId('call-ended');
}

export async function closeAll(...tabs: Tab[]): Promise<void> {
  const contexts = new Set(tabs.map((t) => t.context));
  await Promise.all([...contexts].map((c) => c.close().catch(() => undefined)));
}

/**
 * Caller calls, callee accepts; resolves once both remote videos play. Returns the time from the Accept click to
 * remote video playing on each side, and prints it.
 */
export async function connectCall(caller: Tab, callee: Tab, label = ''): Promise<{ callerMs: number; calleeMs: number }> {
  const { waitForRemoteVideo } = await import('./media');
  await placeCall(caller, callee);
  const dialog = incomingDialog(callee.page, callee.lang);
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(caller.user.username);
  const started = Date.now();
  await dialog.getByRole('button', { name: NAMES[callee.lang].accept, exact: true }).click();
  const [callerMs, calleeMs] = await Promise.all([
    waitForRemoteVideo(caller.page).then(() => Date.now() - started),
    waitForRemoteVideo(callee.page).then(() => Date.now() - started),
  ]);
  console.log(`accept→video${label ? ` (${label})` : ''}: caller ${callerMs} ms, callee ${calleeMs} ms`);
  await expect(caller.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
  await expect(callee.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
  return { callerMs, calleeMs };
}
