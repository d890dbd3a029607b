import { connectCall, endedNotice } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { audioEnergyIn, expectMediaFlowing, videoFramesIn } from '../helpers/media';

test.describe('a call between two people', () => {
  test('both see and hear each other, mute and camera-off reach the other side, and the callee hangs up', async ({
    newUser,
    open,
  }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));

    await connectCall(alice, bob, 'full call');

    // Both directions: video frames decoded and presented, audio packets arriving.
    await expectMediaFlowing(alice.page);
    await expectMediaFlowing(bob.page);
    await expect(alice.page.getByTestId('call-timer')).toHaveText(/^0:0\d$/);
    await expect(alice.page.getByTestId('quality')).toHaveAttribute('data-quality', 'good');
    await expect(bob.page.getByTestId('local-video')).toHaveClass(/mirrored/);

    // Mute: Bob stops hearing Alice (the fake microphone's tone no longer adds energy), and hears her again after.
    expect(await audioEnergyIn(bob.page)).toBeGreaterThan(0.001);
    await alice.page.getByRole('button', { name: 'Mute' }).click();
    await expect(alice.page.getByRole('button', { name: 'Unmute' })).toBeVisible();
    await bob.page.waitForTimeout(500);
    expect(await audioEnergyIn(bob.page)).toBeLessThan(0.0005);
    await alice.page.getByRole('button', { name: 'Unmute' }).click();
    await expect.poll(() => audioEnergyIn(bob.page, 1_500), { timeout: 10_000 }).toBeGreaterThan(0.001);

    // Camera off: Bob's picture of Alice stops, and he is told her camera is off; it comes back when she turns it on.
    await alice.page.getByRole('button', { name: 'Turn camera off' }).click();
    await expect(alice.page.getByRole('button', { name: 'Turn camera on' })).toBeVisible();
    await expect(bob.page.getByText('Camera is off')).toBeVisible();
    expect(await videoFramesIn(bob.page)).toBe(0);
    await alice.page.getByRole('button', { name: 'Turn camera on' }).click();
    await expect(bob.page.getByText('Camera is off')).toBeHidden();
    await expect.poll(() => videoFramesIn(bob.page, 1_000), { timeout: 10_000 }).toBeGreaterThan(5);

    // Bob hangs up: both are back on the people list with the reason.
    await bob.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(endedNotice(bob.page)).toContainText('Call ended.');
    await expect(endedNotice(alice.page)).toContainText(`${bob.user.username} hung up.`);
    await expect(alice.page.getByRole('button', { name: `Call ${bob.user.username}` })).toBeVisible();
    await expect(bob.page.getByTestId('in-call')).toBeHidden();

    // The history shows the call with its direction, peer, reason and talk time.
    await alice.page.getByRole('button', { name: 'Recent calls' }).click();
    const row = alice.page.getByTestId('history-row').first();
    await expect(row).toHaveAttribute('data-direction', 'outgoing');
    await expect(row).toHaveAttribute('data-reason', 'hangup');
    await expect(row).toContainText(bob.user.username);
    await expect(row).toContainText(/Ended · \d:\d\d/);
    await bob.page.getByRole('button', { name: 'Recent calls' }).click();
    await expect(bob.page.getByTestId('history-row').first()).toHaveAttribute('data-direction', 'incoming');
  });

  test('the caller can hang up too', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    await connectCall(alice, bob);
    await alice.page.getByRole('button', { name: 'Hang up' }).click();
    await expect(endedNotice(alice.page)).toContainText('Call ended.');
    await expect(endedNotice(bob.page)).toContainText(`${alice.user.username} hung up.`);
    await expect(bob.page.getByTestId('in-call')).toBeHidden();
  });
});
