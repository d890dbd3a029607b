import type { WebSocket } from 'ws';

/**
 * Whether the read that brought the frame `ws` is handing over right now holds more bytes after it: more frames of
 * the same read (or the start of one) that will be handed over before this turn of the event loop ends.
 *
 * `ws` parses a TCP read synchronously and emits `message` for each whole frame in it, so in a `message` listener its
 * receiver's count of bytes not yet consumed (`_bufferedBytes`) is what the read still holds. That field is not
 * part of `ws`'s API: where it is missing or not a number (another `ws` than the one the lockfile pins) the answer
 * is "yes, more", which is always safe — the caller then coalesces as if more frames were coming.
 * test/read-state.test.ts pins the field down against the `ws` in use.
 *
 * Read as plain properties, typed `unknown` and checked: `Reflect.get` is not compiled into a property load, and
 * this runs for every frame.
 */
export function readHoldsMore(socket: WebSocket): boolean {
  const unread = (socket as WebSocket & WsInternals)._receiver?._bufferedBytes;
  return typeof unread !== 'number' || unread > 0;
}

/** What {@link readHoldsMore} reads of `ws`'s internals, each possibly missing. */
interface WsInternals {
  readonly _receiver?: { readonly _bufferedBytes?: unknown } | null;
}
