import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(benchDir, '../..');
export const serverDir = resolve(repoRoot, 'apps/server');
export const probePath = resolve(benchDir, 'src/probe.mjs');

/** Linux reports CPU time in clock ticks of 1/100 s. */
const CLOCK_TICKS = 100;

export { freePort } from '@parley/services';

/** User + system CPU seconds a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are space separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Busy and total clock ticks of the whole machine (all cores), from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * CPU use of a set of processes between two points in time, as % of one core each, plus `machine`: how busy
 * all cores were together (200 = both cores of a 2-core machine), kernel network work included.
 */
/** A process whose CPU is metered: one of the bench's own children, or a service it started (a cluster node, Redis). */
export interface Metered {
  readonly pid: number;
}

export class CpuMeter {
  private readonly start = new Map<string, number>();
  private readonly startedAt = performance.now();
  private readonly machineStart = machineTicks();

  constructor(private readonly procs: Record<string, Metered>) {
    for (const [name, proc] of Object.entries(procs)) this.start.set(name, cpuSeconds(proc.pid));
  }

  /**
   * `{ name: percent of one core, machine: percent of one core summed over cores }` since construction, to a tenth
   * of a percent (the clock ticks are 10 ms: over a 5 s round that is 0.2%). Whole percents were too coarse for a
   * ratio of two servers at 20% of a core each: one percent there is 5% of the ratio.
   */
  read(): Record<string, number> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const tenths = (percent: number) => Math.round(percent * 10) / 10;
    const out: Record<string, number> = {};
    for (const [name, proc] of Object.entries(this.procs)) {
      out[name] = tenths(((cpuSeconds(proc.pid) - (this.start.get(name) ?? 0)) / seconds) * 100);
    }
    const now = machineTicks();
    const cores = Math.round((now.total - this.machineStart.total) / CLOCK_TICKS / seconds);
    const ours = Object.values(out).reduce((a, b) => a + b, 0);
    out['machine'] = tenths(((now.busy - this.machineStart.busy) / Math.max(1, now.total - this.machineStart.total)) * cores * 100);
    // Everything else the machine did meanwhile (other jobs, kernel): a noisy round shows up here.
    out['other'] = Math.max(0, tenths(out['machine'] - ours));
    return out;
  }
}

export interface SpawnOptions {
  /** Shown in errors and logs. */
  name: string;
  /** Script path (a .ts file runs through tsx; anything else with plain node). */
  script: string;
  args?: string[];
  nodeArgs?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** CPU cores to pin the process to (`taskset -c`), e.g. "0". */
  cpus?: string;
  /** Scheduling priority (`nice -n`); negative needs root. */
  nice?: number;
}

interface Pending {
  resolve: (value: any) => void;
  reject: (error: Error) => void;
}

const running = new Set<Proc>();

/**
 * A child Node process under a raised open-files limit, with an IPC channel for `request(cmd, args)` calls. Its
 * output is kept (last lines) so a crash can be explained.
 */
export class Proc {
  readonly pid: number;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: failed to start`);
    this.pid = child.pid;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') this.output.push(line);
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (message: any) => {
      const waiter = this.pending.get(message?.rpc);
      if (!waiter) return;
      this.pending.delete(message.rpc);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    this.exited = new Promise((resolveExit) =>
      child.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        running.delete(this);
        for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (${code ?? signal}): ${this.tail()}`));
        this.pending.clear();
        resolveExit(code);
      }),
    );
    running.add(this);
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines the process printed. */
  tail(lines = 15): string {
    return this.output.slice(-lines).join('\n');
  }

  /** Calls a handler in the child (see `load/rpc.ts` and `probe.mjs`). */
  request<T = any>(cmd: string, args: unknown = {}, timeoutMs = 600_000): Promise<T> {
    if (!this.alive) return Promise.reject(new Error(`${this.name} is not running: ${this.tail()}`));
    const id = this.nextId++;
    return new Promise<T>((resolveCall, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolveCall(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.child.send({ rpc: id, cmd, args });
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Starts a Node script in its own process. `ulimit -n` is raised first (to 65536, or the hard limit where that
 * is lower) so one process can hold 10,000 sockets.
 */
export function spawnNode(options: SpawnOptions): Proc {
  const nodeArgs = [...(options.nodeArgs ?? [])];
  if (options.script.endsWith('.ts')) nodeArgs.push('--import', 'tsx');
  const raise = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';
  const pin = [
    ...(options.cpus === undefined ? [] : ['taskset', '-c', options.cpus]),
    ...(options.nice === undefined ? [] : ['nice', '-n', String(options.nice)]),
  ];
  const child = spawn('bash', ['-c', raise, 'bash', ...pin, process.execPath, ...nodeArgs, options.script, ...(options.args ?? [])], {
    cwd: options.cwd ?? benchDir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return new Proc(options.name, child);
}

/** Stops every process this run started (also on Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop()));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

/** Waits until `check` resolves true, polling every 50 ms. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000, proc?: Proc): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && !proc.alive) throw new Error(`${proc.name} exited while waiting for ${what}:\n${proc.tail()}`);
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${proc ? `:\n${proc.tail()}` : ''}`);
}

/**
 * Waits (at most `maxWaitMs`) until the rest of the machine is quiet: less than `threshold`% of one core used by
 * processes other than `ours` over a 500 ms window. Returns the background load seen last.
 */
export async function waitForQuiet(ours: Record<string, Metered>, maxWaitMs: number, threshold = 15): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let warned = false;
  for (;;) {
    const meter = new CpuMeter(ours);
    await sleep(500);
    const other = meter.read()['other'] ?? 0;
    if (other < threshold || Date.now() >= deadline) return other;
    if (!warned) process.stdout.write(`  (waiting for background load to settle: ${other}% of a core busy elsewhere)\n`);
    warned = true;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs one measured phase with the CPU of `procs` metered. Before it, waits for the machine to be quiet; after it,
 * repeats the phase (up to `retries` times) when other work took more than 25% of a core meanwhile, since such a
 * round measures the neighbours rather than the code.
 */
export async function measured<T extends object>(
  procs: Record<string, Metered>,
  options: { quietWaitMs: number; retries: number },
  run: () => Promise<T>,
): Promise<T & { cpu: Record<string, number>; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    await waitForQuiet(procs, options.quietWaitMs);
    const meter = new CpuMeter(procs);
    const result = await run();
    const cpu = meter.read();
    if ((cpu['other'] ?? 0) <= 25 || attempt > options.retries) return { ...result, cpu, attempts: attempt };
    process.stdout.write(`  (repeating a round: ${cpu['other']}% of a core was busy elsewhere)\n`);
  }
}
