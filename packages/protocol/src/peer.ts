import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/**
 * The call's own data channel between the two browsers: created on both sides with every peer connection,
 * `negotiated` with this fixed id, so it needs no signaling of its own and lives through renegotiation and ICE
 * restarts. The server never sees what goes over it.
 */
export const PEER_CHANNEL = { label: 'parley-state', id: 0 } as const;

/**
 * What one side sends the other over {@link PEER_CHANNEL} whenever it changes, and once when the channel opens:
 * `mic` — its microphone is on the wire and unmuted; `camera` — a picture is on the wire (the camera, or the screen
 * while sharing). The other side shows an avatar and a muted-microphone sign from it at once, instead of waiting
 * for frames or sound to stop. It has no `type` field: it is the channel's first message kind, and a peer running
 * the previous version only understands it in exactly this shape.
 */
export const PeerMediaState = Type.Object({ mic: Type.Boolean(), camera: Type.Boolean() }, { additionalProperties: false });
export type PeerMediaState = Static<typeof PeerMediaState>;

/** Limits of the in-call chat: one message's text, in UTF-16 code units, and a whole frame, in characters. */
export const PEER_CHAT_LIMITS = { maxTextLength: 2_000, maxFrameLength: 8_192 } as const;

/**
 * One chat message from the other side, over {@link PEER_CHANNEL} (reliable and ordered). `id` is the sender's, for
 * React keys and de-duplication; `sentAt` is the sender's clock (Unix ms), shown as is. Nothing stores it: a reload
 * of either page loses the conversation.
 */
export const PeerChatMessage = Type.Object(
  {
    type: Type.Literal('chat'),
    id: Type.String({ minLength: 1, maxLength: 64 }),
    text: Type.String({ minLength: 1, maxLength: PEER_CHAT_LIMITS.maxTextLength }),
    sentAt: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type PeerChatMessage = Static<typeof PeerChatMessage>;

/** Everything that goes over {@link PEER_CHANNEL}, as the receiving side sees it once checked. */
export type PeerMessage = { kind: 'media'; state: PeerMediaState } | { kind: 'chat'; message: PeerChatMessage };

/**
 * Parse and check one data-channel frame: a {@link PeerMediaState} or a {@link PeerChatMessage}; null for anything
 * else (a binary frame, a frame over the size limit, bad JSON, an unknown or malformed message). Never throws.
 */
export function decodePeerMessage(data: unknown): PeerMessage | null {
  if (typeof data !== 'string' || data.length > PEER_CHAT_LIMITS.maxFrameLength) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (Value.Check(PeerMediaState, value)) return { kind: 'media', state: value };
  if (Value.Check(PeerChatMessage, value)) return { kind: 'chat', message: value };
  return null;
}
