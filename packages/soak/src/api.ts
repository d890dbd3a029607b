/** The REST calls the soak makes, with plain fetch (keep-alive) against a server's `/api/v1`. */

export interface Account {
  id: string;
  username: string;
  password: string;
  token: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: ${status} ${JSON.stringify(body)}`);
  }
}

export async function api<T = unknown>(apiUrl: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${apiUrl}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T };
}

/** Every username `GET /users` lists to `token`, page after page (the API answers at most 100 a page). */
export async function listAllUsernames(apiUrl: string, token: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (let after = ''; ; ) {
    const query = new URLSearchParams({ limit: '100', ...(after ? { after } : {}) });
    const page = await api<{ username: string }[]>(apiUrl, 'GET', `/users?${query.toString()}`, { token });
    if (page.status !== 200) throw new ApiError(page.status, page.body, 'listing users');
    for (const user of page.body) names.add(user.username);
    const last = page.body.at(-1);
    if (page.body.length < 100 || last === undefined) return names;
    after = last.username;
  }
}

export async function register(apiUrl: string, username: string, password: string): Promise<string> {
  const res = await api<{ id: string }>(apiUrl, 'POST', '/auth/register', { body: { username, password } });
  if (res.status !== 201) throw new ApiError(res.status, res.body, `register ${username}`);
  return res.body.id;
}

export async function login(apiUrl: string, username: string, password: string): Promise<string> {
  const res = await api<{ accessToken: string }>(apiUrl, 'POST', '/auth/login', { body: { username, password } });
  if (res.status !== 200) throw new ApiError(res.status, res.body, `login ${username}`);
  return res.body.accessToken;
}

export async function createAccount(apiUrl: string, username: string): Promise<Account> {
  const password = `soak-${username}-password`;
  const id = await register(apiUrl, username, password);
  return { id, username, password, token: await login(apiUrl, username, password) };
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function createAccounts(apiUrl: string, prefix: string, count: number, concurrency = 16): Promise<Account[]> {
  return mapLimit(
    Array.from({ length: count }, (_, i) => `${prefix}${i}`),
    concurrency,
    (name) => createAccount(apiUrl, name),
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
