import type { ConnectionRef, Send } from '../signaling/delivery.js';

/**
 * Where a connection's last relayed frame went: its call, and the peer's connection resolved to a {@link Send}.
 * The next frame of the same call takes it without looking anything up again — no call lookup, no check of the
 * sender against the call's row, no lookup of the peer's socket — as long as this node's copy of every live call
 * is still the one the route was made from: `epoch` is {@link LiveCalls.epoch} then, and any change to any call
 * (a bind, a side away or back, a hang-up, a copy from another node) moves it on, so the next frame takes the
 * full path and makes a new route. A peer whose socket closed meanwhile is a `Send` that answers false, as its
 * lookup would have.
 */
export interface RelayRoute {
  readonly callId: string;
  readonly epoch: number;
  readonly send: Send;
}

/** A connection that relays frames: the call service keeps its route on it. */
export interface RelaySender extends ConnectionRef {
  relayRoute: RelayRoute | undefined;
}
