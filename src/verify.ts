/** The connection check: a small MCP client over the shared HttpClient that runs initialize → initialized →
 * tools/list → tools/call mittwald_user_get → DELETE, plus the REST token check and the unauthenticated probe.
 * Our own client rather than the SDK's: the bundle stays small and every failure can be told apart (a 401 is
 * a rejected token — or, with JSON-RPC -32002, only an expired session), each as a SetupError with a next step.
 * Nothing here ever puts the credential into a message. */
import { z } from 'zod';
import { SetupError } from './errors.js';
import { networkError, type HttpClient, type HttpRequestInit, type Response } from './http.js';
import { redact } from './secrets.js';

export interface Identity {
  userId: string;
  /** "firstName lastName" */
  name: string;
  email?: string;
}

export interface McpCheck {
  serverName: string;
  serverVersion: string;
  protocolVersion: string;
  toolCount: number;
  /** From mittwald_user_get; absent when the server offers no such tool. */
  identity?: Identity;
}

export interface AuthProbe {
  requiresAuth: boolean;
  /** mittwald's own `authorization_uri` challenge parameter. */
  authorizationUri?: string;
  /** The MCP spec's `resource_metadata` challenge parameter (mittwald sends none). */
  resourceMetadata?: string;
}

/** Knobs for tests and callers with their own patience. */
export interface VerifyOptions {
  /** A 429 whose Retry-After is at most this many seconds is waited out and retried once (default 10). */
  maxRetryAfterSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Where mittwald users create API tokens. */
export const API_TOKENS_URL = 'https://studio.mittwald.de/app/profile/api-tokens';
/** The version we ask for; the server's answer in the initialize result is the one we then use. */
export const REQUESTED_PROTOCOL_VERSION = '2025-11-25';
const KNOWN_PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const USER_TOOL = 'mittwald_user_get';
const MAX_TOOL_PAGES = 50;
const DEFAULT_MAX_RETRY_AFTER_S = 10;

const CLIENT_ACCEPT = 'application/json, text/event-stream';
const TOKEN_HINT = `Create a new token in mStudio → User Settings → API Tokens (${API_TOKENS_URL}) and run the setup again.`;
const OAUTH_HINT = 'Sign in again (OAuth); if that keeps failing, remove the entry and set it up anew.';
const RETRY_HINT = 'Try again; if it keeps failing, report it together with the output of --debug.';
const NOT_MCP_HINT =
  'Check --server-url: it should be the Streamable HTTP endpoint ending in /mcp (https://mcp.mittwald.de/mcp); /sse URLs are retired.';

// ---------------------------------------------------------------------------------------------------------------
// REST API check

const UserSelfSchema = z.object({
  userId: z.string().min(1),
  email: z.string().optional(),
  person: z.object({ firstName: z.string(), lastName: z.string() }),
});

/** GET <apiUrl>/v2/users/self with the token: who it belongs to. Throws a SetupError: TOKEN_REJECTED (401),
 * FORBIDDEN (403), RATE_LIMITED, SERVER_ERROR, PROTOCOL (not the mittwald API), or a network code. */
export async function checkApiToken(http: HttpClient, apiUrl: string, token: string, options: VerifyOptions = {}): Promise<Identity> {
  const url = `${apiUrl.replace(/\/+$/, '')}/v2/users/self`;
  const res = await fetchRespectingRateLimit(
    http,
    url,
    { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
    options,
  );
  const failure = await readFailureIfNotOk(res, [token]);
  if (failure) {
    if (failure.status === 401) {
      throw new SetupError('TOKEN_REJECTED', 'The mittwald API rejected the token (401): it is wrong, revoked or expired.', {
        hint: TOKEN_HINT,
      });
    }
    if (failure.status === 403) {
      throw new SetupError('FORBIDDEN', 'The mittwald API refused to tell who the token belongs to (403).', {
        hint: 'Give the token the api_read or api_write role in mStudio, or create a new one.',
      });
    }
    throw commonFailure(failure, url, 'the mittwald API', 'Check --api-url (default https://api.mittwald.de).');
  }
  const parsed = UserSelfSchema.safeParse(parseJsonOrUndefined(await readText(res, url)));
  if (!parsed.success) {
    throw new SetupError('PROTOCOL', `${url} answered, but not with a mittwald user.`, {
      hint: 'Check --api-url (default https://api.mittwald.de).',
    });
  }
  return toIdentity(parsed.data);
}

// ---------------------------------------------------------------------------------------------------------------
// MCP check

const JsonRpcIdSchema = z.union([z.string(), z.number()]);
const JsonRpcErrorSchema = z.object({ code: z.number(), message: z.string(), data: z.unknown().optional() });
const JsonRpcResponseSchema = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: JsonRpcIdSchema, result: z.unknown() }),
  z.object({ jsonrpc: z.literal('2.0'), id: JsonRpcIdSchema.nullable(), error: JsonRpcErrorSchema }),
]);
type JsonRpcResponse = z.infer<typeof JsonRpcResponseSchema>;

