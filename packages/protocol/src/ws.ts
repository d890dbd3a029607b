import Type, { type Static, type TSchema } from 'typebox';
import { checker, firstError, type Checker } from './check.js';
import { CALL_ENDED_REASONS, CALL_MEDIA, CALL_ROLES, ERROR_CODES, LIMITS, type ErrorCode } from './constants.js';
import { UserDto, Uuid } from './rest.js';

/**
 * Every WebSocket frame is a JSON envelope `{ type, payload }`. The server relays `webrtc:*` payloads without
 * looking inside `sdp` or `candidate`.
 */
function message<const T extends string, P extends TSchema>(type: T, payload: P) {
  return Type.Object({ type: Type.Literal(type), payload }, { additionalProperties: false });
}

const strict = { additionalProperties: false } as const;
const CallRef = Type.Object({ callId: Uuid }, strict);
const Sdp = Type.String({ minLength: 1, maxLength: LIMITS.maxSdpLength });

/** An ICE candidate, opaque to the server: the browser's `candidate` string or an `RTCIceCandidateInit`. */
export const IceCandidate = Type.Union([
  Type.String({ maxLength: LIMITS.maxCandidateLength }),
  Type.Object(
    {
      candidate: Type.Optional(Type.String({ maxLength: LIMITS.maxCandidateLength })),
      sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
      sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()])),
      usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    },
    strict,
  ),
]);
export type IceCandidate = Static<typeof IceCandidate>;

const SdpPayload = Type.Object({ callId: Uuid, sdp: Sdp }, strict);
const CandidatePayload = Type.Object({ callId: Uuid, candidate: IceCandidate }, strict);

// ---------- client → server ----------

export const CallAcceptMessage = message('call:accept', CallRef);
export const CallRejectMessage = message('call:reject', CallRef);
/** Sent after a reconnect by the connection that was in the call, to take it back within the grace period. */
export const CallRejoinMessage = message('call:rejoin', CallRef);
export const OfferMessage = message('webrtc:offer', SdpPayload);
export const AnswerMessage = message('webrtc:answer', SdpPayload);
export const IceCandidateMessage = message('webrtc:ice-candidate', CandidatePayload);

export const ClientMessage = Type.Union([
  CallAcceptMessage,
  CallRejectMessage,
  CallRejoinMessage,
  OfferMessage,
  AnswerMessage,
  IceCandidateMessage,
]);
export type ClientMessage = Static<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
/** Every client → server message type, read off the union so it cannot drift from it. */
export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = ClientMessage.anyOf.map((m) => m.properties.type.const);

/** The messages the server forwards verbatim from one participant to the other. */
export type RelayedMessage = Extract<ClientMessage, { type: `webrtc:${string}` }>;
export function isRelayedMessage(message: ClientMessage): message is RelayedMessage {
  return message.type.startsWith('webrtc:');
}

// ---------- server → client ----------

export const CallIncomingMessage = message(
  'call:incoming',
  Type.Object({
    callId: Uuid,
    /** The caller's username, as in the seed API. */
    from: Type.String(),
    callerId: Uuid,
    ringExpiresAt: Type.Optional(Type.String()),
    /** `audio`: the caller placed a voice call (see {@link CALL_MEDIA}); absent means a video call. */
    media: Type.Optional(Type.Enum(CALL_MEDIA)),
  }),
);
export const CallEndedMessage = message(
  'call:ended',
  Type.Object({ callId: Uuid, reason: Type.Enum(CALL_ENDED_REASONS) }),
);
/**
 * Sent to the caller when the call first reaches one of the callee's devices after it was created: a callee
 * connection opened while the call still rang (when one was open at creation, `POST /calls` said `ringing: true`
 * instead). At most once per call, to the caller's bound connection, else to all of the caller's connections.
 */
export const CallRingingMessage = message('call:ringing', CallRef);
/** The other participant of a call, as a client shows them. */
export type Peer = UserDto;
/** Answer to `call:rejoin`: the call goes on with this connection. `peer` is the other participant. */
export const CallRejoinedMessage = message(
  'call:rejoined',
  Type.Object({ callId: Uuid, role: Type.Enum(CALL_ROLES), peer: UserDto }),
);
/** The other participant's connection dropped (`connected: false`) or came back within the grace period. */
export const PeerConnectionMessage = message(
  'call:peer-connection',
  Type.Object({ callId: Uuid, connected: Type.Boolean(), graceMs: Type.Optional(Type.Integer({ minimum: 0 })) }),
);
/** First message on every connection: who the server thinks you are, and this connection's id. */
export const HelloMessage = message(
  'hello',
  Type.Object({ connectionId: Type.String(), userId: Uuid, username: Type.String() }),
);
/**
 * Who came online or went offline since the last `presence` frame. The server coalesces changes over a short window
 * (`PRESENCE_BATCH_MS`) into one frame for every socket; each id is in at most one list, holding its latest state.
 */
