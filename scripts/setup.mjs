// Installs the workspace's dependencies. better-sqlite3 compiles a native addon; on machines without internet
// access node-gyp cannot download Node's headers, so point it at the ones Debian's nodejs ships when they exist.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) {
  env.npm_config_nodedir = '/usr';
}
const args = ['install', ...(existsSync('pnpm-lock.yaml') ? ['--frozen-lockfile'] : [])];
const result = spawnSync('pnpm', args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
