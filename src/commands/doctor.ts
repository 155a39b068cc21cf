/** `doctor [--tool …] [--fix] [--json]`: what is wrong with each tool's mittwald connection weeks after setup,
 * and the one thing to do about each, most serious first. Reads the tools' files and sign-ins (never printing
 * a secret), asks the server the way each tool will, and looks at what a sign-in needs on this machine
 * (callback ports, a browser). With `--fix` (after asking, or with `--yes`) it runs the safe fixes: stale
 * entries replaced through the setup planner, the tool's own logout and login, and the adapter's approval
 * of a project server the tool waits to be allowed to use. Exit 0 when nothing is
 * wrong, 1 otherwise. */
import { randomBytes } from 'node:crypto';
import { availableTools, loadAdapter, TOOL_IDS } from '../../adapters/index.js';
import type { Adapter, StoredSignIn } from '../kit/adapter.js';
import { applyPlan } from '../flow/apply.js';
import { planChanges } from '../kit/plan.js';
import { browserCommand } from '../system/browser.js';
import { EntryChecker, type CheckResult } from '../mcp/credential-check.js';
import { findOnPath, pathExists } from '../system/environment.js';
import { errorDetails } from '../errors.js';
import type { HttpClient } from '../net/http.js';
import { type EntryScope, type Environment, type InstalledEntry, type Scope, type StaleEntry, type ToolId, type ToolPlan } from '../model.js';
import { exportVariableSteps } from '../kit/next-steps.js';
import { authorizationServerMetadataUrls } from '../oauth/oauth-discovery.js';
import type { Options } from '../cli/options.js';
import { SYMBOLS, type Output } from '../cli/output.js';
import { portHolder, portIsFree } from '../system/port-holder.js';
import type { RunContext } from '../cli/run-context.js';
import { classifyServerUrl } from '../kit/server-url.js';
import { setupStateFile } from '../files/setup-state.js';
import { backupDirectory, samePlan, selectTools, staleReason } from '../flow/setup-steps.js';
import { describeSignIn, formatTime } from '../kit/sign-in-store.js';
import { isJsonObject } from '../files/json-object.js';
import { grantsWrites } from '../access.js';
import { runToolCommand } from '../kit/tool-command.js';

export type Severity = 'error' | 'warning' | 'info';

/** The stable codes of `doctor --json`. */
export type FindingCode =
  | 'CONFIG_UNREADABLE'
  | 'ENTRY_STALE'
  | 'ENTRY_DUPLICATE'
  | 'ENTRY_SHADOWED'
  | 'ENTRY_DISABLED'
  | 'ENTRY_PENDING_APPROVAL'
  | 'ENTRY_UNTRUSTED_PROJECT'
  | 'ENTRY_OVERRIDDEN'
  | 'ENTRY_CLEANUP'
  | 'TOKEN_ENV_MISSING'
  | 'TOKEN_REJECTED'
  | 'TOKEN_FORBIDDEN'
  | 'SIGNIN_NONE'
  | 'SIGNIN_EXPIRED'
  | 'SIGNIN_REFRESH_REJECTED'
  | 'SIGNIN_SESSION_ENDED'
  | 'SIGNIN_CLIENT_UNKNOWN'
  | 'SIGNIN_TOKEN_REJECTED'
  | 'SIGNIN_FORBIDDEN'
  | 'SIGNIN_UNREADABLE'
  | 'SIGNIN_RENEWS'
  | 'SIGNIN_READ_ONLY'
  | 'PORT_TAKEN'
  | 'BROWSER_MISSING'
  | 'BROWSER_NO_DISPLAY'
  | 'BROWSER_NO_OPENER'
  | 'SERVICE_UNREACHABLE'
  | 'SERVICE_RATE_LIMITED'
  | 'SERVICE_ERROR'
  | 'NO_ENTRIES';

/** A safe fix doctor can run: replace stale entries through the setup planner, the tool's own logout (when
 * its stored client or tokens are dead) and login, or the adapter's change that makes the tool use an entry
 * it does not (approve a project server). */
export type Fix =
  | { kind: 'replace'; tool: ToolId; scope: Scope; stale: StaleEntry[]; ours: 'keep' | 'write' }
  | { kind: 'relogin'; tool: ToolId; name: string; logout: boolean }
  | { kind: 'activate'; tool: ToolId; name: string; scope: EntryScope; file: string };

export interface Finding {
  code: FindingCode;
  severity: Severity;
  tool: ToolId | 'service' | 'machine';
  /** The entry it is about, when it is about one. */
  entry?: { name: string; scope: EntryScope; host?: string; file: string };
  message: string;
  /** The one thing to do. */
  action: string;
  fix?: Fix;
}

/** What doctor saw per tool, for the support report. */
export interface Diagnosis {
  findings: Finding[];
  tools: Array<{ tool: ToolId; name: string; entries: Array<Omit<InstalledEntry, 'authorization'> & { signIn?: StoredSignIn['state']; check?: CheckResult }> }>;
}

/** mittwald's bridge: access tokens live 3600 s, refresh tokens 7 days from when they were issued; a refresh
 * token older than that is refused with `invalid_grant` "Mittwald session expired". */
