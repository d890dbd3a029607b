import type { UserListItem } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configureAuth } from '../../src/api/endpoints';
import { loadMoreUsers, loadUsers, refreshUsersOnConnect, resetUsers, SEARCH_DEBOUNCE_MS, setPresence, setUserFilter, USERS_PAGE, useUsersStore } from '../../src/stores/users';
import { FakeSignaling } from '../helpers/fakeSignaling';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const name = (n: number) => `user${String(n).padStart(4, '0')}`;
const everyone: UserListItem[] = Array.from({ length: USERS_PAGE * 2 + 7 }, (_, i) => ({ id: id(i), username: name(i), online: false }));

/** A fake `GET /users` over `everyone`, paged by `limit`/`after` and filtered by the `q` prefix like the server. */
function fakeServer(): URL[] {
  const asked: URL[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    const parsed = new URL(url, 'http://parley.test');
    asked.push(parsed);
    const q = parsed.searchParams.get('q')?.toLowerCase() ?? '';
    const after = parsed.searchParams.get('after')?.toLowerCase();
    const limit = Number(parsed.searchParams.get('limit'));
    const page = everyone.filter((u) => u.username.startsWith(q) && (after === undefined || u.username > after)).slice(0, limit);
    return new Response(JSON.stringify(page), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return asked;
}

beforeEach(() => {
  configureAuth({ token: () => 'the.token', onUnauthorized: () => undefined });
  resetUsers();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('the people list in pages', () => {
  it('loads one page, then the next ones on demand, each user once, until a short page ends it', async () => {
    const asked = fakeServer();
    await loadUsers();
    expect(useUsersStore.getState()).toMatchObject({ status: 'ready', hasMore: true });
    expect(useUsersStore.getState().users).toHaveLength(USERS_PAGE);
    await loadMoreUsers();
    await loadMoreUsers();
    const { users, hasMore } = useUsersStore.getState();
    expect(hasMore).toBe(false);
    expect(users.map((u) => u.username)).toEqual(everyone.map((u) => u.username));
    expect(asked.map((u) => u.searchParams.get('after'))).toEqual([null, name(USERS_PAGE - 1), name(USERS_PAGE * 2 - 1)]);
    // Nothing more to ask for.
    await loadMoreUsers();
    expect(asked).toHaveLength(3);
  });

  it('asks once for two scroll events that come together', async () => {
    const asked = fakeServer();
    await loadUsers();
    await Promise.all([loadMoreUsers(), loadMoreUsers()]);
    expect(asked).toHaveLength(2);
    expect(useUsersStore.getState().users).toHaveLength(USERS_PAGE * 2);
  });

  it('searches the server once typing pauses, and pages the search', async () => {
    vi.useFakeTimers();
    const asked = fakeServer();
    await loadUsers();
    setUserFilter('u');
    setUserFilter('user01');
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS + 10);
    expect(asked.map((u) => u.searchParams.get('q'))).toEqual([null, 'user01']);
    expect(useUsersStore.getState().users.map((u) => u.username)).toEqual(everyone.slice(100, 200).map((u) => u.username));
    await loadMoreUsers();
    expect(asked.at(-1)?.searchParams.get('q')).toBe('user01');
    expect(useUsersStore.getState().hasMore).toBe(false);
  });

  it('does not reload for presence of people on pages not loaded yet', async () => {
    vi.useFakeTimers();
    const asked = fakeServer();
    await loadUsers();
    setPresence({ online: [id(USERS_PAGE + 3)], offline: [] }, undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(asked).toHaveLength(1);
  });
});

describe('the people list and the signaling socket', () => {
  it('is read again each time a socket opens once it is shown (presence sent while no socket was open is not lost)', async () => {
    const asked = fakeServer();
    const signaling = new FakeSignaling();
    const stop = refreshUsersOnConnect(signaling);
    // Not shown yet: a socket opening reads nothing.
    signaling.drop();
    signaling.reconnect();
    expect(asked).toHaveLength(0);
    await loadUsers();
    expect(asked).toHaveLength(1);
    // Someone came online while our socket was away: the list as the server has it now is read.
    everyone[0] = { ...everyone[0]!, online: true };
    signaling.drop();
    expect(asked).toHaveLength(1);
    signaling.reconnect();
    await vi.waitFor(() => expect(useUsersStore.getState().users[0]?.online).toBe(true));
    expect(asked).toHaveLength(2);
    stop();
    signaling.drop();
    signaling.reconnect();
    expect(asked).toHaveLength(2);
    everyone[0] = { ...everyone[0]!, online: false };
  });
});

describe('the people list and presence heard while it is read', () => {
  /** A `GET /users` that reads the list when asked and answers when `answer()` is called, as a slow server would. */
  function slowServer(): { answer: () => void } {
    let answer = () => undefined as void;
    vi.stubGlobal('fetch', (url: string) => {
      const limit = Number(new URL(url, 'http://parley.test').searchParams.get('limit'));
      const page = everyone.slice(0, limit).map((u) => ({ ...u }));
      return new Promise<Response>((resolve) => {
        answer = () => resolve(new Response(JSON.stringify(page), { status: 200, headers: { 'content-type': 'application/json' } }));
      });
    });
    return { answer: () => answer() };
  }

  it('keeps someone who came online after the server read the list but before its answer arrived', async () => {
    const server = slowServer();
    const loading = loadUsers();
    // The server has read user 0 as offline; then they come online, and the presence batch overtakes the answer.
    setPresence({ online: [id(0)], offline: [id(1)] }, undefined);
    server.answer();
    await loading;
    const [first, second] = useUsersStore.getState().users;
    expect(first).toMatchObject({ id: id(0), online: true });
    expect(second).toMatchObject({ id: id(1), online: false });
    // Presence heard after the answer is applied as usual, and the next read starts from a clean slate.
    setPresence({ online: [], offline: [id(0)] }, undefined);
    expect(useUsersStore.getState().users[0]?.online).toBe(false);
    const again = loadUsers();
    server.answer();
    await again;
    expect(useUsersStore.getState().users[0]?.online).toBe(false);
  });
});

