import type {
  CallDto,
  CallHistory,
  CallHistoryQuery,
  CreateCallBody,
  CreateCallResponse,
  EndCallResponse,
  LoginBody,
  LoginResponse,
  RegisterBody,
  RtcConfig,
  UserDto,
  UserList,
} from '@parley/protocol';
import { request } from './http';

export { ApiError, asApiError, configureAuth } from './http';

export const authApi = {
  register: (body: RegisterBody) => request<UserDto>('POST', '/auth/register', { body, auth: false }),
  login: (body: LoginBody) => request<LoginResponse>('POST', '/auth/login', { body, auth: false }),
};

export const usersApi = {
  me: (signal?: AbortSignal) => request<UserDto>('GET', '/users/me', { signal }),
  list: (q?: string, signal?: AbortSignal) => request<UserList>('GET', '/users', { query: { q }, signal }),
};

export const callsApi = {
  create: (body: CreateCallBody) => request<CreateCallResponse>('POST', '/calls', { body }),
  get: (callId: string) => request<CallDto>('GET', `/calls/${encodeURIComponent(callId)}`),
  end: (callId: string) => request<EndCallResponse>('POST', `/calls/${encodeURIComponent(callId)}/end`),
  history: (query: CallHistoryQuery = {}) =>
    request<CallHistory>('GET', '/calls', { query: { limit: query.limit, before: query.before } }),
};

export const rtcApi = {
  config: () => request<RtcConfig>('GET', '/rtc/config'),
};
