import type { BlockedUserDto, UserDto } from '@parley/protocol';
import { create } from 'zustand';
import { asApiError, blocksApi, type ApiError } from '../api/endpoints';
import type { LoadStatus } from './load';

export interface BlocksState {
  /** The people you blocked, by name. */
  blocked: BlockedUserDto[];
  status: LoadStatus;
  error: ApiError | null;
}

export const useBlocksStore = create<BlocksState>(() => ({ blocked: [], status: 'idle', error: null }));

const byName = (a: BlockedUserDto, b: BlockedUserDto) => a.username.toLowerCase().localeCompare(b.username.toLowerCase());

export async function loadBlocks(): Promise<void> {
  useBlocksStore.setState((s) => ({ status: s.status === 'ready' ? 'ready' : 'loading' }));
  try {
    const blocked = await blocksApi.list();
    useBlocksStore.setState({ blocked, status: 'ready', error: null });
  } catch (error) {
    useBlocksStore.setState({ status: 'error', error: asApiError(error) });
  }
}

/** Blocks `user`: shown at once, taken back if the server refuses. */
export async function blockUser(user: UserDto): Promise<void> {
  const entry: BlockedUserDto = { ...user, blockedAt: new Date().toISOString() };
  useBlocksStore.setState((s) => ({ blocked: [...s.blocked.filter((b) => b.id !== user.id), entry].sort(byName), error: null }));
  try {
    await blocksApi.block(user.id);
  } catch (error) {
    useBlocksStore.setState((s) => ({ blocked: s.blocked.filter((b) => b !== entry), error: asApiError(error) }));
  }
}

/** Unblocks `userId`: gone at once, put back if the server refuses. */
export async function unblockUser(userId: string): Promise<void> {
  const removed = useBlocksStore.getState().blocked.find((b) => b.id === userId);
  useBlocksStore.setState((s) => ({ blocked: s.blocked.filter((b) => b.id !== userId), error: null }));
  try {
    await blocksApi.unblock(userId);
  } catch (error) {
    useBlocksStore.setState((s) => ({ blocked: removed ? [...s.blocked, removed].sort(byName) : s.blocked, error: asApiError(error) }));
  }
}

export function isBlocked(blocked: readonly BlockedUserDto[], userId: string): boolean {
  return blocked.some((b) => b.id === userId);
}

export function resetBlocks(): void {
  useBlocksStore.setState({ blocked: [], status: 'idle', error: null });
}
