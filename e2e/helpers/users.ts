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

/** Register a fresh user straight through the REST API. */
export async function registerUser(request: APIRequestContext, prefix: string): Promise<TestUser> {
  const username = uniqueName(prefix);
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const response = await request.post('/api/v1/auth/register', { data: { username, password } });
  expect(response.status(), await response.text()).toBe(201);
  const user = (await response.json()) as UserDto;
  return { ...user, password };
}
