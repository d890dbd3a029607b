import { ErrorBody, ERROR_CODES } from '@parley/protocol';
import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { rawRequest, type RawRequest } from './raw-http.js';

/**
 * An HTTP fuzzer over every route: random methods, ids, queries, content types, bodies and headers, sent raw (no
 * path normalisation). Like the WebSocket fuzzer it needs only a base URL and tokens, so CI runs it in-process and
 * `pnpm soak` against the built server.
 */

export interface Route {
  method: string;
  /** With `:id` where the route takes a parameter. */
  path: string;
}

/** Routes the OpenAPI document does not list (hidden from it on purpose). */
export const HIDDEN_ROUTES: Route[] = [
  { method: 'GET', path: '/api/v1/ws' },
  { method: 'GET', path: '/ws' },
  { method: 'GET', path: '/docs' },
  { method: 'GET', path: '/docs/' },
  { method: 'GET', path: '/docs/json' },
  { method: 'GET', path: '/docs/yaml' },
  { method: 'GET', path: '/docs/static/index.html' },
  { method: 'GET', path: '/docs/static/swagger-initializer.js' },
  { method: 'GET', path: '/docs/asyncapi.json' },
  { method: 'GET', path: '/' },
];

/** Every route: the API's own OpenAPI document plus the hidden ones. */
export async function discoverRoutes(baseUrl: string): Promise<Route[]> {
  const reply = await rawRequest(baseUrl, { method: 'GET', path: '/docs/json' });
  if (!reply.ok || reply.status !== 200) throw new Error('cannot read /docs/json');
  const spec = JSON.parse(reply.body) as { paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(spec.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, ':$1') })),
  );
  return [...documented, ...HIDDEN_ROUTES];
}

/** The routes in Fastify's `printRoutes({ commonPrefix: false })` tree (HEAD and wildcards left out). */
export function routesFromTree(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = path;
    if (path.includes('*')) continue;
    for (const method of match[3]!.split(',').map((m) => m.trim())) if (method !== 'HEAD') routes.push({ method, path });
  }
  return routes;
}

// ---------- generators ----------

const NASTY = [
  "' OR '1'='1",
  "1'; DROP TABLE calls; --",
  '" UNION SELECT password_hash FROM users --',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%252f..%252f',
  '\u0000',
  '\ud800',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '%s%n',
  '__proto__',
  'constructor',
  'a'.repeat(3000),
  '💥'.repeat(100),
];

const uuid = fc.uuid().map((u) => u.toLowerCase());

/** encodeURIComponent, but a lone surrogate becomes its (invalid) UTF-8 bytes instead of throwing. */
const pct = (s: string) =>
  [...s]
    .map((ch) => {
      const code = ch.codePointAt(0)!;
      return code >= 0xd800 && code <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(ch);
    })
    .join('');

const id = fc.oneof(
  uuid,
  fc.constantFrom(...NASTY).map(pct),
  // Sent as is: the server must not resolve dot segments into other routes or files.
  fc.constantFrom('../../etc/passwd', '..', '.', '%2e%2e', '..%2f..%2fhealthz', '....//....//', '%00', '%ZZ', '%', 'x'.repeat(9000)),
  fc.string({ unit: 'binary', maxLength: 40 }).map(pct),
);

const queryKey = fc.constantFrom('limit', 'before', 'q', 'token', '__proto__[polluted]', 'constructor[prototype][polluted]', '__proto__.polluted', 'x', 'limit[]');
const queryValue = fc.oneof(
  fc.constantFrom('-1', '0', '1', '100', '101', '1e309', 'NaN', 'true', '', '2026-11-26T10:00:00.000Z', 'yesterday', 'yes'),
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 50 }),
);
const query = fc
  .array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 4 })
  .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${pct(v)}`).join('&')}`);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16le',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/jsonx',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'garbage',
);

const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  fc.constantFrom(
    '{"__proto__":{"polluted":"yes"},"username":"proto_user","password":"password-1234"}',
    '{"constructor":{"prototype":{"polluted":"yes"}},"username":"ctor_user","password":"password-1234"}',
    '{"username":"__proto__","password":"password-1234"}',
    '{"username":"constructor","password":"password-1234"}',
    '{"calleeId":{"__proto__":{"polluted":"yes"}}}',
    '{"calleeId":"00000000-0000-4000-8000-000000000000","connectionId":{"$gt":""}}',
    '{"username":{"$ne":null},"password":{"$ne":null}}',
    '{"username":"admin\' --","password":"x"}',
    '',
    '{',
    'null',
    '[]',
    '"string"',
  ),
  fc.tuple(fc.constantFrom(...NASTY), fc.constantFrom(...NASTY)).map(([username, password]) => JSON.stringify({ username, password })),
  fc.tuple(fc.constantFrom(...NASTY), fc.option(fc.constantFrom(...NASTY))).map(([calleeId, connectionId]) => JSON.stringify({ calleeId, connectionId })),
  fc.integer({ min: 100, max: 8000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 16 * 1024 + 1, max: 40 * 1024 }).map((size) => JSON.stringify({ username: 'big', password: 'p'.repeat(size) })),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);

const HUGE_HEADER = 'h'.repeat(20_000);

