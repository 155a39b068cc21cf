/** A local stand-in for mittwald's MCP server (https://mcp.mittwald.de/mcp) and the one REST endpoint the wizard
 * uses (https://api.mittwald.de/v2/users/self), built from the real MCP SDK so that the wire format is the real
 * one, and shaped after /work/shared/reference/mittwald-service.md where mittwald differs from the MCP spec's
 * happy path (no resource_metadata in the challenge, 401 -32002 for an expired session, API tokens and JWTs on
 * the same bearer header).
 *
 * Two listeners on 127.0.0.1 with random ports: the MCP origin (`/mcp`, `/health`, the protected-resource
 * metadata) and the API origin (`/v2/users/self`). Tests steer it at runtime: tokens, fault injection, the
 * OAuth verifier hook, and a request log to assert what a client sent. */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { TestUser } from './mittwald-fixtures.js';
import { MITTWALD_DEFAULT_SCOPES, MITTWALD_SCOPES, mittwaldTools, scopesForRole, type ToolSpec } from './mittwald-tools.js';

export { createTestToken, createTestUser, type TestUser } from './mittwald-fixtures.js';
export { MITTWALD_DEFAULT_SCOPES, MITTWALD_SCOPES } from './mittwald-tools.js';

/** What an OAuth access-token verifier returns for a valid token: the user, and optionally what was granted.
 * A plain TestUser is a valid answer (then every tool is allowed). */
export interface AuthorizedUser extends TestUser {
  /** Granted scopes; write tools answer 403 without their scope. Absent: unrestricted. */
  scopes?: readonly string[];
  clientId?: string;
}

/** The plug-in point for an OAuth authorization server: called with every bearer that looks like a JWT (three
 * dot-separated parts). Return undefined — or throw — to reject the token with 401 invalid_token. */
export type AccessTokenVerifier = (token: string) => Promise<AuthorizedUser | undefined>;

export type ApiTokenRole = 'api_read' | 'api_write';

export interface MittwaldServerOptions {
  /** Answer POSTs with plain JSON instead of SSE (the SDK's `enableJsonResponse`). Default false, like mittwald. */
  jsonResponse?: boolean;
  /** Issuer of the OAuth bridge, e.g. `http://127.0.0.1:4000`. Default: the MCP origin itself. */
  authorizationServer?: string;
  /** Add `resource_metadata="<origin>/.well-known/oauth-protected-resource/mcp"` to 401 challenges (the MCP
   * spec's path). Default false: mittwald sends none. */
  resourceMetadataInChallenge?: boolean;
  /** API tokens known from the start (role api_write). */
  tokens?: ReadonlyArray<readonly [token: string, user: TestUser]>;
  verifyAccessToken?: AccessTokenVerifier;
  /** How many tools to offer (default 116, like mittwald). */
  toolCount?: number;
  /** tools/list page size (default 50), so that clients must follow nextCursor. */
  pageSize?: number;
}

/** A canned failure for the next requests on one listener. */
export interface Fault {
  status: number;
  /** Seconds (or an HTTP date) for a Retry-After header. */
  retryAfter?: number | string;
  body?: string;
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
}

export interface RequestRecord {
  /** Which listener took the request. */
  target: 'mcp' | 'api';
  method: string;
  path: string;
  /** Request headers, lower-case names, credentials included: this is a test server. */
  headers: Readonly<Record<string, string>>;
  /** JSON-RPC methods in a POST body, e.g. ['initialize'] or ['notifications/initialized']. */
  rpc: string[];
  /** The tools a POST body calls (`tools/call` params.name), when it calls any. */
  toolCalls?: string[];
  sessionId?: string;
  /** The status answered; 0 while no response has started. */
  status: number;
  /** Who the credential authenticated, when it did. */
  auth?: { kind: 'api-token' | 'oauth'; userId: string; scopes?: readonly string[] };
}

export interface SessionInfo {
  id: string;
  userId: string;
  scopes?: readonly string[];
}

