import type { FastifyRequest } from 'fastify';

/** `scheme://host[:port]` as browsers send it in `Origin` (lower case, no default port), or null if it is not one. */
function normalisedOrigin(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    // Opaque origins (`null`, `file:`, `data:`) serialise to "null": no page of ours has one.
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * Whether a WebSocket upgrade may come from the page that asked for it. Browsers attach `Origin` to every
 * upgrade and let any site open a socket to any server, so a page elsewhere holding a user's token (or, one day,
 * a cookie) could otherwise talk signaling as that user. Allowed: the server's own origin (the scheme and host the
 * request came in on — through TRUST_PROXY's `X-Forwarded-Proto`/`-Host` when behind one), the CORS_ORIGINS, and
 * requests without `Origin` (not a browser: nothing to protect against).
 */
export function upgradeOriginCheck(corsOrigins: readonly string[]): (request: FastifyRequest) => boolean {
  const allowed = new Set(corsOrigins.map(normalisedOrigin).filter((origin) => origin !== null));
  return (request) => {
    const given = request.headers.origin;
    if (given === undefined) return true;
    const origin = normalisedOrigin(given);
    if (origin === null) return false;
    return allowed.has(origin) || origin === normalisedOrigin(`${request.protocol}://${request.host}`);
  };
}
