import type { Page } from '@playwright/test';
import { connectCall } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { videoFramesIn } from '../helpers/media';

/** How soon the other side must show what changed. */
const SHOWN_WITHIN_MS = 300;

/**
 * Clicks `button` on `actor` and resolves with how long it took until `selector` (matching `text`, or merely
 * present) appeared on `watcher`. Both times are taken inside the pages (same machine clock), so the figure has
 * none of the test runner's round trips in it.
 */
async function timeUntilShown(actor: Page, button: string, watcher: Page, selector: string, text?: string): Promise<number> {
  const shown = watcher.evaluate(
    ({ selector, text }) =>
      new Promise<number>((resolve) => {
        const seen = () => [...document.querySelectorAll(selector)].some((el) => text === undefined || el.textContent?.includes(text));
        if (seen()) return resolve(Date.now());
        const observer = new MutationObserver(() => {
          if (!seen()) return;
          observer.disconnect();
          resolve(Date.now());
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      }),
    { selector, text },
  );
  const clickedAt = await actor.evaluate((name) => {
    const target = [...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === name);
    if (!target) throw new Error(`no button "${name}"`);
    const at = Date.now();
    target.click();
    return at;
  }, button);
  return (await shown) - clickedAt;
}

test('the other side sees camera-off as an avatar and a muted microphone as an icon within 300 ms', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob);
  await expect(bob.page.getByTestId('remote-muted')).toBeHidden();

  // Camera off: Bob sees Alice's avatar with "Camera is off" over the picture, not her last frame.
  const cameraMs = await timeUntilShown(alice.page, 'Turn camera off', bob.page, '.remote-placeholder', 'Camera is off');
  console.log(`camera off → avatar on the other side: ${cameraMs} ms`);
  expect(cameraMs).toBeLessThanOrEqual(SHOWN_WITHIN_MS);
  await expect(bob.page.locator('.remote-placeholder')).toBeVisible();
  expect(await videoFramesIn(bob.page, 1_000)).toBe(0);

  // Mute: Bob sees a muted-microphone sign next to Alice's name.
  const muteMs = await timeUntilShown(alice.page, 'Mute', bob.page, '[data-testid="remote-muted"]');
  console.log(`mute → muted icon on the other side: ${muteMs} ms`);
  expect(muteMs).toBeLessThanOrEqual(SHOWN_WITHIN_MS);
  await expect(bob.page.getByRole('img', { name: `${alice.user.username}’s microphone is off` })).toBeVisible();

  // Both come back.
  await alice.page.getByRole('button', { name: 'Unmute' }).click();
  await expect(bob.page.getByTestId('remote-muted')).toBeHidden();
  await alice.page.getByRole('button', { name: 'Turn camera on' }).click();
  await expect(bob.page.locator('.remote-placeholder')).toBeHidden();
  await expect.poll(() => videoFramesIn(bob.page, 1_000), { timeout: 10_000 }).toBeGreaterThan(5);

  // The other direction too: Bob mutes, Alice sees it.
  await bob.page.getByRole('button', { name: 'Mute' }).click();
  await expect(alice.page.getByRole('img', { name: `${bob.user.username}’s microphone is off` })).toBeVisible({ timeout: SHOWN_WITHIN_MS * 5 });
});
