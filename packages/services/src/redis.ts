import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceProcess } from './process.js';
import { accepts, freePort, waitUntil } from './ports.js';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly process: ServiceProcess;
  /** Stops it (SIGTERM: nothing is saved, it comes back empty). */
  stop(): Promise<void>;
  /** Starts a fresh, empty Redis on the same port after a stop (a Redis that restarted and lost everything). */
  start(): Promise<void>;
}

export function redisBinary(): string {
  const found = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));
  if (found === undefined) throw new Error('redis-server not found: apt-get install redis-server (bash .ci/run does)');
  return found;
}

/**
 * A Redis of its own on 127.0.0.1, persisting nothing (`--save ''`, no append-only file), its log in `dir`.
 * The systemwide service, if any, is never touched.
 */
export async function startRedis(options: { dir: string; port?: number; ownProcessGroup?: boolean }): Promise<RedisServer> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const binary = redisBinary();
  let current: ServiceProcess | undefined;
  const launch = async () => {
    current = new ServiceProcess('redis-server', binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', options.dir, '--daemonize', 'no'], join(options.dir, 'redis.log'), { ownProcessGroup: options.ownProcessGroup ?? false });
    const proc = current;
    await waitUntil(`redis-server on port ${port}`, () => accepts(port), 10_000, () => proc.failure());
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get process() {
      if (current === undefined) throw new Error('redis is not started');
      return current;
    },
    stop: async () => current?.stop('SIGTERM'),
    start: launch,
  };
}
