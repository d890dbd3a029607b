import { renderMermaid } from '@mermaid-js/mermaid-cli';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
/** The manifest of the pictures drawn last time: diagram name → hash of its source. */
function drawn(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(diagramsDir, 'manifest.json'), 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  } catch {
    return {};
  }
}

/** Draws the diagrams whose source changed (or all, with `--all`), and forgets pictures of diagrams that are gone. */
async function exportAll(all: boolean): Promise<void> {
  const diagrams = diagramsOf(readFileSync(architectureDoc, 'utf8'));
  const before = all ? {} : drawn();
  const files = (name: string) => (['svg', 'png'] as const).map((format) => join(diagramsDir, `${name}.${format}`));
  const stale = diagrams.filter((d) => before[d.name] !== sourceHash(d.source) || !files(d.name).every((f) => existsSync(f)));
  mkdirSync(diagramsDir, { recursive: true });
  const names = new Set(diagrams.map((d) => d.name));
  for (const file of readdirSync(diagramsDir)) {
    const name = file.replace(/\.(svg|png)$/, '');
    if (name !== file && !names.has(name)) rmSync(join(diagramsDir, file));
  }
  if (stale.length > 0) {
    const browser = await puppeteer.launch({
      // eslint-disable-next-line no-restricted-syntax -- a documentation tool run by hand, not the server's configuration
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      headless: true,
    });
    try {
      for (const { name, source } of stale) {
        const [svg, png] = files(name);
        for (const [format, file] of [['svg', svg], ['png', png]] as const) {
          const { data } = await renderMermaid(browser, source, format, { viewport: { width: 1600, height: 1000, deviceScaleFactor: 2 }, backgroundColor: 'white' });
          writeFileSync(file!, data);
        }
        console.log(`docs: docs/diagrams/${name}.svg, .png`);
      }
    } finally {
      await browser.close();
    }
  }
  const manifest = Object.fromEntries(diagrams.map((d) => [d.name, sourceHash(d.source)]));
  writeFileSync(join(diagramsDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`docs: ${stale.length} of ${diagrams.length} diagrams drawn into docs/diagrams/ (the others had not changed)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await exportAll(process.argv.includes('--all'));
