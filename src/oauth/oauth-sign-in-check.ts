/** The OAuth side of the credential check: sign in through the browser the way an agent tool would, then
 * run the MCP round trip with the access token. Tokens obtained here are used for this check only and are
 * never written anywhere. */
import { grantedScopes } from '../access.js';
import { openBrowser } from '../system/browser.js';
import { describeIdentity } from '../mcp/credential-check.js';
import type { HttpClient } from '../net/http.js';
import type { Environment } from '../model.js';
import type { Options } from '../cli/options.js';
import type { RunContext } from '../cli/run-context.js';
import { checkMcp, probeMcpAuth, type McpCheck } from '../mcp/client.js';

export interface OAuthCheck extends McpCheck {
  scopes: string[];
}

export interface OAuthCheckOptions {
  serverUrl: string;
  scopes?: readonly string[];
  browser: boolean;
  environment: Environment;
  signal?: AbortSignal;
  timeoutMs?: number;
  onAuthorizationUrl: (url: string) => void;
  /** See OAuthSignInOptions.onBrowserFailure: absent, a browser that cannot open stops the sign-in at once. */
  onBrowserFailure?: (reason: string) => void;
  /** See OAuthSignInOptions.pasted / onPasteRejected. */
  pasted?: AsyncIterable<string>;
  onPasteRejected?: (reason: string) => void;
  /** Receives the access token as soon as it exists, so the caller's output can mask it should any message
   * or trace ever carry it. */
  addSecret?: (secret: string) => void;
}

/** Signs in (browser + loopback) and proves the token works against the MCP server. Throws the sign-in's and
 * the MCP check's SetupErrors. The token is dropped when this returns. */
export async function runOAuthCheck(http: HttpClient, options: OAuthCheckOptions): Promise<OAuthCheck> {
  const { signInWithOAuth } = await import('./oauth.js');
  const signedIn = await signInWithOAuth(http, {
    serverUrl: options.serverUrl,
    ...(options.scopes ? { scopes: options.scopes } : {}),
    noBrowser: !options.browser,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    openBrowser: (url, onFailure) => openBrowser(url, options.environment, onFailure),
    ...(options.onBrowserFailure ? { onBrowserFailure: options.onBrowserFailure } : {}),
    onAuthorizationUrl: options.onAuthorizationUrl,
    ...(options.pasted ? { pasted: options.pasted } : {}),
    ...(options.onPasteRejected ? { onPasteRejected: options.onPasteRejected } : {}),
  });
  options.addSecret?.(signedIn.accessToken);
  try {
    const mcp = await checkMcp(http, options.serverUrl, `Bearer ${signedIn.accessToken}`);
    return { ...mcp, scopes: signedIn.scopes };
  } finally {
    await signedIn.forget();
  }
}

export function signedInMessage(check: McpCheck): string {
  return `Signed in as ${describeIdentity(check.identity)} via OAuth — ${check.toolCount} tools`;
}

/** Said under the sign-in URL wherever a pasted address is read. */
export const PASTE_HINT =
  'Signing in on another machine (e.g. over SSH)? When its browser ends on a page that cannot be reached, copy the address from its address bar and paste it here, then press Enter.';

/** How long a non-interactive run waits for the browser (MITTWALD_SETUP_SIGNIN_TIMEOUT in seconds). */
export function signInTimeout(environment: Pick<Environment, 'env'>): number | undefined {
  const seconds = Number(environment.env.MITTWALD_SETUP_SIGNIN_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** Whether this run can complete a browser sign-in: someone is at a terminal, `$BROWSER` names a program
 * that can open the URL, or `--no-browser` says the person opens the printed URL themselves. A dry run never
 * signs in (it changes nothing, and a sign-in registers a client). */
export function canSignIn(options: Pick<Options, 'dryRun' | 'browser'>, context: Pick<RunContext, 'interactive' | 'environment'>): boolean {
  if (options.dryRun) return false;
  return context.interactive || Boolean(context.environment.env.BROWSER?.trim()) || !options.browser;
}

/** Where nobody can finish a browser sign-in (see canSignIn): checks that the server is reachable and, with
 * `scopes`, that it knows them, so that the run still stops before writing when the tools could not sign in.
 * Resolves whether the server asks for a sign-in; throws SetupErrors. */
export async function checkReachable(http: HttpClient, serverUrl: string, scopes: readonly string[] | undefined): Promise<boolean> {
  const probe = await probeMcpAuth(http, serverUrl);
  if (probe.requiresAuth && scopes) await checkScopesKnown(http, serverUrl, scopes);
  return probe.requiresAuth;
}

/** OAUTH_SCOPE when the server does not know one of `scopes`: a tool configured with such a scope (Codex
 * keeps `scopes` in its config) would fail at its own sign-in, so this is caught before anything is written. */
async function checkScopesKnown(http: HttpClient, serverUrl: string, scopes: readonly string[]): Promise<void> {
  const { assertKnownScopes, discoverAuthorization } = await import('./oauth.js');
  const discovered = await discoverAuthorization(http, serverUrl);
  assertKnownScopes(scopes, discovered.scopesSupported);
}
