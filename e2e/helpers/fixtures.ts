import { test as base } from '@playwright/test';
import { closeAll, openAs, type OpenOptions, type Tab } from './app';
import { registerUser, type TestUser } from './users';

interface Fixtures {
  /** Register a fresh user through the API. */
  newUser: (prefix: string) => Promise<TestUser>;
  /** Open a logged-in browser (its own context) for a user; closed after the test. */
  open: (user: TestUser, options?: OpenOptions) => Promise<Tab>;
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
});

export { expect } from '@playwright/test';
