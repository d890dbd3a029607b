import { readFileSync } from 'node:fs';
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
