import { renderMermaid } from '@mermaid-js/mermaid-cli';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer';
import { diagramsOf, sourceHash } from './diagrams.js';
import { architectureDoc, diagramsDir } from './write.js';

/**
 * `pnpm diagrams` (last step): every Mermaid diagram of docs/ARCHITECTURE.md as SVG and PNG under docs/diagrams/,
 * for slides, drawn by mermaid-cli in Debian's Chromium (`CHROMIUM_PATH`, else /usr/bin/chromium; nothing is
 * downloaded). docs/diagrams/manifest.json records the source each picture was drawn from, so a test can tell when
 * a diagram changed and its pictures were not drawn again.
 */
async function exportAll(): Promise<void> {
  const diagrams = diagramsOf(readFileSync(architectureDoc, 'utf8'));
  mkdirSync(diagramsDir, { recursive: true });
  for (const file of readdirSync(diagramsDir)) if (/\.(svg|png)$/.test(file)) rmSync(join(diagramsDir, file));
  const browser = await puppeteer.launch({
    // eslint-disable-next-line no-restricted-syntax -- a documentation tool run by hand, not the server's configuration
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    headless: true,
  });
  const manifest: Record<string, string> = {};
  try {
    for (const { name, source } of diagrams) {
      for (const format of ['svg', 'png'] as const) {
        const { data } = await renderMermaid(browser, source, format, { viewport: { width: 1600, height: 1000, deviceScaleFactor: 2 }, backgroundColor: 'white' });
        writeFileSync(join(diagramsDir, `${name}.${format}`), data);
      }
      manifest[name] = sourceHash(source);
      console.log(`docs: docs/diagrams/${name}.svg, .png`);
    }
  } finally {
    await browser.close();
  }
  writeFileSync(join(diagramsDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`docs: ${diagrams.length} diagrams drawn into docs/diagrams/`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await exportAll();
