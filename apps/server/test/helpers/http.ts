import { randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A JSON request to the server; `body` is parsed when the answer is JSON. */
export async function request<T = any>(
  server: TestServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${server.apiUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('application/json') ? JSON.parse(text) : text;
  return { status: response.status, body: json as T, headers: response.headers };
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

let counter = 0;

/** Registers and logs in a fresh user. */
export async function createUser(server: TestServer, name?: string): Promise<TestUser> {
  counter += 1;
  const username = name ?? `user${counter}_${Math.random().toString(36).slice(2, 8)}`;
  const password = `pw-${randomBytes(8).toString('hex')}-secret`;
  const registered = await request(server, 'POST', '/auth/register', { body: { username, password } });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await request(server, 'POST', '/auth/login', { body: { username, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { id: registered.body.id, username, password, token: login.body.accessToken };
}
