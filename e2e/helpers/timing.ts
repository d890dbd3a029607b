/** The server timings the e2e server runs with (set in playwright.config.ts); tests wait on them. */
export const RING_TIMEOUT_MS = 6_000;
export const RECONNECT_GRACE_MS = 10_000;
