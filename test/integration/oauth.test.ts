/** The OAuth sign-in check against a real authorization server (oidc-provider, configured to mittwald's bridge
 * rules) and the MCP stand-in that accepts its JWTs, with a headless browser started through `$BROWSER`. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { browserCommand, openBrowser } from '../../src/system/browser.js';
import { SetupError } from '../../src/errors.js';
import { createHttpClient, type HttpClient } from '../../src/net/http.js';
import { discoverAuthorization, signInWithOAuth, type OAuthSignInOptions } from '../../src/oauth/oauth.js';
import { checkMcp } from '../../src/mcp/client.js';
import { runBrowser, type HeadlessBrowserAction } from '../support/headless-browser.mjs';
import { MITTWALD_DEFAULT_SCOPES, startOAuthServer, type OAuthServer, type OAuthServerOptions } from '../support/oauth-server.js';
import { MITTWALD_SCOPES, startMittwaldServer, type MittwaldServerOptions, type MittwaldTestServer } from '../support/mittwald-server.js';

const HEADLESS_BROWSER = fileURLToPath(new URL('../support/headless-browser.mjs', import.meta.url));

const http: HttpClient = createHttpClient({ version: '0.0.0-test', timeoutMs: 5000 });
let tempDir: string;

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'oauth-test-'));
});
afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

interface Stack {
  mcp: MittwaldTestServer;
  as: OAuthServer;
}

const stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map(async ({ mcp, as }) => Promise.all([mcp.close(), as.close()])));
});

/** The MCP stand-in wired to a fresh AS: its metadata names the AS, and it accepts the AS's JWTs. */
async function startStack(
  mcpOptions: MittwaldServerOptions = {},
  asOptions: Omit<OAuthServerOptions, 'resource'> = {},
): Promise<Stack> {
  const mcp = await startMittwaldServer(mcpOptions);
  const as = await startOAuthServer({ ...asOptions, resource: mcp.mcpUrl });
  mcp.setAuthorizationServer(as.issuer);
  mcp.setAccessTokenVerifier((token) => as.verifyAccessToken(token));
  const stack = { mcp, as };
  stacks.push(stack);
  return stack;
}

/** `openBrowser` as the CLI does it, through `$BROWSER`, with the headless browser as the browser. */
function headlessBrowser(action: HeadlessBrowserAction): { open: (url: string) => Promise<boolean>; log: string; opened: string[] } {
  const log = join(tempDir, `browser-${randomBytes(4).toString('hex')}.log`);
  const opened: string[] = [];
  return {
    log,
    opened,
    open: (url) => {
      opened.push(url);
      return openBrowser(url, {
        platform: 'linux',
        env: { ...process.env, BROWSER: HEADLESS_BROWSER, HEADLESS_BROWSER_ACTION: action, HEADLESS_BROWSER_LOG: log },
      });
    },
  };
}

function signInOptions(serverUrl: string, open: (url: string) => Promise<boolean>, extra: Partial<OAuthSignInOptions> = {}): OAuthSignInOptions {
  return { serverUrl, noBrowser: false, openBrowser: open, onAuthorizationUrl: () => undefined, timeoutMs: 10_000, ...extra };
}

async function expectSetupError(promise: Promise<unknown>, code: SetupError['code']): Promise<SetupError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SetupError);
  expect((error as SetupError).code).toBe(code);
  return error as SetupError;
}

