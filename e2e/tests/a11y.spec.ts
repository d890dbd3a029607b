import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { connectCall, endedNotice, incomingDialog, placeCall, type Tab } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { NAMES, type UiLanguage } from '../helpers/names';
import { routeSignaling, type SignalingRoute } from '../helpers/signaling';
import { RING_TIMEOUT_MS } from '../helpers/timing';

/**
 * Every screen a person can reach, checked with axe-core against WCAG 2.1 A and AA, in both themes and both
 * languages: no serious or critical violation may remain (minor and moderate ones are printed, not failed).
 */

// The call that rings while it is checked ends missed: a badge, which is part of the tab's name.
const HISTORY: Record<UiLanguage, RegExp> = { en: /^Recent calls/, ru: /^Недавние звонки/ };

async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = results.violations.filter((v) => !serious.includes(v));
  if (minor.length > 0) console.log(`${screen}: minor: ${minor.map((v) => v.id).join(', ')}`);
  expect(
    serious.map((v) => ({ rule: v.id, impact: v.impact, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`) })),
    `${screen}: serious or critical axe violations`,
  ).toEqual([]);
}

for (const [lang, locale] of [
  ['en', 'en-US'],
  ['ru', 'ru-RU'],
] as const) {
  for (const theme of ['light', 'dark'] as const) {
    test(`every screen passes axe in the ${theme} theme, in ${lang}`, async ({ page, newUser, open }) => {
      test.setTimeout(180_000);
      const names = NAMES[lang];
      const label = (screen: string) => `${screen} (${theme}, ${lang})`;
      const inTheme = async (tab: Tab) => {
        await tab.page.emulateMedia({ colorScheme: theme });
        await expect(tab.page.locator('html')).toHaveAttribute('data-theme', theme);
      };

      // The test's own page: the login screen, in the locale of the test's context.
      await page.emulateMedia({ colorScheme: theme });
      await page.goto('/');
      await page.evaluate((l) => localStorage.setItem('parley.lang', l), lang);
      await page.reload();
      await expect(page.getByRole('button', { name: names.logIn, exact: true })).toBeVisible();
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await expectAccessible(page, label('login'));

      let aliceSignaling: SignalingRoute | undefined;
      let bobSignaling: SignalingRoute | undefined;
      const alice = await open(await newUser('alice'), { locale, setup: async (c) => void (aliceSignaling = await routeSignaling(c)) });
      const bob = await open(await newUser('bob'), { locale, setup: async (c) => void (bobSignaling = await routeSignaling(c)) });
      await inTheme(alice);
      await inTheme(bob);
      await expectAccessible(alice.page, label('people'));

      // The e2e server rings for only 6 s and an axe run can take longer on a busy machine: the end of the ringing
      // is held back from both pages (their sockets go through the test) until both ringing screens are checked.
      const release = [aliceSignaling!.hold(['call:ended']), bobSignaling!.hold(['call:ended'])];
      await placeCall(alice, bob);
      await expect(incomingDialog(bob.page, lang)).toBeVisible();
      await expectAccessible(bob.page, label('incoming'));
      await expectAccessible(alice.page, label('outgoing'));
      // Let it ring out (by now it has, or soon will).
      for (const deliver of release) deliver();
      await expect(endedNotice(alice.page)).toBeVisible({ timeout: RING_TIMEOUT_MS + 10_000 });
      await expect(incomingDialog(bob.page, lang)).toBeHidden();

      await connectCall(alice, bob);
      await expectAccessible(alice.page, label('in call'));

      await alice.page.getByRole('button', { name: names.hangUp, exact: true }).click();
      await expect(endedNotice(bob.page)).toBeVisible();
      await expectAccessible(bob.page, label('ended'));

      await bob.page.getByRole('navigation').getByRole('button', { name: HISTORY[lang] }).click();
      await expect(bob.page.getByTestId('history-row').first()).toBeVisible();
      await expectAccessible(bob.page, label('history'));
    });
  }
}
