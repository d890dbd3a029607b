import { defineConfig } from '@playwright/test';
import { baseConfig } from './playwright.shared';

/**
 * The cluster suite: Parley as two nodes behind nginx (PostgreSQL, Redis, the production build serving the SPA),
 * started by the `cluster` fixture in `helpers/cluster.ts` through `@parley/cluster`'s harness, once per worker,
 * and stopped after it. Every page and API request goes through nginx (`baseURL`).
 */
export default defineConfig({
  ...baseConfig,
  testDir: './cluster-tests',
  timeout: 150_000,
});
