import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { ConnectionRef } from '../signaling/delivery.js';
import type { SignalingHub } from '../signaling/hub.js';
import type { Directory, Registration } from './directory.js';

const userKey = (userId: string) => `parley:user:${userId}`;
const nodeKey = (nodeId: string) => `parley:node-conns:${nodeId}`;

/** `parley:user:<id>` is a hash connection → node; `parley:node-conns:<node>` the set of `<user> <conn>` it holds. */
const REGISTER = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4] .. ' ' .. ARGV[1])
return redis.call('HLEN', KEYS[1])`;

const UNREGISTER = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2] .. ' ' .. ARGV[1])
return redis.call('HLEN', KEYS[1])`;

/** Forgets every connection of a node; returns the users left with none. */
const REMOVE_NODE = `
local gone = {}
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local space = string.find(entry, ' ', 1, true)
  local user = string.sub(entry, 1, space - 1)
  local key = ARGV[1] .. user
  redis.call('HDEL', key, string.sub(entry, space + 1))
  if redis.call('HLEN', key) == 0 then table.insert(gone, user) end
end
redis.call('DEL', KEYS[1])
return gone`;

/**
 * Who is connected where, in Redis, for every node: the per-user cap, presence and "is this connection yours?"
 * hold cluster-wide. Redis may be unreachable or restart empty, and a node keeps serving meanwhile: a failed
 * write is judged by what this node knows (its own connections) and marked for {@link reassert}, which the node
 * runs once the bus is back (and after any gap), putting every connection it holds back in.
 */
export class RedisDirectory implements Directory {
  private dirty = false;

  constructor(
    private readonly redis: Redis,
    private readonly hub: SignalingHub,
    private readonly node: () => string,
    private readonly maxConnectionsPerUser: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  async register(conn: ConnectionRef): Promise<Registration> {
    try {
      const count = (await this.redis.eval(REGISTER, 2, userKey(conn.userId), nodeKey(this.node()), conn.id, this.node(), this.maxConnectionsPerUser, conn.userId)) as number;
      return count < 0 ? { ok: false } : { ok: true, firstForUser: count === 1 };
    } catch (error) {
      this.unreachable(error);
      const here = this.hub.count(conn.userId);
      return here > this.maxConnectionsPerUser ? { ok: false } : { ok: true, firstForUser: here === 1 };
    }
  }

  async unregister(conn: ConnectionRef): Promise<{ lastForUser: boolean }> {
    try {
      const count = (await this.redis.eval(UNREGISTER, 2, userKey(conn.userId), nodeKey(this.node()), conn.id, conn.userId)) as number;
      return { lastForUser: count === 0 };
    } catch (error) {
      this.unreachable(error);
      return { lastForUser: this.hub.count(conn.userId) === 0 };
    }
  }

  async isOnline(userId: string): Promise<boolean> {
    if (this.hub.isOnline(userId)) return true;
    try {
      return (await this.redis.exists(userKey(userId))) === 1;
    } catch (error) {
      this.unreachable(error);
      return false;
    }
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    try {
      const pipeline = this.redis.pipeline();
      for (const id of userIds) pipeline.exists(userKey(id));
      const results = (await pipeline.exec()) ?? [];
      return new Set(userIds.filter((id, i) => results[i]?.[1] === 1 || this.hub.isOnline(id)));
    } catch (error) {
      this.unreachable(error);
      return new Set(userIds.filter((id) => this.hub.isOnline(id)));
    }
  }

  async isConnectionOf(userId: string, connectionId: string): Promise<boolean> {
    try {
      return (await this.redis.hexists(userKey(userId), connectionId)) === 1;
    } catch (error) {
      // Without the directory a connection of another node cannot be checked; taking the client's word for it
      // can only bind the caller's side to a socket that then gets frames of a call it does not know.
      this.unreachable(error);
      return true;
    }
  }

  /** Forgets a node's connections (it died, or left); returns the users who are now offline. */
  async removeNode(nodeId: string): Promise<string[]> {
    return (await this.redis.eval(REMOVE_NODE, 1, nodeKey(nodeId), 'parley:user:')) as string[];
  }

  /**
   * Makes Redis hold exactly this node's connections again: after it was unreachable (connections closed meanwhile
   * are still listed) or restarted empty (none are). Returns how many are listed.
   */
  async reassert(): Promise<number> {
    const key = nodeKey(this.node());
    const listed = new Set(await this.redis.smembers(key));
    const pipeline = this.redis.pipeline();
    let count = 0;
    for (const conn of this.hub.all()) {
      const entry = `${conn.userId} ${conn.id}`;
      listed.delete(entry);
      pipeline.hset(userKey(conn.userId), conn.id, this.node());
      pipeline.sadd(key, entry);
      count += 1;
    }
    for (const entry of listed) {
      const [userId = '', connectionId = ''] = entry.split(' ');
      pipeline.hdel(userKey(userId), connectionId);
      pipeline.srem(key, entry);
    }
    await pipeline.exec();
    this.dirty = false;
    return count;
  }

  /** Whether a write failed since the last {@link reassert}. */
  get needsReassert(): boolean {
    return this.dirty;
  }

  private unreachable(error: unknown): void {
    if (!this.dirty) this.log.warn({ err: error }, 'directory unreachable: serving from this node’s own connections until Redis is back');
    this.dirty = true;
  }
}
