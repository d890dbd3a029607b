import { connectCall } from '../helpers/app';
import { cameraShown, type CameraName } from '../helpers/cameras';
import { expect, test } from '../helpers/fixtures';
import type { Page } from '@playwright/test';

/** Polls until the `<video>` shows `camera`'s colour (a slow machine may take a while to send the first frames). */
async function expectCamera(page: Page, testId: 'remote-video' | 'local-video', camera: CameraName, who: string): Promise<void> {
  await expect.poll(() => cameraShown(page, testId), { message: `${who}'s ${testId} shows ${camera}'s camera`, timeout: 20_000 }).toBe(camera);
}

test('each side of a call sees the other person’s camera, and its own in the self-view', async ({ newUser, twoCameras }) => {
  const alice = await twoCameras.open('alice', await newUser('alice'));
  const bob = await twoCameras.open('bob', await newUser('bob'));
  await connectCall(alice, bob);

  await expectCamera(alice.page, 'remote-video', 'bob', 'alice');
  await expectCamera(bob.page, 'remote-video', 'alice', 'bob');
  await expectCamera(alice.page, 'local-video', 'alice', 'alice');
  await expectCamera(bob.page, 'local-video', 'bob', 'bob');
});
