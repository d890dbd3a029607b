import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDocument } from '../../src/docs/diagrams.js';
import { architectureDocs } from '../../src/docs/write.js';
import { Recorder } from './recorder.js';
import { SCENARIOS } from './scenarios.js';

/**
 * The sequence diagrams of docs/ARCHITECTURE.md (and its Russian twin) are recordings of these scenarios against a
 * real server: this test records them again and fails when what the system sends differs from what the docs say.
 * `pnpm diagrams` (UPDATE_DIAGRAMS=1) writes the new recordings into the docs instead.
 */
const update = process.env['UPDATE_DIAGRAMS'] === '1';
const recorded: Record<string, string> = {};

describe('recorded sequence diagrams', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name} matches a run of the real server`, async () => {
      const rec = await Recorder.start(scenario.env, { presence: scenario.presence ?? false });
      try {
        await scenario.run(rec);
        recorded[scenario.name] = '```mermaid\n' + rec.diagram() + '\n```';
      } finally {
        await rec.stop();
      }
      for (const doc of architectureDocs.filter(existsSync)) {
        const committed = readFileSync(doc, 'utf8');
        const fresh = renderDocument(committed, { [scenario.name]: recorded[scenario.name]! }, 'recorded');
        if (update) writeFileSync(doc, fresh);
        else expect(fresh, `${doc}: run \`pnpm diagrams\` and review the change`).toBe(committed);
      }
    }, 40_000);
  }

  afterAll(() => {
    if (update) console.log(`docs: recorded ${Object.keys(recorded).length} sequence diagrams into ${architectureDocs.join(', ')}`);
  });
});
