import type { BrowserContext, Page } from '@playwright/test';
import { connectCall, endedNotice, incomingDialog, placeCall, userRow, type Tab } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { expectFits } from '../helpers/layout';
import { NAMES, type UiLanguage } from '../helpers/names';

/**
 * Every screen on a phone held upright (390×844), in both themes and both languages (Russian strings are the
 * longest): the page never scrolls sideways, every control is within the screen's width, and no two controls
 * overlap (helpers/layout.ts).
 */

const PHONE = { width: 390, height: 844 };
const LOCALES: Record<UiLanguage, string> = { en: 'en-US', ru: 'ru-RU' };
/** Accessible names beyond helpers/names.ts (the Recent calls tab is matched by prefix: it may count missed calls). */
const UI: Record<
  UiLanguage,
  {
    main: string;
    history: RegExp;
    blocked: string;
    account: string;
    accountTitle: string;
    register: string;
    registerAs: RegExp;
    ringing: string;
    chat: string;
    message: string;
    devices: string;
    voiceCall: (name: string) => string;
  }
> = {
  en: {
    main: 'Main',
    history: /^Recent calls/,
    blocked: 'Blocked',
    account: 'Account',
    accountTitle: 'Your account',
    register: 'Create account',
    registerAs: /^Create account “/,
    ringing: 'Ringing',
    chat: 'Chat',
    message: 'Message',
    devices: 'Devices',
    voiceCall: (name) => `Voice call with ${name}`,
  },
  ru: {
    main: 'Основное меню',
    history: /^Недавние звонки/,
    blocked: 'Заблокированные',
    account: 'Аккаунт',
    accountTitle: 'Ваш аккаунт',
    register: 'Создать аккаунт',
    registerAs: /^Создать аккаунт «/,
    ringing: 'Идёт вызов',
    chat: 'Чат',
    message: 'Сообщение',
    devices: 'Устройства',
    voiceCall: (name) => `Аудиозвонок ${name}`,
  },
};

const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];

/** The theme switch's stored choice (apps/web/src/theme.ts), set before the app loads. */
const rememberTheme = (theme: Theme) => async (context: BrowserContext) => {
  await context.addInitScript((choice) => localStorage.setItem('parley.theme', choice), theme);
};

async function asPhone(tab: Tab, theme: Theme): Promise<Tab> {
  await tab.page.setViewportSize(PHONE);
  await expect(tab.page.locator('html')).toHaveAttribute('data-theme', theme);
  return tab;
}

async function sendChat(page: Page, lang: UiLanguage, text: string): Promise<void> {
  const panel = page.getByTestId('chat-panel');
  await page.getByRole('button', { name: UI[lang].chat, exact: true }).click();
  await expect(panel).toBeVisible();
  const box = panel.getByRole('textbox', { name: UI[lang].message });
  await box.fill(text);
  await box.press('Enter');
  await expect(panel.locator('[data-from="self"]').filter({ hasText: text })).toBeVisible();
}

