import type { Locator, Page } from '@playwright/test';
import { connectCall, placeCall, type Tab } from '../helpers/app';
import { expect, test } from '../helpers/fixtures';

/** A phone held upright (iPhone 12–15 size). */
const PHONE = { width: 390, height: 844 };

async function asPhone(tab: Tab): Promise<Tab> {
  await tab.page.setViewportSize(PHONE);
  return tab;
}

/** Whether two boxes share any area. */
function overlap(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function box(locator: Locator) {
  const found = await locator.boundingBox();
  expect(found, 'element has a box').not.toBeNull();
  return found!;
}

/** Mean luma (0–255) of what the screen shows, from a screenshot decoded in the page. */
async function screenLuma(page: Page): Promise<number> {
  const png = (await page.screenshot()).toString('base64');
  return page.evaluate(async (data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let sum = 0;
    for (let i = 0; i < pixels.length; i += 4) sum += 0.2126 * pixels[i]! + 0.7152 * pixels[i + 1]! + 0.0722 * pixels[i + 2]!;
    return sum / (pixels.length / 4);
  }, png);
}

/** Mean luma of the frames the camera delivers to the local `<video>` (what the preview should look like). */
async function cameraLuma(page: Page): Promise<number> {
  return page.evaluate(() => {
    // The one on screen: a hidden screen may hold a self-view too.
    const video = [...document.querySelectorAll<HTMLVideoElement>('[data-testid="local-video"]')].find((v) => v.checkVisibility())!;
    const canvas = new OffscreenCanvas(160, 90);
    const context = canvas.getContext('2d')!;
    context.drawImage(video, 0, 0, 160, 90);
    const pixels = context.getImageData(0, 0, 160, 90).data;
    let sum = 0;
    for (let i = 0; i < pixels.length; i += 4) sum += 0.2126 * pixels[i]! + 0.7152 * pixels[i + 1]! + 0.0722 * pixels[i + 2]!;
    return sum / (pixels.length / 4);
  });
}

/** Every control of the call toolbar: one row, equal widths, each label shown in full on at most two lines. */
async function expectEvenControls(page: Page, names: readonly string[]): Promise<void> {
  const toolbar = page.getByRole('toolbar');
  const viewport = page.viewportSize()!;
  const buttons = toolbar.getByRole('button');
  await expect(buttons).toHaveCount(names.length);
  const boxes = [];
  for (const [i, name] of names.entries()) {
    const button = buttons.nth(i);
    await expect(button).toHaveAccessibleName(name);
    const label = button.locator('.ctl-label');
    // The label is visible text, the same words as the accessible name.
    await expect(label).toBeVisible();
    await expect(label).toHaveText(name);
    const fits = await label.evaluate((el) => {
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight);
      return { lines: Math.round(el.getBoundingClientRect().height / lineHeight), overflows: el.scrollWidth > el.clientWidth + 1 };
    });
    expect(fits.lines, `${name}: lines`).toBeLessThanOrEqual(2);
    expect(fits.overflows, `${name}: overflows its column`).toBe(false);
    boxes.push(await box(button));
  }
  for (const b of boxes) {
    expect(Math.abs(b.y - boxes[0]!.y), 'all in one row').toBeLessThanOrEqual(1);
    expect(Math.abs(b.width - boxes[0]!.width), 'all equally wide').toBeLessThanOrEqual(1);
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width).toBeLessThanOrEqual(viewport.width);
  }
}

