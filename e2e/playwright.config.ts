import { defineConfig } from '@playwright/test';
import { baseConfig, parleyServer, stableDatabase, stablePort, stableSecret } from './playwright.shared';

const port = stablePort('PARLEY_E2E_PORT');
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  ...baseConfig,
  testDir: './tests',
  // The screenshot script runs only on demand: `pnpm screenshots` from the root (SCREENSHOTS=1)
  testIgnore: process.env.SCREENSHOTS === '1' ? [] : ['**/screenshots.spec.ts'],
  use: { ...baseConfig.use, baseURL },
  webServer: parleyServer({
    port,
    databasePath: stableDatabase('PARLEY_E2E_DATABASE'),
    jwtSecret: stableSecret('PARLEY_E2E_JWT_SECRET'),
  }),
});
