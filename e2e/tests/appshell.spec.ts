import type { Page } from '@playwright/test';
import { incomingDialog, placeCall } from '../helpers/app';
import { tapAudioOutput, toneLevel } from '../helpers/audio';
import { expect, test } from '../helpers/fixtures';
import { RING_TIMEOUT_MS } from '../helpers/timing';

/** Resolves once the page has a service worker that controls it. */
async function waitForWorker(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
    // clients.claim() races the first load's requests; the next load is controlled for sure.
    await page.reload();
  }
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null)).toMatch(/\/sw\.js$/);
}

test.describe('the installable app', () => {
  test('serves a manifest and a service worker with the right types, scope and cache headers', async ({ request, page, baseURL }) => {
    const manifest = await request.get('/manifest.webmanifest');
    expect(manifest.status()).toBe(200);
    expect(manifest.headers()['content-type']).toMatch(/^application\/manifest\+json/);
    const body = (await manifest.json()) as { start_url: string; scope: string; display: string; icons: { src: string; sizes: string; type: string }[] };
    expect(body).toMatchObject({ start_url: '/', scope: '/', display: 'standalone' });
    expect(body.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of body.icons) {
      const answer = await request.get(icon.src);
      expect(answer.status(), icon.src).toBe(200);
      expect(answer.headers()['content-type']).toContain(icon.type);
    }

    const worker = await request.get('/sw.js');
    expect(worker.status()).toBe(200);
    expect(worker.headers()['content-type']).toMatch(/^(application|text)\/javascript/);
    // Never cached by HTTP, so a deploy's new worker is seen at once; served from the root, so no
    // Service-Worker-Allowed header is needed for the scope `/`.
    expect(worker.headers()['cache-control']).toBe('no-cache');

    await page.goto('/');
    await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.webmanifest');
    await waitForWorker(page);
    expect(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.scope))).toBe(`${baseURL}/`);
  });

  test('precaches the shell, opens offline, and never caches the API', async ({ context, page, newUser }) => {
    const user = await newUser('shell');
    await page.goto('/');
    await waitForWorker(page);
    // Use the API (login, people, history) while the worker controls the page.
    await page.getByLabel('Username', { exact: true }).fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect(page.getByTestId('me')).toContainText(user.username);
    await page.getByRole('button', { name: 'Recent calls' }).click();
    await expect(page.getByRole('heading', { name: 'Recent calls' })).toBeVisible();

    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const key of await caches.keys()) for (const request of await (await caches.open(key)).keys()) urls.push(new URL(request.url).pathname);
      return urls;
    });
    expect(cached).toContain('/index.html');
    const scripts = await page.evaluate(() => [...document.querySelectorAll('script[src]')].map((s) => new URL((s as HTMLScriptElement).src).pathname));
    for (const script of scripts) expect(cached).toContain(script);
    expect(cached.some((path) => path.startsWith('/assets/Home-'))).toBe(true);
    expect(cached.filter((path) => /^\/(api|ws|docs)\b/.test(path))).toEqual([]);

    // Offline: the shell still opens (from the worker's cache), the API does not answer from any cache.
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Recent calls' })).toBeVisible();
    const api = await page.evaluate(() =>
      fetch('/api/v1/users/me').then(
        (r) => `status ${r.status}`,
        () => 'network error',
      ),
    );
    expect(api).toBe('network error');
    await context.setOffline(false);
  });
});

test.describe('themes', () => {
  test('follow the system scheme until one is chosen; the choice survives a reload', async ({ page }) => {
    const html = page.locator('html');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/');
    await expect(html).toHaveAttribute('data-theme', 'light');
    const lightBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    // Live: the system switching to dark switches the app.
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(html).toHaveAttribute('data-theme', 'dark');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(lightBackground);

    await page.getByRole('combobox', { name: 'Theme', exact: true }).selectOption('light');
    await expect(html).toHaveAttribute('data-theme', 'light');
    await page.reload();
    await expect(html).toHaveAttribute('data-theme', 'light');
    await expect(page.getByRole('combobox', { name: 'Theme', exact: true })).toHaveValue('light');
    // A chosen theme wins over the system's.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(html).toHaveAttribute('data-theme', 'light');

    await page.getByRole('combobox', { name: 'Theme', exact: true }).selectOption('system');
    await expect(html).toHaveAttribute('data-theme', 'dark');
  });
});

