import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configureAuth } from '../../src/api/endpoints';
import { blockUser, isBlocked, loadBlocks, resetBlocks, unblockUser, useBlocksStore } from '../../src/stores/blocks';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = '2026-11-26T10:00:00.000Z';

function answer(status: number, body?: unknown): void {
  vi.stubGlobal('fetch', async () =>
    body === undefined ? new Response(null, { status }) : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );
}

beforeEach(() => {
  configureAuth({ token: () => 'the.token', onUnauthorized: () => undefined });
  resetBlocks();
});
afterEach(() => vi.unstubAllGlobals());

describe('the blocked people', () => {
  it('load from GET /blocks', async () => {
    answer(200, [{ id: id(1), username: 'mallory', blockedAt: at }]);
    await loadBlocks();
    expect(useBlocksStore.getState()).toMatchObject({ status: 'ready', blocked: [{ id: id(1), username: 'mallory' }] });
  });

  it('show a block at once, sorted by name, and an unblock at once', async () => {
    answer(204);
    await blockUser({ id: id(2), username: 'zed' });
    await blockUser({ id: id(1), username: 'Mallory' });
    expect(useBlocksStore.getState().blocked.map((b) => b.username)).toEqual(['Mallory', 'zed']);
    expect(isBlocked(useBlocksStore.getState().blocked, id(2))).toBe(true);
    await unblockUser(id(2));
    expect(isBlocked(useBlocksStore.getState().blocked, id(2))).toBe(false);
  });

  it('take a refused block or unblock back, and say why', async () => {
    answer(404, { error: { code: 'USER_NOT_FOUND', message: 'No such user' } });
    await blockUser({ id: id(3), username: 'gone' });
    expect(useBlocksStore.getState()).toMatchObject({ blocked: [], error: { code: 'USER_NOT_FOUND' } });
    answer(204);
    await blockUser({ id: id(1), username: 'mallory' });
    answer(500, { error: { code: 'INTERNAL_ERROR', message: 'Internal error' } });
    await unblockUser(id(1));
    expect(useBlocksStore.getState()).toMatchObject({ blocked: [{ id: id(1) }], error: { code: 'INTERNAL_ERROR' } });
  });
});
