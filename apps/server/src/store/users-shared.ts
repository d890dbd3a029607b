import { and, gt, ne, sql, type Column, type SQL } from 'drizzle-orm';
import type { UserPage } from './types.js';

/**
 * The filter of one page of the user list, the same in both dialects: everyone but `exceptId`, a literal prefix of
 * the lower-cased name (LIKE would read `_`, allowed in usernames, and `%` as wildcards), and names after the
 * cursor. The cursor is the last name of the previous page: names are unique by their lower-cased key, so "after
 * it" skips exactly what was already listed, whoever registered in between.
 */
export function userPageFilter(columns: { id: Column; usernameKey: Column }, exceptId: string, page: UserPage): SQL | undefined {
  const key = page.prefix?.toLowerCase();
  const after = page.after?.toLowerCase();
  return and(
    ne(columns.id, exceptId),
    key ? sql`substr(${columns.usernameKey}, 1, ${key.length}) = ${key}` : undefined,
    after === undefined ? undefined : gt(columns.usernameKey, after),
  );
}
