import { CLOSE_CODES } from '@parley/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { UserStore } from '../store/types.js';
import type { UserCache } from '../users/cache.js';
import type { SignalingHub } from './hub.js';

/** How often the server checks whether users were deleted elsewhere (see `AccountWatch`). */
export const ACCOUNT_CHECK_MS = 1000;

/**
 * Ends the open WebSocket sessions of users deleted elsewhere (the operator CLI's `parley delete-user`, another
 * node): a deleted user's REST requests fail as soon as the user cache notices, but an open socket would otherwise
 * live until its token expires. Every `ACCOUNT_CHECK_MS` it asks the cache whether users may have changed
 * elsewhere (SQLite: `PRAGMA data_version`, ~2 µs; PostgreSQL: always); only then does it look up which of this
 * node's online users still exist (one query per thousand) and closes the others' sockets with 4001, as an expired
 * session: the client logs in again, and cannot. Their calls then end as any dropped connection's do, after the
 * reconnect grace.
 */
export class AccountWatch {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly cache: UserCache,
    private readonly users: UserStore,
    private readonly hub: SignalingHub,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(intervalMs = ACCOUNT_CHECK_MS): void {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One check: nothing to do unless users may have changed elsewhere since the last one. */
  private check(): void {
    if (this.checking || !this.cache.mayHaveChangedElsewhere()) return;
    const online = this.hub.onlineUserIds();
    if (online.length === 0) return;
    this.checking = true;
    this.users
      .existingIds(online)
      .then((existing) => this.closeMissing(online, existing))
      .catch((error: unknown) => this.log.warn({ err: error }, 'checking for deleted accounts failed'))
      .finally(() => {
        this.checking = false;
      });
  }

  private closeMissing(online: readonly string[], existing: Set<string>): void {
    for (const userId of online) {
      if (existing.has(userId)) continue;
      this.log.info({ userId }, 'account deleted: closing its sessions');
      this.cache.forget(userId);
      this.hub.closeUser(userId, CLOSE_CODES.TOKEN_EXPIRED, 'Account deleted');
    }
  }
}