function extraHeaders(): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constant({ 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9' }) },
    { weight: 1, arbitrary: fc.constant({ 'x-big': HUGE_HEADER }) },
    { weight: 1, arbitrary: fc.constant(Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`x-h-${i}`, String(i)]))) },
    { weight: 1, arbitrary: fc.constant({ origin: 'https://evil.example', cookie: 'session=x; token=y' }) },
    { weight: 1, arbitrary: fc.constant({ 'x-http-method-override': 'DELETE', 'x-original-url': '/metrics' }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((v) => ({ 'x-random': v.replace(/[^\x20-\x7e]/g, '') })) },
  );
}

export interface FuzzTokens {
  valid: string;
  /** Other bearer values to try (another user, garbage…). */
  others: readonly string[];
}

export interface FuzzRequest extends RawRequest {
  route: Route;
}

export function requestArbitrary(routes: readonly Route[], tokens: FuzzTokens): fc.Arbitrary<FuzzRequest> {
  const auth = fc.oneof(
    fc.constant(undefined),
    fc.constant(`Bearer ${tokens.valid}`),
    fc.constantFrom(...tokens.others, 'not.a.jwt', '').map((t) => `Bearer ${t}`),
    fc.constantFrom('Basic YWRtaW46YWRtaW4=', `Bearer ${'a'.repeat(8000)}`, `Bearer ${tokens.valid}x`, 'bearer', `Bearer  ${tokens.valid}`),
  );
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        method: fc.oneof({ weight: 4, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE') }),
        id,
        suffix: fc.constantFrom('', '', '', '', '/', '//', '/..', '/%2e%2e/', '?', '#x', ';x=1', '%00', '/./'),
        query: fc.option(query, { freq: 3 }),
        contentType: fc.option(contentType, { freq: 4 }),
        auth,
        body: fc.option(body, { freq: 4 }),
        headers: extraHeaders(),
      })
      .map((r) => {
        const headers: Record<string, string> = { ...r.headers };
        if (r.contentType !== null) headers['content-type'] = r.contentType;
        if (r.auth !== undefined) headers['authorization'] = r.auth;
        const path = route.path.replace(':id', r.id) + r.suffix + (r.query ?? '');
        return { route, method: r.method, path, headers, ...(r.body === null || r.method === 'GET' || r.method === 'HEAD' ? {} : { body: r.body }) };
      }),
  );
}

// ---------- driver ----------

export interface HttpFuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  /** Failures to get any answer (only acceptable for requests the HTTP parser refuses outright). */
  networkErrors: Record<string, number>;
  violations: string[];
  durationMs: number;
}

const errorBody = Compile(ErrorBody);
/** A stack frame (`at fn (file.js:1:2)`), an absolute source path or a raw Error name in a body. */
const LEAK = /\bat [\w.<>]+ \(|\bat (?:file:\/\/|\/)[^\s]+:\d+:\d+|node_modules|\/work\/|\/home\/|\/usr\/|[A-Z]\w*Error: /;

function describeRequest(req: FuzzRequest): string {
  const ct = req.headers?.['content-type'] ?? '-';
  const size = req.body === undefined ? 0 : Buffer.byteLength(req.body);
  return `${req.method} ${req.path.slice(0, 120)} [${ct}, ${size} B body]`;
}

/** Whether Node's HTTP parser may refuse the request before the app sees it (and hang up). */
function parserMayDrop(req: FuzzRequest): boolean {
  const headerBytes = Object.entries(req.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length + 4, req.path.length);
  return headerBytes > 15_000 || req.method === 'TRACE';
}

export async function runHttpFuzz(options: {
  baseUrl: string;
  routes: readonly Route[];
  tokens: FuzzTokens;
  requests: number;
  seed?: number;
  concurrency?: number;
}): Promise<HttpFuzzReport> {
  const started = performance.now();
  const report: HttpFuzzReport = { requests: 0, byStatus: {}, networkErrors: {}, violations: [], durationMs: 0 };
  const requests = fc.sample(requestArbitrary(options.routes, options.tokens), { seed: options.seed ?? 1, numRuns: options.requests });
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next]!;
      next += 1;
      const reply = await rawRequest(options.baseUrl, req);
      report.requests += 1;
      if (!reply.ok) {
        report.networkErrors[reply.error] = (report.networkErrors[reply.error] ?? 0) + 1;
        if (!parserMayDrop(req)) report.violations.push(`no answer (${reply.error}) to ${describeRequest(req)}`);
        continue;
      }
      report.byStatus[reply.status] = (report.byStatus[reply.status] ?? 0) + 1;
      if (reply.status >= 500) report.violations.push(`${reply.status} for ${describeRequest(req)}: ${reply.body.slice(0, 200)}`);
      if (LEAK.test(reply.body) && !req.route.path.startsWith('/docs')) {
        report.violations.push(`internal detail in the body of ${describeRequest(req)}: ${reply.body.match(LEAK)?.[0]}`);
      }
      const isJson = (reply.headers['content-type'] ?? '').includes('application/json');
      if (isJson && reply.status >= 400 && req.method !== 'HEAD') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(reply.body);
        } catch {
          report.violations.push(`invalid JSON error body for ${describeRequest(req)}`);
          continue;
        }
        // Requests Node's HTTP parser refuses (431, malformed framing) never reach the app, and answer in the same
        // shape all the same.
        if (!errorBody.Check(parsed) || !ERROR_CODES.includes((parsed as ErrorBody).error.code)) {
          report.violations.push(`error body outside the contract for ${describeRequest(req)}: ${reply.body.slice(0, 200)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
