import { CALL_STATUSES } from '@parley/protocol';
import { is } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { TRANSITIONS } from '../calls/machine.js';
import * as schema from '../store/sqlite/schema.js';

/**
 * Every table the schema declares, by name (a module namespace's order depends on who loads it): a new table
 * appears in the diagram without anyone listing it.
 */
const TABLES: SQLiteTable[] = Object.values(schema as Record<string, unknown>)
  .filter((value): value is SQLiteTable => is(value, SQLiteTable))
  .sort((a, b) => getTableConfig(a).name.localeCompare(getTableConfig(b).name));

/** The call lifecycle as a Mermaid state diagram, generated from the server's own transition table. */
export function callStateDiagram(): string {
  const lines = ['stateDiagram-v2', '    [*] --> created: POST /calls'];
  for (const from of CALL_STATUSES) {
    for (const [event, edge] of Object.entries(TRANSITIONS[from])) {
      const label = edge.endReason ? `${event} (${edge.endReason})` : event;
      lines.push(`    ${from} --> ${edge.to}: ${label}`);
    }
  }
  lines.push('    ended --> [*]');
  return lines.join('\n');
}

const mermaidType = (columnType: string) => (columnType.includes('Integer') ? 'integer' : 'text');

/** The database as a Mermaid ER diagram, generated from the drizzle schema. */
export function databaseErDiagram(tables: SQLiteTable[] = TABLES): string {
  const lines = ['erDiagram'];
  for (const table of tables) {
    const config = getTableConfig(table);
    const fkColumns = new Set(config.foreignKeys.flatMap((fk) => fk.reference().columns.map((c) => c.name)));
    const unique = new Set(config.indexes.filter((i) => i.config.unique).flatMap((i) => i.config.columns.map((c) => ('name' in c ? c.name : ''))));
    lines.push(`    ${config.name} {`);
    for (const column of config.columns) {
      const keys = [column.primary ? 'PK' : '', fkColumns.has(column.name) ? 'FK' : '', unique.has(column.name) ? 'UK' : ''].filter(Boolean).join(', ');
      const note = column.notNull ? '' : ' "nullable"';
      lines.push(`        ${mermaidType(column.columnType)} ${column.name}${keys ? ` ${keys}` : ''}${note}`);
    }
    lines.push('    }');
  }
  for (const table of tables) {
    const config = getTableConfig(table);
    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      const target = getTableConfig(ref.foreignTable).name;
      lines.push(`    ${target} ||--o{ ${config.name} : "${ref.columns.map((c) => c.name).join(', ')}"`);
    }
  }
  return lines.join('\n');
}

/** Generated blocks of docs/ARCHITECTURE.md, by marker name. */
export function generatedBlocks(): Record<string, string> {
  return {
    'call-state-diagram': '```mermaid\n' + callStateDiagram() + '\n```',
    'database-er-diagram': '```mermaid\n' + databaseErDiagram() + '\n```',
  };
}

/**
 * Replaces every `<!-- KIND:NAME -->…<!-- /KIND:NAME -->` block with fresh content: `generated` blocks come from
 * the code, `recorded` ones from runs of a real server (apps/server/test/docs/).
 */
export function renderDocument(text: string, blocks = generatedBlocks(), kind: 'generated' | 'recorded' = 'generated'): string {
  let out = text;
  for (const [name, content] of Object.entries(blocks)) {
    const pattern = new RegExp(`(<!-- ${kind}:${name} -->)[\\s\\S]*?(<!-- /${kind}:${name} -->)`);
    if (!pattern.test(out)) throw new Error(`docs: marker ${kind}:${name} is missing`);
    out = out.replace(pattern, `$1\n${content}\n$2`);
  }
  return out;
}

/** A Mermaid diagram of a document, with the file name its pictures get under docs/diagrams/. */
export interface NamedDiagram {
  name: string;
  source: string;
}

const slug = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * Every Mermaid diagram of a Markdown document: a generated or recorded block named by its marker, any other by
 * the section it is in (and its place there when a section has several).
 */
export function diagramsOf(text: string): NamedDiagram[] {
  const found: NamedDiagram[] = [];
  const used = new Map<string, number>();
  let section = 'intro';
  let marker: string | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heading = /^#{1,6} (.+)$/.exec(line);
    if (heading?.[1] !== undefined) section = slug(heading[1]);
    const opened = /^<!-- (?:generated|recorded):([\w-]+) -->$/.exec(line);
    if (opened?.[1] !== undefined) marker = opened[1];
    if (/^<!-- \/(?:generated|recorded):/.test(line)) marker = null;
    if (line !== '```mermaid') continue;
    const end = lines.indexOf('```', i + 1);
    const base = marker ?? section;
    const seen = used.get(base) ?? 0;
    used.set(base, seen + 1);
    found.push({ name: seen > 0 ? `${base}-${seen + 1}` : base, source: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

/** What a picture under docs/diagrams/ was drawn from, as recorded in its manifest. */
export const sourceHash = (source: string): string => createHash('sha256').update(source).digest('hex');
