import { login } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';

const NEW_PASSWORD = 'a brand new password';

test.describe('account settings', () => {
  test('changing the password keeps this browser logged in and sends the other one back to the login', async ({ newUser, open }) => {
    const user = await newUser('pwchange');
    // Two browsers of the same user: two sessions, as a laptop and a phone.
    const here = await open(user);
    const other = await open(user);
    const page = here.page;
    await page.getByRole('button', { name: 'Account', exact: true }).click();
    await expect(page).toHaveURL(/\/account$/);

    // A wrong current password is said on that field, and logs nobody out.
    const current = page.getByLabel('Current password', { exact: true });
    await current.fill('not the password at all');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password', exact: true }).click();
    await expect(current).toHaveAttribute('aria-invalid', 'true');
    await expect(current).toBeFocused();
    await expect(current).toHaveAccessibleDescription('That is not your current password.');
    await expect(page.getByTestId('me')).toContainText(user.username);

    await current.fill(user.password);
    await page.getByRole('button', { name: 'Change password', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Password changed.' })).toBeVisible();

    // The other browser is sent back to the login by its socket closing (no action of its own needed).
    await expect(other.page.getByRole('button', { name: 'Log in', exact: true })).toBeVisible({ timeout: 5000 });
    await expect(other.page.getByText('Your session has expired. Please log in again.')).toBeVisible();

    // This one stays, across a reload too (the fresh token was kept).
    await page.reload();
    await expect(page.getByTestId('me')).toContainText(user.username);
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();

    // The old password no longer logs in; the new one does.
    await other.page.getByLabel('Username', { exact: true }).fill(user.username);
    await other.page.getByLabel('Password', { exact: true }).fill(user.password);
    await other.page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect(other.page.getByRole('alert')).toContainText('Wrong username or password.');
    await login(other.page, { username: user.username, password: NEW_PASSWORD });
  });

  test('deleting the account asks for the password and a confirmation, then ends every session for good', async ({ newUser, open }) => {
    const user = await newUser('leaver');
    const here = await open(user);
    const other = await open(user);
    const page = here.page;
    await page.getByRole('button', { name: 'Account', exact: true }).click();

    const password = page.getByLabel('Password', { exact: true });
    await password.fill('not the password at all');
    await page.getByRole('button', { name: 'Delete account', exact: true }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm).toContainText(`Delete “${user.username}” for good?`);
    await confirm.getByRole('button', { name: 'Yes, delete my account', exact: true }).click();
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(password).toHaveAccessibleDescription('That is not your current password.');
    await expect(page.getByTestId('me')).toContainText(user.username);

    await password.fill(user.password);
    await page.getByRole('button', { name: 'Delete account', exact: true }).click();
    // Changing one's mind keeps the account.
    await page.getByRole('alertdialog').getByRole('button', { name: 'Keep my account', exact: true }).click();
    await expect(page.getByRole('alertdialog')).toHaveCount(0);
    await page.getByRole('button', { name: 'Delete account', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete my account', exact: true }).click();

    await expect(page.getByRole('button', { name: 'Log in', exact: true })).toBeVisible();
    await expect(other.page.getByRole('button', { name: 'Log in', exact: true })).toBeVisible({ timeout: 5000 });
    await page.getByLabel('Username', { exact: true }).fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('Wrong username or password.');
  });
});
