import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** pino's numbers for its standard levels. */
const METHOD_LEVELS: Readonly<Record<LogMethod, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
/** A logger's level as a threshold; a level outside this table (a custom one) lets everything through. */
const THRESHOLDS = new Map<string, number>([...Object.entries(METHOD_LEVELS), ['silent', Infinity]]);

/**
 * A request's logger (`request.log`) that becomes a real pino child only when it first writes a line, or is asked
 * for its level to change or for a child of its own.
 *
 * Fastify gives every request a pino child bound to its request id. Making one serialises the bindings through
 * the redaction rules, which showed up as ~5% of the server's CPU on `GET /users/me` at `LOG_LEVEL=warn`, where
 * almost no request logs anything. Lines come out exactly as from the eager child: same bindings, same options.
 */
export class LazyRequestLogger implements FastifyBaseLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.real?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.materialised().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.materialised().child(bindings, options);
  }

  private write(method: LogMethod, args: unknown[]): void {
    if (METHOD_LEVELS[method] < (THRESHOLDS.get(this.level) ?? 0)) return;
    const logger = this.materialised();
    Reflect.apply(logger[method], logger, args);
  }

  private materialised(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.options);
    return this.real;
  }
}

/** Fastify's `childLoggerFactory`: a lazy child per request. */
export function lazyRequestLogger(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyRequestLogger(parent, bindings, options);
}
