import type { APIRequestContext, BrowserContext, Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { endedNotice, incomingDialog, placeCall, userRow, type Tab } from '../helpers/app';
import { cameraShown } from '../helpers/cameras';
import { expect, test } from '../helpers/fixtures';
import { waitForRemoteVideo } from '../helpers/media';
import { NAMES, type UiLanguage } from '../helpers/names';
import { registerUser, type TestUser } from '../helpers/users';

/**
 * The pictures in docs/screenshots/, on demand only (see playwright.config.ts): `pnpm screenshots` from the root.
 * Every screen at desktop and phone size, in the light and dark theme, in English and Russian; alice and bob each have
 * their own fake camera (helpers/cameras.ts), so the call shows the other person's picture.
 * Files are `<screen>-<size>-<theme>-<language>.png`.
 */

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const THEMES = ['light', 'dark'] as const;
const LOCALES: Record<UiLanguage, string> = { en: 'en-US', ru: 'ru-RU' };
/** Accessible names beyond helpers/names.ts (the Recent calls tab is matched by prefix: it may announce missed calls). */
const UI: Record<UiLanguage, { main: string; history: string; blocked: string; account: string; accountTitle: string; block: string; unblock: string }> = {
  en: { main: 'Main', history: 'Recent calls', blocked: 'Blocked', account: 'Account', accountTitle: 'Your account', block: 'Block', unblock: 'Unblock' },
  ru: {
    main: 'Основное меню',
    history: 'Недавние звонки',
    blocked: 'Заблокированные',
    account: 'Аккаунт',
    accountTitle: 'Ваш аккаунт',
    block: 'Заблокировать',
    unblock: 'Разблокировать',
  },
};

type Size = keyof typeof SIZES;
type Theme = (typeof THEMES)[number];

/** The people in the pictures, registered once per run (the tests run one after another in one worker). */
const people = new Map<string, TestUser>();
async function person(request: APIRequestContext, name: string): Promise<TestUser> {
  let user = people.get(name);
  if (!user) {
    user = await registerUser(request, name, true);
    people.set(name, user);
  }
  return user;
}

/** The theme switch's stored choice (apps/web/src/theme.ts), set before the app loads. */
const rememberTheme = (theme: Theme) => async (context: BrowserContext) => {
  await context.addInitScript((choice) => localStorage.setItem('parley.theme', choice), theme);
};

/** Alice blocks erin in the first test; the block stays on the server for the rest. */
let erinBlocked = false;
async function blockOnce(alice: Tab, erin: TestUser): Promise<void> {
  const row = userRow(alice.page, erin.username, alice.lang);
  if (!erinBlocked) await row.getByRole('button', { name: `${UI[alice.lang].block} ${erin.username}`, exact: true }).click();
  await expect(row.getByRole('button', { name: `${UI[alice.lang].unblock} ${erin.username}`, exact: true })).toBeVisible();
  erinBlocked = true;
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForTimeout(500); // CSS transitions (dialog, theme) finish
}

test.describe.configure({ mode: 'serial' });

for (const lang of ['en', 'ru'] as const) {
  for (const size of Object.keys(SIZES) as Size[]) {
    for (const theme of THEMES) {
      test(`every screen: ${size}, ${theme}, ${lang}`, async ({ request, baseURL, open, twoCameras }) => {
        test.setTimeout(120_000);
        const suffix = `${size}-${theme}-${lang}`;
        const shot = async (page: Page, screen: string) => {
          await settle(page);
          await page.screenshot({ path: fileURLToPath(new URL(`../../docs/screenshots/${screen}-${suffix}.png`, import.meta.url)) });
        };

        const [alice, bob, carol, , erin] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin'].map((n) => person(request, n)));

        // Log in, before anyone is logged in in this browser.
        const loginContext = await (await twoCameras.browser('alice')).newContext({ baseURL, locale: LOCALES[lang], viewport: SIZES[size] });
        await rememberTheme(theme)(loginContext);
        const loginPage = await loginContext.newPage();
        await loginPage.goto('/');
        await expect(loginPage.getByRole('button', { name: NAMES[lang].logIn, exact: true })).toBeVisible();
        await shot(loginPage, 'login');
        await loginContext.close();

        // Carol is online (in the default browser: her camera is never shown); dave is offline; alice blocks erin.
        await open(carol!);
        const options = { locale: LOCALES[lang], setup: rememberTheme(theme) };
        const a = await twoCameras.open('alice', alice!, options);
        const b = await twoCameras.open('bob', bob!, options);
        await Promise.all([a.page.setViewportSize(SIZES[size]), b.page.setViewportSize(SIZES[size])]);
        await blockOnce(a, erin!);
        await expect(userRow(a.page, bob!.username, lang)).toHaveAttribute('data-online', 'true');
        await expect(userRow(a.page, carol!.username, lang)).toHaveAttribute('data-online', 'true');
        await shot(a.page, 'people');

        await placeCall(a, b);
        await shot(a.page, 'outgoing');
        await expect(incomingDialog(b.page, lang)).toBeVisible();
        await shot(b.page, 'incoming');

        await incomingDialog(b.page, lang).getByRole('button', { name: NAMES[lang].accept, exact: true }).click();
        await waitForRemoteVideo(a.page);
        await expect.poll(() => cameraShown(a.page, 'remote-video'), { timeout: 20_000 }).toBe('bob');
        await expect.poll(() => cameraShown(a.page, 'local-video'), { timeout: 20_000 }).toBe('alice');
        await expect(a.page.getByTestId('quality')).toHaveAttribute('data-quality', 'good', { timeout: 20_000 });
        await a.page.waitForTimeout(1_000);
        await shot(a.page, 'in-call');

        await b.page.getByRole('button', { name: NAMES[lang].hangUp, exact: true }).click();
        await expect(endedNotice(a.page)).toBeVisible();
        await shot(a.page, 'ended');

        const nav = a.page.getByRole('navigation', { name: UI[lang].main, exact: true });
        await nav.getByRole('button', { name: UI[lang].history }).click();
        await expect(a.page.getByTestId('history-row').first()).toBeVisible();
        await shot(a.page, 'history');
        await nav.getByRole('button', { name: UI[lang].blocked, exact: true }).click();
        await expect(a.page.getByTestId('blocked-row').first()).toBeVisible();
        await shot(a.page, 'blocked');
        await nav.getByRole('button', { name: UI[lang].account, exact: true }).click();
        await expect(a.page.getByRole('heading', { name: UI[lang].accountTitle, exact: true })).toBeVisible();
        await shot(a.page, 'account');
      });
    }
  }
}
