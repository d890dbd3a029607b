import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callStateDiagram, renderDocument } from '../src/docs/diagrams.js';
import { architectureDoc } from '../src/docs/write.js';

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
