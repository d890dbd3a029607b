import { expect } from '@playwright/test';
import { endedNotice, incomingDialog, placeCall, userRow, type Tab } from './app';
import { NAMES } from './names';

/** What each side reads when the call's media cannot connect (apps/web/src/i18n/dictionary.ts `ended.mediaFailed`). */
export const MEDIA_FAILED = {
  en: 'Couldn’t connect the call’s media. A firewall or the relay server is blocking it.',
  ru: 'Не удалось соединить звук и видео звонка. Их блокирует брандмауэр или сервер-ретранслятор.',
} as const;

/**
 * `caller` (English UI) calls `callee` (Russian UI), who accepts, on a server whose media cannot connect. Checks the
 * call does not hang: both read why it ended in their language, both are back on the people list, and the server
 * ended the call (they can call each other again). Returns the time from Accept to both messages, and prints it
 * with the watchdog's reason from each page's console.
 */
export async function expectMediaFailureOnBothSides(caller: Tab, callee: Tab, label: string): Promise<number> {
  for (const tab of [caller, callee]) {
    tab.page.on('console', (message) => {
      if (message.text().includes('media could not connect')) console.log(`[${tab.user.username}] ${message.text()}`);
    });
  }
  await placeCall(caller, callee);
  const dialog = incomingDialog(callee.page, callee.lang);
  await expect(dialog).toBeVisible();
  const accepted = Date.now();
  await dialog.getByRole('button', { name: NAMES[callee.lang].accept, exact: true }).click();

  // The watchdog's bound is 12 s from the connection opening; allow for slow machines on top.
  await expect(endedNotice(caller.page)).toContainText(MEDIA_FAILED.en, { timeout: 20_000 });
  await expect(endedNotice(callee.page)).toContainText(MEDIA_FAILED.ru, { timeout: 20_000 });
  const elapsed = Date.now() - accepted;
  console.log(`accept → media failure shown on both sides (${label}): ${elapsed} ms`);
  for (const tab of [caller, callee]) await expect(endedNotice(tab.page)).toHaveAttribute('data-reason', 'media_failed');

  await expect(caller.page.getByTestId('in-call')).toBeHidden();
  await expect(callee.page.getByTestId('in-call')).toBeHidden();
  await expect(userRow(caller.page, callee.user.username, caller.lang)).toBeVisible();
  await expect(userRow(callee.page, caller.user.username, callee.lang)).toBeVisible();
  // Neither is still "in a call" on the server: a new call rings at once.
  await placeCall(callee, caller);
  await expect(incomingDialog(caller.page, caller.lang)).toContainText(callee.user.username);
  await incomingDialog(caller.page, caller.lang).getByRole('button', { name: NAMES[caller.lang].decline, exact: true }).click();
  await expect(endedNotice(callee.page)).toHaveAttribute('data-reason', 'rejected');
  return elapsed;
}
