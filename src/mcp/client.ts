/** The MCP client of the connection check: a small Streamable HTTP client over the shared HttpClient that
 * proves a connection in one session — initialize, then initialized, tools/call mittwald_user_get and
 * tools/list at once, then DELETE — and the unauthenticated probe. Our own client rather than the SDK's: the bundle stays small and every failure can
 * be told apart (see failures.ts). Nothing here ever puts the credential into a message. */
import { SetupError } from '../errors.js';
import type { HttpClient, Response } from '../net/http.js';
import { redact } from '../secrets.js';
import { isJsonObject } from '../files/json-object.js';
import { readIdentity, type Identity } from './api-token.js';
import { EventStreamParser } from './event-stream.js';
import {
  bodyError,
  ChallengeSeen,
  classifyMcpFailure,
  clip,
  fetchRespectingRateLimit,
  NOT_MCP_HINT,
  parseJsonOrUndefined,
  protocolError,
  quote,
  readFailureIfNotOk,
  readText,
  RETRY_HINT,
  secretsOf,
  SessionLost,
  sessionExpiredError,
  tokenRejected,
  type RetryOptions,
  type Stage,
} from './failures.js';

export interface McpCheck {
  serverName: string;
  serverVersion: string;
  protocolVersion: string;
  toolCount: number;
  /** From mittwald_user_get; absent when the server offers no such tool. */
  identity?: Identity;
}

export interface McpCheckOptions extends RetryOptions {
  /** Called once the server has opened a session with the credential: it reached an MCP server in a version
   * we speak and was taken there. The rest of the proof (identity, tool count) still follows. */
  onSessionOpened?: () => void;
}

export interface AuthProbe {
  requiresAuth: boolean;
  /** mittwald's own `authorization_uri` challenge parameter. */
  authorizationUri?: string;
  /** The MCP spec's `resource_metadata` challenge parameter (mittwald sends none). */
  resourceMetadata?: string;
}

/** The version we ask for; the server's answer in the initialize result is the one we then use. */
export const REQUESTED_PROTOCOL_VERSION = '2025-11-25';
const KNOWN_PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const USER_TOOL = 'mittwald_user_get';
const MAX_TOOL_PAGES = 50;

const CLIENT_ACCEPT = 'application/json, text/event-stream';

type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: string | number; result: unknown }
  | { jsonrpc: '2.0'; id: string | number | null; error: { code: number; message: string } };

interface InitializeResult {
  protocolVersion: string;
  serverInfo: { name: string; version: string };
}

/** One check's conversation with the server: the session in use, and the one re-initialization allowed. */
interface Connection {
  http: HttpClient;
  url: string;
  authorization: string | undefined;
  options: RetryOptions;
  nextId: number;
  /** The session requests go to (undefined before initialize, or for a server that hands out no id). */
  current: SessionState | undefined;
  /** A re-initialization under way, and the session it replaces: every request that lost that session
   * waits for this one new session. */
  reopening: { lost: SessionState; session: Promise<SessionState> } | undefined;
  /** Re-initializations still allowed after the server lost or expired our session. */
  reinitBudget: number;
  /** The outcome of each initialized notification sent (undefined, or the error), awaited before the result. */
  notifications: Array<Promise<unknown>>;
}

interface SessionState {
  id: string | undefined;
  protocolVersion: string;
  init: InitializeResult;
}

function connect(http: HttpClient, url: string, authorization: string | undefined, options: RetryOptions, reinitBudget: number): Connection {
  return { http, url, authorization, options, nextId: 1, current: undefined, reopening: undefined, reinitBudget, notifications: [] };
}

/** One session that proves the connection, in two round trips: initialize, then at once the initialized
 * notification, tools/call mittwald_user_get {arguments:{}} (the identity) and tools/list (the count; later
 * pages follow the cursor). The session is ended (DELETE) without waiting for the answer. An expired or lost
 * session is re-initialized once. Throws a SetupError: UNREACHABLE / TIMEOUT / TLS, TOKEN_REJECTED,
 * SESSION_EXPIRED, FORBIDDEN, NOT_MCP, RATE_LIMITED, SERVER_ERROR or PROTOCOL. */
