import type { ServerMessage } from '@parley/protocol';

/** Where a presence batch goes: every open socket, one pre-encoded frame. Implemented by the hub. */
export interface PresenceSink {
  broadcastEncoded(frame: Buffer): void;
}

/** Where the signaling route reports that a user came online or went offline. */
export interface Presence {
  changed(userId: string, online: boolean): void;
  stop(): void;
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

  constructor(
    private readonly sink: PresenceSink,
    private readonly windowMs: number,
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
    const payload: { online: string[]; offline: string[] } = { online: [], offline: [] };
    for (const [userId, online] of this.pending) (online ? payload.online : payload.offline).push(userId);
    this.pending.clear();
    const message: ServerMessage = { type: 'presence', payload };
    this.sink.broadcastEncoded(Buffer.from(JSON.stringify(message)));
  }

  /** Server shutdown: no timer outlives the app, and nothing more is announced. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
