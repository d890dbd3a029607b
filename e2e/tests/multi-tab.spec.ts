import { endedNotice, incomingDialog, openTab, placeCall } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { expectMediaFlowing, waitForRemoteVideo } from '../helpers/media';

test('a call rings in every tab of the callee; answering in one stops the other', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'));
  const bobSecondTab = await openTab(bob);

  await placeCall(alice, bob);
  await expect(incomingDialog(bob.page)).toBeVisible();
  await expect(incomingDialog(bobSecondTab.page)).toBeVisible();

  await incomingDialog(bobSecondTab.page).getByRole('button', { name: 'Accept' }).click();

  // The first tab stops ringing and says where the call went.
  await expect(incomingDialog(bob.page)).toBeHidden();
  await expect(endedNotice(bob.page)).toContainText(`The call from ${alice.user.username} was answered on another device.`);
  await expect(bob.page.locator('html')).not.toHaveAttribute('data-tone', /.+/);

  // The tab that answered carries the call.
  await waitForRemoteVideo(alice.page);
  await waitForRemoteVideo(bobSecondTab.page);
  await expectMediaFlowing(alice.page);
  await expectMediaFlowing(bobSecondTab.page);
  await expect(bob.page.getByTestId('in-call')).toBeHidden();
});