const ACCESS_TOKEN_LIFETIME_MS = 3600 * 1000;
const REFRESH_TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export async function runDoctor(options: Options, context: RunContext): Promise<number> {
  const { out } = context;
  let diagnosis = await diagnose(options, context);
  const fixes = options.fix ? uniqueFixes(diagnosis.findings) : [];
  const fixResults: Array<{ fix: Fix; ok: boolean; message: string }> = [];
  printFindings(out, diagnosis.findings, options);
  if (options.fix) {
    if (fixes.length === 0) out.line('\nNothing doctor can fix by itself.');
    else if (await agreed(fixes, options, context)) {
      for (const fix of fixes) fixResults.push(await runFix(fix, options, context));
      for (const result of fixResults) out.line(`${result.ok ? out.paint.green(SYMBOLS.ok) : out.paint.red(SYMBOLS.fail)} ${result.message}`);
      diagnosis = await diagnose(options, context);
      out.line(out.paint.bold('\nAfter the fixes:'));
      printFindings(out, diagnosis.findings, options);
    }
  }
  const ok = !diagnosis.findings.some((finding) => finding.severity !== 'info');
  if (options.json) {
    out.json({
      ok,
      command: 'doctor',
      serverUrl: options.serverUrl,
      findings: diagnosis.findings.map(publicFinding),
      ...(options.fix ? { fixes: fixResults.map(({ fix, ok: fixed, message }) => ({ kind: fix.kind, tool: fix.tool, ok: fixed, message })) } : {}),
    });
  }
  return ok ? 0 : 1;
}

/** A finding as `--json` shows it: the fix only as whether there is one. */
export function publicFinding(finding: Finding): Omit<Finding, 'fix'> & { fixable: boolean } {
  const { fix, ...rest } = finding;
  return { ...rest, fixable: fix !== undefined };
}

/** Every check, for the selected tools (all tools without --tool). Secrets met on the way are registered
 * with the output before anything is printed. */
export async function diagnose(options: Options, context: RunContext): Promise<Diagnosis> {
  const { environment, out } = context;
  const adapters = options.tools.length > 0 ? await selectTools(options.tools, environment) : await Promise.all(availableTools().map(loadAdapter));
  const http = await context.http();
  const checker = new EntryChecker(http);
  const findings: Finding[] = [];
  const tools: Diagnosis['tools'] = [];
  const serviceSeen = new Set<string>();

  for (const adapter of adapters) {
    let entries: InstalledEntry[];
    try {
      entries = await adapter.inspect(environment, { name: options.name, serverUrl: options.serverUrl });
    } catch (error) {
      const details = errorDetails(error);
      findings.push({ code: 'CONFIG_UNREADABLE', severity: 'error', tool: adapter.id, message: `${adapter.name}: ${details.message}`, action: details.hint ?? 'Fix the file by hand, then run doctor again.' });
      continue;
    }
    const seen: Diagnosis['tools'][number]['entries'] = [];
    for (const entry of entries) {
      if (entry.authorization) out.addSecret(entry.authorization.replace(/^\S+\s+/, ''));
      const { authorization, ...shown } = entry;
      const record: (typeof seen)[number] = { ...shown };
      seen.push(record);
      const where = entryRef(entry);
      const label = `${adapter.name} "${entry.name}" (${entry.scope}${entry.host ? ` ${entry.host}` : ''})`;
      const kind = classifyServerUrl(entry.url, options.serverUrl);
      if (kind === 'legacy-sse' || kind === 'legacy-fly') {
        // Under another name the setup planner reports it (below), with the fix that replaces it.
        if (entry.name !== options.name && adapter.kind === 'config' && entry.scope !== 'local') continue;
        findings.push({
          code: 'ENTRY_STALE',
          severity: 'error',
          tool: adapter.id,
          entry: where,
          message: `${label} points at ${entry.url}, a ${kind === 'legacy-sse' ? 'retired /sse endpoint' : 'retired fly.dev host'}: the tool connects to nothing.`,
          action: `Replace it with a current entry: mittwald-mcp-setup --tool ${adapter.id}${entry.scope === 'project' ? ' --scope project' : ''} --yes`,
          ...(entry.scope !== 'local' && adapter.scopes.includes(entry.scope) && entry.name === options.name ? { fix: { kind: 'replace', tool: adapter.id, scope: entry.scope, stale: [], ours: 'write' } as Fix } : {}),
        });
        continue;
      }
      if (entry.name !== options.name) continue;
      const unused = await activationFinding(adapter, entry, entries, label, environment);
      if (unused) findings.push(unused);
      if (entry.unresolved.length > 0) {
        const variables = entry.unresolved.filter((name) => !name.startsWith('input:'));
        if (variables.length > 0) {
          findings.push({
            code: 'TOKEN_ENV_MISSING',
            severity: 'error',
            tool: adapter.id,
            entry: where,
            message: `${label} takes its token from ${variables.join(', ')}, which is not set here: ${adapter.name} sends no token where it starts without it.`,
            action: variableAction(environment, variables[0]!, adapter.name),
          });
        }
        continue;
      }
      const check = await checker.check(entry);
      record.check = check;
      if (check.status === 'failed') {
        findings.push(checkFinding(check, adapter, entry, label, serviceSeen, environment));
        continue;
      }
      if (entry.auth === 'oauth' && adapter.signInState) {
        const signIn = await signInFindings(adapter, entry, label, { environment, out, http, checker, options });
        if (signIn.state) record.signIn = signIn.state;
        findings.push(...signIn.findings);
      }
      if (entry.auth === 'oauth') {
        for (const port of adapter.callbackPorts?.(entry) ?? []) {
          const taken = await portFinding(port, adapter, label, `${adapter.name}'s sign-in redirect listens on port ${port}`);
          if (taken) findings.push(taken);
        }
      }
    }
    findings.push(...(await plannerFindings(adapter, entries, options, environment)));
    findings.push(...shadowFindings(adapter, entries, options));
    tools.push({ tool: adapter.id, name: adapter.name, entries: seen });
  }

  if (tools.every((tool) => tool.entries.length === 0) && !findings.some((finding) => finding.code === 'CONFIG_UNREADABLE')) {
    findings.push({ code: 'NO_ENTRIES', severity: 'info', tool: 'machine', message: `No tool has a "${options.name}" entry${options.tools.length ? ' among the selected ones' : ''}.`, action: 'Run mittwald-mcp-setup to set one up.' });
  }
  // The service itself, once, even with no entries: reachable, not rate-limiting, no proxy in the way.
  if (!serviceSeen.has(options.serverUrl)) {
    const check = await checker.check({ tool: TOOL_IDS[0], scope: 'user', file: '', name: options.name, url: options.serverUrl, auth: 'oauth', unresolved: [] });
    if (check.status === 'failed') {
      const finding = serviceFinding(check, options.serverUrl, environment);
      if (finding) findings.push(finding);
    }
  }
  if (needsLogin(findings)) findings.push(...(await browserFindings(environment)));
  return { findings: sortFindings(findings), tools };
}

