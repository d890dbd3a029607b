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

    const token = await page.evaluate(() => (JSON.parse(localStorage.getItem('parley.session')!) as { token: string }).token);
    const me = () => page.request.get('/api/v1/users/me', { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status()).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
    // Logging out ended the session on the server too: the token is refused from then on.
    await expect.poll(async () => (await me()).status()).toBe(401);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();

    await login(page, { username, password });
  });

  test('a wrong password and a taken username are explained, on the field they are about', async ({ page, newUser }) => {
    const user = await newUser('taken');
    await page.goto('/');
    const username = page.getByLabel('Username', { exact: true });
    await username.fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('Wrong username or password.');

    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page.getByRole('alert')).toHaveText('That username is taken. Try another one.');
    await expect(username).toHaveAttribute('aria-invalid', 'true');
    await expect(username).toBeFocused();

    await username.fill('x');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('3–32 characters');
    await expect(username).toHaveAccessibleDescription(/3–32 characters/);
  });

  test('an unknown name at login is offered an account with what was typed', async ({ page }) => {
    const name = uniqueName('fresh');
    await page.goto('/');
    await page.getByLabel('Username', { exact: true }).fill(name);
    await page.getByLabel('Password', { exact: true }).fill('a good long password');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    const problem = page.getByRole('alert');
    await expect(problem).toContainText('Wrong username or password.');
    await expect(problem).toContainText('New to Parley? Create an account with this username and password.');
    await problem.getByRole('button', { name: `Create account “${name}”`, exact: true }).click();
    await expect(page.getByTestId('me')).toContainText(name);
  });

  test('a short password when creating an account marks the password field', async ({ page }) => {
    await page.goto('/');
    const username = page.getByLabel('Username', { exact: true });
    const password = page.getByLabel('Password', { exact: true });
    await username.fill(uniqueName('short'));
    await password.fill('short');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(password).toBeFocused();
    await expect(password).toHaveAccessibleDescription(/^At least \d+ characters\.$/);
    await expect(username).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('alert')).toHaveText(/^At least \d+ characters\.$/);
    // Red, unlike a field that is fine.
    const border = (field: typeof password) => field.evaluate((el) => getComputedStyle(el).borderColor);
    expect(await border(password)).not.toBe(await border(username));

    // An empty username at login is pointed at the same way.
    await username.fill('');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect(username).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('alert')).toHaveText('Enter your username.');
    await expect(password).not.toHaveAttribute('aria-invalid', 'true');
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

  test('a malformed answer from the server is said plainly, and the app keeps working', async ({ newUser, open }) => {
    const alice = await newUser('alice');
    const errors: string[] = [];
    const tab = await open(alice);
    tab.page.on('pageerror', (error) => errors.push(error.message));
    // Something between the browser and the server answers the people list with the wrong shape.
    // The list, whatever page of it is asked for (`?limit=…`), not /users/me.
    const peopleList = /\/api\/v1\/users(\?.*)?$/;
    await tab.page.route(peopleList, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"users":[]}' }));
    await tab.page.reload();
    await expect(tab.page.getByRole('alert')).toHaveText('The server sent an answer the app does not understand. Reload the page and try again.');
    await expect(tab.page.getByTestId('me')).toContainText(alice.username);
    await tab.page.unroute(peopleList);
    await tab.page.reload();
    await expect(tab.page.getByRole('heading', { name: 'People' })).toBeVisible();
    await expect(tab.page.getByRole('alert')).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  test('someone who registers later appears when they come online', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const dave = await open(await newUser('dave'));
    await expect(userRow(alice.page, dave.user.username).getByRole('img', { name: 'online' })).toBeVisible();
  });
});
