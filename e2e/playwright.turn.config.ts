import { defineConfig } from '@playwright/test';
import { baseConfig, here, parleyServer, stableDatabase, stablePort, stableSecret, type WebServer } from './playwright.shared';

/**
 * The TURN suite: calls that can only connect through a relay. coturn runs on loopback with a shared secret
 * (`turn/coturn.mjs`); both Parley servers force `iceTransportPolicy: 'relay'`, so no host or server-reflexive
 * candidate can carry media.
 *   - server A hands out credentials minted with coturn's secret: calls relay through coturn;
 *   - server B mints them with a wrong secret: coturn refuses every allocation and calls must fail clearly.
 * Each server is a project, so `baseURL` (and the fixtures) point at the right one.
 */

// coturn relays on TURN_PORT+100 … TURN_PORT+300 (see turn/coturn.mjs), which must stay below 65536.
const turnPort = stablePort('PARLEY_TURN_PORT', (port) => port + 300 <= 65_535);
const turnSecret = stableSecret('PARLEY_TURN_SECRET');
const turnUrls = `turn:127.0.0.1:${turnPort}?transport=udp,turn:127.0.0.1:${turnPort}?transport=tcp`;

const clear = (port: number) => port < turnPort || port > turnPort + 300;
const relayPort = stablePort('PARLEY_TURN_E2E_RELAY_PORT', clear);
const refusedPort = stablePort('PARLEY_TURN_E2E_REFUSED_PORT', (port) => clear(port) && port !== relayPort);

const coturn: WebServer = {
  name: 'coturn',
  command: 'node turn/coturn.mjs',
  cwd: here,
  port: turnPort,
  reuseExistingServer: false,
  timeout: 15_000,
  stdout: 'ignore',
  stderr: 'pipe',
  // coturn.mjs removes its generated config on SIGTERM; the default SIGKILL would leave it behind.
  gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  env: { TURN_PORT: String(turnPort), TURN_SECRET: turnSecret },
};

const turnEnv = (secret: string) => ({
  TURN_URLS: turnUrls,
  TURN_SECRET: secret,
  ICE_TRANSPORT_POLICY: 'relay',
  // The shortest lifetime the server allows: credentials always "expire within a minute", so every ICE restart
  // must fetch fresh ones first (relay.spec.ts checks it).
  TURN_TTL_SECONDS: '60',
});

export default defineConfig({
  ...baseConfig,
  testDir: './turn-tests',
  projects: [
    {
      name: 'relay',
      testMatch: 'relay.spec.ts',
      use: { ...baseConfig.use, baseURL: `http://127.0.0.1:${relayPort}` },
    },
    {
      name: 'refused',
      testMatch: 'refused.spec.ts',
      use: { ...baseConfig.use, baseURL: `http://127.0.0.1:${refusedPort}` },
    },
  ],
  webServer: [
    coturn,
    parleyServer({
      name: 'server A (relay)',
      port: relayPort,
      databasePath: stableDatabase('PARLEY_TURN_E2E_RELAY_DATABASE'),
      jwtSecret: stableSecret('PARLEY_TURN_E2E_JWT_SECRET'),
      env: turnEnv(turnSecret),
    }),
    parleyServer({
      name: 'server B (wrong TURN secret)',
      port: refusedPort,
      databasePath: stableDatabase('PARLEY_TURN_E2E_REFUSED_DATABASE'),
      jwtSecret: stableSecret('PARLEY_TURN_E2E_JWT_SECRET'),
      // Same length and alphabet as the real secret, so only its value is wrong.
      env: turnEnv(stableSecret('PARLEY_TURN_E2E_WRONG_SECRET')),
    }),
  ],
});
