import type { ServerMessage } from '@parley/protocol';

/** One authenticated WebSocket connection, as the call logic sees it. */
export interface ConnectionRef {
  /** `<node>.<uuid>`: the node that holds the socket is part of the id, so routing to it needs no lookup. */
  readonly id: string;
  readonly userId: string;
}

/** Sends an encoded text frame to one connection resolved beforehand; false when it is known not to be open. */
export type Send = (frame: Buffer) => boolean;

/**
 * How the call logic reaches users, wherever their sockets are: the local hub in one process, the hub plus the
 * cluster bus across nodes (`signaling/router.ts`).
 */
export interface Delivery {
  /** To every open connection of a user, but `exceptConnectionId`. */
  toUser(userId: string, message: ServerMessage, exceptConnectionId?: string): void;
  /** To the user's connections on this node only (a node catching up with what it missed). */
  toUserHere(userId: string, message: ServerMessage): void;
  /**
   * To one connection. False when it is known not to be open (a connection of this node that closed); a
   * connection of another node is handed to the bus and counts as sent.
   */
  toConnection(connectionId: string, message: ServerMessage): boolean;
  /**
   * Where already-validated frames for one connection go (forwarded as is: the bytes received, not re-encoded),
   * resolved once for a run of frames; undefined when the connection is known not to be open.
   */
  sender(connectionId: string): Send | undefined;
  /** Whether the user has an open connection anywhere. */
  isOnline(userId: string): Promise<boolean>;
  /** Whether `connectionId` is an open connection of `userId`. */
  isConnectionOf(userId: string, connectionId: string): Promise<boolean>;
}
