import { request as httpRequest } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUser } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * The exact security headers (names case-insensitive, as HTTP has them; values exact). Documents: what @fastify/helmet 13 set before the server
 * replaced it with one precomputed list, plus the CSP and permissions policy. API answers: the OWASP REST set.
 */
const DOCUMENT_HEADERS: [string, string][] = [
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-XSS-Protection', '0'],
  [
    'content-security-policy',
    "default-src 'self'; script-src 'self'; script-src-attr 'none'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  ],
  ['permissions-policy', 'camera=(self), microphone=(self), display-capture=(self), geolocation=()'],
];

const API_HEADERS: [string, string][] = [
  ['Cache-Control', 'no-store'],
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
];

const namesOf = (list: [string, string][]) => new Set(list.map(([name]) => name.toLowerCase()));
/** Document-only headers, which an API answer must not carry. */
const DOCUMENT_ONLY = [...namesOf(DOCUMENT_HEADERS)].filter((name) => !namesOf(API_HEADERS).has(name));

/** Status and raw header pairs (names as sent, so a header sent twice shows twice). */
function rawRequest(server: TestServer, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; headers: [string, string][] }>((resolve, reject) => {
    const url = new URL(server.baseUrl);
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        const pairs: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode!, headers: pairs });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('exact response headers', () => {
  it('every kind of answer carries exactly its set of security headers, each once, and a request id', async () => {
    const web = mkdtempSync(join(tmpdir(), 'parley-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Parley</title>');
    const server = await startServer({ WEB_DIST_DIR: web });
    const user = await createUser(server);
    const auth = { authorization: `Bearer ${user.token}` };
    const documents = [
      await rawRequest(server, 'GET', '/'),
      await rawRequest(server, 'GET', '/some/client/route'),
      await rawRequest(server, 'GET', '/healthz'),
      await rawRequest(server, 'HEAD', '/healthz'),
    ];
    const api = [
      await rawRequest(server, 'GET', '/api/v1/users/me', auth),
      await rawRequest(server, 'GET', '/api/v1/users/me'),
      await rawRequest(server, 'GET', '/api/v1/users/me', { authorization: 'Bearer not.a.jwt' }),
      await rawRequest(server, 'POST', '/api/v1/calls', { ...auth, 'content-type': 'application/json' }, '{bad json'),
      await rawRequest(server, 'GET', '/api/v1/nope'),
      await rawRequest(server, 'GET', '/api/v1/ws'),
    ];
    expect(documents.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(api.map((a) => a.status)).toEqual([200, 401, 401, 400, 404, 401]);
    const check = (answer: { headers: [string, string][] }, expected: [string, string][]) => {
      const names = namesOf(expected);
      const lower = ([name, value]: [string, string]): [string, string] => [name.toLowerCase(), value];
      const security = answer.headers.filter(([name]) => names.has(name.toLowerCase())).map(lower);
      expect(security.sort()).toEqual(expected.map(lower).sort());
      const ids = answer.headers.filter(([name]) => name.toLowerCase() === 'x-request-id');
      expect(ids).toEqual([['x-request-id', expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)]]);
      for (const gone of ['x-powered-by', 'server', 'x-permitted-cross-domain-policies']) {
        expect(answer.headers.find(([name]) => name.toLowerCase() === gone)).toBeUndefined();
      }
    };
    for (const answer of documents) check(answer, DOCUMENT_HEADERS);
    for (const answer of api) {
      check(answer, API_HEADERS);
      expect(answer.headers.filter(([name]) => DOCUMENT_ONLY.includes(name.toLowerCase()))).toEqual([]);
    }
    expect(DOCUMENT_ONLY).toHaveLength(6);
    const all = [...documents, ...api];
    expect(new Set(all.map((a) => a.headers.find(([n]) => n === 'x-request-id')![1])).size).toBe(all.length);
  });
});
