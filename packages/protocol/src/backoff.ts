/**
 * Reconnect delays, in the spirit of livekit's DefaultReconnectPolicy: a short table that starts fast (a dropped
 * socket in mid-call must come back well inside the server's 10 s grace period) and is capped, so a server that is
 * down for a while is retried every ~10 s rather than ever more rarely. It is part of how a client speaks the
 * protocol, so it lives here: the browser tab and the soak's Node clients reconnect by the same table.
 */
export const BACKOFF_TABLE_MS: readonly number[] = [250, 500, 1_000, 2_000, 4_000, 8_000];
export const BACKOFF_CAP_MS = 10_000;
/** Each delay is spread ±25% so that many tabs reconnecting after a server restart do not arrive in lockstep. */
export const BACKOFF_JITTER = 0.25;

/**
 * The delay before reconnect attempt `attempt` (0 = first retry). `random` returns [0, 1) and is injectable for tests.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(0, Math.floor(attempt)), BACKOFF_TABLE_MS.length - 1);
  const base = attempt >= BACKOFF_TABLE_MS.length ? BACKOFF_CAP_MS : (BACKOFF_TABLE_MS[index] ?? BACKOFF_CAP_MS);
  const spread = base * BACKOFF_JITTER;
  const delay = base - spread + random() * 2 * spread;
  return Math.round(Math.min(BACKOFF_CAP_MS, Math.max(0, delay)));
}
