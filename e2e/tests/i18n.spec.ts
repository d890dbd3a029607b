import { endedNotice, incomingDialog, userRow } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';
import { expectMediaFlowing, waitForRemoteVideo } from '../helpers/media';

test.describe('the Russian UI', () => {
  // The test's own page is Bob's browser, which prefers Russian: the UI picks it up without him choosing.
  test.use({ locale: 'ru-RU' });

  test('is driven by Russian accessible names: login, people list, calling, accepting and hanging up', async ({ page, newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await newUser('bob');

    // Login, by the Russian names of the form.
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
    await page.getByRole('textbox', { name: 'Имя пользователя', exact: true }).fill(bob.username);
    await page.getByLabel('Пароль', { exact: true }).fill(bob.password);
    await expect(page.getByRole('button', { name: 'Log in' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    await expect(page.getByTestId('me')).toContainText(bob.username);

    // The people list: its heading, the filter, Alice's presence dot and Call button.
    await expect(page.getByRole('navigation', { name: 'Основное меню' }).getByRole('button', { name: 'Люди', exact: true })).toHaveAttribute(
      'aria-current',
      'page',
    );
    await expect(page.getByRole('heading', { name: 'Люди' })).toBeVisible();
    await page.getByRole('searchbox', { name: 'Поиск людей', exact: true }).fill(alice.user.username);
    const aliceRow = userRow(page, alice.user.username, 'ru');
    await expect(aliceRow.getByRole('img', { name: 'В сети', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: `Call ${alice.user.username}` })).toHaveCount(0);

    // Calling: Bob rings Alice, then thinks better of it.
    await page.getByRole('button', { name: `Позвонить ${alice.user.username}`, exact: true }).click();
    await expect(page.getByRole('heading', { name: `Звоним ${alice.user.username}…` })).toBeVisible();
    await expect(incomingDialog(alice.page)).toBeVisible();
    await page.getByRole('button', { name: 'Отменить', exact: true }).click();
    await expect(endedNotice(page)).toContainText('Звонок отменён.');
    await expect(endedNotice(alice.page)).toContainText(`${bob.username} cancelled the call.`);
    await page.getByRole('button', { name: 'Закрыть', exact: true }).click();
    await expect(endedNotice(page)).toBeHidden();

    // Accepting: Alice calls back; Bob answers in the dialog named in Russian.
    await alice.page.getByRole('button', { name: `Call ${bob.username}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Входящий звонок', exact: true });
    await expect(dialog).toContainText(`${alice.user.username} звонит вам`);
    await expect(dialog.getByRole('button', { name: 'Accept' })).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: 'Отклонить', exact: true })).toBeVisible();
    await dialog.getByRole('button', { name: 'Принять', exact: true }).click();

    await Promise.all([waitForRemoteVideo(alice.page), waitForRemoteVideo(page)]);
    await expectMediaFlowing(page);
    await expect(page.getByRole('timer', { name: 'Длительность звонка', exact: true })).toBeVisible();
    const controls = page.getByRole('toolbar', { name: 'Управление звонком', exact: true });
    await controls.getByRole('button', { name: 'Выключить микрофон', exact: true }).click();
    await expect(controls.getByRole('button', { name: 'Включить микрофон', exact: true })).toBeVisible();
    await expect(controls.getByRole('button', { name: 'Выключить камеру', exact: true })).toBeVisible();
    await expect(controls.getByRole('button', { name: 'Устройства', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Hang up' })).toHaveCount(0);

    // Hanging up.
    await controls.getByRole('button', { name: 'Завершить', exact: true }).click();
    await expect(endedNotice(page)).toContainText('Звонок завершён.');
    await expect(endedNotice(alice.page)).toContainText(`${bob.username} hung up.`);
  });

  test('an English user switches to Russian: the accessible names change at once and stay after a reload', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    await expect(alice.page.getByRole('button', { name: 'Log out', exact: true })).toHaveText('Log out');
    await alice.page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('ru');
    await expect(alice.page.getByRole('button', { name: 'Выйти', exact: true })).toHaveText('Выйти');
    await expect(alice.page.getByRole('button', { name: 'Log out' })).toHaveCount(0);
    await expect(alice.page.getByRole('heading', { name: 'Люди' })).toBeVisible();
    await alice.page.reload();
    await expect(alice.page.getByRole('combobox', { name: 'Язык', exact: true })).toHaveValue('ru');
    await alice.page.getByRole('button', { name: 'Выйти', exact: true }).click();
    await expect(alice.page.getByRole('button', { name: 'Войти', exact: true })).toHaveText('Войти');
    await expect(alice.page.getByLabel('Имя пользователя', { exact: true })).toBeVisible();
  });
});
