/** Failure classification for the connection check: every answer that is not the one hoped for becomes a
 * SetupError that says what happened and what to do — a 401 is a rejected token, or (JSON-RPC -32002) only
 * an expired session; a 404 is a wrong URL, or a session the server forgot; 429 and 503 say how long to wait.
 * Short Retry-After waits are waited out here, once. Nothing here ever puts the credential into a message. */
import { SetupError } from '../errors.js';
import { networkError, type HttpClient, type HttpRequestInit, type Response } from '../net/http.js';
import { redact } from '../secrets.js';
import { parseBearerChallenge } from './www-authenticate.js';

/** Where mittwald users create API tokens. */
export const API_TOKENS_URL = 'https://studio.mittwald.de/app/profile/api-tokens';
export const TOKEN_HINT = `Create a new token in mStudio → User Settings → API Tokens (${API_TOKENS_URL}) and run the setup again.`;
const OAUTH_HINT = 'Sign in again (OAuth); if that keeps failing, remove the entry and set it up anew.';
export const RETRY_HINT = 'Try again; if it keeps failing, report it together with the output of --debug.';
export const NOT_MCP_HINT =
  'Check --server-url: it should be the Streamable HTTP endpoint ending in /mcp (https://mcp.mittwald.de/mcp); /sse URLs are retired.';

const DEFAULT_MAX_RETRY_AFTER_S = 10;