const InitializeResultSchema = z.object({
  protocolVersion: z.string(),
  capabilities: z.record(z.string(), z.unknown()),
  serverInfo: z.object({ name: z.string(), version: z.string() }),
});
const ListToolsResultSchema = z.object({
  tools: z.array(z.object({ name: z.string() })),
  nextCursor: z.string().optional(),
});
const CallToolResultSchema = z.object({
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  isError: z.boolean().optional(),
});
const UserGetPayloadSchema = z.object({
  status: z.literal('success'),
  data: z.object({ user: UserSelfSchema }),
});

/** Which step of the check a request belongs to: before the server proved to speak MCP, odd answers mean
 * "not an MCP endpoint"; after, they are protocol errors. */
type Stage = 'initialize' | 'session';

interface Connection {
  http: HttpClient;
  url: string;
  authorization: string | undefined;
  options: VerifyOptions;
  nextId: number;
  sessionId: string | undefined;
  protocolVersion: string | undefined;
  /** Re-initializations still allowed after the server lost or expired our session. */
  reinitBudget: number;
}

/** Thrown inside a check when the server says our session is gone; the caller re-initializes once. */
class SessionLost extends Error {
  constructor(readonly failure: HttpFailure) {
    super('session lost');
  }
}

/** initialize (JSON or SSE reply) → notifications/initialized → tools/list (all pages) → tools/call
 * mittwald_user_get {arguments:{}} → DELETE the session (best effort). An expired or lost session is
 * re-initialized once. Throws a SetupError: UNREACHABLE / TIMEOUT / TLS, TOKEN_REJECTED, SESSION_EXPIRED,
 * FORBIDDEN, NOT_MCP, RATE_LIMITED, SERVER_ERROR or PROTOCOL. */
export async function checkMcp(http: HttpClient, serverUrl: string, authorization: string, options: VerifyOptions = {}): Promise<McpCheck> {
  const conn: Connection = {
    http,
    url: serverUrl,
    authorization,
    options,
    nextId: 1,
    sessionId: undefined,
    protocolVersion: undefined,
    reinitBudget: 1,
  };
  try {
    const init = await initialize(conn);
    const toolNames = await listAllTools(conn);
    const identity = toolNames.includes(USER_TOOL) ? await fetchIdentity(conn) : undefined;
    return {
      serverName: init.serverInfo.name,
      serverVersion: init.serverInfo.version,
      protocolVersion: init.protocolVersion,
      toolCount: toolNames.length,
      ...(identity ? { identity } : {}),
    };
  } finally {
    await endSession(conn);
  }
}

/** POST initialize without a credential and report the challenge (for OAuth entries, where we hold no token):
 * a 401 means reachable and asking for a sign-in; `authorization_uri` / `resource_metadata` are passed on when
 * the Bearer challenge names them. Throws like checkMcp for anything that is not MCP or not reachable. */