test.describe('on a phone (390×844)', () => {
  test('the header keeps your own name, and recent calls say when they were', async ({ newUser, open, request }) => {
    const alice = await asPhone(await open(await newUser('alice')));
    const bob = await newUser('bob');
    const name = alice.page.getByTestId('me').locator('.me-name');
    await expect(name).toBeVisible();
    await expect(name).toHaveText(alice.user.username);
    expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the name is not cut off').toBe(true);
    await expect(alice.page.getByRole('button', { name: 'Log out', exact: true })).toBeVisible();

    // A call in the history, placed and cancelled over the API.
    const login = await request.post('/api/v1/auth/login', { data: { username: alice.user.username, password: alice.user.password } });
    const headers = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
    const created = await request.post('/api/v1/calls', { headers, data: { calleeId: bob.id } });
    const { callId, ringExpiresAt } = (await created.json()) as { callId: string; ringExpiresAt: string };
    expect((await request.post(`/api/v1/calls/${callId}/end`, { headers })).status()).toBe(200);

    await alice.page.getByRole('button', { name: 'Recent calls', exact: true }).click();
    const row = alice.page.getByTestId('history-row').first();
    const when = row.locator('time');
    await expect(when).toBeVisible();
    // The row's date in the browser's format, e.g. "Dec 2, 2026, 1:29 AM".
    const year = String(new Date(ringExpiresAt).getFullYear());
    await expect(when).toContainText(year);
    await expect(when).toHaveText(/\d{1,2}:\d{2}/);
    const [rowBox, whenBox] = [await box(row), await box(when)];
    expect(whenBox.x + whenBox.width).toBeLessThanOrEqual(rowBox.x + rowBox.width);
  });

  test('the outgoing call shows your own camera as bright as it is, filling the screen', async ({ newUser, open }) => {
    const alice = await asPhone(await open(await newUser('alice')));
    const bob = await open(await newUser('bob'));
    await placeCall(alice, bob);
    // The outgoing screen's own preview (the in-call screen is already rendered, hidden, with a self-view of its own).
    const preview = alice.page.getByTestId('outgoing-call').getByTestId('local-video');
    await alice.page.waitForFunction(() => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="outgoing-call"] [data-testid="local-video"]');
      return !!video && video.readyState >= 2 && video.videoWidth > 0;
    });
    const previewBox = await box(preview);
    expect(previewBox).toEqual({ x: 0, y: 0, width: PHONE.width, height: PHONE.height });
    const camera = await cameraLuma(alice.page);
    expect(camera, 'the fake camera is not dark itself').toBeGreaterThan(40);
    // The first frames take a moment to reach the screen; a dimmed preview never gets there.
    let screen = 0;
    await expect
      .poll(async () => (screen = await screenLuma(alice.page)) / camera, { message: 'screen brightness / camera brightness', timeout: 5_000 })
      .toBeGreaterThan(0.6);
    console.log(`outgoing preview: camera frames mean luma ${camera.toFixed(1)}, screen ${screen.toFixed(1)}`);
  });

  test('in a call: the controls keep their labels in one even row, and the Devices panel leaves the video whole and closes on Escape', async ({
    newUser,
    open,
  }) => {
    const alice = await asPhone(await open(await newUser('alice')));
    const bob = await asPhone(await open(await newUser('bob'), { locale: 'ru-RU' }));
    await connectCall(alice, bob);

    await expectEvenControls(alice.page, ['Mute', 'Turn camera off', 'Share screen', 'Devices', 'Chat', 'Hang up']);
    await expectEvenControls(bob.page, ['Выключить микрофон', 'Выключить камеру', 'Показать экран', 'Устройства', 'Чат', 'Завершить']);
    // The Russian bar is even on a wide screen too.
    await bob.page.setViewportSize({ width: 1280, height: 800 });
    await expectEvenControls(bob.page, ['Выключить микрофон', 'Выключить камеру', 'Показать экран', 'Устройства', 'Чат', 'Завершить']);

    const devices = alice.page.getByRole('button', { name: 'Devices', exact: true });
    await devices.click();
    const panel = alice.page.getByRole('group', { name: 'Devices', exact: true });
    await expect(panel).toBeVisible();
    await expect(devices).toHaveAttribute('aria-expanded', 'true');
    await expect(panel.getByRole('combobox', { name: 'Camera', exact: true })).toBeVisible();
    const panelBox = await box(panel);
    for (const video of ['remote-video', 'local-video']) {
      expect(overlap(panelBox, await box(alice.page.getByTestId(video))), `the panel covers ${video}`).toBe(false);
    }

    // Escape closes it from wherever the focus is in it, and the focus goes back to the button.
    await panel.getByRole('combobox', { name: 'Microphone', exact: true }).focus();
    await alice.page.keyboard.press('Escape');
    await expect(panel).toBeHidden();
    await expect(devices).toHaveAttribute('aria-expanded', 'false');
    await expect(devices).toBeFocused();
    // The video takes its room back.
    expect((await box(alice.page.getByTestId('remote-video'))).height).toBeGreaterThan(panelBox.height + (await box(alice.page.getByTestId('remote-video'))).height / 2);
  });
});
