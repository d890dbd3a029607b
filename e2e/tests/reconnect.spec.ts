import type { Page } from '@playwright/test';
import { connectCall, endedNotice, type Tab } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { expectMediaFlowing, waitForRemoteVideo } from '../helpers/media';

/** Seconds shown by the call timer (m:ss). */
async function timerSeconds(page: Page): Promise<number> {
  const text = (await page.getByTestId('call-timer').textContent()) ?? '';
  const [m, s] = text.split(':').map(Number);
  return (m ?? 0) * 60 + (s ?? 0);
}

/** After the call: exactly one call between the two in the history, so the recovery did not place a new call. */
async function expectOneCallInHistory(tab: Tab, peer: string): Promise<void> {
  await tab.page.getByRole('button', { name: 'Recent calls' }).click();
  const rows = tab.page.getByTestId('history-row').filter({ hasText: peer });
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-reason', 'hangup');
}

for (const who of ['caller', 'callee'] as const) {
  test(`the ${who} reloads the page mid-call and the same call recovers`, async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    await connectCall(alice, bob);
    const [reloading, staying] = who === 'caller' ? [alice, bob] : [bob, alice];
    await reloading.page.waitForTimeout(1_500);
    const secondsBefore = await timerSeconds(reloading.page);

    const started = Date.now();
    await reloading.page.reload();
    // The page comes back straight into the call (no new ring, no Accept) and both sides get video again.
    await expect(reloading.page.getByTestId('in-call')).toBeVisible();
    await Promise.all([waitForRemoteVideo(reloading.page), waitForRemoteVideo(staying.page)]);
    console.log(`reload (${who}) → video again on both sides: ${Date.now() - started} ms`);
    await expect(reloading.page.getByTestId('in-call')).toHaveAttribute('data-link', 'ok');
    await expect(staying.page.getByTestId('in-call')).toHaveAttribute('data-link', 'ok');
    await expectMediaFlowing(reloading.page);
    await expectMediaFlowing(staying.page);
    // The call timer continues from the original answer time.
    expect(await timerSeconds(reloading.page)).toBeGreaterThanOrEqual(secondsBefore);

    await staying.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(endedNotice(reloading.page)).toContainText('hung up');
    await expectOneCallInHistory(alice, bob.user.username);
  });
}

test('a network blip (offline, then online) mid-call recovers the same call', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob);

  await bob.context.setOffline(true);
  await expect(bob.page.getByTestId('reconnecting')).toContainText('Your connection dropped');
  await expect(alice.page.getByTestId('reconnecting')).toContainText(`${bob.user.username}’s connection dropped`);
  await bob.page.waitForTimeout(2_000);

  const started = Date.now();
  await bob.context.setOffline(false);
  await expect(bob.page.getByTestId('in-call')).toHaveAttribute('data-link', 'ok');
  await expect(alice.page.getByTestId('in-call')).toHaveAttribute('data-link', 'ok');
  await Promise.all([waitForRemoteVideo(alice.page), waitForRemoteVideo(bob.page)]);
  console.log(`offline blip → back online → video on both sides: ${Date.now() - started} ms`);
  await expectMediaFlowing(alice.page);
  await expectMediaFlowing(bob.page);
  await expect(endedNotice(alice.page)).toBeHidden();

  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(endedNotice(bob.page)).toContainText('hung up');
  await expectOneCallInHistory(bob, alice.user.username);
});

test('a participant who does not come back within the grace period ends the call as connection lost', async ({ newUser, open }) => {
  test.setTimeout(60_000);
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob);
  await bob.context.close();
  await expect(alice.page.getByTestId('reconnecting')).toBeVisible();
  await expect(endedNotice(alice.page)).toContainText(`The call with ${bob.user.username} ended: connection lost.`, { timeout: 20_000 });
});