export async function probeMcpAuth(http: HttpClient, serverUrl: string, options: VerifyOptions = {}): Promise<AuthProbe> {
  const conn: Connection = {
    http,
    url: serverUrl,
    authorization: undefined,
    options,
    nextId: 1,
    sessionId: undefined,
    protocolVersion: undefined,
    reinitBudget: 0,
  };
  try {
    await initialize(conn);
    return { requiresAuth: false };
  } catch (error) {
    if (!(error instanceof ChallengeSeen)) throw error;
    const params = error.challenge ?? {};
    return {
      requiresAuth: true,
      ...(params['authorization_uri'] ? { authorizationUri: params['authorization_uri'] } : {}),
      ...(params['resource_metadata'] ? { resourceMetadata: params['resource_metadata'] } : {}),
    };
  } finally {
    await endSession(conn);
  }
}

/** A 401 on a request sent without a credential: what probeMcpAuth is looking for. */
class ChallengeSeen extends Error {
  constructor(readonly challenge: Record<string, string> | undefined) {
    super('authentication required');
  }
}

async function initialize(conn: Connection): Promise<z.infer<typeof InitializeResultSchema>> {
  conn.sessionId = undefined;
  conn.protocolVersion = undefined;
  const version = conn.http.userAgent.split('/')[1] ?? '0.0.0';
  const { result, sessionId } = await rpcOnce(
    conn,
    'initialize',
    {
      protocolVersion: REQUESTED_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'mittwald-mcp-setup', version },
    },
    'initialize',
  );
  const parsed = InitializeResultSchema.safeParse(result);
  if (!parsed.success) {
    throw new SetupError('NOT_MCP', `${conn.url} answered initialize, but not with an MCP initialize result.`, { hint: NOT_MCP_HINT });
  }
  if (!KNOWN_PROTOCOL_VERSIONS.includes(parsed.data.protocolVersion)) {
    throw new SetupError('PROTOCOL', `The server chose MCP protocol version ${quote(parsed.data.protocolVersion)}, which this tool does not speak.`, {
      hint: 'Update mittwald-mcp-setup (npx mittwald-mcp-setup@latest) and try again.',
    });
  }
  conn.sessionId = sessionId;
  conn.protocolVersion = parsed.data.protocolVersion;
  await notify(conn, 'notifications/initialized');
  return parsed.data;
}

async function listAllTools(conn: Connection): Promise<string[]> {
  const names: string[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await rpc(conn, 'tools/list', cursor === undefined ? {} : { cursor });
    const parsed = ListToolsResultSchema.safeParse(result);
    if (!parsed.success) throw protocolError('tools/list', 'a malformed tool list');
    names.push(...parsed.data.tools.map((tool) => tool.name));
    cursor = parsed.data.nextCursor;
    if (cursor === undefined || cursor === '') return names;
    // A server that hands out the same cursor again would keep us paging forever.
    if (seen.has(cursor)) throw protocolError('tools/list', 'a cursor it had already sent');
    seen.add(cursor);
  }
  throw protocolError('tools/list', `more than ${MAX_TOOL_PAGES} pages`);
}

async function fetchIdentity(conn: Connection): Promise<Identity> {
  const result = await rpc(conn, 'tools/call', { name: USER_TOOL, arguments: {} });
  const parsed = CallToolResultSchema.safeParse(result);
  if (!parsed.success) throw protocolError(USER_TOOL, 'a malformed tool result');
  const text = parsed.data.content.find((item) => item.type === 'text')?.text ?? '';
  const payload = parseJsonOrUndefined(text);
  const status = payload && typeof payload === 'object' ? (payload as { status?: unknown }).status : undefined;
  if (parsed.data.isError === true || status === 'error') {
    const detail = clip(redact(toolErrorMessage(payload) ?? text, secretsOf(conn)));
    // The server validates a token through a cache; a token revoked since then fails only here, upstream.
    if (/\b401\b|unauthori[sz]ed|invalid[_ ]token/i.test(detail)) throw tokenRejected(conn, '');
    if (/\b403\b|forbidden|scope|permission/i.test(detail)) {
      throw new SetupError('FORBIDDEN', `The server refused to read your user profile${detail ? `: ${detail}` : ''}.`, {
        hint: 'The token needs the api_read or api_write role (or, with OAuth, the user:read scope): create a token with more rights, or sign in with more scopes.',
      });
    }
    throw new SetupError('PROTOCOL', `${USER_TOOL} failed${detail ? `: ${detail}` : ''}.`, {
      hint: 'Try again in a minute; if it keeps failing, the mittwald MCP server has a problem.',
    });
  }
  const user = UserGetPayloadSchema.safeParse(payload);
  if (!user.success) throw protocolError(USER_TOOL, 'no user in its result');
  return toIdentity(user.data.data.user);
}

