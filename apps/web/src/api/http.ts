import type { ErrorBody, ErrorCode } from '@parley/protocol';

/** Base of every REST call: the SPA is served by the API server itself (or proxied by Vite in development). */
export const API_BASE = '/api/v1';

/** A failed request: the server's error code, or `NETWORK` when there was no answer at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly callId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Any failure as an `ApiError`: a thrown `ApiError` as is, anything else as `NETWORK`. */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'NETWORK', String(error));
}

interface AuthHooks {
  token(): string | null;
  /** A request with a token got 401: the token is no longer good. */
  onUnauthorized(): void;
}

let hooks: AuthHooks = { token: () => null, onUnauthorized: () => undefined };

/** The session store installs itself here, so the API layer does not import the store. */
export function configureAuth(next: AuthHooks): void {
  hooks = next;
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

export interface RequestOptions {
  body?: unknown;
  /** Send the bearer token (default true). */
  auth?: boolean;
  signal?: AbortSignal;
  query?: Record<string, string | number | undefined>;
}

/**
 * One JSON request to the API. Responses are typed with the protocol's DTOs; the server declares a response schema
 * for every route and serialises through it, so the body is trusted to match (WebSocket frames, which carry data
 * relayed from the other browser, are validated instead).
 */
export async function request<T>(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.auth === false ? null : hooks.token();
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';

  let url = API_BASE + path;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query)) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : 'Network error');
  }

  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && token) hooks.onUnauthorized();
    if (isErrorBody(body)) {
      throw new ApiError(response.status, body.error.code, body.error.message, body.error.callId);
    }
    throw new ApiError(response.status, response.status >= 500 ? 'INTERNAL_ERROR' : 'NOT_FOUND', `HTTP ${response.status}`);
  }
  return body as T;
}
