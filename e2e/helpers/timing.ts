/** The server timings the e2e server runs with (set in playwright.config.ts); tests wait on them. */
export const RING_TIMEOUT_MS = 6_000;
export const RECONNECT_GRACE_MS = 10_000;

/**
 * The cluster suite's node settings (helpers/cluster.ts): a node silent for 3 s is declared dead, and a call waits
 * 8 s for a participant to come back — room for a tab's reconnect through nginx on a loaded 2-core machine.
 */
export const CLUSTER_RECONNECT_GRACE_MS = 8_000;
export const CLUSTER_NODE_DEAD_AFTER_MS = 3_000;
