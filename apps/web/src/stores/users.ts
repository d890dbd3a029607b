import { LIMITS, type UserListItem } from '@parley/protocol';
import { create } from 'zustand';
import { asApiError, usersApi, type ApiError } from '../api/endpoints';
import type { SignalingPort } from '../signaling/client';
import type { LoadStatus } from './load';

export interface UsersState {
  /** The pages loaded so far, in the server's order (by name), for the search `query` they were loaded for. */
  users: UserListItem[];
  status: LoadStatus;
  error: ApiError | null;
  /** What the search box says. */
  filter: string;
  /** The last page was full, so the server may have more. */
  hasMore: boolean;
  loadingMore: boolean;
}

export const useUsersStore = create<UsersState>(() => ({ users: [], status: 'idle', error: null, filter: '', hasMore: false, loadingMore: false }));

/** `GET /users` pages (and is rate limited): the list loads a page at a time, the largest, on scroll or search. */
export const USERS_PAGE = LIMITS.userListMaxLimit;
/** Typing in the search box asks the server once the typing pauses this long. */
export const SEARCH_DEBOUNCE_MS = 300;

let inflight: AbortController | null = null;
/**
 * Presence heard while a page request was on its way. The server read the page at some moment before answering, and
 * a presence batch is the latest state of each user it names, so what was heard meanwhile is laid over the page:
 * without it, someone who came online while the list was being read would stay "offline" until the next change.
 */
let heardWhileLoading = new Map<string, boolean>();
/** The server-side prefix the loaded pages answer (the trimmed filter when it was last searched). */
let loadedQuery = '';

function startRequest(): AbortController {
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  heardWhileLoading = new Map();
  return controller;
}

/** `page` as the server read it, with the presence heard since the request left. Ends the request. */
function settled(page: readonly UserListItem[]): UserListItem[] {
  inflight = null;
  return page.map((u) => {
    const online = heardWhileLoading.get(u.id);
    return online === undefined || online === u.online ? u : { ...u, online };
  });
}

/** The first page, for what the search box says now (a prefix search on the server). */
export async function loadUsers(): Promise<void> {
  const controller = startRequest();
  const query = useUsersStore.getState().filter.trim();
  useUsersStore.setState((s) => ({ status: s.status === 'ready' ? 'ready' : 'loading', loadingMore: false }));
  try {
    const page = await usersApi.list({ q: query || undefined, limit: USERS_PAGE }, controller.signal);
    if (inflight !== controller) return;
    loadedQuery = query;
    useUsersStore.setState({ users: settled(page), status: 'ready', error: null, hasMore: page.length === USERS_PAGE });
  } catch (error) {
    if (controller.signal.aborted) return;
    inflight = null;
    useUsersStore.setState({ status: 'error', error: asApiError(error) });
  }
}

/** The next page after the last user loaded (the list scrolled to its end). Does nothing while one loads. */
export async function loadMoreUsers(): Promise<void> {
  const { users, hasMore, loadingMore, status } = useUsersStore.getState();
  const last = users.at(-1);
  if (!hasMore || loadingMore || status !== 'ready' || last === undefined) return;
  const controller = startRequest();
  useUsersStore.setState({ loadingMore: true });
  try {
    const page = await usersApi.list({ q: loadedQuery || undefined, limit: USERS_PAGE, after: last.username }, controller.signal);
    if (inflight !== controller) return;
    const more = settled(page);
    useUsersStore.setState((s) => {
      const known = new Set(s.users.map((u) => u.id));
      return { users: [...s.users, ...more.filter((u) => !known.has(u.id))], hasMore: page.length === USERS_PAGE, loadingMore: false, error: null };
    });
  } catch (error) {
    if (controller.signal.aborted) return;
    inflight = null;
    useUsersStore.setState({ loadingMore: false, error: asApiError(error) });
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

/**
 * A `presence` batch. Someone we have never seen triggers a (debounced) reload of the list, but only once every
 * page is loaded: before that, most people are simply on pages not loaded yet, and they come with their state.
 */
export function setPresence(changes: PresenceChanges, selfId: string | undefined): void {
  if (inflight !== null) {
    for (const id of changes.online) heardWhileLoading.set(id, true);
    for (const id of changes.offline) heardWhileLoading.set(id, false);
  }
  const { users, status, hasMore } = useUsersStore.getState();
  const applied = applyPresence(users, changes, selfId);
  if (applied.users.some((u, i) => u !== users[i])) useUsersStore.setState({ users: applied.users });
  if (applied.unknown && !hasMore && (status === 'ready' || status === 'error')) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void loadUsers(), 200);
  }
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The search box changed: what is loaded is filtered at once, and the server is asked for the matching first page
 * once typing pauses (the loaded pages may not hold every match).
 */
export function setUserFilter(filter: string): void {
  useUsersStore.setState({ filter });
  clearTimeout(searchTimer);
  if (filter.trim() === loadedQuery) return;
  searchTimer = setTimeout(() => void loadUsers(), SEARCH_DEBOUNCE_MS);
}

export function resetUsers(): void {
  inflight?.abort();
  inflight = null;
  loadedQuery = '';
  clearTimeout(searchTimer);
  clearTimeout(reloadTimer);
  useUsersStore.setState({ users: [], status: 'idle', error: null, filter: '', hasMore: false, loadingMore: false });
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

/**
 * Presence comes as changes, so a socket that was not open when one was sent never hears it: the first socket of a
 * page may open after the list was read (someone who came online in between stays "offline"), and a socket that
 * comes back after a blip missed everything meanwhile. Each time a socket opens, a list already shown is read again.
 * Returns the unsubscribe function.
 */
export function refreshUsersOnConnect(signaling: Pick<SignalingPort, 'onStatus'>): () => void {
  return signaling.onStatus((status) => {
    if (status.state === 'open' && useUsersStore.getState().status !== 'idle') void loadUsers();
  });
}
