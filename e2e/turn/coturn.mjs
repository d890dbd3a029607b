#!/usr/bin/env node
// Node globals for the root lint config, which declares none for plain .mjs files.
/* global process, console */
// Runs coturn (Debian package `coturn`) on loopback for the TURN end-to-end tests, with a generated config that
// uses the TURN REST API shared secret (`use-auth-secret`). Stays in the foreground; SIGTERM/SIGINT stop coturn
// and remove the generated files.
//   TURN_PORT=34780 TURN_SECRET=… node e2e/turn/coturn.mjs
// With TURN_BLOCK_PEERS=1 coturn still hands out relay allocations but refuses to relay to any peer (every peer
// address is denied): a relay that lets clients in and then blocks the media.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.TURN_PORT ?? 34780);
const secret = process.env.TURN_SECRET;
const binary = process.env.TURNSERVER_PATH ?? 'turnserver';
const blockPeers = process.env.TURN_BLOCK_PEERS === '1';
if (!secret) {
  console.error('coturn.mjs: TURN_SECRET is required');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'parley-coturn-'));
const config = `
listening-ip=127.0.0.1
relay-ip=127.0.0.1
listening-port=${port}
min-port=${port + 100}
max-port=${port + 300}
use-auth-secret
static-auth-secret=${secret}
realm=parley.test
${blockPeers ? 'denied-peer-ip=0.0.0.0-255.255.255.255' : 'allow-loopback-peers\nallowed-peer-ip=127.0.0.1'}
no-multicast-peers
no-cli
no-tls
no-dtls
fingerprint
log-file=stdout
simple-log
pidfile=${join(dir, 'turnserver.pid')}
userdb=${join(dir, 'turndb')}
`;
writeFileSync(join(dir, 'turnserver.conf'), config);

const child = spawn(binary, ['-c', join(dir, 'turnserver.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('error', (error) => {
  console.error(`coturn.mjs: cannot start ${binary}: ${error.message} (apt-get install coturn)`);
  process.exit(1);
});
const stop = () => child.kill('SIGTERM');
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code, signal) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 0 : 1));
});
