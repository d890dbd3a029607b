import { callButton, connectCall, endedNotice, incomingDialog, placeCall } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { RING_TIMEOUT_MS } from '../helpers/timing';

test.describe('a call that is not answered', () => {
  test('the callee declines: both are told, the caller with the callee’s name', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    await placeCall(alice, bob);
    await expect(alice.page.getByRole('heading', { name: `Calling ${bob.user.username}…` })).toBeVisible();

    const dialog = incomingDialog(bob.page);
    await expect(dialog).toContainText(`${alice.user.username} is calling you`);
    await dialog.getByRole('button', { name: 'Decline' }).click();

    await expect(dialog).toBeHidden();
    await expect(endedNotice(alice.page)).toContainText(`${bob.user.username} declined the call.`);
    await expect(endedNotice(bob.page)).toContainText(`You declined the call from ${alice.user.username}.`);
    await expect(alice.page.getByTestId('outgoing-call')).toBeHidden();
  });

  test('the caller cancels while it rings: the ringing stops on the other side', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    await placeCall(alice, bob);
    await expect(incomingDialog(bob.page)).toBeVisible();
    await expect(bob.page.locator('html')).toHaveAttribute('data-tone', 'ringtone');
    await expect(alice.page.locator('html')).toHaveAttribute('data-tone', 'ringback');
    await expect(alice.page.getByText('Ringing')).toBeVisible();

    await alice.page.getByRole('button', { name: 'Cancel' }).click();

    await expect(endedNotice(alice.page)).toContainText('Call cancelled.');
    await expect(alice.page.locator('html')).not.toHaveAttribute('data-tone', /.+/);
    await expect(incomingDialog(bob.page)).toBeHidden();
    await expect(endedNotice(bob.page)).toContainText(`${alice.user.username} cancelled the call.`);
    await expect(bob.page.locator('html')).not.toHaveAttribute('data-tone', /.+/);
  });

  test('the caller reloads the page while it rings: the call is cancelled, not left ringing', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    await placeCall(alice, bob);
    await expect(alice.page.getByText('Ringing')).toBeVisible();
    await expect(incomingDialog(bob.page)).toBeVisible();

    await alice.page.reload();

    await expect(incomingDialog(bob.page)).toBeHidden();
    await expect(endedNotice(bob.page)).toContainText(`${alice.user.username} cancelled the call.`);
    await expect(await callButton(alice, bob.user.username)).toBeVisible();
  });

  test('nobody answers: after the ring timeout the caller hears “no answer”, the callee sees a missed call', async ({
    newUser,
    open,
  }) => {
    test.setTimeout(RING_TIMEOUT_MS + 30_000);
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    await placeCall(alice, bob);
    await expect(incomingDialog(bob.page)).toBeVisible();
    // The tab title flashes while it rings.
    await expect(bob.page).toHaveTitle(new RegExp(`${alice.user.username} is calling`));

    await expect(endedNotice(alice.page)).toContainText(`${bob.user.username} didn’t answer.`, { timeout: RING_TIMEOUT_MS + 5_000 });
    await expect(endedNotice(bob.page)).toContainText(`Missed call from ${alice.user.username}.`);
    await expect(incomingDialog(bob.page)).toBeHidden();
    await expect(bob.page).toHaveTitle('Parley');

    await bob.page.getByRole('button', { name: 'Recent calls' }).click();
    const row = bob.page.getByTestId('history-row').first();
    await expect(row).toHaveAttribute('data-reason', 'missed');
    await expect(row).toHaveAttribute('data-direction', 'incoming');
  });

  test('calling someone who is already in a call says they are unavailable', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    const carol = await open(await newUser('carol'));
    await connectCall(alice, bob);

    await (await callButton(carol, bob.user.username)).click();
    await expect(endedNotice(carol.page)).toContainText(`${bob.user.username} is unavailable right now.`);
    // Bob is not disturbed.
    await expect(incomingDialog(bob.page)).toBeHidden();
    await expect(bob.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected');
  });
});
