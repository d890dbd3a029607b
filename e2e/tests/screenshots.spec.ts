import { fileURLToPath } from 'node:url';
import { incomingDialog, placeCall } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { waitForRemoteVideo } from '../helpers/media';
import { registerUser } from '../helpers/users';

// Run on demand only (see playwright.config.ts): SCREENSHOTS=1 pnpm --filter @parley/e2e test screenshots
const shot = (name: string) => fileURLToPath(new URL(`../../docs/screenshots/${name}.png`, import.meta.url));

/** Phone-width views, for a look during development; not part of the docs. */
const phoneShot = (name: string) => test.info().outputPath(`${name}-phone.png`);

test('screenshots of the main screens for the docs', async ({ page, request, open }) => {
  const names = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const users = [];
  for (const name of names) users.push(await registerUser(request, name, true));

  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
  await page.screenshot({ path: shot('login') });

  const carol = await open(users[2]!);
  const bob = await open(users[1]!);
  const alice = await open(users[0]!);
  await expect(alice.page.getByRole('img', { name: 'online' })).toHaveCount(2);
  await alice.page.screenshot({ path: shot('users') });

  await placeCall(alice, bob);
  await expect(incomingDialog(bob.page)).toBeVisible();
  await bob.page.waitForTimeout(600);
  await bob.page.screenshot({ path: shot('incoming') });

  await incomingDialog(bob.page).getByRole('button', { name: 'Accept' }).click();
  await waitForRemoteVideo(alice.page);
  await expect(alice.page.getByTestId('quality')).toHaveAttribute('data-quality', 'good');
  await alice.page.waitForTimeout(2_500);
  await alice.page.screenshot({ path: shot('in-call') });

  await alice.page.setViewportSize({ width: 390, height: 844 });
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await alice.page.getByRole('button', { name: 'Devices' }).click();
  await alice.page.screenshot({ path: phoneShot('in-call') });
  await bob.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(alice.page.getByTestId('call-ended')).toBeVisible();
  await alice.page.screenshot({ path: phoneShot('users') });
  await alice.page.getByRole('button', { name: 'Recent calls' }).click();
  await alice.page.screenshot({ path: phoneShot('history') });
  await carol.context.close();
});