async function readLog(path: string): Promise<string> {
  // The browser is a separate process; its last line may land just after the listener answered.
  for (let attempt = 0; attempt < 50; attempt++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (/→ \d{3}\n$/.test(text) && /127\.0\.0\.1:\d+\/callback/.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return readFile(path, 'utf8').catch(() => '');
}

async function listenOn(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('signInWithOAuth', () => {
  it('signs in through the well-known fallback (mittwald sends no resource_metadata) and the token works on the MCP server', async () => {
    const { mcp, as } = await startStack();
    const browser = headlessBrowser('approve');
    const urls: string[] = [];

    const result = await signInWithOAuth(http, signInOptions(mcp.mcpUrl, browser.open, { onAuthorizationUrl: (url) => urls.push(url) }));

    expect(result.issuer).toBe(as.issuer);
    expect([...result.scopes].sort()).toEqual([...MITTWALD_DEFAULT_SCOPES].sort());
    expect(result.expiresIn).toBeGreaterThan(3500);
    expect(result.expiresIn).toBeLessThanOrEqual(3600);

    // The URL was reported, then opened, once; it carries what the bridge requires.
    expect(urls).toHaveLength(1);
    expect(browser.opened).toEqual(urls);
    const authorization = new URL(urls[0] as string);
    expect(authorization.origin + authorization.pathname).toBe(`${as.issuer}/authorize`);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorization.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(authorization.searchParams.get('resource')).toBe(mcp.mcpUrl);
    expect(authorization.searchParams.get('scope')).toBe(MITTWALD_DEFAULT_SCOPES.join(' '));
    expect(authorization.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    // Discovery went the mittwald way: 401 without resource_metadata → path-inserted well-known → RFC 8414.
    const challenge = mcp.log.find((record) => record.method === 'POST' && record.path === '/mcp');
    expect(challenge?.status).toBe(401);
    expect(mcp.log.some((record) => record.path === '/.well-known/oauth-protected-resource/mcp')).toBe(true);
    expect(as.requests).toContain('GET /.well-known/oauth-authorization-server');
    expect(as.requests).not.toContain('GET /.well-known/openid-configuration');
    expect(as.requests).toContain('POST /register');
    expect(as.requests).toContain('POST /token');

    // The browser got the success page.
    expect(await readLog(browser.log)).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/callback → 200/);

    // The token is a real one: the AS verifies it, and the MCP server serves the user with it.
    const verified = await as.verifyAccessToken(result.accessToken);
    expect(verified?.userId).toBe(as.user.userId);
    expect([...(verified?.scopes ?? [])].sort()).toEqual([...MITTWALD_DEFAULT_SCOPES].sort());
    const check = await checkMcp(http, mcp.mcpUrl, `Bearer ${result.accessToken}`);
    expect(check.serverName).toBe('mittwald-mstudio-mcp');
    expect(check.identity?.userId).toBe(as.user.userId);
    expect(mcp.log.some((record) => record.auth?.kind === 'oauth' && record.auth.userId === as.user.userId)).toBe(true);
  });

  it('signs in through the spec path (resource_metadata in the challenge) with the scopes asked for', async () => {
    const { mcp, as } = await startStack({ resourceMetadataInChallenge: true });
    const browser = headlessBrowser('approve');

    const result = await signInWithOAuth(http, signInOptions(mcp.mcpUrl, browser.open, { scopes: ['user:read', 'project:write'] }));

    expect([...result.scopes].sort()).toEqual(['project:write', 'user:read']);
    expect((await as.verifyAccessToken(result.accessToken))?.scopes.sort()).toEqual(['project:write', 'user:read']);
    const check = await checkMcp(http, mcp.mcpUrl, `Bearer ${result.accessToken}`);
    expect(check.identity?.userId).toBe(as.user.userId);
  });

  it('deletes the client it registered when told to (RFC 7592), once: checks leave nothing behind', async () => {
    const { mcp, as } = await startStack();
    const browser = headlessBrowser('approve');
    const result = await signInWithOAuth(http, signInOptions(mcp.mcpUrl, browser.open));
    const authorize = new URL(browser.opened[0] ?? '');
    const clientId = authorize.searchParams.get('client_id') ?? '';
    expect(as.requests.filter((request) => request.startsWith('DELETE '))).toEqual([]);

    await result.forget();
    await result.forget();
    expect(as.requests.filter((request) => request.startsWith('DELETE '))).toEqual([`DELETE /register/${clientId}`]);
    // The client is gone: the same authorization request is now refused.
    const again = await fetch(authorize, { redirect: 'manual' });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('invalid_client');
  });

  it('falls back to OpenID discovery when the AS has no RFC 8414 document', async () => {
    const { mcp, as } = await startStack({}, { discovery: 'openid' });
    const result = await signInWithOAuth(http, signInOptions(mcp.mcpUrl, headlessBrowser('approve').open));
    expect(result.issuer).toBe(as.issuer);
    const metadataRequests = as.requests.filter((request) => request.includes('/.well-known/'));
    expect(metadataRequests).toEqual(['GET /.well-known/oauth-authorization-server', 'GET /.well-known/openid-configuration']);
  });

  it('with noBrowser only reports the URL; the listener ignores unrelated paths and answers the browser', async () => {
    const { mcp } = await startStack();
    const openBrowserSpy = vi.fn(async () => true);
    let browserRun: Promise<{ status: number | undefined }> | undefined;
    let strayStatus: number | undefined;

    const result = await signInWithOAuth(
      http,
      signInOptions(mcp.mcpUrl, openBrowserSpy, {
        noBrowser: true,
        onAuthorizationUrl: (url) => {
          // The person copies the URL into a browser; meanwhile something else knocks on the listener.
          const redirect = new URL(new URL(url).searchParams.get('redirect_uri') as string);
          browserRun = fetch(`${redirect.origin}/favicon.ico`).then(async (response) => {
            strayStatus = response.status;
            await response.text();
            return runBrowser(url, { action: 'approve' });
          });
        },
      }),
    );

    expect(openBrowserSpy).not.toHaveBeenCalled();
    expect(strayStatus).toBe(404);
    expect((await browserRun)?.status).toBe(200);
    expect(result.accessToken.split('.')).toHaveLength(3);
  });

  it('reports a denied consent as OAUTH_DENIED', async () => {
    const { mcp } = await startStack();
    const browser = headlessBrowser('deny');
    await expectSetupError(signInWithOAuth(http, signInOptions(mcp.mcpUrl, browser.open)), 'OAUTH_DENIED');
    const log = await readLog(browser.log);
    expect(log).toMatch(/POST \/interaction\/[\w-]+\/abort → 303/);
    expect(log).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/callback → 400/);
  });

  it('rejects a response whose state was changed with OAUTH_STATE', async () => {
    const { mcp, as } = await startStack();
    const browser = headlessBrowser('tamper-state');
    await expectSetupError(signInWithOAuth(http, signInOptions(mcp.mcpUrl, browser.open)), 'OAUTH_STATE');
    expect(as.requests).not.toContain('POST /token');
  });

  it('gives up with OAUTH_TIMEOUT when the browser never comes back, and frees the port', async () => {
    const { mcp } = await startStack();
    let redirectUri = '';
    const started = Date.now();
    await expectSetupError(
      signInWithOAuth(
        http,
        signInOptions(mcp.mcpUrl, headlessBrowser('ignore').open, {
          timeoutMs: 800,
          onAuthorizationUrl: (url) => {
            redirectUri = new URL(url).searchParams.get('redirect_uri') as string;
          },
        }),
      ),
      'OAUTH_TIMEOUT',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await expect(fetch(redirectUri)).rejects.toThrow();
  });

  it('stops with CANCELLED when the signal aborts while waiting', async () => {
    const { mcp } = await startStack();
    const controller = new AbortController();
    await expectSetupError(
      signInWithOAuth(
        http,
        signInOptions(mcp.mcpUrl, async () => true, {
          noBrowser: true,
          signal: controller.signal,
          onAuthorizationUrl: () => setTimeout(() => controller.abort(), 50),
        }),
      ),
      'CANCELLED',
    );
  });

  it.each([
    ['no code_challenge_methods_supported', null],
    ['only plain', ['plain']],
  ] as const)('refuses an AS with %s as OAUTH_UNSUPPORTED, before registering or opening anything', async (_label, methods) => {
    const { mcp, as } = await startStack({}, { codeChallengeMethods: methods });
    const browser = headlessBrowser('approve');
    const urls: string[] = [];
    const error = await expectSetupError(
      signInWithOAuth(http, signInOptions(mcp.mcpUrl, browser.open, { onAuthorizationUrl: (url) => urls.push(url) })),
      'OAUTH_UNSUPPORTED',
    );
    expect(error.message).toContain('S256');
    expect(browser.opened).toEqual([]);
    expect(urls).toEqual([]);
    expect(as.requests).not.toContain('POST /register');
  });

  it('refuses unknown scopes with OAUTH_SCOPE, naming them, before any browser is opened', async () => {
    const { mcp, as } = await startStack();
    const browser = headlessBrowser('approve');
    const urls: string[] = [];
    const error = await expectSetupError(
      signInWithOAuth(
        http,
        signInOptions(mcp.mcpUrl, browser.open, { scopes: ['user:read', 'user:fly', 'everything'], onAuthorizationUrl: (url) => urls.push(url) }),
      ),
      'OAUTH_SCOPE',
    );
    expect(error.message).toContain('user:fly');
    expect(error.message).toContain('everything');
    expect(error.message).not.toContain('user:read');
    expect(browser.opened).toEqual([]);
    expect(urls).toEqual([]);
    expect(as.requests).not.toContain('POST /register');
  });

  it('reports a taken port as PORT_IN_USE', async () => {
    const { mcp, as } = await startStack();
    const { server: squatter, origin } = await listenOn((_req, res) => res.end());
    try {
      const port = Number(new URL(origin).port);
      const error = await expectSetupError(
        signInWithOAuth(http, signInOptions(mcp.mcpUrl, headlessBrowser('approve').open, { port })),
        'PORT_IN_USE',
      );
      expect(error.message).toContain(String(port));
      expect(error.hint).toBeTruthy();
      expect(as.requests).not.toContain('POST /register');
    } finally {
      await close(squatter);
    }
  });

  it('uses a given free port for the redirect URI', async () => {
    const { mcp } = await startStack();
    const { server, origin } = await listenOn((_req, res) => res.end());
    const port = Number(new URL(origin).port);
    await close(server);
    let redirectUri = '';
    await signInWithOAuth(
      http,
      signInOptions(mcp.mcpUrl, headlessBrowser('approve').open, {
        port,
        onAuthorizationUrl: (url) => {
          redirectUri = new URL(url).searchParams.get('redirect_uri') as string;
        },
      }),
    );
    expect(redirectUri).toBe(`http://127.0.0.1:${port}/callback`);
  });
});

describe('discoverAuthorization', () => {
  /** A bare protected resource: 401 with a challenge, and metadata only where `documents` says. */
  async function startResource(options: { challenge: (origin: string) => string; documents: (origin: string) => Record<string, unknown> }) {
    const seen: string[] = [];
    const { server, origin } = await listenOn((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const document = options.documents(origin)[req.url ?? ''];
      if (req.method === 'POST' && req.url === '/mcp') {
        res.writeHead(401, { 'www-authenticate': options.challenge(origin), 'content-type': 'application/json' });
        return res.end('{"error":"unauthorized"}');
      }
      if (req.method === 'GET' && document) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(document));
      }
      res.writeHead(404).end();
    });
    return { server, origin, seen };
  }

  it("uses the challenge's resource_metadata URL even off the well-known paths", async () => {
    const as = await startOAuthServer({ resource: 'http://127.0.0.1:1/mcp' });
    const resource = await startResource({
      challenge: (origin) => `Bearer realm="MCP Server", resource_metadata="${origin}/metadata/prm.json"`,
      documents: (origin) => ({
        '/metadata/prm.json': { resource: `${origin}/mcp`, authorization_servers: [as.issuer], scopes_supported: ['user:read'] },
      }),
    });
    try {
      const found = await discoverAuthorization(http, `${resource.origin}/mcp`);
      expect(found.resourceMetadataUrl).toBe(`${resource.origin}/metadata/prm.json`);
      expect(found.issuer).toBe(as.issuer);
      expect(found.scopesSupported).toEqual(['user:read']);
      expect(found.defaultScopes).toEqual([...MITTWALD_DEFAULT_SCOPES]);
      expect(found.metadata.code_challenge_methods_supported).toContain('S256');
      expect(resource.seen.filter((line) => line.includes('well-known'))).toEqual([]);
    } finally {
      await close(resource.server);
      await as.close();
    }
  });

  it('tries the path-inserted well-known URI, then the root one', async () => {
    const as = await startOAuthServer({ resource: 'http://127.0.0.1:1/mcp' });
    const resource = await startResource({
      challenge: () => 'Bearer realm="MCP Server"',
      documents: (origin) => ({
        '/.well-known/oauth-protected-resource': { resource: `${origin}/mcp`, authorization_servers: [as.issuer], default_scopes: ['user:read'] },
      }),
    });
    try {
      const found = await discoverAuthorization(http, `${resource.origin}/mcp`);
      expect(found.resourceMetadataUrl).toBe(`${resource.origin}/.well-known/oauth-protected-resource`);
      expect(found.defaultScopes).toEqual(['user:read']);
      expect(resource.seen.filter((line) => line.includes('well-known'))).toEqual([
        'GET /.well-known/oauth-protected-resource/mcp',
        'GET /.well-known/oauth-protected-resource',
      ]);
    } finally {
      await close(resource.server);
      await as.close();
    }
  });

  it('names the field of a malformed document, in English', async () => {
    const resource = await startResource({
      challenge: () => 'Bearer realm="MCP Server"',
      documents: (origin) => ({
        '/.well-known/oauth-protected-resource/mcp': { resource: `${origin}/mcp`, authorization_servers: [] },
      }),
    });
    try {
      await expect(discoverAuthorization(http, `${resource.origin}/mcp`)).rejects.toMatchObject({
        code: 'OAUTH',
        message: `The protected-resource metadata at ${resource.origin}/.well-known/oauth-protected-resource/mcp is malformed (authorization_servers: Too small: expected array to have >=1 items).`,
      });
    } finally {
      await close(resource.server);
    }
  });

  it('refuses metadata that describes another resource', async () => {
    const resource = await startResource({
      challenge: () => 'Bearer realm="MCP Server"',
      documents: () => ({
        '/.well-known/oauth-protected-resource/mcp': { resource: 'http://127.0.0.1:1/other', authorization_servers: ['http://127.0.0.1:1'] },
      }),
    });
    try {
      await expectSetupError(discoverAuthorization(http, `${resource.origin}/mcp`), 'OAUTH');
    } finally {
      await close(resource.server);
    }
  });

  it('refuses a non-HTTPS authorization server that is not on this machine', async () => {
    const resource = await startResource({
      challenge: () => 'Bearer realm="MCP Server"',
      documents: (origin) => ({
        '/.well-known/oauth-protected-resource/mcp': { resource: `${origin}/mcp`, authorization_servers: ['http://auth.example.test'] },
      }),
    });
    try {
      const error = await expectSetupError(discoverAuthorization(http, `${resource.origin}/mcp`), 'OAUTH');
      expect(error.message).toContain('not HTTPS');
    } finally {
      await close(resource.server);
    }
  });
});

describe('the test authorization server enforces the bridge rules', () => {
  let as: OAuthServer;
  let callback: { server: Server; origin: string };
  const resource = 'http://127.0.0.1:1/mcp';

  beforeAll(async () => {
    as = await startOAuthServer({ resource });
    callback = await listenOn((_req, res) => res.end('ok'));
  });
  afterAll(async () => {
    await close(callback.server);
    await as.close();
  });

  async function register(redirectUri: string): Promise<string> {
    const response = await fetch(`${as.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [redirectUri], application_type: 'native', token_endpoint_auth_method: 'none' }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { client_id: string }).client_id;
  }

  function authorizeUrl(params: Record<string, string | undefined>): string {
    const url = new URL(`${as.issuer}/authorize`);
    for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
    return url.href;
  }

  function pkce(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  async function requestParams(redirectUri: string, overrides: Record<string, string | undefined> = {}) {
    const { verifier, challenge } = pkce();
    const clientId = await register(redirectUri);
    const params = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      state: randomBytes(8).toString('hex'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
    return { params, verifier, clientId };
  }

  it('accepts any scope in a registration, as the bridge does (Claude Code registers with every scope)', async () => {
    const response = await fetch(`${as.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [`${callback.origin}/callback`], token_endpoint_auth_method: 'none', scope: `${MITTWALD_SCOPES.join(' ')} not-a-scope` }),
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { client_id?: string }).client_id).toBeTruthy();
  });

  it('matches redirect URIs exactly: another loopback port is refused', async () => {
    const registered = `${callback.origin}/callback`;
    const otherPort = `http://127.0.0.1:${Number(new URL(callback.origin).port) + 1}/callback`;
    const { params } = await requestParams(registered);

    const wrong = await fetch(authorizeUrl({ ...params, redirect_uri: otherPort }), { redirect: 'manual' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('invalid_redirect_uri');

    const right = await fetch(authorizeUrl(params), { redirect: 'manual' });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toMatch(/^\/interaction\//);
  });

  it('requires state, and answers an unknown scope with invalid_scope', async () => {
    const { params } = await requestParams(`${callback.origin}/callback`);
    const noState = await fetch(authorizeUrl({ ...params, state: undefined }), { redirect: 'manual' });
    expect(noState.status).toBe(400);
    expect(await noState.json()).toMatchObject({ error: 'invalid_request' });

    const badScope = await fetch(authorizeUrl({ ...params, scope: 'user:read user:fly' }), { redirect: 'manual' });
    expect(badScope.status).toBe(400);
    expect(await badScope.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('requires PKCE with S256 (plain and none are refused)', async () => {
    const redirectUri = `${callback.origin}/callback`;
    const { params } = await requestParams(redirectUri);
    for (const overrides of [{ code_challenge_method: 'plain' }, { code_challenge: undefined, code_challenge_method: undefined }]) {
      const response = await fetch(authorizeUrl({ ...params, ...overrides }), { redirect: 'manual' });
      const location = new URL(response.headers.get('location') as string, as.issuer);
      expect(location.href.startsWith(redirectUri)).toBe(true);
      expect(location.searchParams.get('error')).toBe('invalid_request');
    }
  });

  it('grants the default scopes for an empty scope, issues JWTs for the resource, and rotates refresh tokens', async () => {
    const redirectUri = `${callback.origin}/callback`;
    const { params, verifier, clientId } = await requestParams(redirectUri, { scope: 'openid offline_access' });
    const { redirectUrl } = await runBrowser(authorizeUrl(params), { action: 'approve' });
    const code = redirectUrl?.searchParams.get('code');
    expect(code).toBeTruthy();

    const token = async (body: Record<string, string>) => {
      const response = await fetch(`${as.issuer}/token`, { method: 'POST', body: new URLSearchParams({ client_id: clientId, ...body }) });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const first = await token({ grant_type: 'authorization_code', code: code as string, redirect_uri: redirectUri, code_verifier: verifier });
    expect(first.status).toBe(200);
    expect(first.body.scope?.split(' ').sort()).toEqual([...MITTWALD_DEFAULT_SCOPES].sort());
    expect(first.body.id_token).toBeUndefined();
    const verified = await as.verifyAccessToken(first.body.access_token as string);
    expect(verified?.userId).toBe(as.user.userId);
    expect(verified?.clientId).toBe(clientId);

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeTruthy();
    expect(refreshed.body.refresh_token).not.toBe(first.body.refresh_token);
    expect((await as.verifyAccessToken(refreshed.body.access_token as string))?.scopes.sort()).toEqual([...MITTWALD_DEFAULT_SCOPES].sort());
    const replayed = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string });
    expect(replayed.body.error).toBe('invalid_grant');

    // Codes are single-use (and a replay revokes what the code produced).
    const reused = await token({ grant_type: 'authorization_code', code: code as string, redirect_uri: redirectUri, code_verifier: verifier });
    expect(reused.body.error).toBe('invalid_grant');
  });

  it('rejects tokens it did not sign for the resource', async () => {
    const forged = ['eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9', Buffer.from(JSON.stringify({ sub: as.user.userId })).toString('base64url'), 'c2ln'].join('.');
    expect(await as.verifyAccessToken(forged)).toBeUndefined();
    expect(await as.verifyAccessToken('not-a-jwt')).toBeUndefined();
  });
});

describe('browserCommand', () => {
  const url = 'https://auth.example.test/authorize?a=1&b=2';

  it('uses $BROWSER with the URL as its last argument, or in place of %s', () => {
    expect(browserCommand(url, { platform: 'linux', env: { BROWSER: 'firefox --new-window' } })).toMatchObject({
      command: 'firefox',
      args: ['--new-window', url],
    });
    expect(browserCommand(url, { platform: 'darwin', env: { BROWSER: 'w3m:lynx' } })).toMatchObject({ command: 'w3m', args: [url] });
    expect(browserCommand(url, { platform: 'linux', env: { BROWSER: 'open -u %s --fresh' } })).toMatchObject({ args: ['-u', url, '--fresh'] });
  });

  it('falls back to the platform opener', () => {
    expect(browserCommand(url, { platform: 'darwin', env: {} })).toMatchObject({ command: 'open', args: [url] });
    expect(browserCommand(url, { platform: 'linux', env: {} })).toMatchObject({ command: 'xdg-open', args: [url] });
    const windows = browserCommand(url, { platform: 'win32', env: {} });
    expect(windows.command).toBe('cmd');
    expect(windows.verbatim).toBe(true);
    expect(windows.args.at(-1)).toBe(`"start "" "${url}""`);
  });

  it('reports false when the opener cannot be started', async () => {
    expect(await openBrowser(url, { platform: 'linux', env: { BROWSER: join(tempDir, 'no-such-browser') } })).toBe(false);
  });
});
