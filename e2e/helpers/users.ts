import { expect, type APIRequestContext } from '@playwright/test';
import type { UserDto } from '@parley/protocol';
import { randomBytes } from 'node:crypto';

export interface TestUser extends UserDto {
  password: string;
}

/** A unique, valid username (3–32 of [A-Za-z0-9_.-]) that says which test made it. */
export function uniqueName(prefix: string): string {
  return `${prefix.slice(0, 12)}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Register a fresh user straight through the REST API, named `prefix_<unique>`; with `exactName` the name is
 * `prefix` itself when it is still free (for screenshots).
 */
export async function registerUser(request: APIRequestContext, prefix: string, exactName = false): Promise<TestUser> {
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const attempt = (username: string) => request.post('/api/v1/auth/register', { data: { username, password } });
  let response = await attempt(exactName ? prefix : uniqueName(prefix));
  if (exactName && response.status() === 409) response = await attempt(uniqueName(prefix));
  expect(response.status(), await response.text()).toBe(201);
  const user = (await response.json()) as UserDto;
  return { ...user, password };
}
