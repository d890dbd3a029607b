import { randomBytes } from 'node:crypto';

/**
 * This process's name among the nodes: 12 hex digits, new at every start and after being fenced. Connection ids
 * are `<node>.<uuid>`, so a frame for a connection is routed to its node without a lookup.
 */
export class NodeIdentity {
  private current = NodeIdentity.fresh();

  get id(): string {
    return this.current;
  }

  /** A new name (after this node was declared dead: its old one may still be in other nodes' tables). */
  renew(): string {
    this.current = NodeIdentity.fresh();
    return this.current;
  }

  /** Whether a connection id names a connection of this node (under its current name). */
  owns(connectionId: string): boolean {
    return connectionId.startsWith(this.current) && connectionId.charCodeAt(this.current.length) === 46; // '.'
  }

  private static fresh(): string {
    return randomBytes(6).toString('hex');
  }
}

/** The node part of a connection id, or undefined for an id that has none. */
export function nodeOf(connectionId: string): string | undefined {
  const dot = connectionId.indexOf('.');
  return dot > 0 ? connectionId.slice(0, dot) : undefined;
}