const ACTIVATION_CODES = { 'pending-approval': 'ENTRY_PENDING_APPROVAL', 'untrusted-project': 'ENTRY_UNTRUSTED_PROJECT', disabled: 'ENTRY_DISABLED', overridden: 'ENTRY_OVERRIDDEN' } as const;
const ACTIVATION_WORDS = { 'pending-approval': 'waits for an approval', 'untrusted-project': 'is in a project the tool does not trust', disabled: 'is switched off', overridden: 'is overridden by another entry' } as const;

/** The tool does not use `entry` (by the adapter's reading of its rules): the state, its one step, and the
 * adapter's safe change where it has one. A planner that fails leaves the finding without a fix. An entry
 * overridden by another of ours that is the same (URL and auth) is only noted: the tool uses one like it. */
async function activationFinding(adapter: Adapter, entry: InstalledEntry, entries: readonly InstalledEntry[], label: string, environment: Environment): Promise<Finding | undefined> {
  const activation = entry.activation;
  if (!activation || activation.state === 'active') return undefined;
  const differs = entries.some((other) => other !== entry && other.name === entry.name && (other.host ?? '') === (entry.host ?? '') && (other.url !== entry.url || other.auth !== entry.auth));
  const plans = adapter.planActivation ? await adapter.planActivation(environment, entry).catch(() => []) : [];
  const fixable = plans.some(planChanges);
  const step = activation.step ?? `make ${adapter.name} use it`;
  return {
    code: ACTIVATION_CODES[activation.state],
    severity: activation.state === 'overridden' && !differs ? 'info' : 'warning',
    tool: adapter.id,
    entry: entryRef(entry),
    message: `${label} ${ACTIVATION_WORDS[activation.state]}: ${adapter.name} does not use it here.`,
    action: `${step.charAt(0).toUpperCase()}${step.slice(1)}${fixable ? ' (or doctor --fix).' : '.'}`,
    ...(fixable ? { fix: { kind: 'activate', tool: adapter.id, name: entry.name, scope: entry.scope, file: entry.file } as Fix } : {}),
  };
}

function entryRef(entry: InstalledEntry): NonNullable<Finding['entry']> {
  return { name: entry.name, scope: entry.scope, ...(entry.host ? { host: entry.host } : {}), file: entry.file };
}

/** Most serious first; the order of the checks within a severity. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings.map((finding, index) => ({ finding, index })).sort((a, b) => SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity] || a.index - b.index).map(({ finding }) => finding);
}

/** How to make `variable` visible to a tool: in the shell it starts from, and for an app started from the
 * dock or menu, which sees no shell exports, the session-wide way of each OS. */
function variableAction(environment: Environment, variable: string, app: string): string {
  const shell = exportVariableSteps(environment, variable, app)[0] ?? '';
  const session =
    environment.platform === 'darwin'
      ? `For an app started from the Dock: \`launchctl setenv ${variable} "<your token>"\`, then quit and reopen ${app} (until the next restart; for good, a LaunchAgent that runs it at login).`
      : environment.platform === 'win32'
        ? `For an app started from the Start menu the \`setx\` above is enough once ${app} is restarted (Windows gives new processes the user's variables).`
        : `For an app started from the desktop menu: put \`${variable}=<your token>\` into ~/.config/environment.d/mittwald.conf (mode 600) and log out and in again.`;
  return `${shell} ${session}`;
}