export async function checkMcp(http: HttpClient, serverUrl: string, authorization: string, options: McpCheckOptions = {}): Promise<McpCheck> {
  const conn = connect(http, serverUrl, authorization, options, 1);
  try {
    const { init } = await openSession(conn);
    options.onSessionOpened?.();
    // Nothing below depends on another answer; a server without the user tool answers the call with an
    // error that only counts when the list names the tool.
    const [listed, called] = await Promise.allSettled([listAllTools(conn), fetchIdentity(conn)]);
    await throwFirstNotificationError(conn);
    if (listed.status === 'rejected') throw listed.reason;
    const toolNames = listed.value;
    let identity: Identity | undefined;
    if (toolNames.includes(USER_TOOL)) {
      if (called.status === 'rejected') throw called.reason;
      identity = called.value;
    }
    return {
      serverName: init.serverInfo.name,
      serverVersion: init.serverInfo.version,
      protocolVersion: init.protocolVersion,
      toolCount: toolNames.length,
      ...(identity ? { identity } : {}),
    };
  } finally {
    endSession(conn);
  }
}

/** POST initialize without a credential and report the challenge (for OAuth entries, where we hold no token):
 * a 401 means reachable and asking for a sign-in; `authorization_uri` / `resource_metadata` are passed on when
 * the Bearer challenge names them. One request (and a DELETE, should an open server start a session). Throws
 * like checkMcp for anything that is not MCP or not reachable. */
export async function probeMcpAuth(http: HttpClient, serverUrl: string, options: RetryOptions = {}): Promise<AuthProbe> {
  const conn = connect(http, serverUrl, undefined, options, 0);
  try {
    conn.current = await initialize(conn);
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
    endSession(conn);
  }
}

/** initialize → the session in use; its initialized notification is sent at once, not waited for. */
async function openSession(conn: Connection): Promise<SessionState> {
  const session = await initialize(conn);
  conn.current = session;
  const notified = notifyInitialized(conn, session);
  conn.notifications.push(notified.then(() => undefined, (error: unknown) => error ?? new Error('notification failed')));
  return session;
}

/** The POST of initialize (JSON or SSE reply), checked: the server speaks MCP in a version we know. */
async function initialize(conn: Connection): Promise<SessionState> {
  const version = conn.http.userAgent.split('/')[1] ?? '0.0.0';
  const { result, sessionId } = await rpcOnce(
    conn,
    undefined,
    'initialize',
    {
      protocolVersion: REQUESTED_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'mittwald-mcp-setup', version },
    },
    'initialize',
  );
  const init = readInitializeResult(result);
  if (!init) {
    throw new SetupError('NOT_MCP', `${conn.url} answered initialize, but not with an MCP initialize result.`, { hint: NOT_MCP_HINT });
  }
  if (!KNOWN_PROTOCOL_VERSIONS.includes(init.protocolVersion)) {
    throw new SetupError('PROTOCOL', `The server chose MCP protocol version ${quote(init.protocolVersion)}, which this tool does not speak.`, {
      hint: 'Update mittwald-mcp-setup (npx mittwald-mcp-setup@latest) and try again.',
    });
  }
  return { id: sessionId, protocolVersion: init.protocolVersion, init };
}

async function listAllTools(conn: Connection): Promise<string[]> {
  const names: string[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await request(conn, 'tools/list', cursor === undefined ? {} : { cursor });
    const list = readToolList(result);
    if (!list) throw protocolError('tools/list', 'a malformed tool list');
    names.push(...list.names);
    cursor = list.nextCursor;
    if (cursor === undefined || cursor === '') return names;
    // A server that hands out the same cursor again would keep us paging forever.
    if (seen.has(cursor)) throw protocolError('tools/list', 'a cursor it had already sent');
    seen.add(cursor);
  }
  throw protocolError('tools/list', `more than ${MAX_TOOL_PAGES} pages`);
}

async function fetchIdentity(conn: Connection): Promise<Identity> {
  const result = await request(conn, 'tools/call', { name: USER_TOOL, arguments: {} });
  const call = readCallToolResult(result);
  if (!call) throw protocolError(USER_TOOL, 'a malformed tool result');
  const text = call.content.find((item) => item.type === 'text')?.text ?? '';
  const payload = parseJsonOrUndefined(text);
  const status = isJsonObject(payload) ? payload.status : undefined;
  if (call.isError || status === 'error') {
    const message = isJsonObject(payload) && typeof payload.message === 'string' ? payload.message : undefined;
    const detail = clip(redact(message ?? text, secretsOf(conn.authorization)));
    // The server validates a token through a cache; a token revoked since then fails only here, upstream.
    if (/\b401\b|unauthori[sz]ed|invalid[_ ]token/i.test(detail)) throw tokenRejected(conn.authorization, '');
    if (/\b403\b|forbidden|scope|permission/i.test(detail)) {
      throw new SetupError('FORBIDDEN', `The server refused to read your user profile${detail ? `: ${detail}` : ''}.`, {
        hint: 'The token needs the api_read or api_write role (or, with OAuth, the user:read scope): create a token with more rights, or sign in with more scopes.',
      });
    }
    throw new SetupError('PROTOCOL', `${USER_TOOL} failed${detail ? `: ${detail}` : ''}.`, {
      hint: 'Try again in a minute; if it keeps failing, the mittwald MCP server has a problem.',
    });
  }
  const user = status === 'success' && isJsonObject(payload) && isJsonObject(payload.data) ? readIdentity(payload.data.user) : undefined;
  if (!user) throw protocolError(USER_TOOL, 'no user in its result');
  return user;
}