export interface MittwaldTestServer {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly mcpUrl: string;
  /** `http://127.0.0.1:<port>` of the MCP listener. */
  readonly origin: string;
  /** `http://127.0.0.1:<port>` of the simulated REST API (a second listener). */
  readonly apiUrl: string;
  /** Live, in arrival order. */
  readonly log: readonly RequestRecord[];
  clearLog(): void;
  addToken(token: string, user: TestUser, role?: ApiTokenRole): void;
  removeToken(token: string): void;
  setAccessTokenVerifier(verify: AccessTokenVerifier | undefined): void;
  /** Point the challenge and the metadata at an authorization server that started after this server. */
  setAuthorizationServer(issuer: string): void;
  /** The next `count` requests to a listener (default the MCP one) get `fault` instead of an answer. */
  failNext(count: number, fault: Fault, target?: 'mcp' | 'api'): void;
  /** The next `count` MCP requests get 429 with `Retry-After: <retryAfterSeconds>`. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** The next `count` requests that carry a live session id expire it: 401 with JSON-RPC -32002. With
   * `after`, that many such requests are answered normally first (to expire a session mid-conversation). */
  expireNextSession(count?: number, after?: number): void;
  /** Expires every live session now; requests that carry their ids get 401 -32002. */
  expireAllSessions(): void;
  /** Drops every session without a trace, as after a restart: their ids then get 404 -32001. */
  forgetSessions(): void;
  /** Makes a tool answer `isError: true` with `{"status":"error","message":…}`; undefined restores it. */
  setToolFailure(tool: string, message: string | undefined): void;
  clearFaults(): void;
  sessions(): SessionInfo[];
  close(): Promise<void>;
}

interface Grant {
  kind: 'api-token' | 'oauth';
  token: string;
  user: TestUser;
  scopes: readonly string[] | undefined;
  clientId: string;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  grant: Grant;
}

type AuthOutcome = { ok: true; grant: Grant } | { ok: false; reason: 'missing' | 'invalid' };

const SERVER_INFO = { name: 'mittwald-mstudio-mcp', version: '1.0.1', title: 'mittwald mStudio MCP server' };
const MAX_BODY_BYTES = 1_000_000;
const JWT_SHAPE = /^[^.\s]+\.[^.\s]+\.[^.\s]+$/;

