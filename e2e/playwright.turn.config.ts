import { defineConfig } from '@playwright/test';
import { baseConfig, here, parleyServer, stableDatabase, stablePort, stableSecret, type WebServer } from './playwright.shared';

/**
 * The TURN suite: calls that can only connect through a relay. coturn runs on loopback with a shared secret
 * (`turn/coturn.mjs`); every Parley server here forces `iceTransportPolicy: 'relay'`, so no host or
 * server-reflexive candidate can carry media. Each server is a project, so `baseURL` (and the fixtures) point at it.
 *   - relay:   server A mints credentials with coturn's secret, and calls relay through coturn;
 *   - refused: server B mints them with a wrong secret: coturn answers every allocation with 401;
 *   - blocked: server C uses a second coturn that accepts the credentials but relays to no peer (a relay, or a
 *              firewall behind it, that blocks the media itself).
 */

/** The ports each choice occupies: a coturn listens on TURN_PORT and relays on TURN_PORT+100 … +300. */
const taken: [number, number][] = [];
function port(name: string, span = 0): number {
  const chosen = stablePort(name, (p) => p + span <= 65_535 && taken.every(([low, high]) => p + span < low || p > high));
  taken.push([chosen, chosen + span]);
  return chosen;
}
const COTURN_SPAN = 300;

const turnSecret = stableSecret('PARLEY_TURN_SECRET');
const turnPort = port('PARLEY_TURN_PORT', COTURN_SPAN);
const blockingTurnPort = port('PARLEY_TURN_BLOCKING_PORT', COTURN_SPAN);

function coturn(name: string, listen: number, env: Record<string, string> = {}): WebServer {
  return {
    name,
    command: 'node turn/coturn.mjs',
    cwd: here,
    port: listen,
    reuseExistingServer: false,
    timeout: 15_000,
    stdout: 'ignore',
    stderr: 'pipe',
    // coturn.mjs removes its generated config on SIGTERM; the default SIGKILL would leave it behind.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    env: { TURN_PORT: String(listen), TURN_SECRET: turnSecret, ...env },
  };
}

const urls = (p: number) => `turn:127.0.0.1:${p}?transport=udp,turn:127.0.0.1:${p}?transport=tcp`;
const turnEnv = (listen: number, secret: string) => ({
  TURN_URLS: urls(listen),
  TURN_SECRET: secret,
  ICE_TRANSPORT_POLICY: 'relay',
  // The shortest lifetime the server allows: credentials always "expire within a minute", so every ICE restart
  // must fetch fresh ones first (relay.spec.ts checks it).
  TURN_TTL_SECONDS: '60',
});

const servers = [
  { project: 'relay', label: 'server A (relay)', port: port('PARLEY_TURN_E2E_RELAY_PORT'), env: turnEnv(turnPort, turnSecret) },
  {
    project: 'refused',
    label: 'server B (wrong TURN secret)',
    port: port('PARLEY_TURN_E2E_REFUSED_PORT'),
    // Same length and alphabet as the real secret, so only its value is wrong.
    env: turnEnv(turnPort, stableSecret('PARLEY_TURN_E2E_WRONG_SECRET')),
  },
  { project: 'blocked', label: 'server C (relay blocks peers)', port: port('PARLEY_TURN_E2E_BLOCKED_PORT'), env: turnEnv(blockingTurnPort, turnSecret) },
];

export default defineConfig({
  ...baseConfig,
  testDir: './turn-tests',
  projects: servers.map((server) => ({
    name: server.project,
    testMatch: `${server.project}.spec.ts`,
    use: { ...baseConfig.use, baseURL: `http://127.0.0.1:${server.port}` },
  })),
  webServer: [
    coturn('coturn', turnPort),
    coturn('coturn (blocks peers)', blockingTurnPort, { TURN_BLOCK_PEERS: '1' }),
    ...servers.map((server) =>
      parleyServer({
        name: server.label,
        port: server.port,
        databasePath: stableDatabase(`PARLEY_TURN_E2E_${server.project.toUpperCase()}_DATABASE`),
        jwtSecret: stableSecret('PARLEY_TURN_E2E_JWT_SECRET'),
        env: server.env,
      }),
    ),
  ],
});
