import { endedNotice, incomingDialog, placeCall } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { expectMediaFlowing, waitForRemoteVideo } from '../helpers/media';

test('a call in the Russian UI: visible text is Russian, accessible names stay English', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  // Bob's browser prefers Russian, so the UI picks it up without him choosing.
  const bob = await open(await newUser('bob'), { locale: 'ru-RU' });
  await expect(bob.page.locator('html')).toHaveAttribute('lang', 'ru');
  await expect(bob.page.getByRole('button', { name: 'Log out' })).toHaveText('Выйти');

  await placeCall(alice, bob);
  const dialog = incomingDialog(bob.page);
  await expect(dialog).toContainText(`${alice.user.username} звонит вам`);
  const accept = dialog.getByRole('button', { name: 'Accept' });
  await expect(accept).toHaveText('Принять');
  await expect(dialog.getByRole('button', { name: 'Decline' })).toHaveText('Отклонить');
  await accept.click();

  await Promise.all([waitForRemoteVideo(alice.page), waitForRemoteVideo(bob.page)]);
  await expectMediaFlowing(bob.page);
  await expect(bob.page.getByRole('button', { name: 'Mute' })).toContainText('Выключить микрофон');
  await expect(bob.page.getByRole('button', { name: 'Hang up' })).toContainText('Завершить');

  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await expect(endedNotice(bob.page)).toContainText(`${alice.user.username} завершил(а) звонок.`);
  await expect(endedNotice(alice.page)).toContainText('Call ended.');
});

test('the language switch changes the UI at once and is remembered', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  await expect(alice.page.getByRole('button', { name: 'Log out' })).toHaveText('Log out');
  await alice.page.getByRole('combobox', { name: 'Language' }).selectOption('ru');
  await expect(alice.page.getByRole('button', { name: 'Log out' })).toHaveText('Выйти');
  await expect(alice.page.getByRole('heading', { name: 'Люди' })).toBeVisible();
  await alice.page.reload();
  await expect(alice.page.getByRole('button', { name: 'Log out' })).toHaveText('Выйти');
  await alice.page.getByRole('button', { name: 'Log out' }).click();
  await expect(alice.page.getByRole('button', { name: 'Log in' })).toHaveText('Войти');
  await expect(alice.page.getByLabel('Username')).toBeVisible();
});
