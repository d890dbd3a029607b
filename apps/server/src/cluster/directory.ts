import type { ConnectionRef } from '../signaling/delivery.js';
import type { SignalingHub } from '../signaling/hub.js';

export type Registration = { ok: true; firstForUser: boolean } | { ok: false };

/**
 * Who is connected where. In one process that is the hub's own tables ({@link LocalDirectory}); in a cluster,
 * Redis (`cluster/redis-directory.ts`), so presence, the per-user connection cap and "is this connection yours?"
 * hold across nodes. A connection is registered before its `hello` is sent, so no other node can look for it
 * before it is there.
 */
export interface Directory {
  /** Refused over the per-user connection cap. `firstForUser`: the user just came online. */
  register(conn: ConnectionRef): Promise<Registration>;
  /** `lastForUser`: the user just went offline. */
  unregister(conn: ConnectionRef): Promise<{ lastForUser: boolean }>;
  isOnline(userId: string): Promise<boolean>;
  /** Which of `userIds` have an open connection. */
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  isConnectionOf(userId: string, connectionId: string): Promise<boolean>;
}

/** One process: the hub knows every connection there is. */
export class LocalDirectory implements Directory {
  constructor(private readonly hub: SignalingHub) {}

  async register(conn: ConnectionRef): Promise<Registration> {
    return this.hub.count(conn.userId) <= this.hub.limits.maxConnectionsPerUser ? { ok: true, firstForUser: this.hub.count(conn.userId) === 1 } : { ok: false };
  }

  async unregister(conn: ConnectionRef): Promise<{ lastForUser: boolean }> {
    return { lastForUser: this.hub.count(conn.userId) === 0 };
  }

  async isOnline(userId: string): Promise<boolean> {
    return this.hub.isOnline(userId);
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => this.hub.isOnline(id)));
  }

  async isConnectionOf(userId: string, connectionId: string): Promise<boolean> {
    return this.hub.ownerOf(connectionId) === userId;
  }
}
