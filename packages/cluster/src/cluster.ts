import { freePort, ServiceProcess, startNginx, startPostgres, startRedis, waitUntil, type NginxServer, type PostgresServer, type RedisServer } from '@parley/services';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const serverDir = dirname(createRequire(import.meta.url).resolve('@parley/server/package.json'));
export const serverScript = join(serverDir, 'dist', 'server.js');

/** The Node flags `pnpm start` runs the server with (from the build's launcher). */
async function productionFlags(): Promise<string[]> {
  const launch = (await import(pathToFileURL(join(serverDir, 'dist', 'launch.js')).href)) as { PRODUCTION_NODE_FLAGS: readonly string[] };
  return [...launch.PRODUCTION_NODE_FLAGS];
}

export interface ClusterOptions {
  /** Where PostgreSQL's and Redis's files, nginx's configuration and every log go. */
  dir: string;
  nodes: number;
  /** Put nginx in front of the nodes (round robin, no sticky sessions). */
  nginx?: boolean;
  /** More environment for every node (short ring, grace and heartbeat settings in tests). */
  env?: Record<string, string>;
  /** More environment for the node with this index (0 for the first), over `env`. */
  envOf?: (index: number) => Record<string, string>;
  /** fsync on (the local cluster a person runs); off in tests. */
  durable?: boolean;
  /** Fixed ports (the local cluster): nginx, then the nodes; free ones otherwise. */
  ports?: { nginx: number; firstNode: number; postgres: number; redis: number };
  /** Serve the built SPA from every node. */
  webDistDir?: string;
  /** Every process in a group of its own, so Ctrl-C reaches only the caller, which stops them in order. */
  ownProcessGroups?: boolean;
  /** The secret every node signs tokens with (kept by the local cluster so sessions survive a restart). */
  jwtSecret?: string;
  log?: (line: string) => void;
}

/** One server node: a real `node dist/server.js` process of the production build. */
export class NodeProcess {
  process: ServiceProcess;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly launch: () => ServiceProcess,
  ) {
    this.process = launch();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get apiUrl(): string {
    return `${this.url}/api/v1`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/api/v1/ws`;
  }

  get running(): boolean {
    return this.process.failure() === null;
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    await waitUntil(
      `node ${this.name}`,
      async () => {
        try {
          return (await fetch(`${this.url}/readyz`)).ok;
        } catch {
          return false;
        }
      },
      timeoutMs,
      () => this.process.failure(),
    );
  }

  /**
   * The name this node joined the cluster under, which prefixes every connection id it hands out (`hello`), read
   * from the last "joined the cluster" line of its log (nodes log at `info` unless told otherwise); null before.
   */
  clusterName(): string | null {
    const lines = readFileSync(this.process.logFile, 'utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i] ?? '';
      if (!line.includes('joined the cluster')) continue;
      const entry = JSON.parse(line) as { node?: unknown };
      if (typeof entry.node === 'string') return entry.node;
    }
    return null;
  }

  /** `kill -9` (or another signal: SIGSTOP, SIGCONT, SIGTERM). */
  signal(signal: NodeJS.Signals): void {
    this.process.signal(signal);
  }

  async kill(): Promise<void> {
    this.process.signal('SIGKILL');
    await this.process.exited;
  }

  /** SIGTERM and wait: the node drains. */
  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 15_000);
  }

  /** Starts it again on the same port (after a kill or stop). */
  async restart(): Promise<void> {
    this.process = this.launch();
    await this.ready();
  }

  /** `/metrics` as text (the nodes run with a metrics token). */
  async metrics(): Promise<string> {
    const res = await fetch(`${this.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    return res.text();
  }
}

export const METRICS_TOKEN = 'cluster-metrics-token-0123456789abcdef';

/**
 * A whole Parley cluster on this machine: PostgreSQL and Redis of its own, N nodes of the production build, and
 * optionally nginx in front. Everything listens on 127.0.0.1 and stops with {@link stop}.
 */
export class LocalCluster {
  readonly nodes: NodeProcess[] = [];
  readonly jwtSecret: string;
  private nodeCount = 0;

  private constructor(
    private readonly options: ClusterOptions,
    readonly postgres: PostgresServer,
    readonly redis: RedisServer,
    private readonly flags: string[],
    public nginx: NginxServer | null = null,
  ) {
    this.jwtSecret = options.jwtSecret ?? randomBytes(36).toString('base64url');
  }

  static async start(options: ClusterOptions): Promise<LocalCluster> {
    mkdirSync(options.dir, { recursive: true });
    const postgres = await startPostgres({
      dir: join(options.dir, 'postgres'),
      durable: options.durable ?? false,
      ...(options.ports ? { port: options.ports.postgres } : {}),
      ...(options.log ? { log: options.log } : {}),
      ownProcessGroup: options.ownProcessGroups ?? false,
    });
    const redis = await startRedis({ dir: join(options.dir, 'redis'), ...(options.ports ? { port: options.ports.redis } : {}), ownProcessGroup: options.ownProcessGroups ?? false });
    const cluster = new LocalCluster(options, postgres, redis, await productionFlags());
    try {
      // One node first: it applies the migrations; the others find them applied.
      await cluster.addNode();
      await Promise.all(Array.from({ length: options.nodes - 1 }, () => cluster.addNode()));
      if (options.nginx) {
        cluster.nginx = await startNginx({
          dir: join(options.dir, 'nginx'),
          upstreams: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
          ...(options.ports ? { port: options.ports.nginx } : {}),
          ownProcessGroup: options.ownProcessGroups ?? false,
        });
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The environment every node runs with. */
  nodeEnv(port: number): Record<string, string> {
    return {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: this.postgres.url,
      REDIS_URL: this.redis.url,
      JWT_SECRET: this.jwtSecret,
      METRICS_TOKEN,
      WEB_DIST_DIR: this.options.webDistDir ?? '',
      // nginx forwards from loopback: the client's address is in X-Forwarded-For, and the proxy is not capped.
      TRUST_PROXY: '127.0.0.1',
      ...this.options.env,
    } as Record<string, string>;
  }

  /** Starts one more node (a node joining a running cluster) and waits until it is ready. */
  async addNode(env: Record<string, string> = {}): Promise<NodeProcess> {
    const index = this.nodeCount++;
    const port = this.options.ports ? this.options.ports.firstNode + index : await freePort();
    const name = `node-${index + 1}`;
    const logFile = join(this.options.dir, `${name}.log`);
    // Its database sessions carry its name (pg_stat_activity, and the recorded diagram tells the nodes' writes apart).
    const node = new NodeProcess(name, port, () => new ServiceProcess(name, process.execPath, [...this.flags, serverScript], logFile, { env: { ...this.nodeEnv(port), PGAPPNAME: `parley-${name}`, ...this.options.envOf?.(index), ...env }, ownProcessGroup: this.options.ownProcessGroups ?? false }));
    this.nodes.push(node);
    await node.ready();
    return node;
  }

  node(index: number): NodeProcess {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node ${index}`);
    return node;
  }

  /** Stops everything: the nodes killed (tests), or drained with SIGTERM first (`graceful`). */
  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    await this.nginx?.stop();
    await Promise.all(this.nodes.map((node) => node.process.stop(options.graceful ? 'SIGTERM' : 'SIGKILL', 15_000)));
    await this.redis.stop();
    await this.postgres.stop();
  }
}
