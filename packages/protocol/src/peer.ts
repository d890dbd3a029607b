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
 * for frames or sound to stop.
 */
export const PeerMediaState = Type.Object({ mic: Type.Boolean(), camera: Type.Boolean() }, { additionalProperties: false });
export type PeerMediaState = Static<typeof PeerMediaState>;

/** Parse and check one data-channel message; null for anything that is not a {@link PeerMediaState}. Never throws. */
export function decodePeerMediaState(text: unknown): PeerMediaState | null {
  if (typeof text !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return Value.Check(PeerMediaState, value) ? value : null;
}
