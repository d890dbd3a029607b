import { CLOSE_CODES } from '@parley/protocol';
import type { CallService } from '../calls/service.js';
import type { Bus } from '../cluster/bus.js';
import { AppError } from '../http/errors.js';
import type { SessionEnd, SignalingHub } from '../signaling/hub.js';
import type { UserStore } from '../store/types.js';
import type { UserCache } from '../users/cache.js';
import type { AuthSession } from './plugin.js';

/**
 * Ends sessions (ASVS V3.3): logging one out, every other one at a password change, all of them with the account.
 * Each is written to the database first (the word that counts for every node: see `AccountWatch` and the user
 * cache's freshness bound), then this node's cache and sockets follow at once and the other nodes are told over the
 * bus, so an open socket is closed with 4001 within milliseconds wherever it is, or within two account checks if
 * the bus lost the message.
 */
export class Sessions {
  constructor(
    private readonly users: UserStore,
    private readonly cache: UserCache,
    private readonly hub: SignalingHub,
    private readonly calls: CallService,
    private readonly bus: Bus | null,
  ) {}

  /** Ends one session: its token is refused from now on (until it would have expired anyway). */
  async logout(session: AuthSession, now = Date.now()): Promise<void> {
    await this.users.revokeSession(session.user.id, session.sessionId, session.expiresAt, now);
    this.ended(session.user.id, { kind: 'logout', sessionId: session.sessionId });
  }

  /**
   * Sets the new password hash and ends every session of the user but `keep`, which carries on in the new
   * generation (with the token the caller issues for it). The new generation, or undefined if the user is gone.
   */
  async changePassword(userId: string, passwordHash: string, keep: string): Promise<number | undefined> {
    const generation = await this.users.changePassword(userId, passwordHash);
    if (generation !== undefined) this.ended(userId, { kind: 'password-changed', keep, generation });
    return generation;
  }

  /**
   * Deletes the account: its live call ends first (hung up, cancelled or declined, as if the user had pressed the
   * button, so the other party hears `call:ended` at once), then the user and, by cascade, their call history
   * and revocations go, and every socket of theirs closes with 4001. False when the user was already gone.
   */
  async deleteAccount(userId: string): Promise<boolean> {
    const live = this.calls.liveCallOf(userId);
    // A call that ended meanwhile is fine (an AppError says so); a failing database is not.
    if (live !== undefined) {
      await this.calls.end(userId, live.callId).catch((error: unknown) => {
        if (!(error instanceof AppError)) throw error;
      });
    }
    const deleted = await this.cache.delete(userId);
    const reason = 'Account deleted';
    this.hub.closeUser(userId, CLOSE_CODES.TOKEN_EXPIRED, reason);
    this.bus?.broadcast({ kind: 'close-user', user: userId, code: CLOSE_CODES.TOKEN_EXPIRED, reason });
    return deleted;
  }

  private ended(userId: string, end: SessionEnd): void {
    this.cache.forget(userId);
    this.hub.endSessions(userId, end);
    this.bus?.broadcast({ kind: 'end-sessions', user: userId, end });
  }
}