/** DELETE the session, best effort and without waiting: mittwald may answer 405 (the spec allows refusing
 * DELETE), and the check is done either way. The open request keeps the process alive until it is answered
 * (at most 5 s), so it is never cut off. */
function endSession(conn: Connection): void {
  const session = conn.current;
  conn.current = undefined;
  if (session?.id === undefined) return;
  conn.http.fetch(conn.url, { method: 'DELETE', headers: sessionHeaders(conn, session), timeoutMs: 5_000 }).then(
    (res) => res.discard(),
    () => undefined,
  );
}

/** The first error of the initialized notifications sent, once all of them are settled. */
async function throwFirstNotificationError(conn: Connection): Promise<void> {
  // A re-initialization adds its own notification while this waits.
  for (let index = 0; index < conn.notifications.length; index++) {
    const error = await conn.notifications[index];
    if (error !== undefined) throw error;
  }
}

/** A request within the session; re-initializes once when the server lost or expired the session. */
async function request(conn: Connection, method: string, params: Record<string, unknown>): Promise<unknown> {
  const session = conn.current;
  try {
    return (await rpcOnce(conn, session, method, params, 'session')).result;
  } catch (error) {
    if (!(error instanceof SessionLost) || session === undefined) throw error;
    const next = await reopen(conn, session, error);
    try {
      return (await rpcOnce(conn, next, method, params, 'session')).result;
    } catch (retryError) {
      throw retryError instanceof SessionLost ? sessionExpiredError(retryError.failure) : retryError;
    }
  }
}

