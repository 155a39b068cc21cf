/** The credential checks of a run, as the CLI reports them: the token check, whose first stage gates the
 * writing of files, and the check of each tool's written entry with the credential that tool will send.
 * One MCP session per distinct (URL, credential) and run: an entry that resolves to the credential checked
 * before writing reuses that check, and entries sharing another credential share one check. */
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

export function connectedMessage(check: { identity?: Identity | undefined; toolCount: number }, via?: string): string {
  return `Connected as ${describeIdentity(check.identity)}${via ? ` ${via}` : ''} — ${check.toolCount} tools`;
}

/** A credential checked at `serverUrl` in this run, its check maybe still under way: the check of every
 * written entry that sends exactly this Authorization header there. */
export interface CheckedCredential {
  serverUrl: string;
  authorization: string;
  check: Promise<McpCheck>;
}

export interface TokenCheck extends McpCheck {
  identity: Identity;
}

/** A token check in its two stages, both started at once (`proven` is also the `credential`'s check).
 * - `admitted` settles first: the REST API took the token and the MCP server opened a session with it. That
 *   is what may gate writing files: a rejected token and an unreachable server reject it (the REST check's
 *   refusal first: it is the plainer message).
 * - `proven` adds what the session showed, the identity and the tool count. It rejects with admitted's
 *   reason, else with a failure later in the session.
 * Both reject with a SetupError; a caller that awaits only one must still handle the other's rejection. */
export interface TokenCheckStages {
  admitted: Promise<void>;
  proven: Promise<TokenCheck>;
  credential: CheckedCredential;
}

/** Starts checking an API token against the REST API and, at the same time, the MCP server. */
export function startTokenCheck(http: HttpClient, urls: { apiUrl: string; serverUrl: string }, token: string): TokenCheckStages {
  const authorization = `Bearer ${token}`;
  let opened: () => void = () => undefined;
  const sessionOpened = new Promise<void>((resolve) => (opened = resolve));
  // The MCP check is sent first: it takes two round trips, the REST check one.
  const mcp = checkMcp(http, urls.serverUrl, authorization, { onSessionOpened: () => opened() });
  const rest = checkApiToken(http, urls.apiUrl, token);
  // A check that fails before its session opens never calls back: its failure settles the race.
  const session = Promise.race([sessionOpened, mcp.then(() => undefined)]);
  const admitted = Promise.allSettled([rest, session]).then(([restCheck, opening]) => {
    if (restCheck.status === 'rejected') throw restCheck.reason;
    if (opening.status === 'rejected') throw opening.reason;
  });
  const proven = Promise.allSettled([rest, mcp]).then(([restCheck, mcpCheck]): TokenCheck => {
    if (restCheck.status === 'rejected') throw restCheck.reason;
    if (mcpCheck.status === 'rejected') throw mcpCheck.reason;
    return { ...mcpCheck.value, identity: mcpCheck.value.identity ?? restCheck.value };
  });
  return { admitted, proven, credential: { serverUrl: urls.serverUrl, authorization, check: proven } };
}

export class EntryChecker {
  private readonly cache = new Map<string, Promise<CheckResult>>();

  /** `checked`: credentials checked in this run before writing (their checks may still be under way). */
  constructor(
    private readonly http: HttpClient,
    checked: readonly CheckedCredential[] = [],
  ) {
    for (const { serverUrl, authorization, check } of checked) this.cache.set(cacheKey(serverUrl, authorization), check.then(connected, failed));
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

  private checkWithCredential(url: string, authorization: string): Promise<CheckResult> {
    return checkMcp(this.http, url, authorization).then(connected, failed);
  }

  private async checkOAuthEntry(url: string): Promise<CheckResult> {
    try {
      const probe = await probeMcpAuth(this.http, url);
      if (!probe.requiresAuth) return { status: 'connected', message: 'The server answered without asking for a sign-in' };
      return { status: 'needs-login', message: 'Server reachable; sign in from the tool (OAuth)' };
    } catch (error) {
      return failed(error);
    }
  }
}

function cacheKey(url: string, authorization: string | undefined): string {
  return `${url}\n${authorization ?? ''}`;
}

function failed(error: unknown): CheckResult {
  return { status: 'failed', message: errorDetails(error).message, error: errorDetails(error) };
}

function connected(check: McpCheck): CheckResult {
  return { status: 'connected', message: connectedMessage(check), ...(check.identity ? { identity: check.identity } : {}), toolCount: check.toolCount };
}
