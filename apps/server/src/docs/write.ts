import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDocument } from './diagrams.js';

/** The architecture document whose diagrams are generated from the code. */
export const architectureDoc = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../docs/ARCHITECTURE.md');

// `pnpm diagrams`: regenerate the diagrams in place.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const before = readFileSync(architectureDoc, 'utf8');
  const after = renderDocument(before);
  writeFileSync(architectureDoc, after);
  console.log(before === after ? 'docs: diagrams already up to date' : `docs: regenerated diagrams in ${architectureDoc}`);
}
