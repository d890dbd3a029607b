import { endedNotice, incomingDialog, userRow } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { RING_TIMEOUT_MS } from '../helpers/timing';

test.describe('calling someone who is offline', () => {
  test('lists them after the people online, says the call waits for them, and turns to “Ringing” when they come online', async ({
    browser,
    baseURL,
    newUser,
    open,
  }) => {
    // Alphabetically the offline person comes first; online people must still be listed before them.
    const bobUser = await newUser('aoffline');
    const carolUser = await newUser('zonline');
    const alice = await open(await newUser('alice'));
    await open(carolUser);

    const rows = alice.page.getByTestId('user-row');
    await expect(userRow(alice.page, carolUser.username)).toHaveAttribute('data-online', 'true');
    const order = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-online')));
    expect(order.indexOf('false')).toBeGreaterThan(-1);
    expect(order.slice(order.indexOf('false'))).not.toContain('true');

    // The offline person's button says what will happen.
    const bobRow = userRow(alice.page, bobUser.username);
    await expect(bobRow).toHaveAttribute('data-online', 'false');
    await expect(bobRow.getByRole('button', { name: `Call ${bobUser.username}` })).toHaveText('Call');
    await expect(bobRow).toContainText('Offline · rings if they come online');
    await expect(userRow(alice.page, carolUser.username).getByRole('button', { name: `Call ${carolUser.username}` })).toHaveText('Call');

    // Bob's browser is on the login page, not connected (the ring times out in a few seconds: be ready to log in).
    const bobContext = await browser.newContext({ baseURL, permissions: ['camera', 'microphone'] });
    const bobPage = await bobContext.newPage();
    await bobPage.goto('/');
    await bobPage.getByLabel('Username').fill(bobUser.username);
    await bobPage.getByLabel('Password').fill(bobUser.password);

    // Calling: nothing rings anywhere yet, and the caller is told so.
    await bobRow.getByRole('button', { name: `Call ${bobUser.username}` }).click();
    const status = alice.page.getByTestId('outgoing-status');
    await expect(status).toHaveText(`${bobUser.username} is offline — we’ll ring them if they come online.`);
    await expect(status).toHaveAttribute('data-ringing', 'false');
    await expect(alice.page.getByText('Ringing', { exact: true })).toBeHidden();

    // Bob comes online: his browser rings, and the caller's screen says so.
    await bobPage.getByRole('button', { name: 'Log in' }).click();
    await expect(incomingDialog(bobPage)).toContainText(`${alice.user.username} is calling you`);
    await expect(status).toHaveText('Ringing');
    await expect(status).toHaveAttribute('data-ringing', 'true');

    await incomingDialog(bobPage).getByRole('button', { name: 'Decline' }).click();
    await expect(endedNotice(alice.page)).toContainText(`${bobUser.username} declined the call.`);
    await bobContext.close();
  });

  test('a call to someone who never comes online ends saying so, not “didn’t answer”', async ({ newUser, open }) => {
    test.setTimeout(RING_TIMEOUT_MS + 30_000);
    const bobUser = await newUser('bob');
    const alice = await open(await newUser('alice'));
    await alice.page.getByRole('button', { name: `Call ${bobUser.username}` }).click();
    await expect(alice.page.getByTestId('outgoing-status')).toHaveAttribute('data-ringing', 'false');
    await expect(endedNotice(alice.page)).toContainText(`${bobUser.username} didn’t come online in time.`, { timeout: RING_TIMEOUT_MS + 5_000 });
    await expect(endedNotice(alice.page)).toHaveAttribute('data-reason', 'missed');
  });

  test('a call to someone online says “Ringing” straight away', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    await alice.page.getByRole('button', { name: `Call ${bob.user.username}` }).click();
    await expect(alice.page.getByTestId('outgoing-status')).toHaveText('Ringing');
    await expect(incomingDialog(bob.page)).toBeVisible();
    await alice.page.getByRole('button', { name: 'Cancel' }).click();
  });
});
