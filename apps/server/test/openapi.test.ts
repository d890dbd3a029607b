import { Parser } from '@asyncapi/parser';
import { createConfig, lintFromString, stringifyYaml } from '@redocly/openapi-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * The OpenAPI document at /docs/json, judged by tools that did not write it: Redocly's linter with its
 * recommended rules, and openapi-typescript, whose generated client must type-check against a use of it.
 */
let server: TestServer;
let document: Record<string, unknown>;
let asyncapi: string;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

beforeAll(async () => {
  server = await startServer({ METRICS_TOKEN: 'metrics-token-for-the-openapi-test-0123456789' });
  const response = await fetch(`${server.baseUrl}/docs/json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as Record<string, unknown>;
  asyncapi = await (await fetch(`${server.baseUrl}/docs/asyncapi.json`)).text();
});

// The setup file stops every server after each test; this one only had to answer the two requests above.
afterAll(async () => {
  await server.close();
});

function operations(): { path: string; method: string; operation: Record<string, unknown> }[] {
  const paths = document['paths'] as Record<string, Record<string, Record<string, unknown>>>;
  return Object.entries(paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m] !== undefined).map((method) => ({ path, method, operation: item[method]! })),
  );
}

describe('the OpenAPI document', () => {
  it('passes Redocly’s recommended rules: no error, and no warning but the ones explained here', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: stringifyYaml(document), absoluteRef: 'openapi.yaml', config });
    const report = problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? ''}`);
    expect(report).toEqual([
      // No license has been chosen for Parley yet: that is its maintainers' decision, not the API document's.
      'warn info-license at #/info',
      // The probes take no input, so nothing a client sends can be wrong: they have no 4xx answer to document.
      'warn operation-4xx-response at #/paths/~1healthz/get/responses',
      'warn operation-4xx-response at #/paths/~1readyz/get/responses',
    ]);
  });

  it('names every operation (operationId), once', () => {
    const ids = operations().map(({ operation, method, path }) => (operation['operationId'] as string | undefined) ?? `${method} ${path} has none`);
    expect(ids.filter((id) => id.includes(' has none'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes the wire types as named components, not inline copies', () => {
    const schemas = (document['components'] as { schemas?: Record<string, unknown> }).schemas ?? {};
    for (const name of ['UserDto', 'UserList', 'CreateCallBody', 'CreateCallResponse', 'CallDto', 'CallHistory', 'ErrorBody', 'RtcConfig']) {
      expect(schemas, name).toHaveProperty(name);
    }
  });

  it('generates a typed client that type-checks against a use of it', async () => {
    const generated = astToString(await openapiTS(JSON.parse(JSON.stringify(document))));
    const dir = mkdtempSync(join(tmpdir(), 'parley-openapi-'));
    try {
      writeFileSync(join(dir, 'api.d.ts'), generated);
      // What a generated client's user writes: the operations' request and answer types by operationId.
      writeFileSync(
        join(dir, 'use.ts'),
        [
          "import type { operations, components } from './api';",
          "type CreateCall = operations['createCall'];",
          "const body: CreateCall['requestBody'] extends { content: { 'application/json': infer B } } ? B : never = { calleeId: '00000000-0000-4000-8000-000000000000' };",
          "type Created = CreateCall['responses'][201]['content']['application/json'];",
          "const created: Created = { callId: 'x', status: 'created', callee: { id: 'y', username: 'bob' }, ringExpiresAt: 'z', ringing: true };",
          "const error: components['schemas']['ErrorBody'] = { error: { code: 'CALLER_BUSY', message: 'busy' } };",
          "type Login = operations['login']['responses'][200]['content']['application/json'];",
          "const token: Login['accessToken'] = 'a.b.c';",
          'export const all = [body, created, error, token];',
        ].join('\n'),
      );
      const program = ts.createProgram([join(dir, 'use.ts')], { strict: true, noEmit: true, noUncheckedIndexedAccess: true, skipLibCheck: false, types: [] });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the AsyncAPI document', () => {
  it('is valid under the AsyncAPI parser, with no error', async () => {
    const diagnostics = await new Parser().validate(asyncapi);
    // Severity 0 is an error; warnings and hints (style suggestions) are not failures of the document.
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.code}: ${d.message} at ${d.path.join('/')}`);
    expect(errors).toEqual([]);
  });
});
