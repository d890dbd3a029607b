import { badTokens, discoverRoutes, routesFromTree, runHttpFuzz } from '@parley/testkit';
import { describe, expect, it } from 'vitest';
import { createUser, request } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';

describe('HTTP fuzzing', () => {
  it('finds every route the server has (so the fuzzer and `pnpm soak` miss none)', async () => {
    const server = await startServer({ METRICS_TOKEN: 'metrics-token-for-fuzz-tests-0123456789' });
    const discovered = await discoverRoutes(server.baseUrl);
    const actual = routesFromTree(server.app.printRoutes({ commonPrefix: false }));
    expect(actual.length).toBeGreaterThan(10);
    const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
    const known = new Set(discovered.map(key));
    for (const route of actual) expect(known, key(route)).toContain(key(route));
  });

  it('answers 2,000 hostile requests over every route without a 5xx, a stack trace or prototype pollution', async () => {
    const server = await startServer({
      LOG_LEVEL: 'warn',
      METRICS_TOKEN: 'metrics-token-for-fuzz-tests-0123456789',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
      LOGIN_FAILURES_PER_USERNAME: '1000000',
      CALLS_RATE_LIMIT_PER_MINUTE: '1000000',
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      RINGS_PER_PAIR: '1000000',
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_TIME_COST: '1',
    });
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const [user, other] = await Promise.all([createUser(server), createUser(server)]);
    const forged = badTokens(server.config.jwtSecret, user.id, other.id);
    // Logging out would end the valid token's session within the first few requests and leave the rest of the run
    // with nothing but 401s; it is fuzzed by the refusals of the other tokens through every other route's auth.
    const routes = (await discoverRoutes(server.baseUrl)).filter((route) => route.path !== '/api/v1/auth/logout');

    const report = await runHttpFuzz({
      baseUrl: server.baseUrl,
      routes,
      tokens: { valid: user.token, others: [other.token, forged['alg-none']!, forged.expired!, forged['other-secret']!] },
      requests: 2000,
      seed: 20261126,
    });

    expect(report.violations.slice(0, 10)).toEqual([]);
    expect(report.requests).toBe(2000);
    for (const status of Object.keys(report.byStatus)) expect(Number(status)).toBeLessThan(500);
    // The run reached the handlers, the validators and the parsers, not just the 404 handler.
    // 431s come from Node's HTTP parser, before routing: they too must have the one error body.
    for (const status of [200, 400, 401, 404, 413, 431]) expect(report.byStatus[status], `status ${status}`).toBeGreaterThan(0);

    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(server.logs.join('')).not.toContain('"level":50');
    // Still serving.
    expect((await request(server, 'GET', '/users/me', { token: user.token })).status).toBe(200);
    console.log(`http fuzz: ${report.requests} requests in ${report.durationMs} ms`, report.byStatus, report.networkErrors);
  }, 60_000);
});