test.describe('ringing that reaches the callee', () => {
  test('a missed call puts a badge on Recent calls, viewing clears it for good, and Call back calls', async ({ newUser, open }) => {
    test.setTimeout(RING_TIMEOUT_MS + 60_000);
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'));
    const historyTab = bob.page.getByRole('navigation').getByRole('button', { name: /^Recent calls/ });
    await expect(bob.page.getByTestId('missed-badge')).toHaveCount(0);

    await placeCall(alice, bob);
    await expect(incomingDialog(bob.page)).toBeVisible();
    await expect(incomingDialog(bob.page)).toBeHidden({ timeout: RING_TIMEOUT_MS + 10_000 });

    await expect(bob.page.getByTestId('missed-badge')).toHaveText('1');
    await expect(historyTab).toHaveAccessibleName('Recent calls, 1 missed');
    await historyTab.click();
    await expect(bob.page.getByTestId('missed-badge')).toHaveCount(0);
    await expect(historyTab).toHaveAccessibleName('Recent calls');
    await bob.page.reload();
    await expect(bob.page.getByTestId('history-row').first()).toHaveAttribute('data-reason', 'missed');
    await bob.page.getByRole('navigation').getByRole('button', { name: 'People', exact: true }).click();
    await expect(bob.page.getByTestId('missed-badge')).toHaveCount(0);

    await bob.page.getByRole('navigation').getByRole('button', { name: 'Recent calls', exact: true }).click();
    await bob.page.getByRole('button', { name: `Call back ${alice.user.username}`, exact: true }).click();
    await expect(bob.page.getByTestId('outgoing-call')).toBeVisible();
    await expect(incomingDialog(alice.page)).toContainText(`${bob.user.username} is calling you`);
    await bob.page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(incomingDialog(alice.page)).toBeHidden();
  });

  test('an incoming call on a hidden page shows a notification whose Accept answers; favicon and title ring', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    const bob = await open(await newUser('bob'), { setup: (context) => context.grantPermissions(['notifications']) });
    await waitForWorker(bob.page);
    await expect(bob.page.getByTestId('me')).toContainText(bob.user.username);

    // Headless Chromium keeps every page "visible" (no window can cover it), so the page is told it is hidden the
    // way a browser tells it: document.visibilityState and a visibilitychange event.
    await bob.page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });

    await placeCall(alice, bob);
    await expect(incomingDialog(bob.page)).toBeVisible();
    await expect(bob.page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon-ringing.svg');
    await expect(bob.page).toHaveTitle(new RegExp(`${alice.user.username} is calling`));

    // Headless Chromium has no notification centre to look at: the notification is read back from the service
    // worker's registration, which is where a system notification shown through the worker lives.
    const shown = () =>
      bob.page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, actions: (n as Notification & { actions?: { action: string }[] }).actions?.map((a) => a.action) ?? [] }));
      });
    await expect.poll(shown).toEqual([
      expect.objectContaining({ title: `${alice.user.username} is calling you`, body: 'Incoming call on Parley', actions: ['accept', 'decline'] }),
    ]);

    // Nobody can click a headless notification either: the worker's own notificationclick handler is run with the
    // event a click on "Accept" would bring (a NotificationEvent for that notification, action "accept").
    const [worker] = bob.context.serviceWorkers();
    expect(worker).toBeDefined();
    await worker!.evaluate(async () => {
      // Runs in the worker; the e2e project has no WebWorker types, so the two worker globals are described here.
      const scope = self as unknown as {
        registration: { getNotifications(): Promise<Notification[]> };
        NotificationEvent: new (type: string, init: { notification: Notification; action: string }) => Event;
        dispatchEvent(event: Event): boolean;
      };
      const [notification] = await scope.registration.getNotifications();
      if (!notification) throw new Error('no notification');
      try {
        scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification, action: 'accept' }));
      } catch {
        // An untrusted event cannot waitUntil(); the handler has posted to the page by then.
      }
    });

    await expect(incomingDialog(bob.page)).toBeHidden();
    await expect(bob.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected', { timeout: 20_000 });
    await expect(alice.page.getByTestId('in-call')).toHaveAttribute('data-phase', 'connected', { timeout: 20_000 });
    await expect(bob.page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');
    await expect.poll(shown).toEqual([]);
  });

  test('the ringtone really plays: the page’s audio output carries sound while it rings', async ({ newUser, open }) => {
    const alice = await open(await newUser('alice'));
    // The page's audio output is tapped: the test hears what its AudioContexts send to the speakers.
    const bob = await open(await newUser('bob'), { setup: tapAudioOutput });
    const level = () => toneLevel(bob.page);
    expect(await level()).toBe(0);

    await placeCall(alice, bob);
    await expect(incomingDialog(bob.page)).toBeVisible();
    await expect(bob.page.getByTestId('sound-hint')).toHaveCount(0);
    // The ringtone's notes fill ~40 % of each 2.5 s cycle at gain 0.12: sample until one is heard.
    await expect.poll(level, { timeout: 10_000, intervals: [50] }).toBeGreaterThan(0.02);

    await incomingDialog(bob.page).getByRole('button', { name: 'Decline', exact: true }).click();
    await expect(incomingDialog(bob.page)).toBeHidden();
    await expect.poll(level, { timeout: 5_000 }).toBe(0);
  });
});
