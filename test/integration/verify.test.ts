import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SetupError, type ErrorCode } from '../../src/errors.js';
import { createHttpClient } from '../../src/net/http.js';
import { checkApiToken } from '../../src/mcp/api-token.js';
import { startTokenCheck } from '../../src/mcp/credential-check.js';
import { parseCommandLine } from '../../src/cli/cli-args.js';
import { resolveOptions } from '../../src/cli/options.js';
import { checkMcp, probeMcpAuth } from '../../src/mcp/client.js';
import { closedPort } from '../support/cli.js';
import { API_TOKENS_URL, retryAfterSeconds } from '../../src/mcp/failures.js';
import { parseBearerChallenge } from '../../src/mcp/www-authenticate.js';
import {
  createTestToken,
  createTestUser,
  startMittwaldServer,
  type MittwaldTestServer,
  type TestUser,
} from '../support/mittwald-server.js';

const http = createHttpClient({ version: 'test', timeoutMs: 5_000 });

/** Runs `run`, expects a SetupError with `code`, and checks that no secret leaked into what users see. */
async function expectSetupError(run: () => Promise<unknown>, code: ErrorCode, secrets: readonly string[] = []): Promise<SetupError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SetupError);
  const error = caught as SetupError;
  expect(error.code, error.message).toBe(code);
  expect(error.hint).toBeTruthy();
  for (const secret of secrets) {
    expect(error.message).not.toContain(secret);
    expect(error.hint).not.toContain(secret);
  }
  return error;
}

function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

/** checkMcp ends its session without waiting for the answer: wait until the stand-in has no session left, so
 * that a late DELETE cannot take the next test's injected fault. */
async function sessionsEnded(server: MittwaldTestServer): Promise<void> {
  await vi.waitFor(() => expect(server.sessions()).toEqual([]));
}

/** A request as `METHOD rpc status`, for comparing logs. */
const line = (r: { method: string; rpc: string[]; status: number }): string => `${r.method} ${r.rpc.join(',')} ${r.status}`;

async function startRawServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

