import type { ServerMessage } from '@parley/protocol';

/** Where a presence batch goes: every open socket, one pre-encoded frame. Implemented by the hub. */
export interface PresenceSink {
  /** To every open socket of this node but those of `exceptUsers`. */
  broadcastEncoded(frame: Buffer, exceptUsers?: ReadonlySet<string>): void;
  toUser(userId: string, message: ServerMessage): void;
  isOnline(userId: string): boolean;
}

/** For each of `userIds` that blocked anyone: whom (read from the database: `store.blocks.blockedBy`). */
export type BlockedByLookup = (userIds: readonly string[]) => Promise<Map<string, string[]>>;

/** Where the signaling route reports that a user came online or went offline. */
export interface Presence {
  changed(userId: string, online: boolean): void;
  stop(): void;
}

function presenceOf(batch: ReadonlyMap<string, boolean>): ServerMessage {
  const payload: { online: string[]; offline: string[] } = { online: [], offline: [] };
  for (const [userId, online] of batch) (online ? payload.online : payload.offline).push(userId);
  return { type: 'presence', payload };
}

/**
 * Coalesces who came online and who went offline over a short window into one `presence` frame, serialised once
 * and sent to every socket. Announcing each change on its own costs one frame per socket per change: a reconnect
 * storm of n users (a server restart) would be n² frames, minutes of a busy server at a few thousand users. Batched,
 * it is one frame per socket per window, and a user who drops and comes back inside the window is one entry.
 */
export class PresenceFeed implements Presence {
  /** userId → latest state, in the order the users first changed in this window. */
  private readonly pending = new Map<string, boolean>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Batches go out one after the other: a later one must not overtake an earlier one while it reads the blocks. */
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: PresenceSink,
    private readonly windowMs: number,
    private readonly blockedBy: BlockedByLookup,
    private readonly onError: (error: unknown) => void,
  ) {}

  changed(userId: string, online: boolean): void {
    if (this.stopped) return;
    this.pending.set(userId, online);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Sends what is pending now. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = new Map(this.pending);
    this.pending.clear();
    this.sending = this.sending.then(() => this.send(batch)).catch(this.onError);
  }

  /**
   * One frame for every socket, but for users blocked by someone in the batch: they get the batch without their
   * blockers (or nothing). The blocks are read per batch, not per socket, and from the database, so every node
   * hides the same entries. Should the read fail the batch is dropped rather than shown to those it must not reach.
   */
  private async send(batch: ReadonlyMap<string, boolean>): Promise<void> {
    const blocked = await this.blockedBy([...batch.keys()]);
    if (this.stopped) return;
    const hiddenFrom = new Map<string, Set<string>>();
    for (const [blocker, blockedIds] of blocked) {
      for (const id of blockedIds) {
        if (!this.sink.isOnline(id)) continue;
        const blockers = hiddenFrom.get(id) ?? new Set<string>();
        blockers.add(blocker);
        hiddenFrom.set(id, blockers);
      }
    }
    this.sink.broadcastEncoded(Buffer.from(JSON.stringify(presenceOf(batch))), new Set(hiddenFrom.keys()));
    for (const [recipient, blockers] of hiddenFrom) {
      const visible = new Map([...batch].filter(([userId]) => !blockers.has(userId)));
      if (visible.size > 0) this.sink.toUser(recipient, presenceOf(visible));
    }
  }

  /** Server shutdown: no timer outlives the app, and nothing more is announced. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
