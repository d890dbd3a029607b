import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { accepts, parleyServerBlock, startNginx, startPostgres, startRedis } from '../src/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-services-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('services', () => {
  it('starts a Redis of its own, and a fresh empty one on the same port after a stop', async () => {
    const redis = await startRedis({ dir: tempDir() });
    cleanups.push(() => redis.stop());
    expect(await accepts(redis.port)).toBe(true);
    await redis.stop();
    expect(await accepts(redis.port)).toBe(false);
    await redis.start();
    expect(await accepts(redis.port)).toBe(true);
  });

  it('starts a PostgreSQL of its own that takes connections and makes databases', async () => {
    const pg = await startPostgres({ dir: tempDir() });
    cleanups.push(() => pg.stop());
    expect(pg.url).toMatch(/^postgres:\/\/parley@127\.0\.0\.1:\d+\/parley$/);
    expect(pg.createDatabase('second')).toBe(pg.url.replace(/parley$/, 'second'));
    await pg.stop();
    expect(await accepts(pg.port)).toBe(false);
  });

  it('starts nginx spreading requests over its upstreams', async () => {
    const hits: string[] = [];
    const backends = await Promise.all(
      ['a', 'b'].map(
        (name) =>
          new Promise<{ port: number; close: () => Promise<void> }>((resolve) => {
            const server = createServer((_req, res) => {
              hits.push(name);
              res.end(name);
            });
            server.listen(0, '127.0.0.1', () => {
              const address = server.address();
              resolve({ port: typeof address === 'object' && address ? address.port : 0, close: () => new Promise((done) => server.close(() => done())) });
            });
          }),
      ),
    );
    for (const backend of backends) cleanups.push(backend.close);
    const nginx = await startNginx({ dir: tempDir(), upstreams: backends.map((b) => ({ host: '127.0.0.1', port: b.port })) });
    cleanups.push(() => nginx.stop());
    for (let i = 0; i < 4; i += 1) expect((await fetch(nginx.url)).status).toBe(200);
    expect(new Set(hits)).toEqual(new Set(['a', 'b']));
  });
});

describe('the nginx configuration in the README', () => {
  it('is the one the cluster runs with', () => {
    const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../README.md'), 'utf8');
    const block = parleyServerBlock('80', [
      { host: '10.0.0.11', port: 3000 },
      { host: '10.0.0.12', port: 3000 },
    ]);
    expect(readme).toContain(`\`\`\`nginx\n${block}\n\`\`\``);
  });
});
