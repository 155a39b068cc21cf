/** OAuth discovery for an MCP server, in the order the MCP authorization spec gives, with mittwald's quirk
 * (its 401 challenge names no `resource_metadata`, so the well-known URIs are the normal path):
 *
 *   unauthenticated POST → 401 → protected-resource metadata (challenge URL, else the path-inserted and the root
 *   well-known URI on the MCP origin) → `authorization_servers[0]` → RFC 8414 metadata, else OpenID discovery.
 *
 * Everything fetched is validated (./validation.ts); an authorization server the sign-in cannot use safely (no S256
 * PKCE, no dynamic registration, no public clients) is refused with OAUTH_UNSUPPORTED. */
import { MITTWALD_DEFAULT_SCOPES } from '../access.js';
import * as z from './validation.js';
import { SetupError } from '../errors.js';
import type { HttpClient } from '../net/http.js';
import { probeMcpAuth } from '../mcp/client.js';

/** What mittwald's bridge grants when asked for nothing (read-only). Used when the server names no defaults. */
export { MITTWALD_DEFAULT_SCOPES };

const ProtectedResourceMetadataSchema = z.object({
  resource: z.optional(z.string()),
  authorization_servers: z.array(z.string()).check(z.minLength(1)),
  scopes_supported: z.optional(z.array(z.string())),
  /** mittwald's own addition: the scopes its bridge grants by default. */
  default_scopes: z.optional(z.array(z.string())),
});

const AuthorizationServerMetadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  registration_endpoint: z.optional(z.string()),
  scopes_supported: z.optional(z.array(z.string())),
  response_types_supported: z.optional(z.array(z.string())),
  grant_types_supported: z.optional(z.array(z.string())),
  code_challenge_methods_supported: z.optional(z.array(z.string())),
  token_endpoint_auth_methods_supported: z.optional(z.array(z.string())),
  authorization_response_iss_parameter_supported: z.optional(z.boolean()),
});

/** The authorization server's metadata, reduced to the fields the sign-in uses (mittwald advertises a
 * userinfo, revocation and JWKS endpoint that do not work; they are dropped here on purpose). */
export type AuthorizationServerMetadata = z.infer<typeof AuthorizationServerMetadataSchema>;

export interface DiscoveredAuthorization {
  /** Where the protected-resource metadata was found. */
  resourceMetadataUrl: string;
  /** The resource indicator to send (RFC 8707): the MCP URL. */
  resource: string;
  /** Scopes the resource (else the AS) lists; empty when neither does. */
  scopesSupported: string[];
  /** What to ask for when the user names no scopes. */
  defaultScopes: string[];
  issuer: string;
  /** Where the AS metadata was found. */
  metadataUrl: string;
  metadata: AuthorizationServerMetadata;
}

/** Runs the discovery chain for `serverUrl`. Throws SetupError: OAUTH_UNSUPPORTED when the server does not ask
 * for OAuth or its AS cannot be used, OAUTH for malformed or inconsistent metadata, and the HTTP client's and
 * the MCP probe's codes (UNREACHABLE, NOT_MCP, …) on the way. */
export async function discoverAuthorization(http: HttpClient, serverUrl: string): Promise<DiscoveredAuthorization> {
  const probe = await probeMcpAuth(http, serverUrl);
  if (!probe.requiresAuth) {
    throw new SetupError('OAUTH_UNSUPPORTED', `${serverUrl} answered without asking for a sign-in, so there is no OAuth to check.`, {
      hint: 'Check the server URL (--server-url); the mittwald MCP server is https://mcp.mittwald.de/mcp.',
    });
  }

  const resourceCandidates = protectedResourceMetadataUrls(serverUrl, probe.resourceMetadata);
  const found = await fetchFirstDocument(http, resourceCandidates, ProtectedResourceMetadataSchema, 'protected-resource metadata');
  if (!found) {
    throw new SetupError('OAUTH_UNSUPPORTED', `${serverUrl} asks for a sign-in but publishes no OAuth protected-resource metadata.`, {
      hint: `Looked at ${resourceCandidates.join(', ')}. Use an API token (--token) instead.`,
    });
  }
  const resourceMetadata = found.document;
  if (resourceMetadata.resource !== undefined && !sameResource(resourceMetadata.resource, serverUrl)) {
    throw new SetupError('OAUTH', `The protected-resource metadata at ${found.url} is for ${resourceMetadata.resource}, not ${serverUrl}.`, {
      hint: 'Check the server URL (--server-url).',
    });
  }

  const issuer = resourceMetadata.authorization_servers[0] as string;
  requireSecureUrl(issuer, 'authorization server');
  const metadataCandidates = authorizationServerMetadataUrls(issuer);
  const asFound = await fetchFirstDocument(http, metadataCandidates, AuthorizationServerMetadataSchema, 'authorization-server metadata');
  if (!asFound) {
    throw new SetupError('OAUTH_UNSUPPORTED', `The authorization server ${issuer} publishes no metadata.`, {
      hint: `Looked at ${metadataCandidates.join(', ')}.`,
    });
  }
  const metadata = asFound.document;
  if (trimSlash(metadata.issuer) !== trimSlash(issuer)) {
    throw new SetupError('OAUTH', `The metadata at ${asFound.url} names the issuer ${metadata.issuer}, not ${issuer}.`, {
      hint: 'The authorization server is misconfigured; report it to the server operator.',
    });
  }
  assertUsableAuthorizationServer(metadata, asFound.url);

  const scopesSupported = resourceMetadata.scopes_supported ?? metadata.scopes_supported ?? [];
  const defaultScopes = resourceMetadata.default_scopes ?? [...MITTWALD_DEFAULT_SCOPES];
  return {
    resourceMetadataUrl: found.url,
    // The server's own spelling of its URL (checked above to be the same resource) is what its AS expects.
    resource: resourceMetadata.resource ?? serverUrl,
    scopesSupported,
    defaultScopes,
    issuer: metadata.issuer,
    metadataUrl: asFound.url,
    metadata,
  };
}

