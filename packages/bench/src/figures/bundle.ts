/**
 * Figure 6 — web bundle. What the first page load fetches, from the production build `apps/web/dist/index.html`:
 * its module scripts, modulepreloads and stylesheets, plus the chunks those scripts import statically. Each file
 * gzipped at level 9. The baseline is the budget (100 KiB of gzipped JS), so the ratio is the share of it used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../proc.js';
import type { FigureResult, Row, Sizes } from '../report-types.js';
import { spread } from '../stats.js';

const BUDGET_JS_KIB = 100;

/** Local asset URLs referenced by the HTML's script and link tags. */
function assetsOf(html: string): string[] {
  const urls: string[] = [];
  for (const tag of html.matchAll(/<(script|link)\b[^>]*>/gi)) {
    const text = tag[0];
    const attr = (name: string) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`, 'i').exec(text)?.[1];
    const url = tag[1]!.toLowerCase() === 'script' ? attr('src') : /\brel\s*=\s*["']?(stylesheet|modulepreload)/i.test(text) ? attr('href') : undefined;
    if (url && !/^(https?:)?\/\//.test(url)) urls.push(url);
  }
  return urls;
}

/** Chunks a module imports statically (`import … from "./x.js"`, `import "./x.js"`), as paths next to it. */
function staticImports(code: string): string[] {
  return [...code.matchAll(/(?:\bimport\s*(?:[\w*{}\s,$]+from\s*)?|\bexport\s*[\w*{}\s,$]*from\s*)["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!);
}

export async function bundleFigure(_sizes: Sizes): Promise<FigureResult> {
  const dist = join(repoRoot, 'apps/web/dist');
  const indexPath = join(dist, 'index.html');
  if (!existsSync(indexPath)) return { name: 'bundle', rows: [], details: null, skipped: 'not built (apps/web/dist/index.html missing; run `pnpm build`)' };
  const files = new Map<string, { kind: 'js' | 'css'; raw: number; gzip: number }>();
  const visit = (path: string) => {
    if (files.has(path) || !existsSync(path)) return;
    const content = readFileSync(path);
    const kind = path.endsWith('.css') ? 'css' : 'js';
    files.set(path, { kind, raw: content.length, gzip: gzipSync(content, { level: 9 }).length });
    if (kind === 'js') for (const spec of staticImports(content.toString('utf8'))) visit(resolve(dirname(path), spec));
  };
  for (const url of assetsOf(readFileSync(indexPath, 'utf8'))) visit(join(dist, url.split('?')[0]!.replace(/^\//, '')));
  const sum = (kind: 'js' | 'css', key: 'raw' | 'gzip') => [...files.values()].filter((f) => f.kind === kind).reduce((a, f) => a + f[key], 0) / 1024;
  const js = sum('js', 'gzip');
  const css = sum('css', 'gzip');
  const list = [...files.entries()].map(([path, f]) => ({ file: path.slice(dist.length + 1), ...f }));
  const rows: Row[] = [
    {
      figure: 'web bundle (first load, gzip -9)',
      metric: 'JavaScript vs 100 KiB budget',
      unit: 'KiB',
      parley: spread([js]),
      baseline: spread([BUDGET_JS_KIB]),
      ratio: js / BUDGET_JS_KIB,
      goal: '≤ 100 KiB',
      met: js <= BUDGET_JS_KIB,
      note: `${list.filter((f) => f.kind === 'js').length} JS file(s), ${sum('js', 'raw').toFixed(1)} KiB before gzip`,
    },
    { figure: 'web bundle (first load, gzip -9)', metric: 'CSS', unit: 'KiB', parley: spread([css]), baseline: null, ratio: null, note: `${sum('css', 'raw').toFixed(1)} KiB before gzip` },
  ];
  return { name: 'bundle', rows, details: { files: list } };
}