/** The initialized notification; when it finds the session gone, the new session sends its own. */
async function notifyInitialized(conn: Connection, session: SessionState): Promise<void> {
  try {
    const res = await post(conn, session, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const failure = await readFailureIfNotOk(res, secretsOf(conn.authorization));
    if (failure) throw classifyMcpFailure({ url: conn.url, authorization: conn.authorization, sessionId: session.id }, failure, 'session');
    await res.discard();
  } catch (error) {
    if (!(error instanceof SessionLost)) throw error;
    await reopen(conn, session, error);
  }
}

/** The session that replaces `lost` (401 -32002, or 404 on our session id): one new session per check, shared
 * by every request that found the old one gone. A second loss is SESSION_EXPIRED. */
function reopen(conn: Connection, lost: SessionState, loss: SessionLost): Promise<SessionState> {
  if (conn.current !== undefined && conn.current !== lost) return Promise.resolve(conn.current);
  if (conn.reopening?.lost === lost) return conn.reopening.session;
  if (conn.reinitBudget <= 0) return Promise.reject(sessionExpiredError(loss.failure));
  conn.reinitBudget--;
  const session = openSession(conn);
  conn.reopening = { lost, session };
  return session;
}

/** One JSON-RPC request → its response (from a JSON body or the SSE stream). */
async function rpcOnce(
  conn: Connection,
  session: SessionState | undefined,
  method: string,
  params: Record<string, unknown>,
  stage: Stage,
): Promise<{ result: unknown; sessionId: string | undefined }> {
  const id = conn.nextId++;
  const res = await post(conn, session, { jsonrpc: '2.0', id, method, params });
  const failure = await readFailureIfNotOk(res, secretsOf(conn.authorization));
  if (failure) throw classifyMcpFailure({ url: conn.url, authorization: conn.authorization, sessionId: session?.id }, failure, stage);
  const response = await readJsonRpcResponse(res, id, conn, stage, method);
  if ('error' in response) {
    const detail = clip(redact(`${response.error.message} (${response.error.code})`, secretsOf(conn.authorization)));
    throw new SetupError('PROTOCOL', `The MCP server answered ${method} with an error: ${detail}.`, { hint: RETRY_HINT });
  }
  return { result: response.result, sessionId: res.headers.get('mcp-session-id') ?? undefined };
}

function post(conn: Connection, session: SessionState | undefined, message: Record<string, unknown>): Promise<Response> {
  return fetchRespectingRateLimit(
    conn.http,
    conn.url,
    {
      method: 'POST',
      headers: { ...sessionHeaders(conn, session), 'content-type': 'application/json', accept: CLIENT_ACCEPT },
      body: JSON.stringify(message),
    },
    conn.options,
  );
}

function sessionHeaders(conn: Connection, session: SessionState | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (conn.authorization !== undefined) headers['authorization'] = conn.authorization;
  if (session?.id !== undefined) headers['mcp-session-id'] = session.id;
  if (session !== undefined) headers['mcp-protocol-version'] = session.protocolVersion;
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
  await res.discard();
  throw notMcp(contentType ? `with ${contentType.split(';')[0]} instead of JSON or an event stream` : 'without a content type');
}

/** Reads SSE events until one carries the response to `id`, then stops reading: a server may keep the
 * stream open after it. */
async function findInEventStream(res: Response, id: number): Promise<JsonRpcResponse | undefined> {
  const decoder = new TextDecoder();
  const parser = new EventStreamParser();
  const match = (events: ReturnType<EventStreamParser['push']>): JsonRpcResponse | undefined => {
    for (const event of events) {
      if (event.event !== 'message' || event.data === '') continue;
      const message = parseJsonOrUndefined(event.data);
      const found = message === undefined ? undefined : matchResponse(message, id);
      if (found) return found;
    }
    return undefined;
  };
  for await (const chunk of res.chunks()) {
    const found = match(parser.push(decoder.decode(chunk, { stream: true })));
    if (found) return found;
  }
  return match(parser.push(decoder.decode(), true));
}

/** The JSON-RPC response with our id in a message or batch, if any. */
function matchResponse(message: unknown, id: number): JsonRpcResponse | undefined {
  for (const candidate of Array.isArray(message) ? message : [message]) {
    const response = readJsonRpcResponseMessage(candidate);
    if (response && (response.id === id || response.id === String(id))) return response;
    // An error with a null id is the server failing to read our request at all: it answers it.
    if (response && 'error' in response && response.id === null) return response;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The shapes of the server's answers, checked at the edge

function readJsonRpcResponseMessage(value: unknown): JsonRpcResponse | undefined {
  if (!isJsonObject(value) || value.jsonrpc !== '2.0') return undefined;
  const { id } = value;
  const validId = typeof id === 'string' || typeof id === 'number';
  if ('result' in value) return validId ? { jsonrpc: '2.0', id, result: value.result } : undefined;
  const { error } = value;
  if (!(validId || id === null) || !isJsonObject(error) || typeof error.code !== 'number' || typeof error.message !== 'string') return undefined;
  return { jsonrpc: '2.0', id, error: { code: error.code, message: error.message } };
}

function readInitializeResult(value: unknown): InitializeResult | undefined {
  if (!isJsonObject(value) || typeof value.protocolVersion !== 'string' || !isJsonObject(value.capabilities) || !isJsonObject(value.serverInfo)) return undefined;
  const { name, version } = value.serverInfo;
  if (typeof name !== 'string' || typeof version !== 'string') return undefined;
  return { protocolVersion: value.protocolVersion, serverInfo: { name, version } };
}

function readToolList(value: unknown): { names: string[]; nextCursor: string | undefined } | undefined {
  if (!isJsonObject(value) || !Array.isArray(value.tools)) return undefined;
  const names: string[] = [];
  for (const tool of value.tools) {
    if (!isJsonObject(tool) || typeof tool.name !== 'string') return undefined;
    names.push(tool.name);
  }
  const { nextCursor } = value;
  if (nextCursor !== undefined && typeof nextCursor !== 'string') return undefined;
  return { names, nextCursor };
}

function readCallToolResult(value: unknown): { content: Array<{ type: string; text?: string }>; isError: boolean } | undefined {
  if (!isJsonObject(value) || !Array.isArray(value.content)) return undefined;
  const content: Array<{ type: string; text?: string }> = [];
  for (const item of value.content) {
    if (!isJsonObject(item) || typeof item.type !== 'string' || (item.text !== undefined && typeof item.text !== 'string')) return undefined;
    content.push({ type: item.type, ...(typeof item.text === 'string' ? { text: item.text } : {}) });
  }
  if (value.isError !== undefined && typeof value.isError !== 'boolean') return undefined;
  return { content, isError: value.isError === true };
}