async function stopRawServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe.each([
  { mode: 'SSE', jsonResponse: false },
  { mode: 'JSON', jsonResponse: true },
])('checkMcp against the mittwald stand-in ($mode replies)', ({ jsonResponse }) => {
  let server: MittwaldTestServer;
  let user: TestUser;
  let token: string;

  beforeAll(async () => {
    server = await startMittwaldServer({ jsonResponse });
    user = createTestUser({ person: { firstName: 'Grace', lastName: 'Hopper' } });
    token = createTestToken();
    server.addToken(token, user);
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await sessionsEnded(server);
    server.clearFaults();
    server.clearLog();
  });

  it('connects, pages through all tools, identifies the user and ends the session', async () => {
    const check = await checkMcp(http, server.mcpUrl, `Bearer ${token}`);

    expect(check).toEqual({
      serverName: 'mittwald-mstudio-mcp',
      serverVersion: '1.0.1',
      protocolVersion: '2025-11-25',
      toolCount: 116,
      identity: { userId: user.userId, name: 'Grace Hopper', email: user.email },
    });
    await sessionsEnded(server);
    const mcp = server.log.filter((r) => r.path === '/mcp');
    // initialize first; then the notification, the tool call and the pages of tools/list (which overlap);
    // the DELETE after every answer.
    expect(line(mcp[0]!)).toBe('POST initialize 200');
    expect(mcp.slice(1, -1).map(line).sort()).toEqual([
      `POST notifications/initialized 202`,
      `POST tools/call 200`,
      `POST tools/list 200`,
      `POST tools/list 200`,
      `POST tools/list 200`,
    ]);
    expect(line(mcp.at(-1)!)).toBe('DELETE  200');
    const [init, ...later] = mcp;
    expect(init?.headers['accept']).toBe('application/json, text/event-stream');
    expect(init?.headers['content-type']).toBe('application/json');
    expect(init?.headers['mcp-session-id']).toBeUndefined();
    const sessionId = later[0]?.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    for (const request of later) {
      expect(request.sessionId).toBe(sessionId);
      expect(request.headers['mcp-protocol-version']).toBe(check.protocolVersion);
      expect(request.headers['authorization']).toBe(`Bearer ${token}`);
    }
    expect(server.sessions()).toEqual([]);
  });

  it('reports a rejected API token as TOKEN_REJECTED with the mStudio hint', async () => {
    const wrong = createTestToken();
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${wrong}`), 'TOKEN_REJECTED', [wrong]);
    expect(error.message).toContain('invalid_token');
    expect(error.hint).toContain(API_TOKENS_URL);
  });
});

describe('checkMcp failure classification', () => {
  let server: MittwaldTestServer;
  let token: string;
  const user = createTestUser();

  beforeAll(async () => {
    server = await startMittwaldServer();
    token = createTestToken();
    server.addToken(token, user);
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await sessionsEnded(server);
    server.clearFaults();
    server.clearLog();
    server.setAccessTokenVerifier(undefined);
  });

  it('tells an expired OAuth access token apart from an API token', async () => {
    server.setAccessTokenVerifier(async () => undefined);
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${jwt}`), 'TOKEN_REJECTED', [jwt]);
    expect(error.message).toContain('OAuth');
    expect(error.hint).toMatch(/sign in again/i);
  });

  it('connects with an OAuth access token the verifier hook accepts', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvayJ9.c2lnbmF0dXJl';
    server.setAccessTokenVerifier(async (candidate) => (candidate === jwt ? { ...user, scopes: ['user:read'] } : undefined));
    const check = await checkMcp(http, server.mcpUrl, `Bearer ${jwt}`);
    expect(check.identity?.userId).toBe(user.userId);
    expect(server.log[0]?.auth).toEqual({ kind: 'oauth', userId: user.userId, scopes: ['user:read'] });
  });

  it('reports a 403 from mittwald_user_get (missing scope) as FORBIDDEN', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJybyJ9.c2lnbmF0dXJl';
    server.setAccessTokenVerifier(async () => ({ ...user, scopes: ['project:read'] }));
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${jwt}`), 'FORBIDDEN', [jwt]);
    expect(error.message).toContain('user:read');
    await vi.waitFor(() => expect(server.log.at(-1)?.method).toBe('DELETE'));
  });

  it('reports any other tool error of mittwald_user_get as PROTOCOL', async () => {
    server.setToolFailure('mittwald_user_get', 'upstream API did not answer');
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${token}`), 'PROTOCOL', [token]);
    expect(error.message).toContain('upstream API did not answer');
  });

  it('reports a tool call answering 401 (a token revoked behind the server cache) as TOKEN_REJECTED with the usual hint', async () => {
    server.setToolFailure('mittwald_user_get', 'Request failed with status code 401: Unauthorized');
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${token}`), 'TOKEN_REJECTED', [token]);
    expect(error.message).not.toContain('status code');
    expect(error.hint).toContain(API_TOKENS_URL);
  });

  it('reports a 503 with Retry-After as temporarily unavailable, with the wait', async () => {
    server.failNext(1, { status: 503, retryAfter: 30 });
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${token}`), 'UNAVAILABLE', [token]);
    expect(error.message).toBe('The MCP server is temporarily unavailable (HTTP 503); retry in 30 s.');
    expect(error.message).not.toMatch(/internal problem/);
  });

  it('reports an HTTP 403 as FORBIDDEN', async () => {
    server.failNext(1, { status: 403, body: JSON.stringify({ error: 'forbidden', message: 'token lacks api_read' }) });
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${token}`), 'FORBIDDEN', [token]);
    expect(error.message).toContain('token lacks api_read');
  });

  it('reports a closed port as UNREACHABLE', async () => {
    const { url, server: doomed } = await startRawServer((_req, res) => res.end());
    await stopRawServer(doomed);
    const error = await expectSetupError(() => checkMcp(http, `${url}/mcp`, `Bearer ${token}`), 'UNREACHABLE', [token]);
    expect(error.message).toContain('refused');
  });

  it.each(['/', '/sse'])('reports the wrong path %s (404) as NOT_MCP', async (path) => {
    const error = await expectSetupError(() => checkMcp(http, `${server.origin}${path}`, `Bearer ${token}`), 'NOT_MCP', [token]);
    expect(error.hint).toContain('/mcp');
    expect(error.hint).toContain('/sse');
    expect(server.log.at(-1)).toMatchObject({ path, status: 404 });
  });

  it('reports a website answering 200 with HTML as NOT_MCP', async () => {
    const { url, server: site } = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Welcome</title><h1>Hello</h1>');
    });
    try {
      const error = await expectSetupError(() => checkMcp(http, `${url}/mcp`, `Bearer ${token}`), 'NOT_MCP', [token]);
      expect(error.message).toContain('text/html');
    } finally {
      await stopRawServer(site);
    }
  });

  it('reports JSON that is not JSON-RPC as NOT_MCP', async () => {
    const { url, server: api } = await startRawServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ hello: 'world' }));
    });
    try {
      await expectSetupError(() => checkMcp(http, `${url}/mcp`, `Bearer ${token}`), 'NOT_MCP', [token]);
    } finally {
      await stopRawServer(api);
    }
  });

  it('waits out a short Retry-After and retries once', async () => {
    server.rateLimitNext(1, 1);
    const { sleep, waits } = recordingSleep();
    const check = await checkMcp(http, server.mcpUrl, `Bearer ${token}`, { sleep });
    expect(check.identity?.userId).toBe(user.userId);
    expect(waits).toEqual([1000]);
    expect(server.log.slice(0, 2).map((r) => `${r.rpc.join(',')} ${r.status}`)).toEqual(['initialize 429', 'initialize 200']);
  });

  it('gives up with RATE_LIMITED and the wait when Retry-After is long', async () => {
    server.rateLimitNext(1, 600);
    const { sleep, waits } = recordingSleep();
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${token}`, { sleep }), 'RATE_LIMITED', [token]);
    expect(error.message).toContain('10 minutes');
    expect(waits).toEqual([]);
  });

  it('reports RATE_LIMITED when the retry is rate-limited too', async () => {
    server.rateLimitNext(2, 2);
    const { sleep, waits } = recordingSleep();
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${token}`, { sleep }), 'RATE_LIMITED');
    expect(error.message).toContain('2 s');
    expect(waits).toEqual([2000]);
  });

  it('reports a 500 as SERVER_ERROR', async () => {
    server.failNext(1, { status: 500, body: JSON.stringify({ error: 'internal_error', message: 'database on fire' }) });
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${token}`), 'SERVER_ERROR', [token]);
    expect(error.message).toContain('500');
  });

  it('re-initializes once when the session expires (401 -32002)', async () => {
    server.expireNextSession(1);
    const check = await checkMcp(http, server.mcpUrl, `Bearer ${token}`);
    expect(check.toolCount).toBe(116);
    expect(check.identity?.userId).toBe(user.userId);
    const posts = server.log.filter((r) => r.method === 'POST');
    const inits = posts.filter((r) => r.rpc.includes('initialize'));
    expect(inits.map(line)).toEqual(['POST initialize 200', 'POST initialize 200']);
    expect(inits[1]?.headers['mcp-session-id']).toBeUndefined();
    // Everything sent in the first session found it expired; all of it went again, once, in the second.
    const [first, second] = [...new Set(posts.flatMap((r) => (r.sessionId ? [r.sessionId] : [])))];
    expect(posts.filter((r) => r.sessionId === first).map(line).sort()).toEqual([
      'POST notifications/initialized 401',
      'POST tools/call 401',
      'POST tools/list 401',
    ]);
    expect(posts.filter((r) => r.sessionId === second).map(line).sort()).toEqual([
      'POST notifications/initialized 202',
      'POST tools/call 200',
      'POST tools/list 200',
      'POST tools/list 200',
      'POST tools/list 200',
    ]);
  });

  it('re-initializes when the session expires in the middle of paging, and resumes at the same page', async () => {
    // The notification, the tool call and page 1 are answered; page 2 finds the session expired.
    server.expireNextSession(1, 3);
    const check = await checkMcp(http, server.mcpUrl, `Bearer ${token}`);
    // 116 tools, each counted once: paging went on with the cursor it had, not from page 1.
    expect(check.toolCount).toBe(116);
    expect(check.identity?.userId).toBe(user.userId);
    const posts = server.log.filter((r) => r.method === 'POST');
    expect(posts.filter((r) => r.status === 401).map(line)).toEqual(['POST tools/list 401']);
    expect(posts.filter((r) => r.rpc.includes('initialize')).map(line)).toEqual(['POST initialize 200', 'POST initialize 200']);
    expect(posts.filter((r) => r.rpc.includes('tools/list')).map(line)).toEqual(['POST tools/list 200', 'POST tools/list 401', 'POST tools/list 200', 'POST tools/list 200']);
    expect(posts.filter((r) => r.rpc.includes('tools/call')).map(line)).toEqual(['POST tools/call 200']);
  });

  it('reports SESSION_EXPIRED when the new session expires as well', async () => {
    server.expireNextSession(2);
    const error = await expectSetupError(() => checkMcp(http, server.mcpUrl, `Bearer ${token}`), 'SESSION_EXPIRED', [token]);
    expect(error.message).toContain('session');
    expect(server.log.filter((r) => r.rpc.includes('initialize'))).toHaveLength(2);
  });
});