export const PresenceMessage = message(
  'presence',
  Type.Object({ online: Type.Array(Uuid), offline: Type.Array(Uuid) }),
);
export const ErrorMessage = message(
  'error',
  Type.Object({ code: Type.Enum(ERROR_CODES), message: Type.String(), callId: Type.Optional(Type.String()) }),
);

export const ServerMessage = Type.Union([
  HelloMessage,
  CallIncomingMessage,
  CallAcceptMessage,
  CallRejectMessage,
  CallEndedMessage,
  CallRingingMessage,
  CallRejoinedMessage,
  PeerConnectionMessage,
  OfferMessage,
  AnswerMessage,
  IceCandidateMessage,
  PresenceMessage,
  ErrorMessage,
]);
export type ServerMessage = Static<typeof ServerMessage>;
export type ServerMessageType = ServerMessage['type'];
/** Every server → client message type, read off the union (a client subscribes to each). */
export const SERVER_MESSAGE_TYPES: readonly ServerMessageType[] = ServerMessage.anyOf.map((m) => m.properties.type.const);

/** Narrow a message union to one `type`: `MessageOf<ServerMessage, 'call:ended'>`. */
export type MessageOf<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>;
export type PayloadOf<M extends { type: string; payload: unknown }, T extends M['type']> = MessageOf<M, T>['payload'];

// ---------- decoding ----------

export type DecodeResult<M> =
  | { ok: true; message: M }
  | { ok: false; code: Extract<ErrorCode, 'INVALID_JSON' | 'UNKNOWN_MESSAGE_TYPE' | 'VALIDATION_FAILED'>; error: string; callId?: string };

/** A message schema as `message()` builds it: an object whose `type` is a literal. */
type MessageSchema = TSchema & { properties: { type: { const: string } } };

/**
 * One checker per message type. A frame is checked against the schema of the type it names, not against the whole
 * union: a union check tries every member in turn (each listing the envelope's keys), so the relay's most frequent
 * frame, the last member, paid for all the others.
 */
function checkersByType<M>(members: readonly MessageSchema[]): ReadonlyMap<string, () => Checker<M>> {
  // Each member's static type is one case of M: its checker narrows to M.
  return new Map(members.map((member) => [member.properties.type.const, checker(member) as () => Checker<M>]));
}

const clientCheckers = checkersByType<ClientMessage>(ClientMessage.anyOf);
const serverCheckers = checkersByType<ServerMessage>(ServerMessage.anyOf);

/** The checker for the `type` an envelope names; undefined when it names none of `checkers`' types. */
function checkerFor<M>(checkers: ReadonlyMap<string, () => Checker<M>>, type: unknown): Checker<M> | undefined {
  return typeof type === 'string' ? checkers.get(type)?.() : undefined;
}

function decode<M>(text: string, checkers: ReadonlyMap<string, () => Checker<M>>): DecodeResult<M> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'INVALID_JSON', error: 'Frame is not valid JSON' };
  }
  const type = isRecord(value) ? value['type'] : undefined;
  const checker = checkerFor(checkers, type);
  if (typeof type !== 'string' || checker === undefined) {
    return {
      ok: false,
      code: 'UNKNOWN_MESSAGE_TYPE',
      error: typeof type === 'string' ? `Unknown message type "${type.slice(0, 64)}"` : 'Message needs a string "type"',
    };
  }
  if (checker.check(value)) return { ok: true, message: value };
  const payload = isRecord(value) ? value['payload'] : undefined;
  const callId = isRecord(payload) && typeof payload['callId'] === 'string' ? payload['callId'].slice(0, 64) : undefined;
  return { ok: false, code: 'VALIDATION_FAILED', error: `Invalid "${type}" message: ${firstError(checker.errors(value))}`, ...(callId ? { callId } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parse and validate one client → server frame. Never throws. */
export function decodeClientMessage(text: string): DecodeResult<ClientMessage> {
  return decode(text, clientCheckers);
}

/** Parse and validate one server → client frame. Never throws. */
export function decodeServerMessage(text: string): DecodeResult<ServerMessage> {
  return decode(text, serverCheckers);
}

/** Type guards for already-parsed values. */
function guard<M>(checkers: ReadonlyMap<string, () => Checker<M>>): (value: unknown) => value is M {
  return (value): value is M => checkerFor(checkers, isRecord(value) ? value['type'] : undefined)?.check(value) ?? false;
}
export const isClientMessage = guard(clientCheckers);
export const isServerMessage = guard(serverCheckers);

/** For exhaustive switches: `default: return assertNever(message)`. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
