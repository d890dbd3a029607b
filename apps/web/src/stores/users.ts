import type { UserListItem } from '@parley/protocol';
import { create } from 'zustand';
import { ApiError, usersApi } from '../api/endpoints';

export interface UsersState {
  users: UserListItem[];
  status: 'idle' | 'loading' | 'ready' | 'error';
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
    useUsersStore.setState({ status: 'error', error: error instanceof ApiError ? error : new ApiError(0, 'NETWORK', String(error)) });
  }
}

let reloadTimer: ReturnType<typeof setTimeout> | undefined;

/** A `presence` event. Someone we have never seen (they registered after we loaded the list) triggers a reload. */
export function setPresence(userId: string, online: boolean): void {
  const { users, status } = useUsersStore.getState();
  if (users.some((u) => u.id === userId)) {
    useUsersStore.setState({ users: users.map((u) => (u.id === userId ? { ...u, online } : u)) });
    return;
  }
  if (status === 'ready' || status === 'error') {
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

/** Case-insensitive substring match on the username; presence order is left to the server's sort. */
export function filterUsers(users: readonly UserListItem[], filter: string): UserListItem[] {
  const needle = filter.trim().toLowerCase();
  return needle ? users.filter((u) => u.username.toLowerCase().includes(needle)) : [...users];
}
