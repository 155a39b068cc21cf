/** The MCP client of the connection check: a small Streamable HTTP client over the shared HttpClient that
 * runs initialize → initialized → tools/list → tools/call mittwald_user_get → DELETE, and the
 * unauthenticated probe. Our own client rather than the SDK's: the bundle stays small and every failure can
 * be told apart (see failures.ts). Nothing here ever puts the credential into a message. */
import { SetupError } from '../errors.js';
import type { HttpClient, Response } from '../http.js';
import { redact } from '../secrets.js';
import { isObject, readIdentity, type Identity } from './api-token.js';
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

interface Connection {
  http: HttpClient;
  url: string;
  authorization: string | undefined;
  options: RetryOptions;
  nextId: number;
  sessionId: string | undefined;
  protocolVersion: string | undefined;
  /** Re-initializations still allowed after the server lost or expired our session. */
  reinitBudget: number;
}

/** initialize (JSON or SSE reply) → notifications/initialized → tools/list (all pages) → tools/call
 * mittwald_user_get {arguments:{}} → DELETE the session (best effort). An expired or lost session is
 * re-initialized once. Throws a SetupError: UNREACHABLE / TIMEOUT / TLS, TOKEN_REJECTED, SESSION_EXPIRED,
 * FORBIDDEN, NOT_MCP, RATE_LIMITED, SERVER_ERROR or PROTOCOL. */
export async function checkMcp(http: HttpClient, serverUrl: string, authorization: string, options: RetryOptions = {}): Promise<McpCheck> {
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
export async function probeMcpAuth(http: HttpClient, serverUrl: string, options: RetryOptions = {}): Promise<AuthProbe> {
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

async function initialize(conn: Connection): Promise<InitializeResult> {
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
  const init = readInitializeResult(result);
  if (!init) {
    throw new SetupError('NOT_MCP', `${conn.url} answered initialize, but not with an MCP initialize result.`, { hint: NOT_MCP_HINT });
  }
  if (!KNOWN_PROTOCOL_VERSIONS.includes(init.protocolVersion)) {
    throw new SetupError('PROTOCOL', `The server chose MCP protocol version ${quote(init.protocolVersion)}, which this tool does not speak.`, {
      hint: 'Update mittwald-mcp-setup (npx mittwald-mcp-setup@latest) and try again.',
    });
  }
  conn.sessionId = sessionId;
  conn.protocolVersion = init.protocolVersion;
  await notify(conn, 'notifications/initialized');
  return init;
}

async function listAllTools(conn: Connection): Promise<string[]> {
  const names: string[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await rpc(conn, 'tools/list', cursor === undefined ? {} : { cursor });
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
  const result = await rpc(conn, 'tools/call', { name: USER_TOOL, arguments: {} });
  const call = readCallToolResult(result);
  if (!call) throw protocolError(USER_TOOL, 'a malformed tool result');
  const text = call.content.find((item) => item.type === 'text')?.text ?? '';
  const payload = parseJsonOrUndefined(text);
  const status = isObject(payload) ? payload.status : undefined;
  if (call.isError || status === 'error') {
    const message = isObject(payload) && typeof payload.message === 'string' ? payload.message : undefined;
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
  const user = status === 'success' && isObject(payload) && isObject(payload.data) ? readIdentity(payload.data.user) : undefined;
  if (!user) throw protocolError(USER_TOOL, 'no user in its result');
  return user;
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
    const failure = await readFailureIfNotOk(res, secretsOf(conn.authorization));
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
  const failure = await readFailureIfNotOk(res, secretsOf(conn.authorization));
  if (failure) throw classifyMcpFailure(conn, failure, stage);
  const response = await readJsonRpcResponse(res, id, conn, stage, method);
  if ('error' in response) {
    const detail = clip(redact(`${response.error.message} (${response.error.code})`, secretsOf(conn.authorization)));
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

/** Reads SSE events until one carries the response to `id`, then stops reading: a server may keep the
 * stream open after it. */
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
  if (!isObject(value) || value.jsonrpc !== '2.0') return undefined;
  const { id } = value;
  const validId = typeof id === 'string' || typeof id === 'number';
  if ('result' in value) return validId ? { jsonrpc: '2.0', id, result: value.result } : undefined;
  const { error } = value;
  if (!(validId || id === null) || !isObject(error) || typeof error.code !== 'number' || typeof error.message !== 'string') return undefined;
  return { jsonrpc: '2.0', id, error: { code: error.code, message: error.message } };
}

function readInitializeResult(value: unknown): InitializeResult | undefined {
  if (!isObject(value) || typeof value.protocolVersion !== 'string' || !isObject(value.capabilities) || !isObject(value.serverInfo)) return undefined;
  const { name, version } = value.serverInfo;
  if (typeof name !== 'string' || typeof version !== 'string') return undefined;
  return { protocolVersion: value.protocolVersion, serverInfo: { name, version } };
}

function readToolList(value: unknown): { names: string[]; nextCursor: string | undefined } | undefined {
  if (!isObject(value) || !Array.isArray(value.tools)) return undefined;
  const names: string[] = [];
  for (const tool of value.tools) {
    if (!isObject(tool) || typeof tool.name !== 'string') return undefined;
    names.push(tool.name);
  }
  const { nextCursor } = value;
  if (nextCursor !== undefined && typeof nextCursor !== 'string') return undefined;
  return { names, nextCursor };
}

function readCallToolResult(value: unknown): { content: Array<{ type: string; text?: string }>; isError: boolean } | undefined {
  if (!isObject(value) || !Array.isArray(value.content)) return undefined;
  const content: Array<{ type: string; text?: string }> = [];
  for (const item of value.content) {
    if (!isObject(item) || typeof item.type !== 'string' || (item.text !== undefined && typeof item.text !== 'string')) return undefined;
    content.push({ type: item.type, ...(typeof item.text === 'string' ? { text: item.text } : {}) });
  }
  if (value.isError !== undefined && typeof value.isError !== 'boolean') return undefined;
  return { content, isError: value.isError === true };
}
