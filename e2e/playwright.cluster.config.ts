import { defineConfig } from '@playwright/test';
import { baseConfig } from './playwright.shared';

/**
 * The cluster suite: Parley as two nodes behind nginx (PostgreSQL, Redis, the production build serving the SPA),
 * started once per worker by the fixtures in `helpers/cluster.ts` through `@parley/cluster`'s harness and stopped
 * after the worker's last test. Every page and API request goes through nginx (`baseURL`). A test waits out node
 * deadlines and a reconnect grace, hence the longer timeout.
 */
export default defineConfig({
  ...baseConfig,
  testDir: './cluster-tests',
  timeout: 150_000,
});