/** A failed check of an entry: the service (unreachable, rate limit) or the credential. */
function checkFinding(check: CheckResult, adapter: Adapter, entry: InstalledEntry, label: string, serviceSeen: Set<string>, environment: Environment): Finding {
  const code = check.error?.code;
  if (code === 'TOKEN_REJECTED' || code === 'FORBIDDEN') {
    const rejected = code === 'TOKEN_REJECTED';
    return {
      code: rejected ? 'TOKEN_REJECTED' : 'TOKEN_FORBIDDEN',
      severity: 'error',
      tool: adapter.id,
      entry: entryRef(entry),
      message: `${label}: ${check.message}`,
      action: rejected
        ? 'Create a new API token in mStudio → User Settings → API Tokens and run mittwald-mcp-setup again with it.'
        : 'The token may not do this: create a token with write access (api_write) in mStudio, or sign in with OAuth and the scopes you need (--scopes).',
    };
  }
  serviceSeen.add(entry.url);
  return { ...(serviceFinding(check, entry.url, environment) ?? { code: 'SERVICE_ERROR', severity: 'error', tool: 'service', message: check.message, action: check.error?.hint ?? 'Run doctor again in a few minutes.' }) };
}

/** The service's own trouble: unreachable (maybe through a proxy), rate-limited, broken. */
function serviceFinding(check: CheckResult, url: string, environment: Environment): Finding | undefined {
  const code = check.error?.code;
  const hint = check.error?.hint;
  if (code === 'RATE_LIMITED') return { code: 'SERVICE_RATE_LIMITED', severity: 'warning', tool: 'service', message: check.message, action: hint ?? 'Wait a minute and run doctor again.' };
  if (code === 'UNREACHABLE' || code === 'TIMEOUT' || code === 'TLS') {
    const proxy = proxyOf(environment, url);
    return {
      code: 'SERVICE_UNREACHABLE',
      severity: 'error',
      tool: 'service',
      message: `${check.message}${proxy ? ` The request went through the proxy ${proxy.url} (${proxy.variable}).` : ''}`,
      action: proxy ? `Check that the proxy lets ${new URL(url).host} through, or add it to NO_PROXY.` : (hint ?? 'Check the network connection and --server-url, then run doctor again.'),
    };
  }
  if (check.status === 'failed') return { code: 'SERVICE_ERROR', severity: 'error', tool: 'service', message: check.message, action: hint ?? 'Run doctor again in a few minutes.' };
  return undefined;
}

/** The proxy a request to `url` goes through, as the HTTP client picks it (shown without its password). */
function proxyOf(environment: Environment, url: string): { url: string; variable: string } | undefined {
  const https = url.startsWith('https:');
  const names = https ? ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'] : ['HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
  const variable = names.find((name) => environment.env[name]);
  if (!variable) return undefined;
  const noProxy = (environment.env.NO_PROXY ?? environment.env.no_proxy ?? '').split(',').map((host) => host.trim()).filter(Boolean);
  const host = new URL(url).hostname;
  if (noProxy.some((entry) => entry === '*' || host === entry || host.endsWith(entry.startsWith('.') ? entry : `.${entry}`))) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(environment.env[variable]!);
  } catch {
    return { url: '(not a URL)', variable };
  }
  const credentials = proxy.username ? `${proxy.username}${proxy.password ? ':••••' : ''}@` : '';
  return { url: `${proxy.protocol}//${credentials}${proxy.host}`, variable };
}

interface SignInContext {
  environment: Environment;
  out: Output;
  http: HttpClient;
  checker: EntryChecker;
  options: Options;
}

/** The tool's own sign-in for an OAuth entry: there or not, expired, renewable, refused; the stored client
 * still registered; the access token accepted; the port of the registered redirect free. */
