import { launchWithSwitch } from '../helpers/browsers';
import { incomingDialog, openAs, placeCall } from '../helpers/app';
import { tapAudioOutput, toneLevel } from '../helpers/audio';
import { expect, test } from '../helpers/fixtures';

/**
 * The ringtone in a page the person has not clicked in yet (opened afresh, or restored with a saved session):
 * browsers keep its sound back until a gesture. The incoming call then says so and offers the click that lets it
 * sound. (appshell.spec.ts checks the ringtone in a page that was clicked in: it sounds at once, with no hint.)
 */

// Playwright's trace recorder runs its snapshot script in every new page as if the user had acted there, which
// would lift the browser's hold on the page's audio before the call rings: no trace in this file.
test.use({ trace: 'off' });

test('a tab opened afresh gets a call: “Click to enable sound” shows, and the click makes the ringtone audible and goes', async ({
  newUser,
  open,
  playwright,
  launchOptions,
  baseURL,
}) => {
  // Chromium's own autoplay rule (also its headless default), named so a change to the shared flags cannot hide
  // it: an AudioContext started in a document nobody has interacted with stays suspended.
  const browser = await launchWithSwitch(playwright.chromium, launchOptions, '--autoplay-policy=document-user-activation-required');
  try {
    const alice = await open(await newUser('alice'));
    // Bob logged in earlier (the login's clicks were gestures in that page); now he opens Parley afresh and does
    // nothing in it. Every Playwright evaluation in a page (a locator's check too) counts as a gesture there, so the
    // fresh page is not touched until its ringtone has started: the audio tap reports that from inside the page.
    let toneStarted: (state: AudioContextState) => void = () => undefined;
    const started = new Promise<AudioContextState>((resolve) => (toneStarted = resolve));
    const bob = await openAs(browser, baseURL!, await newUser('bob'), { setup: (c) => tapAudioOutput(c, { onOutput: (s) => toneStarted(s) }) });
    await bob.page.close();
    const page = await bob.context.newPage();
    const socket = page.waitForEvent('websocket', (ws) => ws.url().includes('/api/v1/ws'));
    await page.goto('/');
    await (await socket).waitForEvent('framereceived');

    await placeCall(alice, { ...bob, page });
    expect(await started, 'the ringtone starts held back by the browser').toBe('suspended');
    const dialog = incomingDialog(page);
    await expect(dialog).toBeVisible();
    const hint = dialog.getByTestId('sound-hint');
    await expect(hint).toBeVisible();
    await expect(hint).toContainText('The browser is blocking the ringtone.');
    // The browser really holds it back: a whole ringtone cycle (2.5 s) passes in silence.
    const silent = Date.now() + 2_600;
    while (Date.now() < silent) {
      expect(await toneLevel(page), 'no sound before the click').toBe(0);
      await page.waitForTimeout(100);
    }

    await hint.getByRole('button', { name: 'Click to enable sound' }).click();
    await expect(hint).toBeHidden();
    await expect.poll(() => toneLevel(page), { timeout: 10_000, intervals: [50] }).toBeGreaterThan(0.02);
    await expect(dialog).toBeVisible();

    await dialog.getByRole('button', { name: 'Decline', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect.poll(() => toneLevel(page), { timeout: 5_000 }).toBe(0);
  } finally {
    await browser.close();
  }
});
