/**
 * `pnpm start:cluster`: Parley as several stateless nodes on this machine, the way it runs in production —
 * PostgreSQL and Redis (Debian's packages, their files under `data/cluster/`), N nodes of the production build,
 * and nginx in front as the load balancer (round robin, no sticky sessions). Ctrl-C drains the nodes and stops
 * everything. Settings: CLUSTER_NODES (2), CLUSTER_PORT (3000, nginx; the nodes take the next ports).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalCluster } from './cluster.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = join(repoRoot, 'data', 'cluster');
const webDist = join(repoRoot, 'apps', 'web', 'dist');

function whole(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** One secret for every node, generated once: sessions outlive a restart of the cluster. */
function clusterSecret(): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

async function main(): Promise<void> {
  const nodes = whole('CLUSTER_NODES', 2, 1, 16);
  const port = whole('CLUSTER_PORT', 3000, 1, 65_000);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  console.log(`Starting PostgreSQL, Redis, ${nodes} Parley nodes and nginx (files and logs in ${dataDir}) …`);
  const cluster = await LocalCluster.start({
    dir: dataDir,
    nodes,
    nginx: true,
    durable: true,
    ownProcessGroups: true,
    jwtSecret: clusterSecret(),
    ports: { nginx: port, firstNode: port + 1, postgres: port + 1000 + 432, redis: port + 1000 + 379 },
    ...(existsSync(join(webDist, 'index.html')) ? { webDistDir: webDist } : {}),
    env: { LOG_LEVEL: 'info' },
    log: (line) => console.log(`  ${line}`),
  });
  const lines = [
    '',
    `Parley cluster: open http://localhost:${port} (nginx, round robin over the nodes below)`,
    '',
    ...cluster.nodes.map((node) => `  ${node.name}  ${node.url}  pid ${node.process.pid}   log ${join(dataDir, `${node.name}.log`)}`),
    `  PostgreSQL  ${cluster.postgres.url}`,
    `  Redis       ${cluster.redis.url}`,
    `  nginx       ${join(dataDir, 'nginx', 'nginx.conf')}`,
    '',
    `Kill a node mid-call to see the call go on: kill -9 ${cluster.node(0).process.pid ?? '<pid>'}`,
    'Ctrl-C stops the cluster (the nodes drain first).',
    '',
  ];
  console.log(lines.join('\n'));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping: draining the nodes, then nginx, Redis and PostgreSQL …');
    await cluster.stop({ graceful: true });
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