/** The challenge's `resource_metadata` when given, then RFC 9728's path-inserted and root well-known URIs on
 * the MCP origin (`/.well-known/oauth-protected-resource/mcp`, `/.well-known/oauth-protected-resource`). */
export function protectedResourceMetadataUrls(serverUrl: string, fromChallenge: string | undefined): string[] {
  const server = new URL(serverUrl);
  const urls: string[] = [];
  if (fromChallenge) {
    requireSecureUrl(fromChallenge, 'protected-resource metadata');
    urls.push(fromChallenge);
  }
  const path = trimSlash(server.pathname);
  if (path !== '') urls.push(`${server.origin}/.well-known/oauth-protected-resource${path}`);
  urls.push(`${server.origin}/.well-known/oauth-protected-resource`);
  return [...new Set(urls)];
}

/** RFC 8414 first, then OpenID discovery; for an issuer with a path, both path-inserted forms and then the
 * OpenID path-appended form (the MCP spec's order). */
export function authorizationServerMetadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = trimSlash(url.pathname);
  if (path === '') {
    return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** Refuses what the sign-in cannot do safely or at all: no S256, no registration endpoint, no public clients,
 * no `code` response type, and endpoints that are not HTTPS (plain HTTP only on this machine). */
export function assertUsableAuthorizationServer(metadata: AuthorizationServerMetadata, metadataUrl: string): void {
  if (!metadata.code_challenge_methods_supported?.includes('S256')) {
    throw new SetupError(
      'OAUTH_UNSUPPORTED',
      `The authorization server ${metadata.issuer} does not support PKCE with S256 (its metadata lists ${
        metadata.code_challenge_methods_supported?.join(', ') || 'no code challenge methods'
      }), so a sign-in from the command line would not be safe.`,
      { hint: 'Use an API token (--token) instead, or report this to the server operator.' },
    );
  }
  if (!metadata.registration_endpoint) {
    throw new SetupError('OAUTH_UNSUPPORTED', `The authorization server ${metadata.issuer} offers no dynamic client registration.`, {
      hint: 'Use an API token (--token) instead.',
    });
  }
  if (metadata.token_endpoint_auth_methods_supported && !metadata.token_endpoint_auth_methods_supported.includes('none')) {
    throw new SetupError('OAUTH_UNSUPPORTED', `The authorization server ${metadata.issuer} does not accept public clients.`, {
      hint: 'Use an API token (--token) instead.',
    });
  }
  if (metadata.response_types_supported && !metadata.response_types_supported.includes('code')) {
    throw new SetupError('OAUTH_UNSUPPORTED', `The authorization server ${metadata.issuer} does not offer the authorization code flow.`, {
      hint: 'Use an API token (--token) instead.',
    });
  }
  for (const [name, value] of [
    ['authorization_endpoint', metadata.authorization_endpoint],
    ['token_endpoint', metadata.token_endpoint],
    ['registration_endpoint', metadata.registration_endpoint],
  ] as const) {
    requireSecureUrl(value, `${name} in ${metadataUrl}`);
  }
}

/** HTTPS, or plain HTTP to this machine (127.0.0.1, ::1, localhost) — the only place tests and local
 * servers run. Throws OAUTH otherwise. */
export function requireSecureUrl(value: string, what: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SetupError('OAUTH', `The ${what} URL ${JSON.stringify(value)} is not a valid URL.`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return;
  throw new SetupError('OAUTH', `The ${what} URL ${value} is not HTTPS; refusing to send a sign-in over it.`, {
    hint: 'Check the server URL; the mittwald MCP server is https://mcp.mittwald.de/mcp.',
  });
}

/** Whether plain HTTP is acceptable for this host name (loopback only). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

/** GETs each URL in turn; the first 200 with a JSON body that fits `schema` wins. 404s (and other non-200s)
 * move on to the next URL; a 200 whose body does not fit is an error, since that is the document. */
async function fetchFirstDocument<T>(
  http: HttpClient,
  urls: readonly string[],
  schema: z.ZodMiniType<T>,
  what: string,
): Promise<{ url: string; document: T } | undefined> {
  for (const url of urls) {
    requireSecureUrl(url, what);
    const response = await http.fetch(url, { headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.discard();
      continue;
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new SetupError('OAUTH', `The ${what} at ${url} is not JSON.`, { hint: 'Report this to the server operator.' });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')}: ${issue.message})` : '';
      throw new SetupError('OAUTH', `The ${what} at ${url} is malformed${where}.`, { hint: 'Report this to the server operator.' });
    }
    return { url, document: parsed.data };
  }
  return undefined;
}

function sameResource(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && trimSlash(x.pathname) === trimSlash(y.pathname) && x.search === y.search;
  } catch {
    return false;
  }
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '');
}
