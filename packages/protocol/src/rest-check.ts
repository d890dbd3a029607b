import Type, { type Static, type TSchema } from 'typebox';
import { checker, firstError, type Checker } from './check.js';
import { BlockList, CallDto, CallHistory, CreateCallResponse, EndCallResponse, ErrorBody, LoginResponse, RtcConfig, UserDto, UserList } from './rest.js';

/**
 * Every body a REST answer can have, by name: the success bodies of the routes and the error body. A client names
 * the answer it expects (`'LoginResponse'`) and checks what arrived against it, as it checks WebSocket frames. The
 * name, not the schema, is what a request carries, so the web app can type its requests without loading the
 * schemas into its first chunk.
 */
export const REST_ANSWERS = {
  UserDto,
  LoginResponse,
  UserList,
  BlockList,
  CreateCallResponse,
  CallDto,
  EndCallResponse,
  CallHistory,
  RtcConfig,
  /** 204 No Content (`POST /auth/logout`, `DELETE /users/me`): no body, read as null. */
  NoContent: Type.Null(),
  ErrorBody,
} as const satisfies Record<string, TSchema>;

export type RestAnswerName = keyof typeof REST_ANSWERS;
/** The static type of the answer named `N`: `RestAnswer<'LoginResponse'>` is `LoginResponse`. */
export type RestAnswer<N extends RestAnswerName> = Static<(typeof REST_ANSWERS)[N]>;

export type CheckResult<T> = { ok: true; value: T } | { ok: false; error: string };

type Checkers = { readonly [N in RestAnswerName]: () => Checker<RestAnswer<N>> };

// Each entry is `checker(REST_ANSWERS[name])`, whose static type is `RestAnswer<name>`.
const answerCheckers = Object.fromEntries(Object.entries(REST_ANSWERS).map(([name, schema]) => [name, checker(schema)])) as unknown as Checkers;

/** Check an already-parsed REST answer body against the schema named `name`. Never throws. */
export function checkRestAnswer<N extends RestAnswerName>(name: N, value: unknown): CheckResult<RestAnswer<N>> {
  const check = answerCheckers[name]();
  if (check.check(value)) return { ok: true, value };
  return { ok: false, error: `not a ${name}: ${firstError(check.errors(value))}` };
}
