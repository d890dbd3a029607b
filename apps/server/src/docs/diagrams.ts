import { CALL_STATUSES } from '@parley/protocol';
import { is } from 'drizzle-orm';
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