async function signInFindings(adapter: Adapter, entry: InstalledEntry, label: string, context: SignInContext): Promise<{ state?: StoredSignIn['state']; findings: Finding[] }> {
  let stored: StoredSignIn | undefined;
  const where = entryRef(entry);
  try {
    stored = await adapter.signInState!(context.environment, entry);
  } catch (error) {
    const details = errorDetails(error);
    return { findings: [{ code: 'SIGNIN_UNREADABLE', severity: 'warning', tool: adapter.id, entry: where, message: `${label}: ${details.message}`, action: details.hint ?? 'Sign in again from the tool.' }] };
  }
  if (!stored) return { findings: [] };
  for (const secret of [stored.accessToken, stored.refreshToken]) if (secret) context.out.addSecret(secret);
  const { state } = stored;
  const login = adapter.loginCommand?.(entry.name).join(' ');
  const logout = adapter.logoutCommand?.(entry.name).join(' ');
  const relogin = (first: boolean): Pick<Finding, 'action' | 'fix'> => ({
    action: login ? `Sign in again: ${first && logout ? `\`${logout}\`, then ` : ''}\`${login}\`.` : `Sign in again from ${adapter.name}.`,
    ...(login ? { fix: { kind: 'relogin', tool: adapter.id, name: entry.name, logout: first && Boolean(logout) } as Fix } : {}),
  });
  const findings: Finding[] = [];
  const base = { tool: adapter.id, entry: where } as const;
  if (state.status === 'not-signed-in') {
    return { state, findings: [{ ...base, code: 'SIGNIN_NONE', severity: 'warning', message: `${label}: ${adapter.name} has not signed in to mittwald yet (nothing in ${state.file}).`, ...relogin(false) }] };
  }
  const expiry = state.expiresAt ? ` at ${formatTime(state.expiresAt)}` : '';
  if (state.status === 'expired' && state.refreshRejected) {
    findings.push({ ...base, code: 'SIGNIN_REFRESH_REJECTED', severity: 'error', message: `${label}: the sign-in expired and the server refused to renew it (invalid_grant: the mittwald session behind it ended).`, ...relogin(true) });
  } else if (state.status === 'expired' && !state.refresh) {
    findings.push({ ...base, code: 'SIGNIN_EXPIRED', severity: 'error', message: `${label}: the sign-in expired${expiry} and ${adapter.name} holds no refresh token to renew it.`, ...relogin(true) });
  } else if (state.status === 'expired' && state.expiresAt && Date.parse(state.expiresAt) - ACCESS_TOKEN_LIFETIME_MS + REFRESH_TOKEN_LIFETIME_MS < Date.now()) {
    findings.push({ ...base, code: 'SIGNIN_SESSION_ENDED', severity: 'error', message: `${label}: the sign-in expired${expiry}, and its refresh token is older than the 7 days mittwald keeps a session: the renewal will be refused (invalid_grant).`, ...relogin(true) });
  } else if (state.status === 'expired') {
    findings.push({ ...base, code: 'SIGNIN_RENEWS', severity: 'info', message: `${label}: ${describeSignIn(state)}; ${adapter.name} renews it when it next connects.`, action: 'Nothing to do.' });
  } else if (stored.accessToken) {
    const check = await context.checker.check({ ...entry, authorization: `Bearer ${stored.accessToken}` });
    if (check.status === 'failed' && (check.error?.code === 'TOKEN_REJECTED' || check.error?.code === 'FORBIDDEN')) {
      const rejected = check.error.code === 'TOKEN_REJECTED';
      findings.push({
        ...base,
        code: rejected ? 'SIGNIN_TOKEN_REJECTED' : 'SIGNIN_FORBIDDEN',
        severity: 'error',
        message: `${label}: the server ${rejected ? 'no longer accepts the access token of this sign-in' : 'refuses what this sign-in was granted'} (${check.message}).`,
        ...(rejected ? relogin(true) : { action: `Sign in again with the scopes you need (the entry's oauth scopes, or mittwald-mcp-setup --tool ${adapter.id} --scopes …), then ${login ? `\`${login}\`` : 'sign in from the tool'}.` }),
      });
    }
  }
  // What a working sign-in was granted, as the tool stored it: without a write scope every write tool answers
  // 403. Doctor never calls a write tool to find out (that would change the person's account).
  if (findings.every((finding) => finding.severity === 'info') && state.scopes?.length && !grantsWrites(state.scopes)) {
    const then = `${logout ? `\`${logout}\`, then ` : ''}${login ? `\`${login}\`` : `sign in again from ${adapter.name}`}`;
    findings.push({
      ...base,
      code: 'SIGNIN_READ_ONLY',
      severity: 'info',
      message: `${label}: the sign-in grants read-only access (${state.scopes.join(' ')}): mittwald answers write tools with 403 Forbidden.`,
      action: adapter.entryCarriesScopes
        ? `To let ${adapter.name} change things: mittwald-mcp-setup --tool ${adapter.id} --access write --yes (or --scopes …), then ${then}.`
        : `To let ${adapter.name} change things: ${then}, and allow the write access on mittwald's consent page.`,
    });
  }
  if (state.client?.issuer) {
    const known = await registrationKnown(context.http, state.client.issuer, state.client.clientId);
    if (known === false) {
      findings.push({
        ...base,
        code: 'SIGNIN_CLIENT_UNKNOWN',
        severity: 'error',
        message: `${label}: the client ${adapter.name} registered at ${state.client.issuer} no longer exists there (invalid_client); a login with it hangs or fails.`,
        ...relogin(true),
      });
    }
  }
  const port = loopbackPort(state.client?.redirectUri);
  if (port !== undefined) {
    const taken = await portFinding(port, adapter, label, `${adapter.name}'s registered sign-in redirect (${state.client!.redirectUri}) needs port ${port}`);
    if (taken) findings.push({ ...taken, entry: where });
  }
  return { state, findings };
}

/** Whether the authorization server still knows `clientId`: a refresh with a made-up refresh token answers
 * `invalid_client` for an unknown client and `invalid_grant` for a known one, and spends nothing of the
 * tool's (its own refresh token rotates on use, so it is never sent). Undefined when it cannot be told. */
export async function registrationKnown(http: HttpClient, issuer: string, clientId: string): Promise<boolean | undefined> {
  let tokenEndpoint: string | undefined;
  for (const url of authorizationServerMetadataUrls(issuer)) {
    try {
      const res = await http.fetch(url, { headers: { accept: 'application/json' }, timeoutMs: 10_000 });
      if (!res.ok) {
        await res.discard();
        continue;
      }
      const metadata = await res.json();
      if (isJsonObject(metadata) && typeof metadata.token_endpoint === 'string') {
        tokenEndpoint = metadata.token_endpoint;
        break;
      }
    } catch {
      return undefined;
    }
  }
  if (!tokenEndpoint) return undefined;
  try {
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: randomBytes(24).toString('base64url'), client_id: clientId });
    const res = await http.fetch(tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body, timeoutMs: 10_000 });
    const answer: unknown = await res.json().catch(() => undefined);
    const error = isJsonObject(answer) ? answer.error : undefined;
    if (error === 'invalid_client' || error === 'unauthorized_client') return false;
    return error === 'invalid_grant' ? true : undefined;
  } catch {
    return undefined;
  }
}

