/** The credential checks of a run, as the CLI reports them: the token check before anything is written, and
 * the check of each tool's written entry with the credential that tool will send. One MCP session per
 * distinct (URL, credential) and run: an entry that resolves to the credential checked before writing reuses
 * that check, and entries sharing another credential share one check. */
import { errorDetails } from '../errors.js';
import type { HttpClient } from '../net/http.js';
import { checkApiToken, type Identity } from './api-token.js';
import { checkMcp, probeMcpAuth, type McpCheck } from './client.js';
import type { InstalledEntry } from '../model.js';

/** `signed-in`: an OAuth entry whose tool holds a sign-in that has not expired (or renews itself), the server
 * reachable. */
export type CheckStatus = 'connected' | 'signed-in' | 'needs-login' | 'needs-env' | 'failed' | 'skipped';

export interface CheckResult {
  status: CheckStatus;
  message: string;
  identity?: Identity;
  toolCount?: number;
  error?: { code: string; message: string; hint?: string };
}

export function describeIdentity(identity: Identity | undefined): string {
  if (!identity) return 'an unknown user';
  return identity.email ? `${identity.name} <${identity.email}>` : identity.name;
}

export function connectedMessage(check: McpCheck, via?: string): string {
  return `Connected as ${describeIdentity(check.identity)}${via ? ` ${via}` : ''} — ${check.toolCount} tools`;
}

/** A credential the server accepted at `serverUrl`, with what it showed: the check of the entries that send
 * exactly this Authorization header there. */
export interface CheckedCredential {
  serverUrl: string;
  authorization: string;
  check: McpCheck;
}

export interface TokenCheck extends McpCheck {
  identity: Identity;
  credential: CheckedCredential;
}

/** Checks an API token against the REST API and, at the same time, the MCP server. A failure of the REST
 * check is reported first (it is the plainer message), then the MCP check's. Throws a SetupError. */
export async function checkToken(http: HttpClient, urls: { apiUrl: string; serverUrl: string }, token: string): Promise<TokenCheck> {
  const authorization = `Bearer ${token}`;
  // The MCP check is sent first: it takes two round trips, the REST check one.
  const mcpCheck = checkMcp(http, urls.serverUrl, authorization);
  const [rest, mcp] = await Promise.allSettled([checkApiToken(http, urls.apiUrl, token), mcpCheck]);
  if (rest.status === 'rejected') throw rest.reason;
  if (mcp.status === 'rejected') throw mcp.reason;
  const check = { ...mcp.value, identity: mcp.value.identity ?? rest.value };
  return { ...check, credential: { serverUrl: urls.serverUrl, authorization, check } };
}

export class EntryChecker {
  private readonly cache = new Map<string, Promise<CheckResult>>();

  /** `checked`: credentials already proven in this run (the check before writing). */
  constructor(
    private readonly http: HttpClient,
    checked: readonly CheckedCredential[] = [],
  ) {
    for (const { serverUrl, authorization, check } of checked) this.cache.set(cacheKey(serverUrl, authorization), Promise.resolve(connected(check)));
  }

  /** Checks one installed entry the way its tool will connect. */
  check(entry: InstalledEntry): Promise<CheckResult> {
    const variables = entry.unresolved;
    const [prompt] = entry.prompts ?? [];
    if (variables.length > 0 || prompt !== undefined) {
      return Promise.resolve({
        status: 'needs-env',
        message: variables.length
          ? `${variables.join(', ')} ${variables.length > 1 ? 'have' : 'has'} no value here`
          : `the tool asks for the token itself (the "${prompt}" prompt) when the server first starts`,
      });
    }
    const key = cacheKey(entry.url, entry.authorization);
    let pending = this.cache.get(key);
    if (!pending) {
      pending = entry.authorization === undefined ? this.checkOAuthEntry(entry.url) : this.checkWithCredential(entry.url, entry.authorization);
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async checkWithCredential(url: string, authorization: string): Promise<CheckResult> {
    try {
      return connected(await checkMcp(this.http, url, authorization));
    } catch (error) {
      return { status: 'failed', message: errorDetails(error).message, error: errorDetails(error) };
    }
  }

  private async checkOAuthEntry(url: string): Promise<CheckResult> {
    try {
      const probe = await probeMcpAuth(this.http, url);
      if (!probe.requiresAuth) return { status: 'connected', message: 'The server answered without asking for a sign-in' };
      return { status: 'needs-login', message: 'Server reachable; sign in from the tool (OAuth)' };
    } catch (error) {
      return { status: 'failed', message: errorDetails(error).message, error: errorDetails(error) };
    }
  }
}

function cacheKey(url: string, authorization: string | undefined): string {
  return `${url}\n${authorization ?? ''}`;
}

function connected(check: McpCheck): CheckResult {
  return { status: 'connected', message: connectedMessage(check), ...(check.identity ? { identity: check.identity } : {}), toolCount: check.toolCount };
}
