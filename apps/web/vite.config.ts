/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build, defineConfig, type Plugin } from 'vite';

// The API server in development; `pnpm start` serves the built SPA itself, same origin, so no proxy is needed there.
const apiTarget = 'http://127.0.0.1:3000';

/** Every file under `dir`, as URL paths from `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `/${relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/')}`);
}

/**
 * Builds `worker/sw.ts` into `dist/sw.js` after the app is written, with the list of files to precache (every
 * emitted file but source maps, plus the public folder) and a version derived from it. A second, library-mode
 * build: the worker is one classic script with its imports inlined, and shares no chunk with the page.
 * (vite-plugin-pwa does the same with Workbox; this worker needs a fraction of Workbox, and no extra dependency.)
 */
function serviceWorker(): Plugin {
  let outDir = '';
  let publicDir = '';
  return {
    name: 'parley-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      publicDir = config.publicDir;
    },
    async writeBundle(_options, bundle) {
      const emitted = Object.keys(bundle).map((file) => `/${file}`);
      const files = [...new Set([...emitted, ...(publicDir ? filesUnder(publicDir) : [])])]
        .filter((file) => !file.endsWith('.map') && file !== '/sw.js')
        .sort();
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      await build({
        configFile: false,
        logLevel: 'warn',
        publicDir: false,
        define: { __SHELL_FILES__: JSON.stringify(files), __SHELL_VERSION__: JSON.stringify(version) },
        build: {
          outDir,
          emptyOutDir: false,
          sourcemap: false,
          lib: { entry: resolve(import.meta.dirname, 'worker/sw.ts'), formats: ['es'], fileName: () => 'sw.js' },
        },
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker()],
  server: {
    proxy: {
      '/api': { target: apiTarget, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    // The server's CSP allows only same-origin scripts: keep Vite from inlining the module preload polyfill.
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
