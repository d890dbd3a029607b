import { login, userRow } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { uniqueName } from '../helpers/users';

test.describe('accounts', () => {
  test('create an account, stay logged in across a reload, log out and log back in', async ({ page }) => {
    const username = uniqueName('newbie');
    const password = 'correct horse battery';
    await page.goto('/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByTestId('me')).toContainText(username);

    await page.reload();
    await expect(page.getByTestId('me')).toContainText(username);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();

    await login(page, { username, password });
  });

  test('a wrong password and a taken username are explained', async ({ page, newUser }) => {
    const user = await newUser('taken');
    await page.goto('/');
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');

    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('alert')).toHaveText('That username is taken. Try another one.');

    await page.getByLabel('Username').fill('x');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('alert')).toContainText('3–32 characters');
  });

  test('an expired or forged token sends you back to the login screen', async ({ page, newUser }) => {
    const user = await newUser('forged');
    await login(page, user);
    await page.evaluate(() => {
      const stored = JSON.parse(localStorage.getItem('parley.session')!) as { token: string; expiresAt: string };
      localStorage.setItem('parley.session', JSON.stringify({ ...stored, token: `${stored.token}x` }));
    });
    await page.reload();
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
    await expect(page.getByText('Your session has expired. Please log in again.')).toBeVisible();
  });
});

test.describe('people list', () => {
  test('shows who is online live, and filters by name', async ({ newUser, open }) => {
    const bobUser = await newUser('bob');
    const carolUser = await newUser('carol');
    const alice = await open(await newUser('alice'));

    // Bob logs in after Alice: his dot turns green on her screen without a reload.
    await expect(userRow(alice.page, bobUser.username).getByRole('img', { name: 'offline' })).toBeVisible();
    const bob = await open(bobUser);
    await expect(userRow(alice.page, bobUser.username).getByRole('img', { name: 'online' })).toBeVisible();

    const filter = alice.page.getByRole('searchbox', { name: 'Filter users' });
    await filter.fill(carolUser.username.slice(0, 9));
    await expect(alice.page.getByRole('button', { name: `Call ${carolUser.username}` })).toBeVisible();
    await expect(alice.page.getByRole('button', { name: `Call ${bobUser.username}` })).toBeHidden();
    await filter.fill('');

    // Bob closes his browser: offline again.
    await bob.context.close();
    await expect(userRow(alice.page, bobUser.username).getByRole('img', { name: 'offline' })).toBeVisible();
  });

  test('someone who registers later appears when they come online', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const dave = await open(await newUser('dave'));
    await expect(userRow(alice.page, dave.user.username).getByRole('img', { name: 'online' })).toBeVisible();
  });
});
