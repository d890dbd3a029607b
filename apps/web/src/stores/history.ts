import { LIMITS, type CallHistoryItem } from '@parley/protocol';
import { create } from 'zustand';
import { asApiError, callsApi, type ApiError } from '../api/endpoints';
import type { LoadStatus } from './load';

export interface HistoryState {
  items: CallHistoryItem[];
  status: LoadStatus;
  error: ApiError | null;
  /** The last page was full, so there may be older calls. */
  hasMore: boolean;
}

export const useHistoryStore = create<HistoryState>(() => ({ items: [], status: 'idle', error: null, hasMore: false }));

const PAGE = LIMITS.historyDefaultLimit;

export async function loadHistory(): Promise<void> {
  useHistoryStore.setState((s) => ({ status: s.status === 'ready' ? 'ready' : 'loading' }));
  try {
    const items = await callsApi.history({ limit: PAGE });
    useHistoryStore.setState({ items, status: 'ready', error: null, hasMore: items.length === PAGE });
  } catch (error) {
    useHistoryStore.setState({ status: 'error', error: asApiError(error) });
  }
}

export async function loadMoreHistory(): Promise<void> {
  const { items } = useHistoryStore.getState();
  const last = items[items.length - 1];
  if (!last) return loadHistory();
  try {
    const older = await callsApi.history({ limit: PAGE, before: last.createdAt });
    useHistoryStore.setState((s) => ({ items: [...s.items, ...older], hasMore: older.length === PAGE, error: null }));
  } catch (error) {
    useHistoryStore.setState({ error: asApiError(error) });
  }
}

export function resetHistory(): void {
  useHistoryStore.setState({ items: [], status: 'idle', error: null, hasMore: false });
}
