/** The OAuth side of the credential check: sign in through the browser the way an agent tool would, then
 * run the MCP round trip with the access token. Tokens obtained here are used for this check only and are
 * never written anywhere. */
import { openBrowser } from './browser.js';
import { describeIdentity } from './connection.js';
import type { HttpClient } from './http.js';
import type { Environment } from './model.js';
import type { Options } from './options.js';
import { SYMBOLS } from './output.js';
import type { RunContext } from './run-context.js';
import { checkMcp, probeMcpAuth, type McpCheck } from './verify.js';

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
}

/** Signs in (browser + loopback) and proves the token works against the MCP server. */
export async function runOAuthCheck(http: HttpClient, options: OAuthCheckOptions): Promise<OAuthCheck> {
  const { signInWithOAuth } = await import('./oauth.js');
  const signedIn = await signInWithOAuth(http, {
    serverUrl: options.serverUrl,
    ...(options.scopes ? { scopes: options.scopes } : {}),
    noBrowser: !options.browser,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    openBrowser: (url) => openBrowser(url, options.environment),
    onAuthorizationUrl: options.onAuthorizationUrl,
  });
  const mcp = await checkMcp(http, options.serverUrl, `Bearer ${signedIn.accessToken}`);
  return { ...mcp, scopes: signedIn.scopes };
}

export function signedInMessage(check: McpCheck): string {
  return `Signed in as ${describeIdentity(check.identity)} via OAuth — ${check.toolCount} tools`;
}

/** How long a non-interactive run waits for the browser (MITTWALD_SETUP_SIGNIN_TIMEOUT in seconds). */
function signInTimeout(environment: Environment): number | undefined {
  const seconds = Number(environment.env.MITTWALD_SETUP_SIGNIN_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** The non-interactive OAuth check. It signs in when someone can: a terminal is attached or `$BROWSER` is
 * set; a script with neither only gets the reachability probe, and each tool signs in itself later. */
export async function checkOAuthSignIn(http: HttpClient, options: Options, context: RunContext): Promise<Record<string, unknown>> {
  const { out, environment } = context;
  const canSignIn = !options.dryRun && (context.interactive || Boolean(environment.env.BROWSER));
  if (!canSignIn) {
    const probe = await probeMcpAuth(http, options.serverUrl);
    out.line(`${out.paint.green(SYMBOLS.ok)} ${options.serverUrl} is reachable${probe.requiresAuth ? ' and asks for an OAuth sign-in' : ''}; each tool signs in itself.`);
    return { signIn: 'not-tested' };
  }
  const timeoutMs = signInTimeout(environment);
  const check = await runOAuthCheck(http, {
    serverUrl: options.serverUrl,
    ...(options.scopes ? { scopes: options.scopes } : {}),
    browser: options.browser,
    environment,
    ...(timeoutMs ? { timeoutMs } : {}),
    onAuthorizationUrl: (url) => out.note(`Sign in to mittwald in your browser${options.browser ? '' : ' — open this URL'}: ${url}`),
  });
  out.line(`${out.paint.green(SYMBOLS.ok)} ${signedInMessage(check)}`);
  return { signIn: 'verified', identity: check.identity, toolCount: check.toolCount, scopes: check.scopes };
}
