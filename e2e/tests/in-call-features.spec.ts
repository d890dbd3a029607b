import type { Page } from '@playwright/test';
import { connectCall, incomingDialog, userRow } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { connectionInfo, expectMediaFlowing, restartIce, videoFramesIn } from '../helpers/media';

/** Opens the chat panel (if closed), sends `text` with Enter. */
async function say(page: Page, text: string): Promise<void> {
  const panel = page.getByTestId('chat-panel');
  if (!(await panel.isVisible())) await page.getByRole('button', { name: 'Chat', exact: true }).click();
  const box = panel.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect(panel.locator('[data-from="self"]').filter({ hasText: text })).toBeVisible();
}

function received(page: Page, text: string) {
  return page.getByTestId('chat-log').locator('[data-from="peer"]').filter({ hasText: text });
}

test('chat goes both ways peer to peer, counts unread messages, and keeps working after an ICE restart', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob);

  await say(alice.page, 'hello bob');
  // The panel says messages are not stored.
  await expect(alice.page.getByTestId('chat-panel')).toContainText('stored nowhere');
  // Bob's panel is closed: the Chat button counts the message.
  await expect(bob.page.getByTestId('chat-unread')).toHaveText('1', { timeout: 10_000 });
  await expect(bob.page.getByRole('button', { name: 'Chat', exact: true })).toHaveAttribute('aria-description', 'Unread messages: 1');
  await bob.page.getByRole('button', { name: 'Chat', exact: true }).click();
  await expect(received(bob.page, 'hello bob')).toBeVisible();
  await expect(bob.page.getByTestId('chat-unread')).toBeHidden();
  await say(bob.page, 'hi alice');
  await expect(received(alice.page, 'hi alice')).toBeVisible({ timeout: 10_000 });

  // What the caller does when ICE fails: the negotiated channel (fixed id) lives through the renegotiation.
  const before = await connectionInfo(alice.page);
  await restartIce(alice.page);
  await expect
    .poll(
      async () => {
        const info = await connectionInfo(alice.page);
        return !!info && info.signalingState === 'stable' && info.connectionState === 'connected' && info.localIceUfrag !== before?.localIceUfrag;
      },
      { message: 'alice: renegotiated with new ICE credentials', timeout: 20_000 },
    )
    .toBe(true);
  await say(alice.page, 'after the restart');
  await expect(received(bob.page, 'after the restart')).toBeVisible({ timeout: 10_000 });
  await say(bob.page, 'still here');
  await expect(received(alice.page, 'still here')).toBeVisible({ timeout: 10_000 });
  await expectMediaFlowing(bob.page);
});

test('a voice call rings as one, is answered without video, and either side adds video later', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));

  await userRow(alice.page, bob.user.username).getByRole('button', { name: `Voice call with ${bob.user.username}`, exact: true }).click();
  const dialog = incomingDialog(bob.page);
  await expect(dialog).toBeVisible({ timeout: 15_000 });
  await expect(dialog.getByTestId('incoming-voice')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Answer with video' })).toBeVisible();
  // Accept answers a voice call as one: no camera.
  await dialog.getByRole('button', { name: 'Accept', exact: true }).click();

  for (const page of [alice.page, bob.page]) {
    await expect(page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected', { timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Turn camera on' })).toBeVisible();
    await expect(page.getByTestId('local-video')).toHaveCount(0);
    // The other side's avatar, told by the state channel.
    await expect(page.getByText('Camera is off')).toBeVisible({ timeout: 10_000 });
    // No picture to float in a window of its own.
    await expect(page.getByTestId('pip')).toHaveCount(0);
  }
  expect(await videoFramesIn(alice.page, 500)).toBe(0);

  // Bob adds his video: Alice sees it, without any renegotiation.
  await bob.page.getByRole('button', { name: 'Turn camera on' }).click();
  await expect(bob.page.getByTestId('local-video')).toBeVisible();
  await expect(alice.page.getByText('Camera is off')).toBeHidden({ timeout: 10_000 });
  await expect.poll(() => videoFramesIn(alice.page, 1_000), { timeout: 15_000 }).toBeGreaterThan(5);
  // Now there is a picture to float (where the browser offers picture-in-picture).
  if (await alice.page.evaluate(() => document.pictureInPictureEnabled)) await expect(alice.page.getByTestId('pip')).toBeVisible();
  // And Alice hers.
  await alice.page.getByRole('button', { name: 'Turn camera on' }).click();
  await expect.poll(() => videoFramesIn(bob.page, 1_000), { timeout: 15_000 }).toBeGreaterThan(5);
});

test('full screen, picture-in-picture and the keyboard shortcuts', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob);
  const page = alice.page;

  // Full screen: the button, then F to leave it.
  await page.getByRole('button', { name: 'Full screen' }).click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement?.getAttribute('data-testid') ?? null)).toBe('in-call');
  await expect(page.getByRole('button', { name: 'Exit full screen' })).toBeVisible();
  await page.keyboard.press('f');
  await expect.poll(() => page.evaluate(() => document.fullscreenElement)).toBeNull();
  await expect(page.getByRole('button', { name: 'Full screen' })).toHaveAttribute('aria-keyshortcuts', 'F');

  // Picture-in-picture: the button exists where the browser offers it. Headless Chromium has no window to float a
  // video in and may reject requestPictureInPicture(); when it does, the page must stay as it was (no error).
  const pipEnabled = await page.evaluate(() => document.pictureInPictureEnabled);
  const pip = page.getByTestId('pip');
  if (!pipEnabled) {
    await expect(pip).toHaveCount(0);
  } else {
    await expect(pip).toHaveAccessibleName('Picture in picture');
    await expect(pip).toHaveAttribute('title', 'Picture in picture');
    await pip.click();
    const entered = await page
      .waitForFunction(() => document.pictureInPictureElement !== null, undefined, { timeout: 3_000 })
      .then(() => true)
      .catch(() => false);
    test.info().annotations.push({ type: 'picture-in-picture', description: entered ? 'entered in this Chromium' : 'refused by headless Chromium (no window to float in)' });
    if (entered) {
      await expect(pip).toHaveAccessibleName('Exit picture in picture');
      await pip.click();
      await expect.poll(() => page.evaluate(() => document.pictureInPictureElement)).toBeNull();
    }
    await expect(page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
  }

  // M mutes and unmutes; the tooltip says so; the other side sees it.
  await expect(page.getByRole('button', { name: 'Mute' })).toHaveAttribute('aria-keyshortcuts', 'M');
  await expect(page.getByRole('button', { name: 'Mute' })).toHaveAttribute('title', 'Mute (key M)');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('m');
  await expect(page.getByRole('button', { name: 'Unmute' })).toBeVisible();
  await expect(bob.page.getByTestId('remote-muted')).toBeVisible({ timeout: 5_000 });
  await page.keyboard.press('m');
  await expect(page.getByRole('button', { name: 'Mute' })).toBeVisible();

  // Typing an "m" in the chat box is a letter, not a shortcut.
  await page.keyboard.press('c');
  const box = page.getByTestId('chat-panel').getByRole('textbox', { name: 'Message' });
  await expect(box).toBeFocused();
  await page.keyboard.type('mv');
  await expect(box).toHaveValue('mv');
  await expect(page.getByRole('button', { name: 'Mute' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Turn camera off' })).toBeVisible();
  // Escape closes the chat; V then turns the camera off.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('chat-panel')).toBeHidden();
  await page.keyboard.press('v');
  await expect(page.getByRole('button', { name: 'Turn camera on' })).toBeVisible();
  await expect(bob.page.getByText('Camera is off')).toBeVisible({ timeout: 5_000 });
});
