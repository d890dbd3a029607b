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