function loopbackPort(redirectUri: string | undefined): number | undefined {
  if (!redirectUri) return undefined;
  try {
    const url = new URL(redirectUri);
    if (!['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || !url.port) return undefined;
    return Number(url.port);
  } catch {
    return undefined;
  }
}

async function portFinding(port: number, adapter: Adapter, label: string, why: string): Promise<Finding | undefined> {
  if (await portIsFree(port)) return undefined;
  const holder = await portHolder(port);
  const who = holder ? `${holder.command} (pid ${holder.pid})` : 'another program';
  return {
    code: 'PORT_TAKEN',
    severity: 'error',
    tool: adapter.id,
    message: `${label}: ${why}, and ${who} is listening there: the browser's redirect would not reach ${adapter.name}.`,
    action: holder ? `Stop ${holder.command} (pid ${holder.pid}) while you sign in, or sign in again so that ${adapter.name} registers another port.` : `Find the program on port ${port} (\`lsof -i :${port}\`, \`netstat -ano | findstr :${port}\` on Windows) and stop it while you sign in.`,
  };
}

function needsLogin(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.fix?.kind === 'relogin');
}

/** What a login needs from this machine: a browser that starts, or at least a display for one. */
async function browserFindings(environment: Environment): Promise<Finding[]> {
  const noBrowser = "Sign in with the tool's --no-browser option where it has one: open the printed URL on a machine with a browser and paste the redirect back.";
  const { command } = browserCommand('https://example.invalid/', environment);
  if (environment.env.BROWSER?.trim()) {
    const found = command.includes('/') || command.includes('\\') ? await pathExists(command) : Boolean(await findOnPath(environment, command));
    if (!found) return [{ code: 'BROWSER_MISSING', severity: 'error', tool: 'machine', message: `$BROWSER is set to "${command}", which does not exist: a login cannot open the sign-in page.`, action: `Fix or unset BROWSER. ${noBrowser}` }];
    return [];
  }
  if (environment.platform !== 'linux') return [];
  if (!environment.env.DISPLAY && !environment.env.WAYLAND_DISPLAY) {
    const ssh = environment.env.SSH_CONNECTION || environment.env.SSH_TTY ? ' (an SSH session)' : '';
    return [{ code: 'BROWSER_NO_DISPLAY', severity: 'warning', tool: 'machine', message: `There is no display here${ssh}: no browser can open for a login.`, action: noBrowser }];
  }
  if (!(await findOnPath(environment, command))) {
    return [{ code: 'BROWSER_NO_OPENER', severity: 'warning', tool: 'machine', message: `${command} is not installed: a login cannot open the browser by itself.`, action: `Install xdg-utils or set BROWSER to your browser. ${noBrowser}` }];
  }
  return [];
}

/** Stale and duplicate entries, disabled entries and leftovers, as the setup planner sees them (its plan is
 * pure: made and read, not applied). */
async function plannerFindings(adapter: Adapter, entries: readonly InstalledEntry[], options: Options, environment: Environment): Promise<Finding[]> {
  if (adapter.kind !== 'config') return [];
  const findings: Finding[] = [];
  const scopes = [...new Set(entries.map((entry) => entry.scope))].filter((scope): scope is Scope => scope !== 'local' && adapter.scopes.includes(scope));
  for (const scope of scopes) {
    let plans: ToolPlan[];
    try {
      plans = await adapter.plan(environment, { serverUrl: options.serverUrl, name: options.name, scope, credential: { kind: 'oauth' }, replaceStale: false });
    } catch {
      continue;
    }
    for (const plan of plans) {
      const ours = entries.some((entry) => entry.scope === scope && entry.name === options.name && (plan.host === undefined || entry.host === plan.host) && classifyServerUrl(entry.url, options.serverUrl) === 'current');
      for (const old of plan.staleKept) {
        const legacy = old.reason !== 'duplicate';
        findings.push({
          code: legacy ? 'ENTRY_STALE' : 'ENTRY_DUPLICATE',
          severity: legacy ? 'error' : 'warning',
          tool: adapter.id,
          entry: { name: old.name, scope, ...(plan.host ? { host: plan.host } : {}), file: old.file },
          message: `${plan.target}: "${old.name}" (${old.url}) in ${old.file} — ${staleReason(old)}${legacy ? '' : `: the tool loads mittwald twice`}.`,
          action: `Replace it: mittwald-mcp-setup --tool ${adapter.id}${scope === 'project' ? ' --scope project' : ''} --yes (or doctor --fix).`,
          fix: { kind: 'replace', tool: adapter.id, scope, stale: [old], ours: ours ? 'keep' : 'write' },
        });
      }
      // The adapter's own reading of a switched-off entry is reported with the entry (activationFinding).
      const offSeen = entries.some((entry) => entry.scope === scope && entry.name === options.name && entry.activation?.state === 'disabled');
      for (const warning of plan.warnings) {
        if (/takes precedence/.test(warning)) continue;
        const disabled = /stays disabled/.test(warning);
        if (disabled && offSeen) continue;
        findings.push({
          code: disabled ? 'ENTRY_DISABLED' : 'ENTRY_CLEANUP',
          severity: 'warning',
          tool: adapter.id,
          message: `${plan.target}: ${disabled ? warning.replace(/^The entry stays disabled: /, 'the entry is switched off: ') : warning}`,
          action: disabled ? `Enable "${options.name}" in ${adapter.name} (or take that key out of the file).` : `Run mittwald-mcp-setup --tool ${adapter.id}${scope === 'project' ? ' --scope project' : ''} again to tidy the entry.`,
        });
      }
    }
  }
  return findings;
}

/** Our entry in more than one scope of one tool: both are read, the more specific one wins in this project. */
function shadowFindings(adapter: Adapter, entries: readonly InstalledEntry[], options: Options): Finding[] {
  const ours = entries.filter((entry) => entry.name === options.name && classifyServerUrl(entry.url, options.serverUrl) !== 'legacy-sse' && classifyServerUrl(entry.url, options.serverUrl) !== 'legacy-fly');
  const byHost = new Map<string, InstalledEntry[]>();
  for (const entry of ours) byHost.set(entry.host ?? '', [...(byHost.get(entry.host ?? '') ?? []), entry]);
  const findings: Finding[] = [];
  for (const group of byHost.values()) {
    // An adapter that knows which one the tool uses has said so for each (activationFinding).
    if (group.length < 2 || group.some((entry) => entry.activation && entry.activation.state !== 'active')) continue;
    const places = group.map((entry) => `${entry.scope}${entry.project ? ` (${entry.project})` : ''} in ${entry.file}`);
    const differ = new Set(group.map((entry) => `${entry.url}\n${entry.auth}`)).size > 1;
    findings.push({
      code: 'ENTRY_SHADOWED',
      severity: differ ? 'warning' : 'info',
      tool: adapter.id,
      message: `${adapter.name} has "${options.name}" ${group.length} times — ${places.join('; ')}${differ ? ', and they differ' : ''}: in this project the most specific one is used.`,
      action: `Keep the one you mean and remove the others (mittwald-mcp-setup remove --tool ${adapter.id} --scope <scope>, or the tool's own remove command for its local scope).`,
    });
  }
  return findings;
}

/** Each fix once (several findings can ask for the same login). */
function uniqueFixes(findings: readonly Finding[]): Fix[] {
  const fixes: Fix[] = [];
  for (const finding of findings) {
    const fix = finding.fix;
    if (!fix) continue;
    const same = fixes.find(
      (other) =>
        other.kind === fix.kind &&
        other.tool === fix.tool &&
        (fix.kind === 'relogin' ? other.kind === 'relogin' && other.name === fix.name : fix.kind === 'activate' ? other.kind === 'activate' && other.name === fix.name && other.scope === fix.scope && other.file === fix.file : other.kind === 'replace' && other.scope === fix.scope),
    );
    if (!same) fixes.push(fix.kind === 'replace' ? { ...fix, stale: [...fix.stale] } : { ...fix });
    else if (same.kind === 'replace' && fix.kind === 'replace') {
      same.stale.push(...fix.stale);
      if (fix.ours === 'write') same.ours = 'write';
    } else if (same.kind === 'relogin' && fix.kind === 'relogin') same.logout ||= fix.logout;
  }
  return fixes;
}

function describeFix(fix: Fix, options: Options): string {
  if (fix.kind === 'replace') {
    const names = fix.stale.map((old) => `"${old.name}"`).join(', ');
    return fix.ours === 'write' ? `${fix.tool} (${fix.scope}): write a current "${options.name}" OAuth entry${names ? ` in place of ${names}` : ''}` : `${fix.tool} (${fix.scope}): remove ${names}`;
  }
  if (fix.kind === 'activate') return `${fix.tool} (${fix.scope}): make it use "${fix.name}" from ${fix.file}`;
  return `${fix.tool}: ${fix.logout ? 'log out and ' : ''}sign in again for "${fix.name}"`;
}

/** --yes, or a yes on the terminal; never a prompt without one. */
async function agreed(fixes: readonly Fix[], options: Options, context: RunContext): Promise<boolean> {
  context.out.line(context.out.paint.bold('\nFixes:'));
  for (const fix of fixes) context.out.line(`  ${SYMBOLS.info} ${describeFix(fix, options)}`);
  if (options.yes) return true;
  if (!context.interactive || options.json) {
    context.out.note('Pass --yes to run these fixes without a terminal.');
    return false;
  }
  const { createInterface } = await import('node:readline/promises');
  const readline = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await readline.question('Run them now? [y/N] ')).trim());
  } finally {
    readline.close();
  }
}

