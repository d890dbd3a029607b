import { CLOSE_CODES } from '@parley/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { UserRepository } from '../users/repository.js';
import type { SignalingHub } from './hub.js';

/** How often the server asks SQLite whether another process committed (see `AccountWatch`). */
export const ACCOUNT_CHECK_MS = 1000;

/**
 * Ends the open WebSocket sessions of users deleted by another process (the operator CLI's `parley delete-user`):
 * a deleted user's REST requests fail within `FOREIGN_WRITE_CHECK_MS`, but an open socket would otherwise live
 * until its token expires. Every `ACCOUNT_CHECK_MS` it asks SQLite whether another connection committed
 * (`PRAGMA data_version`, ~2 µs); only then does it look up which online users still exist (one query per
 * thousand) and closes the others' sockets with 4001, as an expired session: the client logs in again, and cannot.
 * Their calls then end as any dropped connection's do, after the reconnect grace.
 */
export class AccountWatch {
  private timer: NodeJS.Timeout | undefined;
  /** `UserRepository.pollForeignWrites()` as of the last check. */
  private foreignWritesSeen = 0;

  constructor(
    private readonly users: UserRepository,
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

  /** One check: nothing to do unless another connection committed since the last one. */
  private check(): void {
    const seen = this.users.pollForeignWrites();
    if (seen === this.foreignWritesSeen) return;
    this.foreignWritesSeen = seen;
    const online = this.hub.onlineUserIds();
    if (online.length === 0) return;
    const existing = this.users.existingIds(online);
    for (const userId of online) {
      if (existing.has(userId)) continue;
      this.log.info({ userId }, 'account deleted: closing its sessions');
      this.hub.closeUser(userId, CLOSE_CODES.TOKEN_EXPIRED, 'Account deleted');
    }
  }
}
