import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';

/**
 * The URL as logged: the path, and `?[REDACTED]` for any query string. The socket's `?token=` must never reach the
 * logs, and matching keys proved leaky (Fastify decodes `?%74oken=` to `token`, and so would any other spelling
 * a parser accepts), so no query string is logged at all: none of the API's carries anything a log needs.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?[REDACTED]`;
}

/** pino options: JSON in production, pretty in development; secrets redacted whatever the level. */
export function loggerOptions(config: Config, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    ...(stream ? { stream } : {}),
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["sec-websocket-protocol"]',
        'req.headers.cookie',
        'password',
        '*.password',
        'accessToken',
        '*.accessToken',
        'token',
        '*.token',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        ip: req.ip,
      }),
    },
    ...(config.logPretty && !stream ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}
