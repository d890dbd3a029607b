import type { CallHistoryQuery, ChangePasswordBody, CreateCallBody, DeleteAccountBody, LoginBody, RegisterBody, UserListQuery } from '@parley/protocol';
import { request } from './http';

export { ApiError, asApiError, configureAuth, type ClientErrorCode } from './http';

// Each request names the answer it expects (a key of the protocol's REST_ANSWERS): its type and its check.
export const authApi = {
  register: (body: RegisterBody) => request('POST', '/auth/register', 'UserDto', { body, auth: false }),
  login: (body: LoginBody) => request('POST', '/auth/login', 'LoginResponse', { body, auth: false }),
  /** Ends this session on the server: the token is refused from then on. */
  logout: () => request('POST', '/auth/logout', 'NoContent'),
  /** Ends every other session; the answer is a fresh token for this one. */
  changePassword: (body: ChangePasswordBody) => request('POST', '/auth/password', 'LoginResponse', { body }),
};

export const usersApi = {
  me: (signal?: AbortSignal) => request('GET', '/users/me', 'UserDto', { signal }),
  /** One page of the list (`GET /users` pages: a short page is the last). */
  list: (query: UserListQuery = {}, signal?: AbortSignal) =>
    request('GET', '/users', 'UserList', { query: { q: query.q, limit: query.limit, after: query.after }, signal }),
  deleteMe: (body: DeleteAccountBody) => request('DELETE', '/users/me', 'NoContent', { body }),
};

export const blocksApi = {
  list: (signal?: AbortSignal) => request('GET', '/blocks', 'BlockList', { signal }),
  block: (userId: string) => request('PUT', `/users/${encodeURIComponent(userId)}/block`, 'NoContent'),
  unblock: (userId: string) => request('DELETE', `/users/${encodeURIComponent(userId)}/block`, 'NoContent'),
};

export const callsApi = {
  create: (body: CreateCallBody) => request('POST', '/calls', 'CreateCallResponse', { body }),
  get: (callId: string) => request('GET', `/calls/${encodeURIComponent(callId)}`, 'CallDto'),
  end: (callId: string) => request('POST', `/calls/${encodeURIComponent(callId)}/end`, 'EndCallResponse'),
  history: (query: CallHistoryQuery = {}) =>
    request('GET', '/calls', 'CallHistory', { query: { limit: query.limit, before: query.before } }),
};

export const rtcApi = {
  config: () => request('GET', '/rtc/config', 'RtcConfig'),
};
