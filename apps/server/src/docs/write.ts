import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDocument } from './diagrams.js';

const docsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../docs');

/** The architecture document whose diagrams are generated from the code. */
export const architectureDoc = resolve(docsDir, 'ARCHITECTURE.md');
/** It and its translations: the same diagrams in each. */
export const architectureDocs: readonly string[] = [architectureDoc, resolve(docsDir, 'ARCHITECTURE.ru.md')];

// `pnpm diagrams`: regenerate the diagrams in place.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const doc of architectureDocs.filter(existsSync)) {
    const before = readFileSync(doc, 'utf8');
    const after = renderDocument(before);
    writeFileSync(doc, after);
    console.log(before === after ? `docs: diagrams already up to date in ${doc}` : `docs: regenerated diagrams in ${doc}`);
  }
}