describe('checkMcp reading event streams', () => {
  let raw: { url: string; server: Server };
  const seen: Array<{ method: string; headers: IncomingMessage['headers'] }> = [];

  beforeAll(async () => {
    // A hand-written MCP server: CRLF line ends, comments, a server notification and a stray reply before ours,
    // JSON spread over several data lines, tiny chunks, and a stream it never closes.
    raw = await startRawServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', headers: req.headers });
        if (req.method === 'DELETE') return void res.writeHead(405).end();
        const message = JSON.parse(text) as { id?: number; method: string };
        if (message.id === undefined) return void res.writeHead(202).end();
        const result =
          message.method === 'initialize'
            ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '9.9' } }
            : message.method === 'tools/list'
              ? { tools: [{ name: 'mittwald_user_get', inputSchema: { type: 'object' } }] }
              : { content: [{ type: 'text', text: JSON.stringify({ status: 'success', message: 'ok', data: { user: { userId: 'u-1', person: { firstName: 'Multi', lastName: 'Line' } } } }) }] };
        const reply = JSON.stringify({ jsonrpc: '2.0', id: message.id, result }, null, 2).split('\n');
        const stream =
          `: keep-alive comment\r\n\r\n` +
          `event: message\r\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}\r\n\r\n` +
          `data: {"jsonrpc":"2.0","id":9999,"result":{}}\r\n\r\n` +
          `id: 7\r\n${reply.map((line) => `data: ${line}`).join('\r\n')}\r\n\r\n`;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', ...(message.method === 'initialize' ? { 'Mcp-Session-Id': 'scripted-1' } : {}) });
        const chunks = stream.match(/[\s\S]{1,7}/g) ?? [];
        const writeNext = (): void => {
          const chunk = chunks.shift();
          if (chunk !== undefined) res.write(chunk, writeNext);
        };
        writeNext();
      });
    });
  });
  afterAll(() => stopRawServer(raw.server));

  it('picks the reply with our id from a chunked, multi-line, never-ending stream', async () => {
    const started = Date.now();
    const check = await checkMcp(http, `${raw.url}/mcp`, 'Bearer scripted-token');
    expect(check).toEqual({
      serverName: 'scripted',
      serverVersion: '9.9',
      protocolVersion: '2025-06-18',
      toolCount: 1,
      identity: { userId: 'u-1', name: 'Multi Line' },
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    await vi.waitFor(() => expect(seen.at(-1)?.method).toBe('DELETE'));
    expect(seen.at(-1)?.headers['mcp-session-id']).toBe('scripted-1');
    expect(seen.at(-1)?.headers['mcp-protocol-version']).toBe('2025-06-18');
  });
});

