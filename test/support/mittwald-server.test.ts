/** Self-test of the mittwald stand-in: that the SDK's own client can use it (as Claude Code, Codex & co. will),
 * and that it shows the mittwald-specific behaviour the reference describes. Uses plain fetch to 127.0.0.1. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MITTWALD_DEFAULT_SCOPES,
  MITTWALD_SCOPES,
  createTestToken,
  createTestUser,
  startMittwaldServer,
  type MittwaldTestServer,
} from './mittwald-server.js';

const ACCEPT = 'application/json, text/event-stream';

function rpc(method: string, params: Record<string, unknown> = {}, id = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

const initialize = rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } });

describe('mittwald stand-in server', () => {
  let server: MittwaldTestServer;
  const user = createTestUser();
  const token = createTestToken();
  const readOnly = createTestToken();

  beforeAll(async () => {
    server = await startMittwaldServer({ tokens: [[token, user]] });
    server.addToken(readOnly, user, 'api_read');
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.clearFaults();
    server.clearLog();
  });

  async function connectSdkClient(bearer: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
    });
    const client = new Client({ name: 'sdk-test', version: '1.0.0' });
    await client.connect(transport);
    return { client, transport };
  }

  it('serves the SDK client: paged tools/list, mittwald_user_get, and DELETE on close', async () => {
    const { client, transport } = await connectSdkClient(token);
    expect(client.getServerVersion()).toMatchObject({ name: 'mittwald-mstudio-mcp', version: '1.0.1' });

    const first = await client.listTools();
    expect(first.tools).toHaveLength(50);
    expect(first.nextCursor).toBeTruthy();
    const names = first.tools.map((tool) => tool.name);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await client.listTools({ cursor });
      names.push(...page.tools.map((tool) => tool.name));
      cursor = page.nextCursor;
    }
    expect(names).toHaveLength(116);
    expect(new Set(names).size).toBe(116);
    expect(names).toEqual(expect.arrayContaining(['mittwald_user_get', 'mittwald_project_list', 'mittwald_app_list']));
    expect(names.every((name) => name.startsWith('mittwald_'))).toBe(true);

    const result = await client.callTool({ name: 'mittwald_user_get', arguments: {} });
    const content = result.content as Array<{ type: string; text: string }>;
    expect(JSON.parse(content[0]?.text ?? '')).toEqual({
      status: 'success',
      message: expect.any(String),
      data: { user: { userId: user.userId, email: user.email, person: user.person } },
    });

    await transport.terminateSession();
    await client.close();
    expect(server.log.some((r) => r.method === 'DELETE' && r.status === 200)).toBe(true);
    expect(server.sessions()).toEqual([]);
  });

  it('answers a write tool called with a read-only token with a 403 tool error', async () => {
    const { client } = await connectSdkClient(readOnly);
    try {
      const write = await client.callTool({ name: 'mittwald_project_create', arguments: {} });
      expect(write.isError).toBe(true);
      expect(JSON.stringify(write.content)).toContain('403');
      const read = await client.callTool({ name: 'mittwald_project_list', arguments: {} });
      expect(read.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('challenges like mittwald: authorization_uri and no resource_metadata; invalid_token for a bad token', async () => {
    const anonymous = await fetch(server.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT }, body: initialize });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(`Bearer realm="MCP Server", authorization_uri="${server.origin}/authorize"`);

    const bad = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, authorization: `Bearer ${createTestToken()}` },
      body: initialize,
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", /);
  });

  it('publishes protected-resource metadata at both well-known paths, and a health check', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const res = await fetch(`${server.origin}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        resource: server.mcpUrl,
        authorization_servers: [server.origin],
        scopes_supported: MITTWALD_SCOPES,
        default_scopes: MITTWALD_DEFAULT_SCOPES,
      });
    }
    expect(MITTWALD_SCOPES).toHaveLength(46);
    server.setAuthorizationServer('http://127.0.0.1:1234');
    try {
      const res = await fetch(`${server.origin}/.well-known/oauth-protected-resource`);
      expect(((await res.json()) as { authorization_servers: string[] }).authorization_servers).toEqual(['http://127.0.0.1:1234']);
    } finally {
      server.setAuthorizationServer(server.origin);
    }
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);
  });

  it('answers /v2/users/self for Bearer and X-Access-Token, 401 otherwise', async () => {
    const bearer = await fetch(`${server.apiUrl}/v2/users/self`, { headers: { authorization: `Bearer ${token}` } });
    expect(await bearer.json()).toMatchObject({ userId: user.userId, email: user.email, person: user.person });
    const header = await fetch(`${server.apiUrl}/v2/users/self`, { headers: { 'x-access-token': token } });
    expect(header.status).toBe(200);
    expect((await fetch(`${server.apiUrl}/v2/users/self`)).status).toBe(401);
  });

  it('tells unknown sessions (404 -32001) from expired ones (401 -32002), and insists on arguments', async () => {
    const headers = { 'content-type': 'application/json', accept: ACCEPT, authorization: `Bearer ${token}` };
    const unknown = await fetch(server.mcpUrl, { method: 'POST', headers: { ...headers, 'mcp-session-id': 'nope' }, body: rpc('tools/list') });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: -32001 } });

    const init = await fetch(server.mcpUrl, { method: 'POST', headers, body: initialize });
    const sessionId = init.headers.get('mcp-session-id') ?? '';
    await init.body?.cancel();
    const inSession = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };

    const noArguments = await fetch(server.mcpUrl, { method: 'POST', headers: inSession, body: rpc('tools/call', { name: 'mittwald_user_get' }, 2) });
    expect(noArguments.status).toBe(400);
    expect(await noArguments.json()).toMatchObject({ error: { code: -32602 } });

    const badVersion = await fetch(server.mcpUrl, { method: 'POST', headers: { ...inSession, 'mcp-protocol-version': '2030-01-01' }, body: rpc('tools/list', {}, 3) });
    expect(badVersion.status).toBe(400);
    await badVersion.body?.cancel();

    server.expireAllSessions();
    const expired = await fetch(server.mcpUrl, { method: 'POST', headers: inSession, body: rpc('tools/list', {}, 4) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: { code: -32002, message: 'Session expired' } });
  });
});
