import { CLOSE_CODES } from '@parley/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { UserStore } from '../store/types.js';
import type { UserCache } from '../users/cache.js';
import type { Connection, SignalingHub } from './hub.js';

/** How often the server checks whether users were deleted elsewhere (see `AccountWatch`). */
export const ACCOUNT_CHECK_MS = 1000;

/**
 * Ends the open WebSocket sessions that ended elsewhere: users deleted by the operator CLI's `parley delete-user`
 * or on another node, sessions logged out or outdated by a password change on another node. A REST request sees
 * such a change as soon as the user cache does, but an open socket would otherwise live until its token expires.
 * The node that makes a change closes its own sockets at once and tells the others over the bus; this watch is what
 * makes the database, not the bus, the word that counts (a bus message may be lost). Every `ACCOUNT_CHECK_MS` it
 * asks the cache whether users may have changed elsewhere (SQLite: `PRAGMA data_version`, ~2 µs; PostgreSQL:
 * always); only then does it read the session generation of this node's online users and which of their sessions
 * were revoked (a query per thousand each) and closes the sockets that no longer stand for a session with 4001, as
 * an expired session: the client logs in again (and, for a deleted user, cannot). A deleted user's calls then end
 * as any dropped connection's do, after the reconnect grace.
 *
 * A socket of an outdated generation is closed only when a second check still finds it so: the session that
 * changed the password keeps its sockets, and the bus message that says which one it was may arrive just after
 * the new generation could be read here.
 */
export class AccountWatch {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  /** Connections found behind their user's generation at the last check. */
  private outdated = new Set<Connection>();

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

  /** One check: nothing to do unless users may have changed elsewhere since the last one (or one is pending). */
  private check(): void {
    if (this.checking || (!this.cache.mayHaveChangedElsewhere() && this.outdated.size === 0)) return;
    const online = this.hub.onlineUserIds();
    if (online.length === 0) return;
    this.checking = true;
    const connections = [...this.hub.all()];
    Promise.all([this.users.sessionGenerations(online), this.users.revokedAmong(connections.map((c) => c.session.id))])
      .then(([generations, revoked]) => this.closeEnded(connections, generations, revoked))
      .catch((error: unknown) => this.log.warn({ err: error }, 'checking for ended sessions failed'))
      .finally(() => {
        this.checking = false;
      });
  }

  private closeEnded(connections: readonly Connection[], generations: Map<string, number>, revoked: Set<string>): void {
    const outdated = new Set<Connection>();
    const deleted = new Set<string>();
    for (const conn of connections) {
      const generation = generations.get(conn.userId);
      if (generation === undefined) {
        if (deleted.has(conn.userId)) continue;
        deleted.add(conn.userId);
        this.log.info({ userId: conn.userId }, 'account deleted: closing its sessions');
        this.cache.forget(conn.userId);
        this.hub.closeUser(conn.userId, CLOSE_CODES.TOKEN_EXPIRED, 'Account deleted');
      } else if (revoked.has(conn.session.id)) {
        this.cache.forget(conn.userId);
        conn.socket.close(CLOSE_CODES.TOKEN_EXPIRED, 'Logged out');
      } else if (conn.session.generation < generation) {
        this.cache.forget(conn.userId);
        if (this.outdated.has(conn)) conn.socket.close(CLOSE_CODES.TOKEN_EXPIRED, 'Password changed');
        else outdated.add(conn);
      }
    }
    this.outdated = outdated;
  }
}