describe('checkMcp overlapping what does not wait for an answer', () => {
  it('sends the initialized notification, the tool call and tools/list together, right after initialize', async () => {
    // A server that answers nothing after initialize until all three have arrived: a client that waited for
    // one answer before sending the next would never see one (and would time out).
    const arrived: string[] = [];
    const held: Array<() => void> = [];
    const { url, server: barrier } = await startRawServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        if (req.method === 'DELETE') return void res.writeHead(200).end();
        const message = JSON.parse(text) as { id?: number; method: string };
        const answer = (): void => {
          if (message.id === undefined) return void res.writeHead(202).end();
          const result =
            message.method === 'initialize'
              ? { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'barrier', version: '1' } }
              : message.method === 'tools/list'
                ? { tools: [{ name: 'mittwald_user_get' }, { name: 'mittwald_project_list' }] }
                : { content: [{ type: 'text', text: JSON.stringify({ status: 'success', data: { user: { userId: 'u-2', person: { firstName: 'Ada', lastName: 'L' } } } }) }] };
          res.writeHead(200, { 'Content-Type': 'application/json', ...(message.method === 'initialize' ? { 'Mcp-Session-Id': 'barrier-1' } : {}) });
          res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
        };
        if (message.method === 'initialize') return answer();
        arrived.push(message.method);
        held.push(answer);
        if (held.length === 3) held.splice(0).forEach((release) => release());
      });
    });
    try {
      const impatient = createHttpClient({ version: 'test', timeoutMs: 4_000 });
      const check = await checkMcp(impatient, `${url}/mcp`, 'Bearer barrier-token');
      expect(check).toMatchObject({ serverName: 'barrier', toolCount: 2, identity: { userId: 'u-2' } });
      expect(arrived.sort()).toEqual(['notifications/initialized', 'tools/call', 'tools/list']);
    } finally {
      await stopRawServer(barrier);
    }
  });

  it('ignores the tool call when the server has no mittwald_user_get, and reports the tools it has', async () => {
    const { url, server: other } = await startRawServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        if (req.method === 'DELETE') return void res.writeHead(405).end();
        const message = JSON.parse(text) as { id?: number; method: string };
        if (message.id === undefined) return void res.writeHead(202).end();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        if (message.method === 'tools/call') return void res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32602, message: 'Tool mittwald_user_get not found' } }));
        const result =
          message.method === 'initialize'
            ? { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'other', version: '2' } }
            : { tools: [{ name: 'weather' }] };
        res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      });
    });
    try {
      await expect(checkMcp(http, `${url}/mcp`, 'Bearer other-token')).resolves.toEqual({ serverName: 'other', serverVersion: '2', protocolVersion: '2025-06-18', toolCount: 1 });
    } finally {
      await stopRawServer(other);
    }
  });
});

