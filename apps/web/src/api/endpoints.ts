import type { CallHistoryQuery, CreateCallBody, LoginBody, RegisterBody, UserListQuery } from '@parley/protocol';
import { request, requestNoContent } from './http';

export { ApiError, asApiError, configureAuth, type ClientErrorCode } from './http';

// Each request names the answer it expects (a key of the protocol's REST_ANSWERS): its type and its check.
export const authApi = {
  register: (body: RegisterBody) => request('POST', '/auth/register', 'UserDto', { body, auth: false }),
  login: (body: LoginBody) => request('POST', '/auth/login', 'LoginResponse', { body, auth: false }),
};

export const usersApi = {
  me: (signal?: AbortSignal) => request('GET', '/users/me', 'UserDto', { signal }),
  /** One page of the list (`GET /users` pages: a short page is the last). */
  list: (query: UserListQuery = {}, signal?: AbortSignal) =>
    request('GET', '/users', 'UserList', { query: { q: query.q, limit: query.limit, after: query.after }, signal }),
};

export const blocksApi = {
  list: (signal?: AbortSignal) => request('GET', '/blocks', 'BlockList', { signal }),
  block: (userId: string) => requestNoContent('PUT', `/users/${encodeURIComponent(userId)}/block`),
  unblock: (userId: string) => requestNoContent('DELETE', `/users/${encodeURIComponent(userId)}/block`),
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
