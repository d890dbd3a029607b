import { CLOSE_CODES } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, Client, createUser, endpointOf, sleep, type Endpoint } from './helpers/clients.js';
import { startCluster } from './helpers/setup.js';

/** Per IP and route, per minute: low enough to reach in a test, high enough for the other cases' requests. */
const AUTH_PER_IP = 40;
const LOGIN_FAILURES = 10;
const SOCKETS_PER_USER = 10;
/** Per user and route, per minute: every signed-in route without a limit of its own (API_RATE_LIMIT_PER_MINUTE). */
const API_PER_USER = 12;

/**
 * The limits hold for the cluster, not per node: whichever node a request reaches, N nodes allow what one would.
 * Requests go to the nodes directly (not through nginx) so each case chooses the node; each case comes from a
 * client address of its own (X-Forwarded-For, which the nodes trust from loopback) so the per-IP limit of one
 * case does not spill into another.
 */
describe('limits across 3 nodes', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let at: Endpoint[];
  const node = (i: number): Endpoint => at[i % at.length]!;
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const login = (where: Endpoint, ip: string, username: string, password: string) =>
    api(where, 'POST', '/auth/login', { headers: from(ip), body: { username, password } });

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: 3,
      env: {
        AUTH_RATE_LIMIT_PER_MINUTE: String(AUTH_PER_IP),
        LOGIN_FAILURES_PER_USERNAME: String(LOGIN_FAILURES),
        WS_MAX_CONNECTIONS_PER_USER: String(SOCKETS_PER_USER),
        API_RATE_LIMIT_PER_MINUTE: String(API_PER_USER),
      },
    });
    at = cluster.nodes.map((n) => endpointOf(n.url));
  });
  afterAll(async () => cluster?.done());

  it('refuses the 11th login for a username, and then the right password too, on every node, after 10 failures spread over them', async () => {
    const user = await createUser(node(0));
    for (let i = 0; i < LOGIN_FAILURES; i += 1) {
      expect((await login(node(i), '198.51.100.1', user.username, 'wrong-password-1')).status, `failure ${i + 1}`).toBe(401);
    }
    for (let i = 0; i < at.length; i += 1) {
      const wrong = await login(node(i), '198.51.100.1', user.username, 'wrong-password-1');
      expect(wrong.status, `wrong password on node ${i + 1}`).toBe(429);
      expect(wrong.body.error.code).toBe('RATE_LIMITED');
      // The username is spelled in another case: the same account, the same count.
      expect((await login(node(i), '198.51.100.1', user.username.toUpperCase(), user.password)).status, `right password on node ${i + 1}`).toBe(429);
    }
  });

  it('verifies at most 10 of many wrong guesses sent at once to every node, and refuses the rest', async () => {
    const user = await createUser(node(1));
    const GUESSES = 30;
    const answers = await Promise.all(Array.from({ length: GUESSES }, (_, i) => login(node(i), '198.51.100.2', user.username, `guess-${i}-password`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(GUESSES - LOGIN_FAILURES);
    for (let i = 0; i < at.length; i += 1) expect((await login(node(i), '198.51.100.2', user.username, user.password)).status).toBe(429);
  });

  it('counts one address’s auth requests on every node together', async () => {
    const ip = '198.51.100.3';
    // Malformed bodies: counted (the limit runs before validation) without touching any username's count.
    const malformed = (where: Endpoint, address: string) => api(where, 'POST', '/auth/login', { headers: from(address), body: { username: 'nobody' } });
    for (let i = 0; i < AUTH_PER_IP; i += 1) expect((await malformed(node(i), ip)).status, `request ${i + 1}`).toBe(400);
    for (let i = 0; i < at.length; i += 1) {
      const refused = await malformed(node(i), ip);
      expect(refused.status, `over the limit on node ${i + 1}`).toBe(429);
      expect(refused.body.error.code).toBe('RATE_LIMITED');
    }
    // Another address, and another route for the same one, have counts of their own.
    expect((await malformed(node(0), '198.51.100.4')).status).toBe(400);
    expect((await api(node(0), 'POST', '/auth/register', { headers: from(ip), body: {} })).status).toBe(400);
  });

  it('counts a user’s requests to a signed-in route on every node together, and only that user’s, only that route’s', async () => {
    const [user, other] = await Promise.all([createUser(node(0)), createUser(node(1))]);
    for (let i = 0; i < API_PER_USER; i += 1) expect((await api(node(i), 'GET', '/users/me', { token: user.token })).status, `request ${i + 1}`).toBe(200);
    for (let i = 0; i < at.length; i += 1) {
      const refused = await api(node(i), 'GET', '/users/me', { token: user.token });
      expect([refused.status, refused.body.error?.code], `over the limit on node ${i + 1}`).toEqual([429, 'RATE_LIMITED']);
    }
    expect((await api(node(0), 'GET', '/users/me', { token: other.token })).status).toBe(200);
    expect((await api(node(0), 'GET', '/blocks', { token: user.token })).status).toBe(200);
  });

  it('refuses a user’s 11th socket whichever node it reaches, and takes one again once one closes', async () => {
    const user = await createUser(node(2));
    const open: Client[] = [];
    try {
      for (let i = 0; i < SOCKETS_PER_USER; i += 1) open.push(await Client.connect(node(i), user));
      expect(new Set(open.map((c) => c.node)).size).toBe(at.length);
      for (let i = 0; i < at.length; i += 1) {
        const attempt = await Client.attempt(node(i), user);
        if (attempt.ok) open.push(attempt.client);
        expect(attempt, `11th socket on node ${i + 1}`).toEqual({ ok: false, code: CLOSE_CODES.TOO_MANY_CONNECTIONS });
      }
      open.shift()?.close();
      // The closed socket leaves the directory shortly after it closes: retry until it has.
      const started = Date.now();
      for (;;) {
        const attempt = await Client.attempt(node(1), user);
        if (attempt.ok) {
          open.push(attempt.client);
          break;
        }
        if (Date.now() - started > 15_000) throw new Error('a closed socket never freed its place');
        await sleep(100);
      }
    } finally {
      for (const client of open) client.close();
    }
  });
});
