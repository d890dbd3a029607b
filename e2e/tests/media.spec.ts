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
