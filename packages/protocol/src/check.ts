import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';

/** A schema's validator, whichever way it was built. */
export interface Checker<T> {
  check(value: unknown): value is T;
  errors(value: unknown): readonly { instancePath: string; message: string }[];
}

/**
 * Node compiles validators to code (the server's relay path is hot). Browsers run the SPA under a CSP without
 * `unsafe-eval`, so there the same schemas are interpreted: no `new Function`, no CSP violation. Built on first use.
 */
export function checker<T extends TSchema>(schema: T): () => Checker<Static<T>> {
  let built: Checker<Static<T>> | undefined;
  return () => {
    if (built) return built;
    if (typeof (globalThis as { document?: unknown }).document === 'undefined') {
      const compiled = Compile(schema);
      built = { check: (v): v is Static<T> => compiled.Check(v), errors: (v) => compiled.Errors(v) };
    } else {
      built = { check: (v): v is Static<T> => Value.Check(schema, v), errors: (v) => Value.Errors(schema, v) };
    }
    return built;
  };
}

/** The first validation error as one line (`/payload/callId must match pattern …`). */
export function firstError(errors: readonly { instancePath: string; message: string }[]): string {
  const first = errors[0];
  return first ? `${first.instancePath || '/'} ${first.message}` : 'does not match the schema';
}
