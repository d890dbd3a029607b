import type { PlaywrightTestConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECONNECT_GRACE_MS, RING_TIMEOUT_MS } from './helpers/timing';

/**
 * What both Playwright configs share: the browser, the run settings, and how a Parley server is started.
 * `playwright.config.ts` runs the main suite against one server; `playwright.turn.config.ts` runs the TURN suite
 * against coturn and two servers.
 */

export const here = dirname(fileURLToPath(import.meta.url));

/** A port nobody listens on right now. */
function freePort(): number {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

/**
 * The config is evaluated again in every worker, so each random choice (port, database, secret) is made once and
 * kept in the environment the workers inherit.
 */
function once(name: string, make: () => string): string {
  process.env[name] ??= make();
  return process.env[name]!;
}

export const stablePort = (name: string, accept: (port: number) => boolean = () => true): number =>
  Number(
    once(name, () => {
      for (;;) {
        const port = freePort();
        if (accept(port)) return String(port);
      }
    }),
  );
export const stableDatabase = (name: string): string =>
  once(name, () => join(mkdtempSync(join(tmpdir(), 'parley-e2e-')), 'parley.db'));
export const stableSecret = (name: string): string => once(name, () => randomBytes(36).toString('base64url'));

/** Run settings and browser options of every suite. */
export const baseConfig = {
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
} satisfies PlaywrightTestConfig;

export type WebServer = Exclude<NonNullable<PlaywrightTestConfig['webServer']>, unknown[]>;

export interface ParleyServerOptions {
  port: number;
  databasePath: string;
  jwtSecret: string;
  /** Shown as the prefix of the server's output lines. */
  name?: string;
  /** Extra environment (TURN settings). */
  env?: Record<string, string>;
}

/** The real production build of the server (turbo builds server and SPA before the e2e tests run). */
export function parleyServer(options: ParleyServerOptions): WebServer {
  return {
    name: options.name,
    command: `node ${resolve(here, '../apps/server/dist/server.js')}`,
    cwd: here,
    url: `http://127.0.0.1:${options.port}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      DATABASE_PATH: options.databasePath,
      JWT_SECRET: options.jwtSecret,
      CALL_RING_TIMEOUT_MS: String(RING_TIMEOUT_MS),
      CALL_RECONNECT_GRACE_MS: String(RECONNECT_GRACE_MS),
      AUTH_RATE_LIMIT_PER_MINUTE: '10000',
      // Tests seed history with dozens of cancelled calls of one pair; blocking.spec and the server tests cover the limit.
      RINGS_PER_PAIR: '10000',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  };
}
