import { UUID_PATTERN, type BlockedUserDto } from '@parley/protocol';
import { AppError } from '../http/errors.js';
import type { Delivery } from '../signaling/delivery.js';
import type { Store } from '../store/types.js';
import type { UserCache } from './cache.js';

const UUID = new RegExp(UUID_PATTERN);

/**
 * Blocking: a user refuses another's calls and hides their own presence from them. The rows live in the database
 * (`blocks`), which the call path and the presence feed read, so a block holds on every node of a cluster at once.
 * Changing a block also corrects the presence the blocked user already saw, wherever they are connected.
 */
export class BlockService {
  constructor(
    private readonly store: Store,
    private readonly users: UserCache,
    private readonly delivery: Delivery,
  ) {}

  /** Idempotent: blocking twice keeps the first time. */
  async block(blockerId: string, blockedId: string): Promise<void> {
    const blocked = await this.target(blockerId, blockedId);
    if (!(await this.store.blocks.add(blockerId, blocked, Date.now()))) return;
    this.delivery.toUser(blocked, { type: 'presence', payload: { online: [], offline: [blockerId] } });
  }

  /** Idempotent: unblocking someone not blocked changes nothing. */
  async unblock(blockerId: string, blockedId: string): Promise<void> {
    const blocked = await this.target(blockerId, blockedId);
    if (!(await this.store.blocks.remove(blockerId, blocked))) return;
    if (await this.delivery.isOnline(blockerId)) this.delivery.toUser(blocked, { type: 'presence', payload: { online: [blockerId], offline: [] } });
  }

  async list(blockerId: string): Promise<BlockedUserDto[]> {
    const rows = await this.store.blocks.list(blockerId);
    return rows.map((row) => ({ id: row.id, username: row.username, blockedAt: new Date(row.blockedAt).toISOString() }));
  }

  /** The user named in the path: 404 when malformed or unknown, 400 for oneself. */
  private async target(blockerId: string, id: string): Promise<string> {
    if (!UUID.test(id) || (await this.users.findById(id)) === undefined) throw new AppError('USER_NOT_FOUND', 'No such user');
    if (id === blockerId) throw new AppError('VALIDATION_FAILED', 'You cannot block yourself');
    return id;
  }
}