describe('checkApiToken', () => {
  let server: MittwaldTestServer;
  const user = createTestUser({ person: { firstName: 'Linus', lastName: 'Torvalds' } });
  const token = createTestToken();

  beforeAll(async () => {
    server = await startMittwaldServer({ tokens: [[token, user]] });
  });
  afterAll(() => server.close());

  it('returns who a good token belongs to', async () => {
    await expect(checkApiToken(http, server.apiUrl, token)).resolves.toEqual({
      userId: user.userId,
      name: 'Linus Torvalds',
      email: user.email,
    });
    expect(server.log.at(-1)).toMatchObject({ target: 'api', path: '/v2/users/self', status: 200 });
    expect(server.log.at(-1)?.headers['authorization']).toBe(`Bearer ${token}`);
  });

  it('reports a bad token as TOKEN_REJECTED', async () => {
    const wrong = createTestToken();
    const error = await expectSetupError(() => checkApiToken(http, server.apiUrl, wrong), 'TOKEN_REJECTED', [wrong]);
    expect(error.hint).toContain(API_TOKENS_URL);
  });

  it('reports a 503 of the API as UNAVAILABLE, and a 502 as SERVER_ERROR', async () => {
    server.failNext(1, { status: 503 }, 'api');
    const error = await expectSetupError(() => checkApiToken(http, server.apiUrl, token), 'UNAVAILABLE', [token]);
    expect(error.message).toContain('retry in a few minutes');
    server.failNext(1, { status: 502 }, 'api');
    await expectSetupError(() => checkApiToken(http, server.apiUrl, token), 'SERVER_ERROR', [token]);
  });

  it('reports a URL that is not the mittwald API', async () => {
    const error = await expectSetupError(() => checkApiToken(http, server.origin, token), 'PROTOCOL', [token]);
    expect(error.hint).toContain('--api-url');
  });
});

describe('probeMcpAuth', () => {
  it('sees mittwald’s challenge: authorization_uri and no resource_metadata', async () => {
    const server = await startMittwaldServer({ authorizationServer: 'http://127.0.0.1:9/' });
    try {
      await expect(probeMcpAuth(http, server.mcpUrl)).resolves.toEqual({
        requiresAuth: true,
        authorizationUri: 'http://127.0.0.1:9/authorize',
      });
      expect(server.log[0]?.headers['authorization']).toBeUndefined();
      expect(server.log[0]?.status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('passes resource_metadata on when the server sends it', async () => {
    const server = await startMittwaldServer({ resourceMetadataInChallenge: true });
    try {
      await expect(probeMcpAuth(http, server.mcpUrl)).resolves.toEqual({
        requiresAuth: true,
        authorizationUri: `${server.origin}/authorize`,
        resourceMetadata: `${server.origin}/.well-known/oauth-protected-resource/mcp`,
      });
    } finally {
      await server.close();
    }
  });

  it('reports an open server as not requiring auth, and a wrong path as NOT_MCP', async () => {
    const { url, server: open } = await startRawServer((req, res) => {
      if (req.url !== '/mcp') return void res.writeHead(404).end();
      if (req.method !== 'POST') return void res.writeHead(405).end();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'open', version: '1' } } }));
    });
    try {
      await expect(probeMcpAuth(http, `${url}/mcp`)).resolves.toEqual({ requiresAuth: false });
      await expectSetupError(() => probeMcpAuth(http, `${url}/sse`), 'NOT_MCP');
    } finally {
      await stopRawServer(open);
    }
  });
});

