/** A real OAuth 2.1 authorization server for tests: oidc-provider 9 on 127.0.0.1, configured to the rules of
 * mittwald's "OAuth bridge" (see /work/shared/reference/mittwald-service.md, "OAuth bridge rules"):
 *
 * - open Dynamic Client Registration at `/register`, public clients (`none`) allowed and the default;
 * - `/authorize` needs an EXACTLY registered `redirect_uri` (oidc-provider's RFC 8252 any-port leniency for
 *   native loopback clients is switched off), a `state`, and PKCE with S256;
 * - scopes in `resource:action` form from mittwald's list: unknown → 400 `invalid_scope`, none → mittwald's
 *   defaults, `openid offline_access profile` accepted and stripped;
 * - a refresh the bridge cannot pass on upstream answers 400 `invalid_grant` "Mittwald session expired, please
 *   re-authenticate" (`failRefreshes()`), and a registration the bridge lost answers `invalid_client`
 *   (`dropRegistrations()`): the sign-ins that die weeks after setup, for `doctor`'s tests;
 * - JWT access tokens for the one resource indicator (the MCP URL), 3600 s; rotating refresh tokens, 7 days;
 * - RFC 8414 metadata at `/.well-known/oauth-authorization-server`, and (like mittwald) no OpenID discovery
 *   document unless asked for.
 *
 * The login is automatic (one test user); consent is a real HTML form that the headless browser
 * (headless-browser.mjs) approves or denies. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider, { errors, type Adapter, type AdapterPayload, type KoaContextLike } from 'oidc-provider';
import { createTestUser, type TestUser } from './mittwald-fixtures.js';
import { MITTWALD_DEFAULT_SCOPES, MITTWALD_SCOPES } from './mittwald-tools.js';

export { MITTWALD_DEFAULT_SCOPES, MITTWALD_SCOPES };

/** Accepted by the bridge, then dropped from the grant. */
const STRIPPED_SCOPES = new Set(['openid', 'offline_access', 'profile']);
const RESOURCE_SCOPES = MITTWALD_SCOPES.filter((scope) => !STRIPPED_SCOPES.has(scope));

/** A verified access token: who it belongs to and what it may do (an AuthorizedUser for the MCP stand-in). */
export interface VerifiedAccessToken extends TestUser {
  scopes: string[];
  clientId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface OAuthServerOptions {
  /** The MCP URL: the only resource indicator tokens are issued for, and their `aud`. A function lets the AS
   * start before the MCP server whose URL it names. */
  resource: string | (() => string);
  user?: TestUser;
  /** What `code_challenge_methods_supported` advertises (default `['S256']`); `null` leaves it out. Only the
   * metadata changes: oidc-provider itself still accepts S256 only. Used for the client's refusal test. */
  codeChallengeMethods?: readonly string[] | null;
  /** Which discovery documents are served. mittwald's bridge serves RFC 8414 only (the default). */
  discovery?: 'oauth' | 'openid' | 'both';
  /** Access-token lifetime in seconds (default 3600, as the bridge). */
  accessTokenTtl?: number;
}

/** What the bridge says when it cannot refresh the mittwald session behind a refresh token. */
export const SESSION_EXPIRED = 'Mittwald session expired, please re-authenticate';

export interface OAuthServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly issuer: string;
  readonly user: TestUser;
  /** Checks signature (against the AS's own JWKS), issuer, audience (the resource) and expiry. */
  verifyAccessToken(token: string): Promise<VerifiedAccessToken | undefined>;
  /** Requests seen by the AS, as `METHOD path` (query strings dropped), oldest first. */
  readonly requests: readonly string[];
  /** The query of every GET /authorize as the client sent it (before the bridge's scope rules), oldest first:
   * what a client asked for (`scope`, `resource`, `prompt`, `redirect_uri`, …). */
  readonly authorizeRequests: readonly URLSearchParams[];
  /** From now on every refresh is refused as the bridge refuses one whose mittwald session ended
   * (400 `invalid_grant`, SESSION_EXPIRED); `false` lets refreshes through again. */
  failRefreshes(fail?: boolean): void;
  /** Forgets every client registration, as a bridge that lost its store: requests naming one of those
   * clients get `invalid_client`. */
  dropRegistrations(): void;
  close(): Promise<void>;
}

