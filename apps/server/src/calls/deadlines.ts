import type { CallRole } from '@parley/protocol';
import type { LiveCall } from './live-calls.js';

/** A deadline stored with a call: its ring running out, or a side's reconnect grace. */
export type Deadline = { kind: 'ring' } | { kind: 'grace'; role: CallRole };

const keyOf = (callId: string, deadline: Deadline) => (deadline.kind === 'ring' ? `${callId}:ring` : `${callId}:grace:${deadline.role}`);

/**
 * Precise local timers for the deadlines this node set. They are an optimisation, not the guarantee: the deadline
 * is in the call's row, and in a cluster every node sweeps for overdue rows, so a deadline still fires when the
 * node that set it has died. Firing is a conditional write either way, so a timer and a sweep that race are
 * harmless: one of them ends the call, the other finds nothing to do.
 */
export class Deadlines {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  private stopped = false;

  constructor(private readonly fire: (callId: string, deadline: Deadline, at: number) => void) {}

  arm(callId: string, deadline: Deadline, at: number): void {
    if (this.stopped) return;
    const key = keyOf(callId, deadline);
    const existing = this.timers.get(key);
    if (existing?.at === at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.fire(callId, deadline, at);
    }, Math.max(0, at - Date.now()));
    this.timers.set(key, { timer, at });
  }

  /** Drops the timers of `call` whose deadline its newest copy no longer has (or all of them for an ended call). */
  sync(callId: string, call: LiveCall | undefined): void {
    const wanted: [Deadline, number | null][] = [
      [{ kind: 'ring' }, call?.status === 'created' ? call.ringExpiresAt : null],
      [{ kind: 'grace', role: 'caller' }, call?.awayUntil.caller ?? null],
      [{ kind: 'grace', role: 'callee' }, call?.awayUntil.callee ?? null],
    ];
    for (const [deadline, at] of wanted) {
      const key = keyOf(callId, deadline);
      const existing = this.timers.get(key);
      if (existing !== undefined && existing.at !== at) {
        clearTimeout(existing.timer);
        this.timers.delete(key);
      }
    }
  }

  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