for (const lang of ['en', 'ru'] as const) {
  for (const theme of THEMES) {
    test(`every screen fits a phone: no sideways scroll, no overlapping controls (${theme}, ${lang})`, async ({ page, newUser, open }) => {
      test.setTimeout(150_000);
      const names = NAMES[lang];
      const ui = UI[lang];
      const at = (screen: string) => `${screen} (${theme}, ${lang})`;

      // Logged out: the login form, its register errors, and the offer to register after a failed login.
      await page.setViewportSize(PHONE);
      await rememberTheme(theme)(page.context());
      await page.goto('/');
      await page.evaluate((l) => localStorage.setItem('parley.lang', l), lang);
      await page.reload();
      await expect(page.getByRole('button', { name: names.logIn, exact: true })).toBeVisible();
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await expectFits(page, at('login'), 3);
      await page.getByLabel(names.username, { exact: true }).fill('x');
      await page.getByLabel(names.password, { exact: true }).fill('short');
      await page.getByRole('button', { name: ui.register, exact: true }).click();
      await expect(page.getByLabel(names.username, { exact: true })).toHaveAttribute('aria-invalid', 'true');
      await expectFits(page, at('register, with errors'), 3);
      await page.getByLabel(names.username, { exact: true }).fill(`nobody-${Date.now()}`);
      await page.getByLabel(names.password, { exact: true }).fill('a-long-enough-password');
      await page.getByRole('button', { name: names.logIn, exact: true }).click();
      await expect(page.getByRole('button', { name: ui.registerAs })).toBeVisible();
      await expectFits(page, at('login failed, offering to register'), 4);

      const options = { locale: LOCALES[lang], setup: rememberTheme(theme) };
      const alice = await asPhone(await open(await newUser('alice'), options), theme);
      const bob = await asPhone(await open(await newUser('bob'), options), theme);
      await expect(userRow(alice.page, bob.user.username, lang)).toHaveAttribute('data-online', 'true');
      await expectFits(alice.page, at('people'), 5);

      // A video call rings, and is declined.
      await placeCall(alice, bob);
      await expect(alice.page.getByText(ui.ringing, { exact: true })).toBeVisible();
      await expectFits(alice.page, at('outgoing, ringing'), 1);
      const dialog = incomingDialog(bob.page, lang);
      await expect(dialog).toBeVisible();
      await expectFits(bob.page, at('incoming video call'), 4);
      await dialog.getByRole('button', { name: names.decline, exact: true }).click();
      await expect(endedNotice(alice.page)).toBeVisible();
      await expect(endedNotice(bob.page)).toBeVisible();
      await expectFits(alice.page, at('call declined'), 5);
      await expectFits(bob.page, at('declined a call'), 5);

      // A video call: the controls, the Devices panel, the chat.
      await connectCall(alice, bob);
      await expectFits(alice.page, at('in a video call'), 6);
      const devices = alice.page.getByRole('button', { name: ui.devices, exact: true });
      await devices.click();
      await expect(alice.page.getByRole('group', { name: ui.devices, exact: true })).toBeVisible();
      await expectFits(alice.page, at('in a video call, devices open'), 8);
      await devices.click();
      await sendChat(alice.page, lang, 'Hello there, can you hear me? This line is long enough to wrap on a phone screen.');
      await expectFits(alice.page, at('in a video call, chat open'), 7);
      await expect(bob.page.getByTestId('chat-unread')).toBeVisible({ timeout: 10_000 });
      await expectFits(bob.page, at('in a video call, a message unread'), 6);
      await alice.page.getByRole('button', { name: names.hangUp, exact: true }).click();
      await expect(endedNotice(bob.page)).toBeVisible();
      await expectFits(bob.page, at('call ended'), 5);

      // A voice call.
      await userRow(alice.page, bob.user.username, lang).getByRole('button', { name: ui.voiceCall(bob.user.username), exact: true }).click();
      await expect(dialog).toBeVisible({ timeout: 15_000 });
      await expect(dialog.getByTestId('incoming-voice')).toBeVisible();
      await expectFits(bob.page, at('incoming voice call'), 4);
      await dialog.getByRole('button', { name: names.accept, exact: true }).click();
      for (const tab of [alice, bob]) await expect(tab.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected', { timeout: 20_000 });
      await expectFits(alice.page, at('in a voice call'), 5);
      await sendChat(bob.page, lang, 'Воздушный шар улетел далеко-далеко за горизонт.');
      await expectFits(bob.page, at('in a voice call, chat open'), 6);
      await bob.page.getByRole('button', { name: names.hangUp, exact: true }).click();
      await expect(endedNotice(alice.page)).toBeVisible();

      // The other tabs.
      const nav = bob.page.getByRole('navigation', { name: ui.main, exact: true });
      await nav.getByRole('button', { name: ui.history }).click();
      await expect(bob.page.getByTestId('history-row')).toHaveCount(3);
      await expectFits(bob.page, at('recent calls'), 6);
      await nav.getByRole('button', { name: ui.blocked, exact: true }).click();
      await expectFits(bob.page, at('blocked'), 4);
      await nav.getByRole('button', { name: ui.account, exact: true }).click();
      await expect(bob.page.getByRole('heading', { name: ui.accountTitle, exact: true })).toBeVisible();
      await expectFits(bob.page, at('account'), 6);
    });
  }
}