async function endSession(conn: Connection): Promise<void> {
  if (conn.sessionId === undefined) return;
  const headers = sessionHeaders(conn);
  conn.sessionId = undefined;
  try {
    // Best effort: mittwald may answer 405 (the spec allows refusing DELETE) and the check already succeeded.
    const res = await conn.http.fetch(conn.url, { method: 'DELETE', headers, timeoutMs: 5_000 });
    await res.body?.cancel().catch(() => undefined);
  } catch {
    // ignored on purpose: see above
  }
}

/** A request within the session; re-initializes once when the server lost or expired the session. */
async function rpc(conn: Connection, method: string, params: Record<string, unknown>): Promise<unknown> {
  return withSessionRecovery(conn, async () => (await rpcOnce(conn, method, params, 'session')).result, true);
}

/** A notification within the session; after a re-initialization it is not repeated, as initialize sends
 * the only notification we use. */
async function notify(conn: Connection, method: string): Promise<void> {
  const send = async (): Promise<void> => {
    const res = await post(conn, { jsonrpc: '2.0', method });
    const failure = await readFailureIfNotOk(res, secretsOf(conn));
    if (failure) throw classifyMcpFailure(conn, failure, 'session');
    await res.body?.cancel().catch(() => undefined);
  };
  await withSessionRecovery(conn, send, false);
}

/** Runs `step`; when the server says the session is gone (401 -32002, or 404 on our session id), opens a new
 * session — once per check — and, if `repeat`, runs the step again. A second loss is SESSION_EXPIRED. */
async function withSessionRecovery<T>(conn: Connection, step: () => Promise<T>, repeat: boolean): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof SessionLost)) throw error;
    if (conn.reinitBudget <= 0) throw sessionExpiredError(error.failure);
    conn.reinitBudget--;
    await initialize(conn);
    if (!repeat) return undefined;
    try {
      return await step();
    } catch (retryError) {
      throw retryError instanceof SessionLost ? sessionExpiredError(retryError.failure) : retryError;
    }
  }
}

/** One JSON-RPC request → its response (from a JSON body or the SSE stream). */
async function rpcOnce(
  conn: Connection,
  method: string,
  params: Record<string, unknown>,
  stage: Stage,
): Promise<{ result: unknown; sessionId: string | undefined }> {
  const id = conn.nextId++;
  const res = await post(conn, { jsonrpc: '2.0', id, method, params });
  const failure = await readFailureIfNotOk(res, secretsOf(conn));
  if (failure) throw classifyMcpFailure(conn, failure, stage);
  const response = await readJsonRpcResponse(res, id, conn, stage, method);
  if ('error' in response) {
    const detail = clip(redact(`${response.error.message} (${response.error.code})`, secretsOf(conn)));
    throw new SetupError('PROTOCOL', `The MCP server answered ${method} with an error: ${detail}.`, { hint: RETRY_HINT });
  }
  return { result: response.result, sessionId: res.headers.get('mcp-session-id') ?? undefined };
}

function post(conn: Connection, message: Record<string, unknown>): Promise<Response> {
  return fetchRespectingRateLimit(
    conn.http,
    conn.url,
    {
      method: 'POST',
      headers: { ...sessionHeaders(conn), 'content-type': 'application/json', accept: CLIENT_ACCEPT },
      body: JSON.stringify(message),
    },
    conn.options,
  );
}

