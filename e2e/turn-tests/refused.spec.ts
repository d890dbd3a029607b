import { endedNotice, incomingDialog, placeCall, userRow } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';

// Server B: relay-only ICE with credentials minted from a wrong secret; coturn answers every allocation with 401,
// so no candidate can be gathered and media can never connect (playwright.turn.config.ts).

const MEDIA_FAILED = {
  en: 'Couldn’t connect the call’s media. A firewall or the relay server is blocking it.',
  ru: 'Не удалось соединить звук и видео звонка. Их блокирует брандмауэр или сервер-ретранслятор.',
};

test('a relay that refuses the credentials ends the call clearly on both sides, in each one’s language', async ({ newUser, open }) => {
  const alice = await open(await newUser('alice'));
  const bob = await open(await newUser('bob'), { locale: 'ru-RU' });
  for (const tab of [alice, bob]) {
    tab.page.on('console', (message) => {
      if (message.text().includes('media could not connect')) console.log(`[${tab.user.username}] ${message.text()}`);
    });
  }

  await placeCall(alice, bob);
  const dialog = incomingDialog(bob.page);
  await expect(dialog).toBeVisible();
  const accepted = Date.now();
  await dialog.getByRole('button', { name: 'Accept' }).click();

  // Not stuck on "Connecting…": both sides say why the call ended, well within the 12 s watchdog.
  await expect(endedNotice(alice.page)).toContainText(MEDIA_FAILED.en, { timeout: 15_000 });
  await expect(endedNotice(bob.page)).toContainText(MEDIA_FAILED.ru, { timeout: 15_000 });
  console.log(`accept → media failure shown on both sides: ${Date.now() - accepted} ms`);
  for (const tab of [alice, bob]) await expect(endedNotice(tab.page)).toHaveAttribute('data-reason', 'media_failed');

  // Both are back on the people list, and the server ended the call: they can call each other again at once.
  await expect(alice.page.getByTestId('in-call')).toBeHidden();
  await expect(bob.page.getByTestId('in-call')).toBeHidden();
  await expect(userRow(alice.page, bob.user.username)).toBeVisible();
  await expect(userRow(bob.page, alice.user.username)).toBeVisible();
  await placeCall(bob, alice);
  await expect(incomingDialog(alice.page)).toContainText(bob.user.username);
  await incomingDialog(alice.page).getByRole('button', { name: 'Decline' }).click();
  await expect(endedNotice(bob.page)).toHaveAttribute('data-reason', 'rejected');
});