async function runFix(fix: Fix, options: Options, context: RunContext): Promise<{ fix: Fix; ok: boolean; message: string }> {
  const { environment } = context;
  const adapter = await loadAdapter(fix.tool);
  try {
    if (fix.kind === 'replace') {
      // Our entry written with the stale ones replaced (the setup planner), or, when ours is fine, each stale
      // one taken out: one plan at a time, each made from the file as the one before left it.
      const planners: Array<() => Promise<ToolPlan[]>> =
        fix.ours === 'write'
          ? [() => adapter.plan(environment, { serverUrl: options.serverUrl, name: options.name, scope: fix.scope, credential: { kind: 'oauth', ...(options.scopes ? { scopes: options.scopes } : {}) }, replaceStale: true })]
          : fix.stale.map((old) => () => adapter.planRemove(environment, { name: old.name, scope: fix.scope }));
      for (const replan of planners) {
        for (const plan of await replan()) {
          if (!planChanges(plan)) continue;
          await applyPlan(plan, { backupDir: backupDirectory(environment), stateFile: setupStateFile(environment), replan: async () => samePlan(plan, await replan()) });
        }
      }
      return { fix, ok: true, message: describeFix(fix, options) };
    }
    if (fix.kind === 'activate') {
      // Planned again from the files as they are now (the entry found afresh), and re-planned under the lock.
      const replan = async (): Promise<ToolPlan[]> => {
        const entry = (await adapter.inspect(environment, { name: options.name, serverUrl: options.serverUrl })).find((candidate) => candidate.name === fix.name && candidate.scope === fix.scope && candidate.file === fix.file);
        return entry && adapter.planActivation ? adapter.planActivation(environment, entry) : [];
      };
      const plans = await replan();
      if (!plans.some(planChanges)) return { fix, ok: false, message: `${describeFix(fix, options)}: nothing left to change` };
      for (const plan of plans) {
        if (!planChanges(plan)) continue;
        await applyPlan(plan, { backupDir: backupDirectory(environment), stateFile: setupStateFile(environment), replan: async () => samePlan(plan, await replan()) });
      }
      return { fix, ok: true, message: `${describeFix(fix, options)}: ${plans.flatMap((plan) => plan.nextSteps).join(' ')}` };
    }
    const steps = [...(fix.logout && adapter.logoutCommand ? [adapter.logoutCommand(fix.name)] : []), ...(adapter.loginCommand ? [adapter.loginCommand(fix.name)] : [])];
    for (const argv of steps) {
      const program = await findOnPath(environment, argv[0]!);
      if (!program) return { fix, ok: false, message: `${describeFix(fix, options)}: \`${argv[0]}\` is not on PATH; run \`${argv.join(' ')}\` where it is installed` };
      // A login talks to the person (browser, pasted redirect): it gets the terminal. A logout only reports.
      const login = argv === steps[steps.length - 1];
      const exitCode = login ? await runInteractive([program, ...argv.slice(1)], environment, options.json) : (await runToolCommand([program, ...argv.slice(1)], { timeoutMs: 60_000, cwd: environment.cwd })).exitCode;
      if (exitCode !== 0) return { fix, ok: false, message: `${describeFix(fix, options)}: \`${argv.join(' ')}\` exited with ${exitCode}` };
    }
    return { fix, ok: true, message: describeFix(fix, options) };
  } catch (error) {
    return { fix, ok: false, message: `${describeFix(fix, options)}: ${errorDetails(error).message}` };
  }
}