function sessionHeaders(conn: Connection): Record<string, string> {
  const headers: Record<string, string> = {};
  if (conn.authorization !== undefined) headers['authorization'] = conn.authorization;
  if (conn.sessionId !== undefined) headers['mcp-session-id'] = conn.sessionId;
  if (conn.protocolVersion !== undefined) headers['mcp-protocol-version'] = conn.protocolVersion;
  return headers;
}

/** Reads the reply to request `id`: a JSON body, or the SSE stream up to the event that carries it. */
async function readJsonRpcResponse(res: Response, id: number, conn: Connection, stage: Stage, method: string): Promise<JsonRpcResponse> {
  const contentType = (res.headers.get('content-type') ?? '').toLowerCase();
  const notMcp = (what: string): SetupError =>
    stage === 'initialize'
      ? new SetupError('NOT_MCP', `${conn.url} is not an MCP endpoint: it answered ${what}.`, { hint: NOT_MCP_HINT })
      : protocolError(method, what);
  if (contentType.startsWith('text/event-stream')) {
    const found = await findInEventStream(res, id).catch((error: unknown) => {
      throw bodyError(conn.url, error);
    });
    if (found === undefined) throw notMcp('an event stream without a reply to our request');
    return found;
  }
  if (contentType.startsWith('application/json') || contentType.includes('+json')) {
    const body = parseJsonOrUndefined(await readText(res, conn.url));
    const found = body === undefined ? undefined : matchResponse(body, id);
    if (found === undefined) throw notMcp('JSON that is not a JSON-RPC reply');
    return found;
  }
  await res.body?.cancel().catch(() => undefined);
  throw notMcp(contentType ? `with ${contentType.split(';')[0]} instead of JSON or an event stream` : 'without a content type');
}

/** The JSON-RPC response with our id in a message or batch, if any. */
function matchResponse(message: unknown, id: number): JsonRpcResponse | undefined {
  for (const candidate of Array.isArray(message) ? message : [message]) {
    const parsed = JsonRpcResponseSchema.safeParse(candidate);
    if (parsed.success && (parsed.data.id === id || parsed.data.id === String(id))) return parsed.data;
    // An error with a null id is the server failing to read our request at all: it answers it.
    if (parsed.success && 'error' in parsed.data && parsed.data.id === null) return parsed.data;
  }
  return undefined;
}

/** Reads SSE events (WHATWG event-stream format) until one carries the response to `id`, then stops reading:
 * a server may keep the stream open after it. */