/** Starts both listeners on 127.0.0.1 with random ports. */
export async function startMittwaldServer(options: MittwaldServerOptions = {}): Promise<MittwaldTestServer> {
  const tools = mittwaldTools(options.toolCount ?? 116);
  const pageSize = options.pageSize ?? 50;
  const apiTokens = new Map<string, { user: TestUser; role: ApiTokenRole }>();
  for (const [token, user] of options.tokens ?? []) apiTokens.set(token, { user, role: 'api_write' });
  let verifyAccessToken = options.verifyAccessToken;
  let authorizationServer = options.authorizationServer;
  const log: RequestRecord[] = [];
  const faults = { mcp: [] as Fault[], api: [] as Fault[] };
  let expireBudget = 0;
  let expireAfter = 0;
  const sessions = new Map<string, Session>();
  const expired = new Set<string>();
  const toolFailures = new Map<string, string>();

  const mcpHttp = createServer((req, res) => {
    const record = startRecord('mcp', req, res, log);
    void routeMcp(req, res, record).catch((error: unknown) => internalError(res, error));
  });
  const apiHttp = createServer((req, res) => {
    const record = startRecord('api', req, res, log);
    void routeApi(req, res, record).catch((error: unknown) => internalError(res, error));
  });
  const origin = await listen(mcpHttp);
  const apiUrl = await listen(apiHttp);
  const mcpUrl = `${origin}/mcp`;
  const issuer = (): string => (authorizationServer ?? origin).replace(/\/+$/, '');

  async function routeMcp(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    const path = record.path;
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (req.method === 'GET' && (path === '/.well-known/oauth-protected-resource' || path === '/.well-known/oauth-protected-resource/mcp')) {
      return sendJson(res, 200, {
        resource: mcpUrl,
        authorization_servers: [issuer()],
        scopes_supported: MITTWALD_SCOPES,
        default_scopes: MITTWALD_DEFAULT_SCOPES,
        bearer_methods_supported: ['header'],
        resource_name: SERVER_INFO.title,
      });
    }
    if (path !== '/mcp') return sendJson(res, 404, { error: 'not_found', message: `Cannot ${req.method} ${path}` });
    return handleMcp(req, res, record);
  }

  async function handleMcp(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req);
      try {
        body = JSON.parse(text);
      } catch {
        return sendRpcError(res, 400, -32700, 'Parse error: Invalid JSON');
      }
      record.rpc = rpcMethods(body);
      const called = calledTools(body);
      if (called.length > 0) record.toolCalls = called;
    }
    const fault = faults.mcp.shift();
    if (fault) return sendFault(res, fault);

    const auth = await authenticate(req.headers.authorization);
    if (!auth.ok) return sendChallenge(res, auth.reason);
    const { grant } = auth;
    record.auth = { kind: grant.kind, userId: grant.user.userId, ...(grant.scopes ? { scopes: grant.scopes } : {}) };
    const authInfo: AuthInfo = {
      token: grant.token,
      clientId: grant.clientId,
      scopes: [...(grant.scopes ?? [])],
      extra: { grant },
    };

    if (hasCallWithoutArguments(body)) {
      return sendRpcError(res, 400, ErrorCode.InvalidParams, 'Invalid params: "arguments" is required (use {} for none)');
    }

    const sessionId = headerValue(req.headers['mcp-session-id']);
    if (sessionId !== undefined) {
      if (expired.has(sessionId)) return sendRpcError(res, 401, -32002, 'Session expired');
      const session = sessions.get(sessionId);
      if (!session) return sendRpcError(res, 404, -32001, 'Session not found');
      if (expireBudget > 0 && expireAfter > 0) expireAfter--;
      else if (expireBudget > 0) {
        expireBudget--;
        await drop(sessionId, true);
        return sendRpcError(res, 401, -32002, 'Session expired');
      }
      if (session.grant.user.userId !== grant.user.userId) return sendRpcError(res, 404, -32001, 'Session not found');
      return session.transport.handleRequest(Object.assign(req, { auth: authInfo }), res, body);
    }
    if (req.method === 'POST' && rpcMethods(body).includes('initialize')) {
      const session = await openSession(grant);
      return session.transport.handleRequest(Object.assign(req, { auth: authInfo }), res, body);
    }
    return sendRpcError(res, 400, -32000, 'Bad Request: No valid session ID provided');
  }

  async function openSession(grant: Grant): Promise<Session> {
    const server = buildMcpServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: options.jsonResponse ?? false,
      onsessioninitialized: (id) => {
        sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    const session: Session = { transport, server, grant };
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return session;
  }

  function buildMcpServer(): McpServer {
    const server = new McpServer(SERVER_INFO, { capabilities: { tools: { listChanged: false } } });
    for (const tool of tools) {
      server.registerTool(tool.name, { description: tool.description, inputSchema: z.looseObject({}) }, (_args, extra) =>
        runTool(tool, grantOf(extra.authInfo)),
      );
    }
    // McpServer answers tools/list in one page; mittwald's ~116 tools are a reason for clients to page, so
    // the stand-in pages for real.
    server.server.setRequestHandler(ListToolsRequestSchema, (request) => {
      const cursor = request.params?.cursor;
      const offset = cursor === undefined ? 0 : decodeCursor(cursor);
      if (offset === undefined || offset > tools.length) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor');
      const page = tools.slice(offset, offset + pageSize).map((tool) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: { type: 'object' as const, properties: {}, additionalProperties: true },
      }));
      const next = offset + pageSize;
      return next < tools.length ? { tools: page, nextCursor: encodeCursor(next) } : { tools: page };
    });
    return server;
  }

  function runTool(tool: ToolSpec, grant: Grant | undefined): CallToolResult {
    const failure = toolFailures.get(tool.name);
    if (failure !== undefined) return toolError(failure);
    if (!grant) return toolError('401 Unauthorized');
    if (grant.scopes && !grant.scopes.includes(tool.scope)) {
      return toolError(`403 Forbidden: this action needs the scope ${tool.scope}`);
    }
    if (tool.name === 'mittwald_user_get') {
      const { userId, email, person } = grant.user;
      return toolSuccess('User retrieved successfully', { user: { userId, ...(email ? { email } : {}), person } });
    }
    const [, resource = 'item', ...action] = tool.name.split('_');
    if (action.join('_').endsWith('list')) return toolSuccess(`Found 0 ${resource} entries`, { [`${resource}s`]: [] });
    return toolSuccess(`${tool.description}: done`, {});
  }

  async function authenticate(header: string | undefined): Promise<AuthOutcome> {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return { ok: false, reason: header === undefined ? 'missing' : 'invalid' };
    const token = match[1];
    if (JWT_SHAPE.test(token)) {
      let verified: AuthorizedUser | undefined;
      try {
        verified = await verifyAccessToken?.(token);
      } catch {
        verified = undefined;
      }
      if (!verified) return { ok: false, reason: 'invalid' };
      const { scopes, clientId, ...user } = verified;
      return { ok: true, grant: { kind: 'oauth', token, user, scopes, clientId: clientId ?? 'oauth-client' } };
    }
    const known = apiTokens.get(token);
    if (!known) return { ok: false, reason: 'invalid' };
    return {
      ok: true,
      grant: { kind: 'api-token', token, user: known.user, scopes: scopesForRole(known.role), clientId: 'api-token' },
    };
  }

  function sendChallenge(res: ServerResponse, reason: 'missing' | 'invalid'): void {
    const params = [`realm="MCP Server"`, `authorization_uri="${issuer()}/authorize"`];
    if (options.resourceMetadataInChallenge) {
      params.push(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);
    }
    if (reason === 'invalid') {
      params.unshift(`error="invalid_token"`, `error_description="The access token is invalid or expired"`);
    }
    res.setHeader('WWW-Authenticate', `Bearer ${params.join(', ')}`);
    sendJson(res, 401, {
      error: reason === 'invalid' ? 'invalid_token' : 'unauthorized',
      error_description: reason === 'invalid' ? 'The access token is invalid or expired' : 'Authentication required',
    });
  }

  async function routeApi(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    const fault = faults.api.shift();
    if (fault) return sendFault(res, fault);
    if (record.path !== '/v2/users/self') return sendJson(res, 404, { type: 'NotFound', message: 'route not found' });
    if (req.method !== 'GET') return sendJson(res, 405, { type: 'MethodNotAllowed', message: 'method not allowed' });
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? headerValue(req.headers['x-access-token']);
    const known = token === undefined ? undefined : apiTokens.get(token);
    if (!known) return sendJson(res, 401, { type: 'Unauthorized', message: 'Unauthorized' });
    record.auth = { kind: 'api-token', userId: known.user.userId };
    const { userId, email, person } = known.user;
    return sendJson(res, 200, {
      userId,
      ...(email ? { email } : {}),
      person: { ...person, title: null },
      mfa: { active: false, setup: false },
      registeredAt: '2020-01-01T00:00:00.000Z',
    });
  }

  /** Forgets a session at once (so the very next request sees it gone) and closes its transport after. */
  function drop(id: string, markExpired: boolean): Promise<void> {
    const session = sessions.get(id);
    sessions.delete(id);
    if (markExpired) expired.add(id);
    return session ? session.transport.close().catch(() => undefined) : Promise.resolve();
  }

  function dropAll(markExpired: boolean): Promise<void> {
    return Promise.all([...sessions.keys()].map((id) => drop(id, markExpired))).then(() => undefined);
  }

  return {
    mcpUrl,
    origin,
    apiUrl,
    log,
    clearLog: () => {
      log.length = 0;
    },
    addToken: (token, user, role = 'api_write') => {
      apiTokens.set(token, { user, role });
    },
    removeToken: (token) => {
      apiTokens.delete(token);
    },
    setAccessTokenVerifier: (verify) => {
      verifyAccessToken = verify;
    },
    setAuthorizationServer: (url) => {
      authorizationServer = url;
    },
    failNext: (count, fault, target = 'mcp') => {
      for (let i = 0; i < count; i++) faults[target].push(fault);
    },
    rateLimitNext: (count, retryAfterSeconds) => {
      const fault: Fault = {
        status: 429,
        retryAfter: retryAfterSeconds,
        body: JSON.stringify({ error: 'rate_limited', message: 'Too many requests, please try again later.' }),
      };
      for (let i = 0; i < count; i++) faults.mcp.push(fault);
    },
    expireNextSession: (count = 1, after = 0) => {
      expireBudget += count;
      expireAfter = after;
    },
    expireAllSessions: () => {
      void dropAll(true);
    },
    forgetSessions: () => {
      void dropAll(false);
    },
    setToolFailure: (tool, message) => {
      if (message === undefined) toolFailures.delete(tool);
      else toolFailures.set(tool, message);
    },
    clearFaults: () => {
      faults.mcp.length = 0;
      faults.api.length = 0;
      expireBudget = 0;
      expireAfter = 0;
      toolFailures.clear();
    },
    sessions: () =>
      [...sessions].map(([id, { grant }]) => ({
        id,
        userId: grant.user.userId,
        ...(grant.scopes ? { scopes: grant.scopes } : {}),
      })),
    close: async () => {
      await dropAll(false);
      await Promise.all([closeServer(mcpHttp), closeServer(apiHttp)]);
    },
  };
}

