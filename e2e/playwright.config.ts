import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECONNECT_GRACE_MS, RING_TIMEOUT_MS } from './helpers/timing';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * A port nobody listens on, found before Playwright starts the server. The config is evaluated again in every
 * worker, so the choice (like the database and the secret) is kept in the environment the workers inherit.
 */
function freePort(): number {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

process.env.PARLEY_E2E_PORT ??= String(freePort());
process.env.PARLEY_E2E_DATABASE ??= join(mkdtempSync(join(tmpdir(), 'parley-e2e-')), 'parley.db');
process.env.PARLEY_E2E_JWT_SECRET ??= randomBytes(36).toString('base64url');

const port = Number(process.env.PARLEY_E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;


export default defineConfig({
  testDir: './tests',
  // The screenshot script runs only on demand: SCREENSHOTS=1 pnpm --filter @parley/e2e test screenshots
  testIgnore: process.env.SCREENSHOTS === '1' ? [] : ['**/screenshots.spec.ts'],
  fullyParallel: false,
  // Two browsers per test on a 2-core machine: one test at a time keeps media timing honest.
  workers: 1,
  retries: 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  outputDir: './test-results',
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    permissions: ['camera', 'microphone'],
    trace: 'retain-on-failure',
    actionTimeout: 10_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    // The real production build; turbo builds server and SPA before this package's tests run.
    command: `node ${resolve(here, '../apps/server/dist/server.js')}`,
    cwd: here,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: process.env.PARLEY_E2E_DATABASE,
      JWT_SECRET: process.env.PARLEY_E2E_JWT_SECRET,
      CALL_RING_TIMEOUT_MS: String(RING_TIMEOUT_MS),
      CALL_RECONNECT_GRACE_MS: String(RECONNECT_GRACE_MS),
      AUTH_RATE_LIMIT_PER_MINUTE: '10000',
      LOG_LEVEL: 'warn',
    },
  },
});