async function findInEventStream(res: Response, id: number): Promise<JsonRpcResponse | undefined> {
  if (!res.body) return undefined;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new EventStreamParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const events = parser.push(done ? decoder.decode() : decoder.decode(value, { stream: true }), done);
      for (const event of events) {
        if (event.event !== 'message' || event.data === '') continue;
        const message = parseJsonOrUndefined(event.data);
        const found = message === undefined ? undefined : matchResponse(message, id);
        if (found) return found;
      }
      if (done) return undefined;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/** Incremental parser of the event-stream format: fields `event`, `data` (several lines joined by "\n"),
 * `id`; comments and `retry` ignored; lines end in CRLF, LF or CR; a blank line dispatches the event. */
export class EventStreamParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private lastId: string | undefined;

  /** Feeds text; returns the events completed by it. `end` also completes a last event that lacks its blank
   * line: the format says to drop it, but a server that closes the stream early still meant it. */
  push(text: string, end = false): ServerSentEvent[] {
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone CR at the end of the buffer may be the first half of CRLF: wait for more.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1 && !end)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    if (end) {
      if (this.buffer !== '') this.line(this.buffer);
      this.buffer = '';
      const last = this.dispatch();
      if (last) events.push(last);
    }
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const hasData = this.data.length > 0;
    const event: ServerSentEvent = {
      event: this.eventType || 'message',
      data: this.data.join('\n'),
      ...(this.lastId !== undefined ? { id: this.lastId } : {}),
    };
    this.data = [];
    this.eventType = '';
    return hasData ? event : undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Failure classification

interface HttpFailure {
  status: number;
  contentType: string;
  wwwAuthenticate: string | undefined;
  retryAfter: string | undefined;
  /** The JSON-RPC error of a JSON body, when there is one. */
  rpcError: { code: number; message: string } | undefined;
  /** `error` / `error_description` of an OAuth-style JSON body, or a short text body. Redacted. */
  detail: string | undefined;
}

async function readFailureIfNotOk(res: Response, secrets: readonly string[]): Promise<HttpFailure | undefined> {
  if (res.ok) return undefined;
  const contentType = (res.headers.get('content-type') ?? '').toLowerCase();
  let text = '';
  try {
    text = await res.text();
  } catch {
    // A body that breaks off tells nothing more than the status.
  }
  const json = contentType.includes('json') ? parseJsonOrUndefined(text) : undefined;
  const rpcError = JsonRpcErrorSchema.safeParse((json as { error?: unknown } | undefined)?.error);
  return {
    status: res.status,
    contentType,
    wwwAuthenticate: res.headers.get('www-authenticate') ?? undefined,
    retryAfter: res.headers.get('retry-after') ?? undefined,
    rpcError: rpcError.success ? { code: rpcError.data.code, message: rpcError.data.message } : undefined,
    detail: failureDetail(json, contentType, text, secrets),
  };
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

function classifyMcpFailure(conn: Connection, failure: HttpFailure, stage: Stage): Error {
  const { status } = failure;
  if (status === 401) {
    if (failure.rpcError?.code === -32002 && conn.sessionId !== undefined) return new SessionLost(failure);
    if (conn.authorization === undefined) return new ChallengeSeen(parseBearerChallenge(failure.wwwAuthenticate ?? ''));
    const challenge = parseBearerChallenge(failure.wwwAuthenticate ?? '');
    return tokenRejected(conn, challenge?.['error'] ? ` (${challenge['error']})` : '');
  }
  // The spec's way of saying the session is gone; mittwald uses -32001 for it.
  if (status === 404 && conn.sessionId !== undefined && stage === 'session') return new SessionLost(failure);
  if (status === 403) {
    return new SetupError('FORBIDDEN', `The mittwald MCP server refused access (403)${failure.detail ? `: ${failure.detail}` : ''}.`, {
      hint: 'The token needs the api_read or api_write role (or, with OAuth, more scopes): create a token with more rights, or sign in again with --scopes.',
    });
  }
  if (status === 404 || status === 405) {
    return new SetupError('NOT_MCP', `${conn.url} is not an MCP endpoint (HTTP ${status}).`, { hint: NOT_MCP_HINT });
  }
  if (status === 400 && stage === 'initialize' && failure.rpcError === undefined) {
    return new SetupError('NOT_MCP', `${conn.url} did not accept an MCP initialize request (HTTP 400).`, { hint: NOT_MCP_HINT });
  }
  return commonFailure(failure, conn.url, 'The MCP server', stage === 'initialize' ? NOT_MCP_HINT : RETRY_HINT);
}

/** The credential on `conn` was refused; `reason` is the challenge's error, e.g. " (invalid_token)". */
function tokenRejected(conn: Connection, reason: string): SetupError {
  const oauth = conn.authorization !== undefined && isJwtBearer(conn.authorization);
  return new SetupError(
    'TOKEN_REJECTED',
    `The mittwald MCP server rejected the ${oauth ? 'OAuth access token' : 'token'}${reason}: it is wrong, revoked or expired.`,
    { hint: oauth ? OAUTH_HINT : TOKEN_HINT },
  );
}

/** Status handling shared by the API and the MCP check: 429, 5xx, and anything else unexpected. */
function commonFailure(failure: HttpFailure, url: string, who: string, otherHint: string): SetupError {
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

function sessionExpiredError(failure: HttpFailure): SetupError {
  return new SetupError(
    'SESSION_EXPIRED',
    `The MCP server ended the session again right after a new one was opened (HTTP ${failure.status}).`,
    { hint: 'Try again in a minute; if it keeps happening, the mittwald MCP server has a problem.' },
  );
}

function protocolError(method: string, what: string): SetupError {
  return new SetupError('PROTOCOL', `The MCP server answered ${method} with ${what}.`, { hint: RETRY_HINT });
}

// ---------------------------------------------------------------------------------------------------------------
// Rate limits

/** fetch, but a 429 whose Retry-After is short is waited out and the request sent once more. */
async function fetchRespectingRateLimit(http: HttpClient, url: string, init: HttpRequestInit, options: VerifyOptions): Promise<Response> {
  const res = await http.fetch(url, init);
  if (res.status !== 429) return res;
  const wait = retryAfterSeconds(res.headers.get('retry-after') ?? undefined);
  if (wait === undefined || wait > (options.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_S)) return res;
  await res.body?.cancel().catch(() => undefined);
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
// Small parsers

/** The parameters of the Bearer challenge in a WWW-Authenticate value (RFC 9110 §11.6.1): names lower-cased,
 * quoted strings unescaped. Undefined when there is no Bearer challenge. */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const tokens = tokenizeChallenges(header);
  let params: Record<string, string> | undefined;
  for (const item of tokens) {
    if (item.kind === 'scheme') {
      if (params) return params;
      params = item.name.toLowerCase() === 'bearer' ? {} : undefined;
    } else if (params) {
      params[item.name.toLowerCase()] = item.value;
    }
  }
  return params;
}

type ChallengeToken = { kind: 'scheme'; name: string } | { kind: 'param'; name: string; value: string };

function tokenizeChallenges(header: string): ChallengeToken[] {
  const out: ChallengeToken[] = [];
  let i = 0;
  const skip = (pattern: RegExp): void => {
    while (i < header.length && pattern.test(header.charAt(i))) i++;
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const start = i;
    skip(/[^\s,=]/);
    const name = header.slice(start, i);
    if (name === '') break;
    skip(/\s/);
    if (header.charAt(i) !== '=') {
      out.push({ kind: 'scheme', name });
      continue;
    }
    i++;
    skip(/\s/);
    let value = '';
    if (header.charAt(i) === '"') {
      i++;
      while (i < header.length && header.charAt(i) !== '"') {
        if (header.charAt(i) === '\\') i++;
        value += header.charAt(i);
        i++;
      }
      i++;
    } else {
      const valueStart = i;
      skip(/[^\s,]/);
      value = header.slice(valueStart, i);
    }
    out.push({ kind: 'param', name, value });
  }
  return out;
}

function toIdentity(user: z.infer<typeof UserSelfSchema>): Identity {
  const name = `${user.person.firstName} ${user.person.lastName}`.trim();
  return { userId: user.userId, name: name || user.userId, ...(user.email ? { email: user.email } : {}) };
}

function toolErrorMessage(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const message = (payload as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

function isJwtBearer(authorization: string): boolean {
  return /^Bearer\s+[^.\s]+\.[^.\s]+\.[^.\s]+\s*$/i.test(authorization);
}

function secretsOf(conn: Connection): string[] {
  if (conn.authorization === undefined) return [];
  const credential = conn.authorization.replace(/^\S+\s+/, '');
  return [conn.authorization, credential];
}

/** The body as text; a body that breaks off or times out becomes the same SetupError as a failed request. */
async function readText(res: Response, url: string): Promise<string> {
  try {
    return await res.text();
  } catch (error) {
    throw bodyError(url, error);
  }
}

function bodyError(url: string, error: unknown): SetupError {
  if (error instanceof SetupError) return error;
  const name = error instanceof Error ? error.name : '';
  return networkError(url, error, name === 'TimeoutError' || name === 'AbortError');
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function clip(text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function quote(text: string): string {
  return JSON.stringify(clip(text, 40));
}