function grantOf(authInfo: AuthInfo | undefined): Grant | undefined {
  const grant = authInfo?.extra?.['grant'];
  return grant && typeof grant === 'object' ? (grant as Grant) : undefined;
}

function toolSuccess(message: string, data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ status: 'success', message, data }) }] };
}

function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ status: 'error', message }) }] };
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function rpcMethods(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message: unknown) =>
    message && typeof message === 'object' && typeof (message as { method?: unknown }).method === 'string'
      ? [(message as { method: string }).method]
      : [],
  );
}

function calledTools(body: unknown): string[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } };
    return method === 'tools/call' && typeof params?.name === 'string' ? [params.name] : [];
  });
}

/** mittwald rejects a tools/call without `arguments`, where the SDK would quietly default it to {}. */
function hasCallWithoutArguments(body: unknown): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some((message) => {
    if (!message || typeof message !== 'object') return false;
    const { method, params } = message as { method?: unknown; params?: unknown };
    return method === 'tools/call' && (!params || typeof params !== 'object' || !('arguments' in params));
  });
}

function startRecord(target: 'mcp' | 'api', req: IncomingMessage, res: ServerResponse, log: RequestRecord[]): RequestRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const sessionId = headers['mcp-session-id'];
  const record: RequestRecord = {
    target,
    method: req.method ?? 'GET',
    path: url.pathname,
    headers,
    rpc: [],
    ...(sessionId === undefined ? {} : { sessionId }),
    status: 0,
  };
  log.push(record);
  // The status is recorded when the head is written, before the client can see it, so that a test that
  // awaited the response always finds it in the log. Node routes implicit heads through writeHead too.
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    if (typeof args[0] === 'number') record.status = args[0];
    return writeHead(...args);
  }) as typeof res.writeHead;
  return record;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

function sendFault(res: ServerResponse, fault: Fault): void {
  const headers: Record<string, string> = { 'Content-Type': fault.contentType ?? 'application/json', ...fault.headers };
  if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
  res.writeHead(fault.status, headers);
  res.end(fault.body ?? JSON.stringify({ error: `HTTP ${fault.status}` }));
}

function internalError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  sendJson(res, 500, { error: 'internal_error', message: error instanceof Error ? error.message : String(error) });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
