import type { ServerMessage } from '@parley/protocol';

/** One authenticated WebSocket connection, as the call logic sees it. */
export interface ConnectionRef {
  readonly id: string;
  readonly userId: string;
}

/** How the call logic reaches users; implemented by the WebSocket hub. */
export interface Delivery {
  /** To every open connection of a user, but `exceptConnectionId`. */
  toUser(userId: string, message: ServerMessage, exceptConnectionId?: string): void;
  /** To one connection, if it is still open; false when it is not. */
  toConnection(connectionId: string, message: ServerMessage): boolean;
  /** Forwards an already-validated frame as is: the bytes received, not re-encoded. */
  rawToConnection(connectionId: string, frame: Buffer): boolean;
  isOpen(connectionId: string): boolean;
  ownerOf(connectionId: string): string | undefined;
}
