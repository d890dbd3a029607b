import type { checkRestAnswer, ErrorCode, RestAnswer, RestAnswerName } from '@parley/protocol';

/** Base of every REST call: the SPA is served by the API server itself (or proxied by Vite in development). */
export const API_BASE = '/api/v1';

/**
 * Failures the client names itself: `NETWORK` when there was no answer at all, `INVALID_RESPONSE` when the answer
 * is not what the API promises (not JSON, or a body its schema refuses) — say, a proxy's HTML error page.
 */
export type ClientErrorCode = 'NETWORK' | 'INVALID_RESPONSE';

/** A failed request: the server's error code, or one of the client's own. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
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

export interface RequestOptions {
  body?: unknown;
  /** Send the bearer token (default true). */
  auth?: boolean;
  signal?: AbortSignal;
  query?: Record<string, string | number | undefined>;
}

/**
 * The protocol's answer checker. The login screen's chunk does not carry the schemas (typebox is most of the
 * protocol chunk), so they are loaded with the first answer; the logged-in app needs that chunk anyway.
 */
async function loadChecker(): Promise<typeof checkRestAnswer> {
  try {
    return (await import('@parley/protocol')).checkRestAnswer;
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `Could not load the answer checker: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * One JSON request to the API. The answer is checked against the schema of the body `answer` names (errors against
 * the error body), as WebSocket frames are: what the server promised is parsed, not cast, so a malformed answer
 * becomes an `ApiError` (`INVALID_RESPONSE`) here rather than a crash somewhere in the UI.
 */
export async function request<N extends RestAnswerName>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  answer: N,
  options: RequestOptions = {},
): Promise<RestAnswer<N>> {
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
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
    text = await response.text();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : 'Network error');
  }

  const where = `${method} ${path}`;
  const check = await loadChecker();
  // A 204 has no body: it is read as null (the `NoContent` answer).
  const body = response.status === 204 ? { ok: true as const, value: null } : parseJson(text);
  if (!response.ok) {
    const error = body.ok ? check('ErrorBody', body.value) : null;
    // A wrong password re-entered (password change, account deletion) is about the password, not the session.
    if (response.status === 401 && token && !(error?.ok && error.value.error.code === 'INVALID_CREDENTIALS')) hooks.onUnauthorized();
    if (error?.ok) throw new ApiError(response.status, error.value.error.code, error.value.error.message, error.value.error.callId);
    // No error body of ours: a proxy or gateway answered. A 5xx is still the server side's failure.
    const code = response.status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_RESPONSE';
    throw new ApiError(response.status, code, `${where} answered HTTP ${response.status} without an error body`);
  }
  if (!body.ok) throw new ApiError(response.status, 'INVALID_RESPONSE', `${where} answered ${response.status} with a body that is not JSON`);
  const checked = check(answer, body.value);
  if (!checked.ok) throw new ApiError(response.status, 'INVALID_RESPONSE', `${where} answered ${response.status} with ${checked.error}`);
  return checked.value;
}
