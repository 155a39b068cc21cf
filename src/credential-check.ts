/** The credential checks of a run, as the CLI reports them: the token check before anything is written, and
 * the check of each tool's written entry with the credential that tool will send. Results are cached per
 * (URL, credential) so that several tools sharing one credential cost one round trip. */
import { errorDetails } from './errors.js';
import type { HttpClient } from './http.js';
import { checkApiToken, type Identity } from './mcp/api-token.js';
import { checkMcp, probeMcpAuth, type McpCheck } from './mcp/client.js';
import type { InstalledEntry } from './model.js';

export type CheckStatus = 'connected' | 'needs-login' | 'needs-env' | 'failed' | 'skipped';

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

/** Checks an API token against the REST API and the MCP server. Throws the SetupError of the first failure. */
export async function checkToken(http: HttpClient, urls: { apiUrl: string; serverUrl: string }, token: string): Promise<McpCheck & { identity: Identity }> {
  const identity = await checkApiToken(http, urls.apiUrl, token);
  const mcp = await checkMcp(http, urls.serverUrl, `Bearer ${token}`);
  return { ...mcp, identity: mcp.identity ?? identity };
}

export class EntryChecker {
  private readonly cache = new Map<string, Promise<CheckResult>>();

  constructor(private readonly http: HttpClient) {}

  /** Checks one installed entry the way its tool will connect. */
  check(entry: InstalledEntry): Promise<CheckResult> {
    if (entry.unresolved.length > 0) {
      const prompts = entry.unresolved.filter((name) => name.startsWith('input:'));
      const variables = entry.unresolved.filter((name) => !name.startsWith('input:'));
      return Promise.resolve({
        status: 'needs-env',
        message: variables.length
          ? `${variables.join(', ')} ${variables.length > 1 ? 'have' : 'has'} no value here`
          : `the tool asks for the token itself (the "${prompts[0]!.slice(6)}" prompt) when the server first starts`,
      });
    }
    const key = `${entry.url}\n${entry.authorization ?? ''}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = entry.authorization === undefined ? this.checkOAuthEntry(entry.url) : this.checkWithCredential(entry.url, entry.authorization);
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async checkWithCredential(url: string, authorization: string): Promise<CheckResult> {
    try {
      const mcp = await checkMcp(this.http, url, authorization);
      return { status: 'connected', message: connectedMessage(mcp), ...(mcp.identity ? { identity: mcp.identity } : {}), toolCount: mcp.toolCount };
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
