/** Where a list fetched from the server stands: `idle` before the first fetch; a refetch stays `ready`. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
