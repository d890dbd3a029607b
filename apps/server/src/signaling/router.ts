import type { ServerMessage } from '@parley/protocol';
import type { Bus } from '../cluster/bus.js';
import type { Directory } from '../cluster/directory.js';
import { nodeOf, type NodeIdentity } from '../cluster/node-id.js';
import type { Delivery, Send } from './delivery.js';
import type { SignalingHub } from './hub.js';

/**
 * Delivery wherever a connection is: this node's hub, or (in a cluster) the node named in the connection id,
 * through the bus. In one process there is no bus and every call is the hub's, unchanged.
 */
export class Router implements Delivery {
  constructor(
    private readonly hub: SignalingHub,
    private readonly directory: Directory,
    private readonly identity: NodeIdentity,
    private readonly bus: Bus | null,
  ) {}

  toUser(userId: string, message: ServerMessage, exceptConnectionId?: string): void {
    if (this.bus === null) return this.hub.toUser(userId, message, exceptConnectionId);
    const frame = JSON.stringify(message);
    this.hub.toUserEncoded(userId, frame, exceptConnectionId);
    this.bus?.broadcast({ kind: 'user', user: userId, frame, ...(exceptConnectionId === undefined ? {} : { except: exceptConnectionId }) });
  }

  toUserHere(userId: string, message: ServerMessage): void {
    this.hub.toUser(userId, message);
  }

  toConnection(connectionId: string, message: ServerMessage): boolean {
    if (this.bus === null || this.identity.owns(connectionId)) return this.hub.toConnection(connectionId, message);
    return this.forward(connectionId, Buffer.from(JSON.stringify(message), 'utf8'));
  }

  sender(connectionId: string): Send | undefined {
    if (this.bus === null || this.identity.owns(connectionId)) return this.hub.sender(connectionId);
    return (frame) => this.forward(connectionId, frame);
  }

  isOnline(userId: string): Promise<boolean> {
    return this.directory.isOnline(userId);
  }

  isConnectionOf(userId: string, connectionId: string): Promise<boolean> {
    if (this.identity.owns(connectionId)) return Promise.resolve(this.hub.ownerOf(connectionId) === userId);
    return this.directory.isConnectionOf(userId, connectionId);
  }

  private forward(connectionId: string, frame: Buffer): boolean {
    const node = nodeOf(connectionId);
    if (node === undefined || this.bus === null) return false;
    this.bus.send(node, { kind: 'deliver', conn: connectionId, frame });
    return true;
  }
}
