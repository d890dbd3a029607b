import type { BrowserContext, Page } from '@playwright/test';
import { connectCall, incomingDialog, placeCall } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { expectMediaFlowing, inbound, presentedFrames, waitForRemoteVideo } from '../helpers/media';

test('without camera and microphone permission the call still connects, receive-only, with a clear message', async ({
  newUser,
  open,
}) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'), { denyMedia: true });

  await placeCall(alice, bob);
  await incomingDialog(bob.page).getByRole('button', { name: 'Accept' }).click();

  await expect(bob.page.getByTestId('media-issue')).toContainText('Camera and microphone access was denied');
  await expect(bob.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
  // Bob still sees and hears Alice.
  await waitForRemoteVideo(bob.page);
  await expectMediaFlowing(bob.page);
  await expect(bob.page.getByRole('button', { name: 'Mute' })).toBeDisabled();
  // Alice gets no video from Bob and sees his avatar instead of a frozen or black tile.
  await expect(alice.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
  await alice.page.waitForTimeout(1_500);
  expect((await inbound(alice.page)).video?.framesDecoded ?? 0).toBe(0);
  expect(await presentedFrames(alice.page, 500)).toBe(0);
  await expect(alice.page.getByTestId('in-call').getByText(bob.user.username, { exact: true }).last()).toBeVisible();
});

test('the device picker lists the cameras and microphones and switching keeps the call going', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob);

  await alice.page.getByRole('button', { name: 'Devices' }).click();
  const camera = alice.page.getByRole('combobox', { name: 'Camera' });
  const microphone = alice.page.getByRole('combobox', { name: 'Microphone' });
  await expect(camera).toBeEnabled();
  await expect(microphone).toBeEnabled();
  const cameras = await camera.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
  expect(cameras.length).toBeGreaterThan(0);
  await camera.selectOption(cameras[cameras.length - 1]!);
  await expectMediaFlowing(bob.page);
});

/** The speaker the remote `<video>` plays on (`HTMLMediaElement.sinkId`; '' is the browser's default). */
function remoteSinkId(page: Page): Promise<string> {
  return page.getByTestId('remote-video').evaluate((video: HTMLVideoElement) => video.sinkId);
}

test('the speaker picker routes the other side’s sound to the chosen output (setSinkId)', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob);
  expect(await remoteSinkId(alice.page), 'the default speaker at first').toBe('');

  await alice.page.getByRole('button', { name: 'Devices', exact: true }).click();
  const speaker = alice.page.getByRole('combobox', { name: 'Speaker', exact: true });
  await expect(speaker).toBeEnabled();
  // Chromium's fake devices list the outputs "Fake Default Audio Output", "Fake Audio Output 1" and "… 2".
  const outputs = await speaker.locator('option').evaluateAll((options: HTMLOptionElement[]) =>
    options.map((o) => ({ value: o.value, label: o.text })).filter((o) => o.value !== '' && o.value !== 'default'),
  );
  expect(outputs.length, 'outputs besides the default').toBeGreaterThanOrEqual(2);

  for (const output of outputs.slice(0, 2)) {
    await speaker.selectOption(output.value);
    await expect(speaker).toHaveValue(output.value);
    await expect.poll(() => remoteSinkId(alice.page), { message: `playing on ${output.label}` }).toBe(output.value);
  }
  // Bob's side is untouched, and the call goes on.
  expect(await remoteSinkId(bob.page)).toBe('');
  await expectMediaFlowing(alice.page);
});

test('where the browser cannot route sound (no setSinkId) there is no speaker picker', async ({ newUser, open }) => {
  const withoutSinkId = async (context: BrowserContext) => {
    await context.addInitScript(() => {
      Reflect.deleteProperty(HTMLMediaElement.prototype, 'setSinkId');
    });
  };
  const alice = await open(await newUser('alice'), { setup: withoutSinkId });
  const bob = await open(await newUser('bob'));
  await connectCall(alice, bob);
  expect(await alice.page.evaluate(() => 'setSinkId' in HTMLMediaElement.prototype)).toBe(false);

  await alice.page.getByRole('button', { name: 'Devices', exact: true }).click();
  const panel = alice.page.getByRole('group', { name: 'Devices', exact: true });
  await expect(panel.getByRole('combobox', { name: 'Camera', exact: true })).toBeVisible();
  await expect(panel.getByRole('combobox', { name: 'Microphone', exact: true })).toBeVisible();
  await expect(panel.getByRole('combobox')).toHaveCount(2);
  await expect(panel.getByText('Speaker', { exact: true })).toHaveCount(0);
  // The same browser with setSinkId shows it (the other side, for contrast).
  await bob.page.getByRole('button', { name: 'Devices', exact: true }).click();
  await expect(bob.page.getByRole('combobox', { name: 'Speaker', exact: true })).toBeVisible();
});
