import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { serverEntry } from './config.js';

/** Limits relaxed for load: the soak measures signaling, not the abuse limits (those have their own tests). */
export const LOAD_ENV: Readonly<Record<string, string>> = {
  METRICS_TOKEN: 'metrics-token-for-the-soak-0123456789',
  AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
  LOGIN_FAILURES_PER_USERNAME: '1000000',
  CALLS_RATE_LIMIT_PER_MINUTE: '1000000',
  API_RATE_LIMIT_PER_MINUTE: '1000000',
  RINGS_PER_PAIR: '1000000',
  WS_MESSAGE_BURST: '100000',
  WS_MESSAGES_PER_SECOND: '100000',
  // Every load client connects from 127.0.0.1: a thousand sockets from one address.
  HTTP_MAX_CONNECTIONS_PER_IP: '0',
  // Cheap hashing so a thousand accounts take seconds; the cost of argon2 is the bench's business.
  ARGON2_MEMORY_KIB: '8192',
  ARGON2_TIME_COST: '1',
};

export interface ServerOptions {
  env?: Record<string, string>;
  /**
   * Opens the V8 inspector on a random loopback port so the soak can force a full garbage collection before it
   * reads RSS: otherwise "memory after the run" measures when V8 last collected, not what the server still holds.
   */
  inspect?: boolean;
  /** Reuse a database (restart after a crash). */
  dataDir?: string;
  port?: number;
  jwtSecret?: string;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const running = new Set<ServerProcess>();

/** The built server (`@parley/server/server`) as a child process, production mode, on 127.0.0.1 with a temp database. */
export class ServerProcess {
  readonly baseUrl: string;
  readonly apiUrl: string;
  readonly wsUrl: string;
  /** Everything the process wrote (LOG_LEVEL=warn, so little). */
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
    readonly jwtSecret: string,
    readonly env: Record<string, string>,
    private readonly inspect: boolean,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.baseUrl}/api/v1`;
    this.wsUrl = `ws://127.0.0.1:${port}/api/v1/ws`;
    child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        running.delete(this);
        resolve({ code, signal });
      }),
    );
  }

  static async start(options: ServerOptions = {}): Promise<ServerProcess> {
    const entry = serverEntry();
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-soak-'));
    const port = options.port ?? (await freePort());
    const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('hex');
    // A minimal environment: nothing from the caller's shell (a stray PORT or DATABASE_PATH) reaches the server.
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      JWT_SECRET: jwtSecret,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: join(dataDir, 'parley.db'),
      LOG_LEVEL: 'warn',
      WEB_DIST_DIR: '',
      ...options.env,
    };
    const args = options.inspect ? ['--inspect=127.0.0.1:0', entry] : [entry];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child, port, dataDir, jwtSecret, env, options.inspect ?? false);
    running.add(server);
    await server.waitReady();
    return server;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Polls `/readyz` (database open, migrations applied). */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`server exited during start (${JSON.stringify(this.exitInfo)}): ${this.output.join('').slice(-2000)}`);
      try {
        const res = await fetch(`${this.baseUrl}/readyz`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server not ready after ${timeoutMs} ms: ${this.output.join('').slice(-2000)}`);
  }

  /** Resident set size of the server process, from /proc. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!match) throw new Error('no VmRSS in /proc status');
    return Number(match[1]) * 1024;
  }

  /** A full, compacting garbage collection through the inspector (needs `inspect: true`). */
  async collectGarbage(): Promise<void> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(this.output.join(''))?.[1];
    if (!url) throw new Error('the server was not started with inspect: true');
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    for (let id = 1; id <= 2; id += 1) {
      await new Promise<void>((resolve) => {
        socket.on('message', function done(data: Buffer) {
          if ((JSON.parse(data.toString()) as { id?: number }).id !== id) return;
          socket.off('message', done);
          resolve();
        });
        socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      });
    }
    socket.close();
  }

  /**
   * Memory after a full garbage collection: RSS from /proc and the V8 heap in use from `/metrics` (needs
   * `inspect: true` and a METRICS_TOKEN in the environment). Live heap is the leak signal; RSS is what the host pays.
   */
  async memoryAfterGc(): Promise<{ rss: number; heapUsed: number }> {
    await this.collectGarbage();
    await new Promise((r) => setTimeout(r, 300));
    const text = await this.metricsText();
    const heapUsed = Number(/^parley_process_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]);
    if (!Number.isFinite(heapUsed)) throw new Error('no heap figure in /metrics');
    return { rss: this.rssBytes(), heapUsed };
  }

  /** The server's `/metrics` (needs a METRICS_TOKEN in the environment). */
  async metricsText(): Promise<string> {
    const token = this.env['METRICS_TOKEN'];
    if (!token) throw new Error('reading /metrics needs METRICS_TOKEN');
    return (await fetch(`${this.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** A new process on the same port, database and secret (tokens stay valid). */
  restart(env: Record<string, string> = {}): Promise<ServerProcess> {
    if (this.alive) throw new Error('restart needs the old process gone');
    return ServerProcess.start({ dataDir: this.dataDir, port: this.port, jwtSecret: this.jwtSecret, env: { ...this.env, ...env }, inspect: this.inspect });
  }

  /** SIGTERM, then SIGKILL if it lingers; removes the database unless `keepData`. */
  async stop({ keepData = false } = {}): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
    if (!keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Kills every server this process started (tests call it in afterEach; `main` before exiting). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

process.once('exit', () => {
  for (const server of running) server.child.kill('SIGKILL');
});

/** Samples a process's RSS to find its peak. */
export class RssSampler {
  peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly server: ServerProcess, intervalMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): number {
    if (!this.server.alive) return 0;
    try {
      const rss = this.server.rssBytes();
      this.peak = Math.max(this.peak, rss);
      return rss;
    } catch {
      return 0;
    }
  }

  stop(): number {
    clearInterval(this.timer);
    return this.peak;
  }
}

export const mib = (bytes: number) => bytes / (1024 * 1024);
