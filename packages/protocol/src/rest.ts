import Type, { type Static } from 'typebox';
import { CALL_MEDIA, CALL_STATUSES, END_REASONS, ERROR_CODES, LIMITS, USERNAME_PATTERN, UUID_PATTERN } from './constants.js';

/** Every id the server issues is a UUID. */
export const Uuid = Type.String({ pattern: UUID_PATTERN, minLength: 36, maxLength: 36 });

/** ISO-8601 timestamp with milliseconds, always UTC (`2026-11-26T10:00:00.000Z`). */
export const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });

export const Username = Type.String({
  minLength: LIMITS.usernameMinLength,
  maxLength: LIMITS.usernameMaxLength,
  pattern: USERNAME_PATTERN,
});
export const Password = Type.String({ minLength: LIMITS.passwordMinLength, maxLength: LIMITS.passwordMaxLength });

export const CallStatusSchema = Type.Enum(CALL_STATUSES);
export const EndReasonSchema = Type.Enum(END_REASONS);
export const ErrorCodeSchema = Type.Enum(ERROR_CODES);

// ---------- error body ----------

/** The body of every 4xx/5xx answer. `callId` names the blocking call of a 409. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: ErrorCodeSchema,
    message: Type.String(),
    callId: Type.Optional(Uuid),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

// ---------- auth ----------

export const RegisterBody = Type.Object({ username: Username, password: Password }, { additionalProperties: false });
export type RegisterBody = Static<typeof RegisterBody>;

/** Login checks credentials, not the register rules, so any string of bounded length is accepted here. */
export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: LIMITS.usernameMaxLength * 4 }),
    password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMaxLength }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const LoginResponse = Type.Object({
  accessToken: Type.String(),
  /** When the token stops working. */
  expiresAt: Timestamp,
});
export type LoginResponse = Static<typeof LoginResponse>;

/** The current password is checked, not the register rules (an old password may predate them); the new one must meet them. */
const CurrentPassword = Type.String({ minLength: 1, maxLength: LIMITS.passwordMaxLength });

/**
 * `POST /auth/password`: ends every session of the user; the answer is a fresh token for the session that asked
 * (a {@link LoginResponse}), so it goes on while every other one is sent back to the login.
 */
export const ChangePasswordBody = Type.Object({ currentPassword: CurrentPassword, newPassword: Password }, { additionalProperties: false });
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

/** `DELETE /users/me`: the password again, so a token alone (a borrowed laptop) cannot delete the account. */
export const DeleteAccountBody = Type.Object({ password: CurrentPassword }, { additionalProperties: false });
export type DeleteAccountBody = Static<typeof DeleteAccountBody>;

// ---------- users ----------

export const UserDto = Type.Object({ id: Uuid, username: Type.String() });
export type UserDto = Static<typeof UserDto>;

export const UserListItem = Type.Object({ id: Uuid, username: Type.String(), online: Type.Boolean() });
export type UserListItem = Static<typeof UserListItem>;

export const UserList = Type.Array(UserListItem);
export type UserList = Static<typeof UserList>;

/**
 * One page of the user list. Without `limit` a page holds {@link LIMITS.userListDefaultLimit} users. The answer
 * stays a plain array (the seed's shape); when more follow, a `Link: <…>; rel="next"` header names the next page,
 * whose `after` is the username of the last user of this one.
 */
export const UserListQuery = Type.Object({
  /** Case-insensitive username prefix. */
  q: Type.Optional(Type.String({ maxLength: LIMITS.userSearchMaxLength })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.userListMaxLimit })),
  /** Only users whose name sorts after this one (case-insensitive): the last username of the previous page. */
  after: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.usernameMaxLength })),
});
export type UserListQuery = Static<typeof UserListQuery>;

/** A user named in the path (`/users/:id/block`). Any string: a malformed id names no user (404). */
export const UserIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export type UserIdParams = Static<typeof UserIdParams>;

/** Someone you blocked: their calls to you are refused as if you were busy, and they see you offline. */
export const BlockedUserDto = Type.Object({ id: Uuid, username: Type.String(), blockedAt: Timestamp });
export type BlockedUserDto = Static<typeof BlockedUserDto>;

export const BlockList = Type.Array(BlockedUserDto);
export type BlockList = Static<typeof BlockList>;

// ---------- calls ----------

export const CreateCallBody = Type.Object(
  {
    calleeId: Uuid,
    /**
     * The caller's WebSocket connection (from its `hello` message) that will carry the call. Optional for seed
     * compatibility: without it the caller's first connection that speaks about the call is bound to it.
     */
    connectionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** `audio` for a voice call; absent (the seed) means `video`. Passed on to the callee in `call:incoming`. */
    media: Type.Optional(Type.Enum(CALL_MEDIA)),
  },
  { additionalProperties: false },
);
export type CreateCallBody = Static<typeof CreateCallBody>;

export const CreateCallResponse = Type.Object({
  callId: Uuid,
  status: Type.Literal('created'),
  callee: UserDto,
  /** When the call stops ringing and ends as `missed`. */
  ringExpiresAt: Timestamp,
  /**
   * True when at least one of the callee's connections was sent `call:incoming` as the call was created: a device
   * of theirs is ringing. False while none is (they are offline): the caller gets `call:ringing` if one connects
   * before the ring times out.
   */
  ringing: Type.Boolean(),
});
export type CreateCallResponse = Static<typeof CreateCallResponse>;

export const CallIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export type CallIdParams = Static<typeof CallIdParams>;

export const CallDto = Type.Object({
  callId: Uuid,
  status: CallStatusSchema,
  callerId: Uuid,
  calleeId: Uuid,
  createdAt: Timestamp,
  answeredAt: Type.Optional(Timestamp),
  endedAt: Type.Optional(Timestamp),
  endReason: Type.Optional(EndReasonSchema),
});
export type CallDto = Static<typeof CallDto>;

export const EndCallResponse = Type.Object({
  status: Type.Literal('ended'),
  endReason: EndReasonSchema,
});
export type EndCallResponse = Static<typeof EndCallResponse>;

export const CallHistoryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.historyMaxLimit })),
  /** Only calls created strictly before this instant (the `createdAt` of the last item of the previous page). */
  before: Type.Optional(Timestamp),
});
export type CallHistoryQuery = Static<typeof CallHistoryQuery>;

export const CallHistoryItem = Type.Object({
  callId: Uuid,
  status: CallStatusSchema,
  direction: Type.Enum(['outgoing', 'incoming']),
  peer: UserDto,
  createdAt: Timestamp,
  answeredAt: Type.Optional(Timestamp),
  endedAt: Type.Optional(Timestamp),
  endReason: Type.Optional(EndReasonSchema),
  /** Talk time: from answer to end, only for calls that were answered and have ended. */
  durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type CallHistoryItem = Static<typeof CallHistoryItem>;

export const CallHistory = Type.Array(CallHistoryItem);
export type CallHistory = Static<typeof CallHistory>;

// ---------- WebRTC configuration ----------

export const IceServer = Type.Object({
  urls: Type.Array(Type.String()),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
export type IceServer = Static<typeof IceServer>;

export const RtcConfig = Type.Object({
  iceServers: Type.Array(IceServer),
  /** `relay` forces every call through TURN (operators use it to hide IP addresses, tests to prove TURN works). */
  iceTransportPolicy: Type.Enum(['all', 'relay']),
  /** When time-limited TURN credentials stop working; fetch again before then. */
  expiresAt: Timestamp,
});
export type RtcConfig = Static<typeof RtcConfig>;
