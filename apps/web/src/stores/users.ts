import type { UserListItem } from '@parley/protocol';
import { create } from 'zustand';
import { asApiError, usersApi, type ApiError } from '../api/endpoints';
import type { LoadStatus } from './load';

export interface UsersState {
  users: UserListItem[];
  status: LoadStatus;
  error: ApiError | null;
  filter: string;
}

export const useUsersStore = create<UsersState>(() => ({ users: [], status: 'idle', error: null, filter: '' }));

let inflight: AbortController | null = null;

export async function loadUsers(): Promise<void> {
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  useUsersStore.setState((s) => ({ status: s.status === 'ready' ? 'ready' : 'loading' }));
  try {
    const users = await usersApi.list(undefined, controller.signal);
    if (inflight === controller) useUsersStore.setState({ users, status: 'ready', error: null });
  } catch (error) {
    if (controller.signal.aborted) return;
    useUsersStore.setState({ status: 'error', error: asApiError(error) });
  }
}

let reloadTimer: ReturnType<typeof setTimeout> | undefined;

export interface PresenceChanges {
  online: readonly string[];
  offline: readonly string[];
}

/**
 * The list with a `presence` batch applied, and whether it named someone the list does not have (they registered
 * after we loaded it). Our own id is never in the list and is not news.
 */
export function applyPresence(
  users: readonly UserListItem[],
  changes: PresenceChanges,
  selfId: string | undefined,
): { users: UserListItem[]; unknown: boolean } {
  const next = new Map<string, boolean>();
  for (const id of changes.online) next.set(id, true);
  for (const id of changes.offline) next.set(id, false);
  if (selfId !== undefined) next.delete(selfId);
  const updated = users.map((u) => {
    const online = next.get(u.id);
    if (online === undefined) return u;
    next.delete(u.id);
    return online === u.online ? u : { ...u, online };
  });
  return { users: updated, unknown: next.size > 0 };
}

/** A `presence` batch. Someone we have never seen triggers a (debounced) reload of the list. */
export function setPresence(changes: PresenceChanges, selfId: string | undefined): void {
  const { users, status } = useUsersStore.getState();
  const applied = applyPresence(users, changes, selfId);
  if (applied.users.some((u, i) => u !== users[i])) useUsersStore.setState({ users: applied.users });
  if (applied.unknown && (status === 'ready' || status === 'error')) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void loadUsers(), 200);
  }
}

export function setUserFilter(filter: string): void {
  useUsersStore.setState({ filter });
}

export function resetUsers(): void {
  inflight?.abort();
  inflight = null;
  useUsersStore.setState({ users: [], status: 'idle', error: null, filter: '' });
}

/**
 * The people list as shown: a case-insensitive substring match on the username, online people first (a call to
 * them rings at once), each group in the server's order.
 */
export function filterUsers(users: readonly UserListItem[], filter: string): UserListItem[] {
  const needle = filter.trim().toLowerCase();
  const shown = needle ? users.filter((u) => u.username.toLowerCase().includes(needle)) : [...users];
  // Array.prototype.sort is stable: within each group the server's order stays.
  return shown.sort((a, b) => Number(b.online) - Number(a.online));
}