/** Knobs for tests and callers with their own patience. */
export interface RetryOptions {
  /** A 429 whose Retry-After is at most this many seconds is waited out and retried once (default 10). */
  maxRetryAfterSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Which step of the check a request belongs to: before the server proved to speak MCP, odd answers mean
 * "not an MCP endpoint"; after, they are protocol errors. */
export type Stage = 'initialize' | 'session';

/** What classification needs to know about the request that failed. */
export interface RequestContext {
  url: string;
  /** The Authorization header sent; undefined for the unauthenticated probe. */
  authorization: string | undefined;
  /** The session the request belonged to, if any. */
  sessionId: string | undefined;
}

export interface HttpFailure {
  status: number;
  contentType: string;
  wwwAuthenticate: string | undefined;
  retryAfter: string | undefined;
  /** The JSON-RPC error of a JSON body, when there is one. */
  rpcError: { code: number; message: string } | undefined;
  /** `error` / `error_description` of an OAuth-style JSON body, or a short text body. Redacted. */
  detail: string | undefined;
}

/** Thrown inside a check when the server says our session is gone; the caller re-initializes once. */
export class SessionLost extends Error {
  constructor(readonly failure: HttpFailure) {
    super('session lost');
  }
}

/** A 401 on a request sent without a credential: what the unauthenticated probe is looking for. */
export class ChallengeSeen extends Error {
  constructor(readonly challenge: Record<string, string> | undefined) {
    super('authentication required');
  }
}

/** Reads a non-2xx answer (its body included, so the connection can be reused); undefined for a 2xx. */
export async function readFailureIfNotOk(res: Response, secrets: readonly string[]): Promise<HttpFailure | undefined> {
  if (res.ok) return undefined;
  const contentType = (res.headers.get('content-type') ?? '').toLowerCase();
  let text = '';
  try {
    text = await res.text();
  } catch {
    // A body that breaks off tells nothing more than the status.
  }
  const json = contentType.includes('json') ? parseJsonOrUndefined(text) : undefined;
  const error = (json as { error?: unknown } | undefined)?.error;
  return {
    status: res.status,
    contentType,
    wwwAuthenticate: res.headers.get('www-authenticate') ?? undefined,
    retryAfter: res.headers.get('retry-after') ?? undefined,
    rpcError: isRpcError(error) ? { code: error.code, message: error.message } : undefined,
    detail: failureDetail(json, contentType, text, secrets),
  };
}

function isRpcError(value: unknown): value is { code: number; message: string } {
  if (!value || typeof value !== 'object') return false;
  const { code, message } = value as { code?: unknown; message?: unknown };
  return typeof code === 'number' && typeof message === 'string';
}

function failureDetail(json: unknown, contentType: string, text: string, secrets: readonly string[]): string | undefined {
  let detail: string | undefined;
  if (json && typeof json === 'object') {
    const body = json as { error?: unknown; error_description?: unknown; message?: unknown };
    if (typeof body.error_description === 'string') detail = body.error_description;
    else if (body.error && typeof body.error === 'object' && typeof (body.error as { message?: unknown }).message === 'string') {
      detail = (body.error as { message: string }).message;
    } else if (typeof body.message === 'string') detail = body.message;
    else if (typeof body.error === 'string') detail = body.error;
  } else if (contentType.startsWith('text/plain') && text.trim() !== '') {
    detail = text.trim();
  }
  return detail === undefined ? undefined : clip(redact(detail, secrets));
}

/** A failed MCP request as the error to report — or SessionLost / ChallengeSeen for the caller to handle. */
export function classifyMcpFailure(request: RequestContext, failure: HttpFailure, stage: Stage): Error {
  const { status } = failure;
  if (status === 401) {
    if (failure.rpcError?.code === -32002 && request.sessionId !== undefined) return new SessionLost(failure);
    if (request.authorization === undefined) return new ChallengeSeen(parseBearerChallenge(failure.wwwAuthenticate ?? ''));
    const challenge = parseBearerChallenge(failure.wwwAuthenticate ?? '');
    return tokenRejected(request.authorization, challenge?.['error'] ? ` (${challenge['error']})` : '');
  }
  // The spec's way of saying the session is gone; mittwald uses -32001 for it.
  if (status === 404 && request.sessionId !== undefined && stage === 'session') return new SessionLost(failure);
  if (status === 403) {
    return new SetupError('FORBIDDEN', `The mittwald MCP server refused access (403)${failure.detail ? `: ${failure.detail}` : ''}.`, {
      hint: 'The token needs the api_read or api_write role (or, with OAuth, more scopes): create a token with more rights, or sign in again with --scopes.',
    });
  }
  if (status === 404 || status === 405) {
    return new SetupError('NOT_MCP', `${request.url} is not an MCP endpoint (HTTP ${status}).`, { hint: NOT_MCP_HINT });
  }
  if (status === 400 && stage === 'initialize' && failure.rpcError === undefined) {
    return new SetupError('NOT_MCP', `${request.url} did not accept an MCP initialize request (HTTP 400).`, { hint: NOT_MCP_HINT });
  }
  return commonFailure(failure, request.url, 'The MCP server', stage === 'initialize' ? NOT_MCP_HINT : RETRY_HINT);
}

/** The credential in `authorization` was refused; `reason` is the challenge's error, e.g. " (invalid_token)". */
export function tokenRejected(authorization: string | undefined, reason: string): SetupError {
  const oauth = authorization !== undefined && isJwtBearer(authorization);
  return new SetupError(
    'TOKEN_REJECTED',
    `The mittwald MCP server rejected the ${oauth ? 'OAuth access token' : 'token'}${reason}: it is wrong, revoked or expired.`,
    { hint: oauth ? OAUTH_HINT : TOKEN_HINT },
  );
}

/** Status handling shared by the API and the MCP check: 429, 5xx, and anything else unexpected. */
export function commonFailure(failure: HttpFailure, url: string, who: string, otherHint: string): SetupError {
  const { status } = failure;
  const subject = who.charAt(0).toUpperCase() + who.slice(1);
  if (status === 429) {
    const wait = retryAfterSeconds(failure.retryAfter);
    return new SetupError(
      'RATE_LIMITED',
      `${subject} is rate-limiting requests (HTTP 429)${wait !== undefined ? `; it asks to wait ${formatWait(wait)}` : ''}.`,
      { hint: `Wait ${wait !== undefined ? formatWait(wait) : 'a minute'} and run the check again (the limit is about 100 requests a minute).` },
    );
  }
  if (status === 503) {
    // Maintenance or overload: a wait, not a fault; Retry-After says how long when the server knows.
    const wait = retryAfterSeconds(failure.retryAfter);
    const when = wait !== undefined ? `in ${formatWait(wait)}` : 'in a few minutes';
    return new SetupError('UNAVAILABLE', `${subject} is temporarily unavailable (HTTP 503); retry ${when}.`, {
      hint: `Run the same command again ${when}.`,
    });
  }
  if (status >= 500) {
    return new SetupError('SERVER_ERROR', `${subject} had an internal problem (HTTP ${status})${failure.detail ? `: ${failure.detail}` : ''}.`, {
      hint: 'This is on the server side: try again in a few minutes.',
    });
  }
  const detail = failure.rpcError ? `${failure.rpcError.message} (${failure.rpcError.code})` : failure.detail;
  return new SetupError('PROTOCOL', `${url} answered HTTP ${status}${detail ? `: ${detail}` : ''}.`, { hint: otherHint });
}

export function sessionExpiredError(failure: HttpFailure): SetupError {
  return new SetupError(
    'SESSION_EXPIRED',
    `The MCP server ended the session again right after a new one was opened (HTTP ${failure.status}).`,
    { hint: 'Try again in a minute; if it keeps happening, the mittwald MCP server has a problem.' },
  );
}

export function protocolError(method: string, what: string): SetupError {
  return new SetupError('PROTOCOL', `The MCP server answered ${method} with ${what}.`, { hint: RETRY_HINT });
}

// ---------------------------------------------------------------------------------------------------------------
// Rate limits

/** fetch, but a 429 whose Retry-After is short is waited out and the request sent once more. */
export async function fetchRespectingRateLimit(http: HttpClient, url: string, init: HttpRequestInit, options: RetryOptions): Promise<Response> {
  const res = await http.fetch(url, init);
  if (res.status !== 429) return res;
  const wait = retryAfterSeconds(res.headers.get('retry-after') ?? undefined);
  if (wait === undefined || wait > (options.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_S)) return res;
  await res.discard();
  await (options.sleep ?? sleep)(wait * 1000);
  return http.fetch(url, init);
}

/** Retry-After as seconds: delta-seconds or an HTTP date. */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function formatWait(seconds: number): string {
  return seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers shared by the checks

function isJwtBearer(authorization: string): boolean {
  return /^Bearer\s+[^.\s]+\.[^.\s]+\.[^.\s]+\s*$/i.test(authorization);
}

/** The Authorization header and the credential in it: what must never appear in a message. */
export function secretsOf(authorization: string | undefined): string[] {
  if (authorization === undefined) return [];
  return [authorization, authorization.replace(/^\S+\s+/, '')];
}

/** The body as text; a body that breaks off or times out becomes the same SetupError as a failed request. */
export async function readText(res: Response, url: string): Promise<string> {
  try {
    return await res.text();
  } catch (error) {
    throw bodyError(url, error);
  }
}

export function bodyError(url: string, error: unknown): SetupError {
  if (error instanceof SetupError) return error;
  const name = error instanceof Error ? error.name : '';
  return networkError(url, error, name === 'TimeoutError' || name === 'AbortError');
}

export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function clip(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function quote(text: string): string {
  return JSON.stringify(clip(text, 40));
}
