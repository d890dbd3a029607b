import { endedNotice, incomingDialog, placeCall, userRow } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';

test.describe('blocking a caller', () => {
  test('bob blocks alice from her call; her next call is refused as unavailable; unblocked, she gets through', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    await expect(userRow(alice.page, bob.user.username)).toHaveAttribute('data-online', 'true');

    await placeCall(alice, bob);
    const dialog = incomingDialog(bob.page);
    await expect(dialog).toContainText(`${alice.user.username} is calling you`);
    await dialog.getByRole('button', { name: 'Block', exact: true }).click();
    await expect(dialog).toBeHidden();
    // Alice is told no more than a decline, and bob now looks offline to her.
    await expect(endedNotice(alice.page)).toContainText(`${bob.user.username} declined the call.`);
    await expect(userRow(alice.page, bob.user.username)).toHaveAttribute('data-online', 'false');
    await expect(bob.page.getByRole('button', { name: `Unblock ${alice.user.username}`, exact: true })).toBeVisible();

    // Refused at once, as if bob were busy: no ring on his side.
    await alice.page.getByRole('button', { name: `Call ${bob.user.username}`, exact: true }).click();
    await expect(endedNotice(alice.page)).toContainText(`${bob.user.username} is unavailable right now.`);
    await expect(dialog).toBeHidden();

    await bob.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Blocked', exact: true }).click();
    const blockedRow = bob.page.getByTestId('blocked-row').filter({ hasText: alice.user.username });
    await expect(blockedRow).toBeVisible();
    await blockedRow.getByRole('button', { name: `Unblock ${alice.user.username}`, exact: true }).click();
    await expect(bob.page.getByText('You haven’t blocked anyone.')).toBeVisible();
    await expect(userRow(alice.page, bob.user.username)).toHaveAttribute('data-online', 'true');

    await placeCall(alice, bob);
    await expect(dialog).toContainText(`${alice.user.username} is calling you`);
    await dialog.getByRole('button', { name: 'Decline', exact: true }).click();
    await expect(dialog).toBeHidden();
  });
});
