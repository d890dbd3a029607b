import type { SessionEnd } from '../signaling/hub.js';
import type { NamedCallRecord } from '../store/types.js';

/**
 * What nodes tell each other. The database is the ledger; the bus is the doorbell: it carries frames for sockets
 * on other nodes and news that the receiver could also read from the database (a call's newest row, presence), so
 * a message lost on the way is healed by a resync, never by trusting the bus.
 */
export type BusMessage =
  /** A frame (JSON text as UTF-8 bytes: a relayed frame as its sender wrote it) for one connection of the receiving node. */
  | { kind: 'deliver'; conn: string; frame: Buffer }
  /** A frame for every connection of a user on the receiving node, but `except`. */
  | { kind: 'user'; user: string; frame: string; except?: string }
  /** A call's newest row (ended rows make the receiver drop its copy). */
  | { kind: 'call'; call: NamedCallRecord }
  | { kind: 'presence'; user: string; online: boolean }
  /** Close every socket of a user (their account was deleted, their sessions revoked). */
  | { kind: 'close-user'; user: string; code: number; reason: string }
  /** Some sessions of a user ended (logout, password change); the database says so too (read by every account watch). */
  | { kind: 'end-sessions'; user: string; end: SessionEnd };

export type BusMessageKind = BusMessage['kind'];

export interface Bus {
  /** To one node; at most once, dropped while the bus is down. */
  send(node: string, message: BusMessage): void;
  /** To every other node; at most once. */
  broadcast(message: BusMessage): void;
  /** Whether messages can be sent now. */
  readonly up: boolean;
  close(): Promise<void>;
}

/** What the bus hands to the node. */
export interface BusHandlers {
  message(message: BusMessage, from: string): void;
  /**
   * Messages may have been lost: the bus reconnected, resubscribed, or saw a sequence number skip. The node
   * resyncs from the database and re-asserts its directory entries.
   */
  gap(reason: string): void;
  /** The bus went down (`up` false) or came back. */
  state(up: boolean): void;
}
