import { test as base, type Browser } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAll, openAs, type OpenOptions, type Tab } from './app';
import { writeCameraClip, type CameraName } from './cameras';
import { registerUser, type TestUser } from './users';

/** Browsers with a camera of their own each (see helpers/cameras.ts); launched on first use, closed after the test. */
export interface TwoCameras {
  /** The browser whose fake camera is `camera`'s clip. */
  browser(camera: CameraName): Promise<Browser>;
  /** Open a logged-in context for `user` in `camera`'s browser; closed after the test. */
  open(camera: CameraName, user: TestUser, options?: OpenOptions): Promise<Tab>;
}

interface Fixtures {
  /** Register a fresh user through the API. */
  newUser: (prefix: string) => Promise<TestUser>;
  /** Open a logged-in browser (its own context) for a user; closed after the test. */
  open: (user: TestUser, options?: OpenOptions) => Promise<Tab>;
  /** A browser per fake camera, so each side of a call shows a picture the test can tell apart. */
  twoCameras: TwoCameras;
}

export const test = base.extend<Fixtures>({
  newUser: async ({ request }, use) => {
    await use((prefix) => registerUser(request, prefix));
  },
  open: async ({ browser, baseURL }, use) => {
    const tabs: Tab[] = [];
    await use(async (user, options) => {
      const tab = await openAs(browser, baseURL!, user, options);
      tabs.push(tab);
      return tab;
    });
    await closeAll(...tabs);
  },
  twoCameras: async ({ playwright, launchOptions, baseURL }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cameras-'));
    const browsers = new Map<CameraName, Promise<Browser>>();
    const tabs: Tab[] = [];
    const browserFor = (camera: CameraName): Promise<Browser> => {
      let browser = browsers.get(camera);
      if (!browser) {
        const clip = writeCameraClip(dir, camera);
        browser = playwright.chromium.launch({ ...launchOptions, args: [...(launchOptions.args ?? []), `--use-file-for-fake-video-capture=${clip}`] });
        browsers.set(camera, browser);
      }
      return browser;
    };
    await use({
      browser: browserFor,
      async open(camera, user, options) {
        const tab = await openAs(await browserFor(camera), baseURL!, user, options);
        tabs.push(tab);
        return tab;
      },
    });
    await closeAll(...tabs);
    await Promise.all([...browsers.values()].map((browser) => browser.then((b) => b.close()).catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
