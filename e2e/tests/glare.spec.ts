import type { BrowserContext, Page, Response } from '@playwright/test';
import { endedNotice, incomingDialog, type Tab } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { expectMediaFlowing, waitForRemoteVideo } from '../helpers/media';
import { routeSignaling } from '../helpers/signaling';

/** Click each page's "Call <other>" button at the same instant (a timer in each page, on the machine's clock). */
async function clickCallTogether(a: Tab, b: Tab): Promise<void> {
  await expect(a.page.getByRole('button', { name: `Call ${b.user.username}` })).toBeVisible();
  await expect(b.page.getByRole('button', { name: `Call ${a.user.username}` })).toBeVisible();
  const at = Date.now() + 400;
  const arm = (page: Page, name: string) =>
    page.evaluate(
      ({ name, at }) =>
        new Promise<void>((resolve, reject) => {
          const button = [...document.querySelectorAll('button')].find((el) => el.getAttribute('aria-label') === `Call ${name}`);
          if (!button) return reject(new Error(`no Call ${name} button`));
          setTimeout(() => {
            button.click();
            resolve();
          }, at - Date.now());
        }),
      { name, at },
    );
  await Promise.all([arm(a.page, b.user.username), arm(b.page, a.user.username)]);
}

/** Starts watching `page` for an end-of-call notice ("You are already in a call…"); resolves whether one showed. */
async function watchForEndedNotice(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => {
    const seen = { value: false };
    Object.assign(window, { __endedNoticeSeen: seen });
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="call-ended"]')) seen.value = true;
    }).observe(document.body, { subtree: true, childList: true });
  });
  return () => page.evaluate(() => (window as unknown as { __endedNoticeSeen: { value: boolean } }).__endedNoticeSeen.value);
}

const postCalls = (page: Page) => page.waitForResponse((r) => r.url().endsWith('/api/v1/calls') && r.request().method() === 'POST');

/**
 * Both press Call at once: the server keeps one call and answers the other POST with 409. The tab that lost must
 * show the other person's call ringing (no "already in a call"), the winner "Ringing", and the call connects.
 */
async function expectGlareResolves(alice: Tab, bob: Tab): Promise<void> {
  const responses: Promise<Response>[] = [postCalls(alice.page), postCalls(bob.page)];
  const endedShown = await Promise.all([watchForEndedNotice(alice.page), watchForEndedNotice(bob.page)]);
  await clickCallTogether(alice, bob);
  const [aliceResponse, bobResponse] = await Promise.all(responses);
  expect([aliceResponse!.status(), bobResponse!.status()].sort()).toEqual([201, 409]);
  const [winner, loser] = aliceResponse!.status() === 201 ? [alice, bob] : [bob, alice];
  expect((await (loser === alice ? aliceResponse! : bobResponse!).json()).error.code).toBe('CALLER_BUSY');

  await expect(incomingDialog(loser.page)).toContainText(`${winner.user.username} is calling you`);
  await expect(winner.page.getByText('Ringing', { exact: true })).toBeVisible();
  // Nobody was told, even for a moment, that they are busy or that the call ended.
  for (const [i, tab] of [alice, bob].entries()) expect(await endedShown[i]!(), `${tab.user.username} saw an end-of-call notice`).toBe(false);

  await incomingDialog(loser.page).getByRole('button', { name: 'Accept' }).click();
  await Promise.all([waitForRemoteVideo(winner.page), waitForRemoteVideo(loser.page)]);
  await expectMediaFlowing(winner.page);
  await expectMediaFlowing(loser.page);
  await winner.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(endedNotice(loser.page)).toContainText(`${winner.user.username} hung up.`);
}

test.describe('both press Call at the same moment (glare)', () => {
  test('the one whose call lost is rung by the other’s call, when the ring arrives before the 409', async ({ newUser, open }) => {
    // The losing POST's answer is held back, so the winner's call:incoming is surely there first.
    const holdPostAnswer = async (context: BrowserContext) => {
      await context.route('**/api/v1/calls', async (route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        const response = await route.fetch();
        await new Promise((resolve) => setTimeout(resolve, 300));
        await route.fulfill({ response });
      });
    };
    const alice = await open(await newUser('alice'), { setup: holdPostAnswer });
    const bob = await open(await newUser('bob'), { setup: holdPostAnswer });
    await expectGlareResolves(alice, bob);
  });

  test('the one whose call lost is rung by the other’s call, when the 409 arrives before the ring', async ({ newUser, open }) => {
    // Each side's call:incoming is held back on its socket, so the losing POST's 409 is surely there first.
    const holdRing = async (context: BrowserContext) => {
      await routeSignaling(context, { delay: { types: ['call:incoming'], ms: 300 } });
    };
    const alice = await open(await newUser('alice'), { setup: holdRing });
    const bob = await open(await newUser('bob'), { setup: holdRing });
    await expectGlareResolves(alice, bob);
  });
});
