import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { productionEnv } from './config.js';

/**
 * The Node flags the production server runs with (the bench and soak start it with the same ones):
 * - `--max-semi-space-size=32`: a young generation that absorbs a connect storm's short-lived objects;
 * - `--no-allocation-site-pretenuring`: V8 had marked allocation sites "tenure" during the connect storm and then
 *   put every relayed frame's short-lived objects in the old generation (see packages/bench/PROFILE.md).
 * V8 reads both when the heap is set up, so they cannot be set from inside the process.
 */
export const PRODUCTION_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32', '--no-allocation-site-pretenuring'];

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `pnpm start`: runs `dist/server.js` with {@link PRODUCTION_NODE_FLAGS} and `NODE_ENV=production` (unless set),
 * in the foreground. pnpm does not pass signals on to the script it runs, nor wait for it: this launcher forwards
 * SIGINT/SIGTERM/SIGHUP to the server, stops it when its own parent goes away (pnpm killed on its own), and exits
 * with the server's code, so a clean shutdown exits 0.
 */
function launch(): void {
  const server = join(dirname(fileURLToPath(import.meta.url)), 'server.js');
  const child = spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, server], {
    stdio: 'inherit',
    // Its own process group: a signal to the terminal's group (Ctrl-C) reaches the server once, through here, not
    // twice (close-with-grace takes a second signal as "exit now").
    detached: true,
    env: productionEnv(),
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, () => stop(signal));
  const parent = process.ppid;
  const orphanCheck = setInterval(() => {
    if (process.ppid !== parent && !stopping) stop('SIGTERM');
  }, 500);
  orphanCheck.unref();
  child.on('exit', (code, signal) => {
    clearInterval(orphanCheck);
    process.exit(code ?? (signal !== null && stopping ? 0 : 1));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) launch();