describe('parsers', () => {
  it('reads the Bearer challenge among others, with quoted and escaped values', () => {
    expect(
      parseBearerChallenge('Basic realm="x", Bearer realm="MCP Server", error="invalid_token", error_description="a \\"b\\", c", scope=user:read'),
    ).toEqual({ realm: 'MCP Server', error: 'invalid_token', error_description: 'a "b", c', scope: 'user:read' });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge('Bearer')).toEqual({});
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterSeconds('7')).toBe(7);
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30);
    expect(retryAfterSeconds('soon')).toBeUndefined();
    expect(retryAfterSeconds(undefined)).toBeUndefined();
  });
});

describe('a token check after a failed one', () => {
  let server: MittwaldTestServer;
  const user = createTestUser();
  const token = createTestToken();

  beforeAll(async () => {
    server = await startMittwaldServer({ tokens: [[token, user]] });
  });
  afterAll(() => server.close());

  const sessions = () => server.log.filter((r) => r.rpc.includes('initialize')).length;

  it('checks again after a failed check (the wizard lets a person try again)', async () => {
    const client = createHttpClient({ version: 'test', timeoutMs: 5_000 });
    const urls = { apiUrl: server.apiUrl, serverUrl: server.mcpUrl };
    server.clearLog();
    server.failNext(1, { status: 503 }, 'api');
    const failed = startTokenCheck(client, urls, token);
    failed.admitted.catch(() => undefined);
    await expectSetupError(() => failed.proven, 'UNAVAILABLE', [token]);
    await expect(startTokenCheck(client, urls, token).proven).resolves.toMatchObject({ identity: { userId: user.userId } });
    expect(sessions()).toBe(2);
  });
});

describe('startTokenCheck: admitted (writes may start), then proven', () => {
  let server: MittwaldTestServer;
  const user = createTestUser();
  const token = createTestToken();
  const urls = () => ({ apiUrl: server.apiUrl, serverUrl: server.mcpUrl });

  beforeAll(async () => {
    server = await startMittwaldServer({ tokens: [[token, user]] });
  });
  afterAll(() => server.close());
  afterEach(() => server.setToolFailure('mittwald_user_get', undefined));

  it('admits the token (REST took it, the MCP server opened a session), then proves it: identity, tool count, one session for the entries', async () => {
    const stages = startTokenCheck(http, urls(), token);
    const order: string[] = [];
    await Promise.all([stages.admitted.then(() => order.push('admitted')), stages.proven.then(() => order.push('proven'))]);
    expect(order).toEqual(['admitted', 'proven']);
    await expect(stages.proven).resolves.toMatchObject({ identity: { userId: user.userId }, toolCount: 116 });
    // The written entries' check is the same session.
    expect(stages.credential).toMatchObject({ serverUrl: server.mcpUrl, authorization: `Bearer ${token}` });
    await expect(stages.credential.check).resolves.toBe(await stages.proven);
  });

  it('a failure after the session opened leaves the token admitted and fails the proof', async () => {
    server.setToolFailure('mittwald_user_get', 'upstream API did not answer');
    const stages = startTokenCheck(http, urls(), token);
    await expect(stages.admitted).resolves.toBeUndefined();
    await expectSetupError(() => stages.proven, 'PROTOCOL', [token]);
  });

  it('a token the REST API refuses is not admitted, with the REST refusal (the plainer message)', async () => {
    const stages = startTokenCheck(http, urls(), createTestToken());
    stages.proven.catch(() => undefined);
    await expectSetupError(() => stages.admitted, 'TOKEN_REJECTED', []);
  });

  it('an MCP server that cannot be reached is not admitted', async () => {
    const stages = startTokenCheck(http, { apiUrl: server.apiUrl, serverUrl: `http://127.0.0.1:${await closedPort()}/mcp` }, token);
    stages.proven.catch(() => undefined);
    await expectSetupError(() => stages.admitted, 'UNREACHABLE', [token]);
  });
});