const DAY = 24 * 60 * 60;

/** Starts the AS on 127.0.0.1 with a random port. */
export async function startOAuthServer(options: OAuthServerOptions): Promise<OAuthServer> {
  const user = options.user ?? createTestUser();
  const resource = typeof options.resource === 'function' ? options.resource : () => options.resource as string;
  const discovery = options.discovery ?? 'oauth';
  const accessTokenTtl = options.accessTokenTtl ?? 3600;
  const requests: string[] = [];
  const authorizeRequests: URLSearchParams[] = [];
  const stores = new Map<string, Map<string, StoredPayload>>();
  let refreshesFail = false;

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    adapter: (name: string) => createMemoryAdapter(stores, name),
    clients: [],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'RS256',
    },
    clientAuthMethods: ['none', 'client_secret_post', 'client_secret_basic'],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [signingJwk] },
    findAccount: (_ctx: unknown, sub: string) =>
      sub === user.userId
        ? { accountId: sub, claims: () => ({ sub, email: user.email, given_name: user.person.firstName, family_name: user.person.lastName }) }
        : undefined,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      // RFC 7592: a registration can be read and deleted with the registration_access_token it came with.
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: false },
      resourceIndicators: {
        enabled: true,
        // The bridge takes `resource` as optional: without one, the token is still for the MCP server.
        defaultResource: () => resource(),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== resource()) throw new errors.InvalidTarget();
          return {
            scope: RESOURCE_SCOPES.join(' '),
            audience: indicator,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256', kid } },
          };
        },
      },
    },
    // Mittwald requires the redirect_uri on every authorization request; oidc-provider would default it.
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true },
    // Refresh tokens for every client allowed the grant, independent of `offline_access` (stripped) and of
    // the browser session; rotated on every use.
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: () => false,
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access'],
    routes: {
      authorization: '/authorize',
      token: '/token',
      registration: '/register',
      jwks: '/jwks',
      revocation: '/revoke',
      userinfo: '/userinfo',
      end_session: '/logout',
      introspection: '/introspect',
      pushed_authorization_request: '/par',
      code_verification: '/device',
      device_authorization: '/device/auth',
      backchannel_authentication: '/backchannel',
      challenge: '/challenge',
    },
    // The default page works too, but announces on every error that it is the default.
    renderError: (ctx: KoaContextLike, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>oops</title><h1>Something went wrong</h1>${Object.entries(out)
        .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
        .join('')}`;
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: 7 * DAY,
      Interaction: 300,
      Session: DAY,
      Grant: 7 * DAY,
      IdToken: 3600,
    },
  });

  // oidc-provider lets native clients use any port on a loopback redirect URI (RFC 8252 §7.3); the bridge
  // does not, and the CLI must register the exact port it listens on. Exact string comparison only.
  provider.Client.prototype.redirectUriAllowed = function exactRedirectUri(value: string): boolean {
    return this.redirectUris.includes(value);
  };

  // The bridge takes any `scope` in a registration (Claude Code sends every scope it saw advertised) and
  // checks scopes at /authorize only; oidc-provider would refuse unknown ones with invalid_client_metadata.
  (provider.Client as unknown as { Schema: { prototype: { scopes(this: { scope?: string }): void } } }).Schema.prototype.scopes = function ignoreRegisteredScope() {
    delete this.scope;
  };

  provider.use(async (ctx, next) => {
    requests.push(`${ctx.method} ${ctx.path}`);
    if (ctx.path === '/.well-known/oauth-authorization-server' || ctx.path === '/.well-known/openid-configuration') {
      const rfc8414 = ctx.path === '/.well-known/oauth-authorization-server';
      if (rfc8414 ? discovery === 'openid' : discovery === 'oauth') return notFound(ctx);
      ctx.path = '/.well-known/openid-configuration';
      await next();
      if (ctx.status === 200) ctx.body = bridgeMetadata(ctx.body as Record<string, unknown>, options.codeChallengeMethods);
      return;
    }
    if (ctx.path === '/authorize') {
      // Keeping to GET lets the bridge's parameter rules be enforced before oidc-provider parses anything.
      if (ctx.method !== 'GET') return oauthError(ctx, 405, 'invalid_request', 'use GET for the authorization endpoint');
      authorizeRequests.push(queryParams(ctx.query));
      const rejected = applyBridgeAuthorizationRules(ctx);
      if (rejected) return;
    }
    if (ctx.path === '/token' && refreshesFail) {
      // The refresh tokens stay stored (the tool still holds one); the bridge's upstream refresh fails.
      const refreshTokens = stores.get('RefreshToken');
      const kept = new Map(refreshTokens);
      refreshTokens?.clear();
      try {
        await next();
      } finally {
        for (const [id, entry] of kept) refreshTokens?.set(id, entry);
      }
      const body = ctx.body as { error?: string } | undefined;
      if (ctx.status === 400 && body?.error === 'invalid_grant') ctx.body = { error: 'invalid_grant', error_description: SESSION_EXPIRED };
      return;
    }
    await next();
  });

  const providerCallback = provider.callback();
  handler = (req, res) => {
    const match = /^\/interaction\/([\w-]+)(\/(confirm|abort))?$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match) return providerCallback(req, res);
    const action = match[3];
    const expectedMethod = action ? 'POST' : 'GET';
    if (req.method !== expectedMethod) return void res.writeHead(405).end();
    interaction(provider, user, req, res, action as 'confirm' | 'abort' | undefined).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  };

  let publicKey: KeyObject | undefined;
  return {
    issuer,
    user,
    requests,
    authorizeRequests,
    failRefreshes(fail = true) {
      refreshesFail = fail;
    },
    dropRegistrations() {
      stores.get('Client')?.clear();
    },
    async verifyAccessToken(token) {
      // The JWKS is fetched like a resource server would, once.
      publicKey ??= await fetchSigningKey(issuer, kid);
      return verifyJwtAccessToken(token, publicKey, { issuer, audience: resource(), user });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Mittwald's rules oidc-provider has no switch for: `state` is required, and scopes are checked against the
 * bridge's list (unknown → invalid_scope; stripped ones removed; none → the defaults). Rewrites the query in
 * place; answers and returns true when the request is rejected. */
function applyBridgeAuthorizationRules(ctx: KoaContextLike): boolean {
  const query = { ...ctx.query };
  const single = (name: string): string | undefined => {
    const value = query[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (!single('state')) {
    oauthError(ctx, 400, 'invalid_request', 'state is required');
    return true;
  }
  const requested = (single('scope') ?? '').split(' ').filter((scope) => scope !== '');
  const unknown = requested.filter((scope) => !MITTWALD_SCOPES.includes(scope));
  if (unknown.length > 0) {
    oauthError(ctx, 400, 'invalid_scope', `unknown scope: ${unknown.join(' ')}`);
    return true;
  }
  const kept = requested.filter((scope) => !STRIPPED_SCOPES.has(scope));
  query.scope = (kept.length > 0 ? kept : MITTWALD_DEFAULT_SCOPES).join(' ');
  ctx.query = query;
  return false;
}

/** oidc-provider's discovery document, reshaped into what the bridge advertises. */
function bridgeMetadata(
  document: Record<string, unknown>,
  codeChallengeMethods: readonly string[] | null | undefined,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...document, scopes_supported: [...MITTWALD_SCOPES] };
  delete metadata.claims_supported;
  delete metadata.claims_parameter_supported;
  if (codeChallengeMethods === null) delete metadata.code_challenge_methods_supported;
  else if (codeChallengeMethods !== undefined) metadata.code_challenge_methods_supported = [...codeChallengeMethods];
  return metadata;
}

function queryParams(query: KoaContextLike['query']): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) for (const one of [value ?? []].flat()) params.append(name, one);
  return params;
}

function oauthError(ctx: KoaContextLike, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.set('cache-control', 'no-store');
  ctx.body = { error, error_description: description };
}

function notFound(ctx: KoaContextLike): void {
  oauthError(ctx, 404, 'not_found', 'no such document');
}

/** The login and consent pages. Login is automatic for the test user; consent is a form with two buttons. */
async function interaction(
  provider: Provider,
  user: TestUser,
  req: IncomingMessage,
  res: ServerResponse,
  action: 'confirm' | 'abort' | undefined,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;

  if (action === 'abort') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: user.userId } }, { mergeWithLastSubmission: false });
    return;
  }

  if (prompt.name !== 'consent') throw new Error(`unexpected prompt ${prompt.name}`);
  const missingResourceScopes = (prompt.details.missingResourceScopes ?? {}) as Record<string, string[]>;
  const missingOIDCScope = (prompt.details.missingOIDCScope ?? []) as string[];

  if (action === 'confirm') {
    const accountId = details.session?.accountId;
    if (!accountId) throw new Error('no session');
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(params.client_id) });
    if (!grant) throw new Error('grant not found');
    if (missingOIDCScope.length > 0) grant.addOIDCScope(missingOIDCScope.join(' '));
    for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  const scopes = Object.values(missingResourceScopes).flat();
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html>
<html><head><title>Authorize ${escapeHtml(String(params.client_id))}</title></head>
<body>
<h1>Allow access to your mittwald account?</h1>
<p>Signed in as ${escapeHtml(user.email ?? user.userId)}.</p>
<ul>${scopes.map((scope) => `<li data-scope="${escapeHtml(scope)}">${escapeHtml(scope)}</li>`).join('')}</ul>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit" name="approve">Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" name="deny">Deny</button></form>
</body></html>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function fetchSigningKey(issuer: string, kid: string): Promise<KeyObject> {
  const response = await fetch(`${issuer}/jwks`);
  const jwks = (await response.json()) as { keys: Array<{ kid?: string; kty: string }> };
  const jwk = jwks.keys.find((key) => key.kid === kid);
  if (!jwk) throw new Error('signing key missing from the JWKS');
  return createPublicKey({ key: jwk, format: 'jwk' });
}

function verifyJwtAccessToken(
  token: string,
  key: KeyObject,
  expected: { issuer: string; audience: string; user: TestUser },
): VerifiedAccessToken | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: string; typ?: string };
  let claims: { iss?: string; aud?: string | string[]; sub?: string; exp?: number; scope?: string; client_id?: string };
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return undefined;
  }
  if (header.alg !== 'RS256' || header.typ !== 'at+jwt') return undefined;
  const signed = verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, 'base64url'));
  if (!signed) return undefined;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== expected.issuer || !audiences.includes(expected.audience)) return undefined;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return undefined;
  if (claims.sub !== expected.user.userId) return undefined;
  return {
    ...expected.user,
    scopes: (claims.scope ?? '').split(' ').filter((scope) => scope !== ''),
    clientId: claims.client_id ?? '',
    expiresAt: claims.exp,
  };
}

interface StoredPayload {
  payload: AdapterPayload;
  expiresAt: number;
}

/** Per-provider in-memory storage (oidc-provider's own memory adapter warns on every start), one map per
 * model name in `stores` so that a test can make the server forget what a bridge loses. */
function createMemoryAdapter(stores: Map<string, Map<string, StoredPayload>>, name: string): Adapter {
  const store = new Map<string, StoredPayload>();
  stores.set(name, store);
  const live = (id: string): AdapterPayload | undefined => {
    const entry = store.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(id);
      return undefined;
    }
    return entry.payload;
  };
  const findBy = (field: 'uid' | 'userCode', value: string): AdapterPayload | undefined => {
    for (const [id, entry] of store) if (entry.payload[field] === value) return live(id);
    return undefined;
  };
  return {
    async upsert(id, payload, expiresIn) {
      store.set(id, { payload: { ...payload }, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    },
    async find(id) {
      return live(id);
    },
    async findByUid(uid) {
      return findBy('uid', uid);
    },
    async findByUserCode(userCode) {
      return findBy('userCode', userCode);
    },
    async consume(id) {
      const payload = live(id);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      store.delete(id);
    },
    async revokeByGrantId(grantId) {
      for (const [id, entry] of store) if (entry.payload.grantId === grantId) store.delete(id);
    },
  };
}
