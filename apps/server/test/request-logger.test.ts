import type { FastifyBaseLogger } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LazyRequestLogger } from '../src/http/request-logger.js';
import { createUser } from './helpers/http.js';
import { startServer } from './helpers/server.js';

/** A real pino logger writing JSON lines into `lines`, and how many children it has made. */
function capturingPino(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let children = 0;
  const parent: FastifyBaseLogger = pino({ level, onChild: () => (children += 1) }, stream);
  return { parent, lines, children: () => children };
}

/** pino writes through a stream: let it flush. */
const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('LazyRequestLogger', () => {
  it('makes no pino child while nothing is logged at an enabled level', async () => {
    const { parent, lines, children } = capturingPino('warn');
    const log = new LazyRequestLogger(parent, { reqId: 'r-1' }, {});
    log.info({ a: 1 }, 'not at warn');
    log.debug('nor this');
    log.trace('nor this');
    expect(log.level).toBe('warn');
    await flushed();
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
  });

  it('writes an enabled line exactly as an eager child would: bindings, object and message', async () => {
    const { parent, lines, children } = capturingPino('warn');
    const log = new LazyRequestLogger(parent, { reqId: 'r-2' }, {});
    log.warn({ userId: 'u-1' }, 'careful %s', 'now');
    log.error(new Error('boom'), 'failed');
    await flushed();
    expect(children()).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 40, reqId: 'r-2', userId: 'u-1', msg: 'careful now' });
    expect(lines[1]).toMatchObject({ level: 50, reqId: 'r-2', msg: 'failed', err: { message: 'boom' } });
  });

  it('follows a level from its options or set on it, and its own children keep its bindings', async () => {
    const { parent, lines } = capturingPino('warn');
    const routeLevel = new LazyRequestLogger(parent, { reqId: 'r-3' }, { level: 'debug' });
    expect(routeLevel.level).toBe('debug');
    routeLevel.debug('route debug');
    const raised = new LazyRequestLogger(parent, { reqId: 'r-4' }, {});
    raised.level = 'info';
    raised.info('now visible');
    raised.child({ socket: 's-1' }).info('from a child');
    const silenced = new LazyRequestLogger(parent, { reqId: 'r-5' }, { level: 'silent' });
    silenced.fatal('never');
    await flushed();
    expect(lines.map((l) => [l['reqId'], l['socket'], l['msg']])).toEqual([
      ['r-3', undefined, 'route debug'],
      ['r-4', undefined, 'now visible'],
      ['r-4', 's-1', 'from a child'],
    ]);
  });
});

describe('request logs', () => {
  it("carry the request's id, the one in its x-request-id header", async () => {
    const server = await startServer({ LOG_LEVEL: 'info' });
    const user = await createUser(server);
    const res = await fetch(`${server.apiUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    const mine = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['reqId'] === id);
    expect(mine.map((line) => line['msg'])).toEqual(['incoming request', 'user logged in', 'request completed']);
    expect(mine[1]).toMatchObject({ userId: user.id });
  });
});

describe('request logs of the web app', () => {
  /** A server that serves a one-page app with one asset, at `level`. */
  async function withSpa(level: string) {
    const dist = mkdtempSync(join(tmpdir(), 'parley-spa-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Parley</title>');
    writeFileSync(join(dist, 'assets', 'app-1234.js'), 'console.log(1)');
    const server = await startServer({ LOG_LEVEL: level, WEB_DIST_DIR: dist });
    for (const path of ['/', '/assets/app-1234.js', '/some/page']) expect((await fetch(`${server.baseUrl}${path}`)).status).toBe(200);
    expect((await fetch(`${server.apiUrl}/users/me`)).status).toBe(401);
    const lines = server.logs.map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string }; level: number });
    rmSync(dist, { recursive: true, force: true });
    return lines.filter((line) => line.msg === 'incoming request').map((line) => [line.req?.url, line.level]);
  }

  it('leave pages and assets out at info, and keep the API', async () => {
    expect(await withSpa('info')).toEqual([['/api/v1/users/me', 30]]);
  });

  it('show pages and assets at debug', async () => {
    expect(await withSpa('debug')).toEqual([
      ['/', 20],
      ['/assets/app-1234.js', 20],
      ['/some/page', 20],
      ['/api/v1/users/me', 30],
    ]);
  });
});
