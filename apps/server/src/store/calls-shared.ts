import type { CallRecord } from './types.js';

/** The call that keeps a new one from ringing: the callee ringing the caller, else the caller's, else the callee's. */
export function pickBlocking(live: readonly CallRecord[], callerId: string, calleeId: string): CallRecord | undefined {
  return (
    live.find((c) => c.callerId === calleeId && c.calleeId === callerId) ??
    live.find((c) => c.callerId === callerId || c.calleeId === callerId) ??
    live[0]
  );
}

/** A node's connection ids are `<node>.<uuid>`: a LIKE pattern for all of them (node ids are hex). */
export const nodeConnPattern = (nodeId: string) => `${nodeId}.%`;

/** `ids` in slices of at most 1000, so an `in (…)` list stays within every driver's parameter limit. */
export function* chunks<T>(ids: readonly T[], size = 1000): Generator<T[]> {
  for (let start = 0; start < ids.length; start += size) yield ids.slice(start, start + size);
}
/** Adds (blocker, blocked) rows to a blocker → blocked ids map. */
export function groupBlocked(into: Map<string, string[]>, rows: readonly { blocker: string; blocked: string }[]): void {
  for (const { blocker, blocked } of rows) {
    const list = into.get(blocker);
    if (list === undefined) into.set(blocker, [blocked]);
    else list.push(blocked);
  }
}
