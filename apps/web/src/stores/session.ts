import type { UserDto } from '@parley/protocol';
import { create } from 'zustand';
import { ApiError, authApi, configureAuth, usersApi } from '../api/endpoints';

export type SessionState =
  | { status: 'anonymous'; expired: boolean }
  | { status: 'authenticated'; token: string; expiresAt: string; user: UserDto | null };

const STORAGE_KEY = 'parley.session';

interface StoredSession {
  token: string;
  expiresAt: string;
}

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const { token, expiresAt } = value as Record<string, unknown>;
    if (typeof token !== 'string' || typeof expiresAt !== 'string') return null;
    const expires = Date.parse(expiresAt);
    if (!Number.isFinite(expires) || expires <= Date.now()) return null;
    return { token, expiresAt };
  } catch {
    return null;
  }
}

function writeStored(session: StoredSession | null): void {
  try {
    if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // No storage (private mode): the session lasts until the tab closes.
  }
}

export const useSessionStore = create<SessionState>(() => ({ status: 'anonymous', expired: false }));

export function sessionToken(): string | null {
  const s = useSessionStore.getState();
  return s.status === 'authenticated' ? s.token : null;
}

let expiryTimer: ReturnType<typeof setTimeout> | undefined;
/** setTimeout overflows past ~24.8 days; re-arm in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function armExpiry(expiresAt: string): void {
  clearTimeout(expiryTimer);
  const remaining = Date.parse(expiresAt) - Date.now();
  if (remaining <= 0) {
    logout({ expired: true });
    return;
  }
  expiryTimer = setTimeout(() => armExpiry(expiresAt), Math.min(remaining, MAX_TIMER_MS));
}

const logoutListeners = new Set<() => void | Promise<void>>();

/** Run before the token is dropped (the call controller hangs up while it still can). */
export function onBeforeLogout(listener: () => void | Promise<void>): () => void {
  logoutListeners.add(listener);
  return () => logoutListeners.delete(listener);
}

function begin(session: StoredSession): void {
  useSessionStore.setState({ status: 'authenticated', token: session.token, expiresAt: session.expiresAt, user: null });
  armExpiry(session.expiresAt);
  void usersApi
    .me()
    .then((user) => {
      const s = useSessionStore.getState();
      if (s.status === 'authenticated' && s.token === session.token) useSessionStore.setState({ ...s, user });
    })
    .catch((error: unknown) => {
      // 401 already logged us out through the API's unauthorized hook.
      if (!(error instanceof ApiError && error.status === 401)) console.warn('[session] could not load the profile', error);
    });
}

/**
 * Pick up a session from a previous page load, if its token has not expired. The WebSocket is not this module's
 * business: it lives in the logged-in part of the app (loaded lazily), which follows this store.
 */
export function restoreSession(): void {
  configureAuth({ token: sessionToken, onUnauthorized: () => void logout({ expired: true }) });
  const stored = readStored();
  if (stored) begin(stored);
  else writeStored(null);
}

export async function login(username: string, password: string): Promise<void> {
  const { accessToken, expiresAt } = await authApi.login({ username, password });
  const session = { token: accessToken, expiresAt };
  writeStored(session);
  begin(session);
}

/** Create the account, then log straight in. */
export async function register(username: string, password: string): Promise<void> {
  await authApi.register({ username, password });
  await login(username, password);
}

/** The password changed: this session goes on with the fresh token the server handed out (every other one ended). */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  const { accessToken, expiresAt } = await authApi.changePassword({ currentPassword, newPassword });
  const s = useSessionStore.getState();
  if (s.status !== 'authenticated') return;
  writeStored({ token: accessToken, expiresAt });
  useSessionStore.setState({ ...s, token: accessToken, expiresAt });
  armExpiry(expiresAt);
}

/** Deletes the account (the server ends the live call and every session), then forgets the session here. */
export async function deleteAccount(password: string): Promise<void> {
  await usersApi.deleteMe({ password });
  await logout({ ended: true });
}

let loggingOut = false;

/**
 * Leaves the session: hangs up first, then ends it on the server (its token is refused from then on, everywhere)
 * unless it already ended there (`expired`: refused or timed out; `ended`: the account was deleted), then forgets it.
 */
export async function logout(options: { expired?: boolean; ended?: boolean } = {}): Promise<void> {
  if (useSessionStore.getState().status !== 'authenticated' || loggingOut) return;
  loggingOut = true;
  try {
    if (!options.expired) {
      for (const listener of [...logoutListeners]) {
        try {
          await listener();
        } catch (error) {
          console.warn('[session] logout listener failed', error);
        }
      }
    }
    if (!options.expired && !options.ended) {
      // Best effort: offline, the token is still forgotten here and expires on its own.
      await authApi.logout().catch((error: unknown) => console.warn('[session] the server did not end the session', error));
    }
    clearTimeout(expiryTimer);
    writeStored(null);
    useSessionStore.setState({ status: 'anonymous', expired: options.expired ?? false }, true);
  } finally {
    loggingOut = false;
  }
}