/** Runs a tool's login on this terminal; with --json its output goes to stderr, so stdout keeps the one JSON
 * object. Resolves with the exit status (1 when it could not start). */
async function runInteractive(argv: readonly string[], environment: Environment, json: boolean): Promise<number> {
  const { spawn } = await import('node:child_process');
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(file!, args, { stdio: ['inherit', json ? 2 : 'inherit', 'inherit'], cwd: environment.cwd, shell: false });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

function printFindings(out: Output, findings: readonly Finding[], options: Options): void {
  const { paint } = out;
  const problems = findings.filter((finding) => finding.severity !== 'info');
  for (const finding of findings) {
    const symbol = finding.severity === 'error' ? paint.red(SYMBOLS.fail) : finding.severity === 'warning' ? paint.yellow(SYMBOLS.warn) : paint.dim(SYMBOLS.info);
    out.line(`${symbol} ${finding.message} ${paint.dim(`[${finding.code}]`)}`);
    out.line(`    → ${finding.action}`);
  }
  if (problems.length === 0) out.line(`${paint.green(SYMBOLS.ok)} Nothing wrong found.`);
  else out.line(`\n${problems.length} problem${problems.length === 1 ? '' : 's'} found.${!options.fix && problems.some((finding) => finding.fix) ? ' `mittwald-mcp-setup doctor --fix` runs the safe fixes.' : ''}`);
}
