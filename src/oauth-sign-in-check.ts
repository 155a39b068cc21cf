/** The OAuth side of the credential check: sign in through the browser the way an agent tool would, then
 * run the MCP round trip with the access token. Tokens obtained here are used for this check only and are
 * never written anywhere. */
import { grantedScopes } from './access.js';
import { openBrowser } from './browser.js';
import { claimInterrupt } from './interrupt.js';
import { describeIdentity } from './credential-check.js';
import type { HttpClient } from './http.js';
import type { Environment } from './model.js';
import type { Options } from './options.js';
import { SYMBOLS } from './output.js';
import type { RunContext } from './run-context.js';
import { checkMcp, probeMcpAuth, type McpCheck } from './mcp/client.js';

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

/** The non-interactive OAuth check, run before anything is written: every failure throws a SetupError and so
 * stops the run with nothing changed. When nobody can finish a browser sign-in (see canSignIn) it does not
 * block: it only checks that the server is reachable (and, with --scopes, that it knows the scopes), and each
 * tool signs in itself later. Returns the `auth` fields of the `--json` result. */
export async function checkOAuthSignIn(http: HttpClient, options: Options, context: RunContext): Promise<Record<string, unknown>> {
  const { out, environment } = context;
  if (!canSignIn(options, context)) {
    const probe = await probeMcpAuth(http, options.serverUrl);
    if (probe.requiresAuth && options.scopes) await checkScopesKnown(http, options.serverUrl, options.scopes);
    out.line(
      `${out.paint.green(SYMBOLS.ok)} ${options.serverUrl} is reachable${probe.requiresAuth ? ' and asks for an OAuth sign-in' : ''}; each tool signs in itself.`,
    );
    if (probe.requiresAuth && !options.dryRun) {
      out.line(out.paint.dim(`${SYMBOLS.info} To check the sign-in from here too, set $BROWSER or pass --no-browser and open the printed URL yourself.`));
    }
    return { signIn: 'not-tested' };
  }

  const timeoutMs = signInTimeout(environment);
  // Ctrl-C while waiting for the browser stops the sign-in cleanly (the loopback port is released) and ends
  // the run with CANCELLED; nothing has been written at this point.
  const controller = new AbortController();
  const release = claimInterrupt(() => controller.abort());
  let check: OAuthCheck;
  try {
    check = await runOAuthCheck(http, {
      serverUrl: options.serverUrl,
      // The scopes the entries carry, so that the check signs in as the tools will.
      scopes: grantedScopes(options),
      browser: options.browser,
      environment,
      signal: controller.signal,
      ...(timeoutMs ? { timeoutMs } : {}),
      // The URL goes on a line of its own so that it can be copied whole.
      onAuthorizationUrl: (url) =>
        out.note(`${options.browser ? 'Sign in to mittwald in your browser; if it did not open, open this URL' : 'Sign in to mittwald: open this URL in a browser'}:\n${url}`),
      // Someone at a terminal can still open the printed URL; a script relying on $BROWSER cannot.
      ...(context.interactive ? { onBrowserFailure: (reason: string) => out.note(`${SYMBOLS.warn} Could not open the browser (${reason}): open the URL above yourself.`) } : {}),
      addSecret: (secret) => out.addSecret(secret),
    });
  } finally {
    release();
  }
  out.line(`${out.paint.green(SYMBOLS.ok)} ${signedInMessage(check)}`);
  return { signIn: 'verified', identity: check.identity, toolCount: check.toolCount, scopes: check.scopes };
}

/** OAUTH_SCOPE when the server does not know one of `scopes`: a tool configured with such a scope (Codex
 * keeps `scopes` in its config) would fail at its own sign-in, so this is caught before anything is written. */
async function checkScopesKnown(http: HttpClient, serverUrl: string, scopes: readonly string[]): Promise<void> {
  const { assertKnownScopes, discoverAuthorization } = await import('./oauth.js');
  const discovered = await discoverAuthorization(http, serverUrl);
  assertKnownScopes(scopes, discovered.scopesSupported);
}
