import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** A service's process, its output appended to `logFile`. */
export class ServiceProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  private exitedWith: number | string | null = null;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    readonly logFile: string,
    options: { cwd?: string; env?: NodeJS.ProcessEnv; ownProcessGroup?: boolean } = {},
  ) {
    const log = openSync(logFile, 'a');
    // In a process group of its own, Ctrl-C in the terminal reaches only the parent, which then stops its services
    // in order (a service that got the terminal's signal too would take the parent's as a second, "now!", one).
    this.child = spawn(command, args, { stdio: ['ignore', log, log], cwd: options.cwd, env: options.env ?? process.env, detached: options.ownProcessGroup ?? false });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitedWith = code ?? signal ?? 'unknown';
        resolve(this.exitedWith);
      });
      this.child.once('error', (error) => {
        this.exitedWith = `failed to start: ${error.message}`;
        resolve(this.exitedWith);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the process is no longer running (its exit code and the end of its log), or null while it runs. */
  failure(): string | null {
    if (this.exitedWith === null) return null;
    return `${this.name} exited (${this.exitedWith}):\n${this.tail()}`;
  }

  /** The last lines of the log. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exitedWith === null) this.child.kill(signal);
  }

  /** `signal` (SIGTERM by default), then SIGKILL if it has not exited after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (this.exitedWith !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
