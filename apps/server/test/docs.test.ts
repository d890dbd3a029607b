import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callStateDiagram, diagramsOf, renderDocument, sourceHash } from '../src/docs/diagrams.js';
import { architectureDoc, diagramsDir } from '../src/docs/write.js';

describe('docs/ARCHITECTURE.md', () => {
  it('holds the diagrams the code generates (run `pnpm diagrams` after changing the machine or the schema)', () => {
    const committed = readFileSync(architectureDoc, 'utf8');
    expect(renderDocument(committed)).toBe(committed);
  });

  it('draws every transition of the machine', () => {
    const diagram = callStateDiagram();
    expect(diagram).toContain('created --> active: accept');
    expect(diagram).toContain('created --> ended: ring_timeout (missed)');
    expect(diagram).toContain('active --> ended: connection_lost (connection_lost)');
  });

  it('notices a stale diagram', () => {
    const committed = readFileSync(architectureDoc, 'utf8');
    const stale = committed.replace('created --> active: accept', 'created --> active: pick_up');
    expect(renderDocument(stale)).not.toBe(stale);
  });
});

/** What a translation must keep: the outline (heading levels in order) and every diagram, as they are. */
function skeleton(text: string): { headings: number[]; diagrams: string[]; markers: string[] } {
  return {
    headings: [...text.matchAll(/^(#{1,6}) /gm)].map((m) => m[1]!.length),
    diagrams: [...text.matchAll(/```mermaid\n[\s\S]*?\n```/g)].map((m) => m[0]),
    markers: [...text.matchAll(/<!-- \/?(?:generated|recorded):[\w-]+ -->/g)].map((m) => m[0]),
  };
}

describe.each([
  ['ARCHITECTURE.md', 'ARCHITECTURE.ru.md'],
  ['DEMO.md', 'DEMO.ru.md'],
])('docs/%s and its Russian version', (english, russian) => {
  const docs = resolve(dirname(architectureDoc));
  const read = (name: string) => readFileSync(resolve(docs, name), 'utf8');

  it('have the same sections and the same diagrams', () => {
    const en = skeleton(read(english));
    const ru = skeleton(read(russian));
    expect(ru.headings).toEqual(en.headings);
    expect(ru.markers).toEqual(en.markers);
    expect(ru.diagrams).toEqual(en.diagrams);
  });

  it('link to each other', () => {
    expect(read(english)).toContain(`(${russian})`);
    expect(read(russian)).toContain(`(${english})`);
  });
});

describe('the class diagrams of docs/ARCHITECTURE.md', () => {
  const root = resolve(dirname(architectureDoc), '..');
  /** Every exported class and interface of a source tree, with the text of the file that declares it. */
  function declarations(dir: string): Map<string, string> {
    const found = new Map<string, string>();
    const walk = (path: string): void => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        const full = resolve(path, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.tsx?$/.test(entry.name)) {
          const text = readFileSync(full, 'utf8');
          for (const m of text.matchAll(/^export (?:abstract )?(?:class|interface) (\w+)/gm)) found.set(m[1]!, text);
        }
      }
    };
    walk(dir);
    return found;
  }
  const diagrams = [...readFileSync(architectureDoc, 'utf8').matchAll(/```mermaid\nclassDiagram\n([\s\S]*?)\n```/g)].map((m) => m[1]!);

  it.each([
    ['the server', 0, 'apps/server/src'],
    ['the browser', 1, 'apps/web/src'],
  ] as const)('name only classes, interfaces and methods that exist in %s', (_side, index, dir) => {
    const code = declarations(resolve(root, dir));
    const diagram = diagrams[index] ?? '';
    const missing: string[] = [];
    for (const m of diagram.matchAll(/^\s*class (\w+)(?: \{([^}]*)\})?/gm)) {
      const text = code.get(m[1]!);
      if (text === undefined) {
        missing.push(m[1]!);
        continue;
      }
      for (const method of (m[2] ?? '').matchAll(/(\w+)\(\)/g)) if (!new RegExp(`\\b${method[1]}[<(]`).test(text)) missing.push(`${m[1]}.${method[1]}()`);
    }
    expect(diagram).not.toBe('');
    expect(missing).toEqual([]);
  });
});

describe('the pictures under docs/diagrams/', () => {
  it('were drawn from every diagram of docs/ARCHITECTURE.md as it is now (`pnpm diagrams` draws them)', () => {
    const manifest: unknown = JSON.parse(readFileSync(resolve(diagramsDir, 'manifest.json'), 'utf8'));
    const diagrams = diagramsOf(readFileSync(architectureDoc, 'utf8'));
    expect(manifest).toEqual(Object.fromEntries(diagrams.map((d) => [d.name, sourceHash(d.source)])));
    const missing = diagrams.flatMap((d) => ['svg', 'png'].map((ext) => `${d.name}.${ext}`)).filter((file) => !existsSync(resolve(diagramsDir, file)));
    expect(missing).toEqual([]);
  });
});

describe('the component and deployment diagrams of docs/ARCHITECTURE.md', () => {
  const root = resolve(dirname(architectureDoc), '..');
  /** Words with a slash in the diagrams that are not modules: a file the server writes at run time, a Redis feature. */
  const NOT_MODULES = new Set(['data/parley', 'pub/sub']);
  /** `calls/service` is apps/server/src/calls/service.ts; `rtc/PeerLink` apps/web/src/rtc/peerLink.ts; `apps/web` a folder. */
  function exists(path: string): boolean {
    const [dir = '', name = ''] = path.split('/');
    if (existsSync(resolve(root, path))) return true;
    return ['apps/server/src', 'apps/web/src'].some((src) => {
      const folder = resolve(root, src, dir);
      return existsSync(folder) && readdirSync(folder).some((file) => file.replace(/\.tsx?$/, '').toLowerCase() === name.toLowerCase());
    });
  }

  it('name only modules and folders that exist', () => {
    const flowcharts = [...readFileSync(architectureDoc, 'utf8').matchAll(/```mermaid\n(flowchart[\s\S]*?)\n```/g)].map((m) => m[1]!);
    const named = flowcharts.flatMap((chart) => [...chart.matchAll(/(?<![\w/:.])([a-z][\w-]*\/[A-Za-z][\w-]*)/g)].map((m) => m[1]!));
    const modules = named.filter((path) => !NOT_MODULES.has(path));
    expect(modules.length).toBeGreaterThan(5);
    expect(modules.filter((path) => !exists(path))).toEqual([]);
  });
});
