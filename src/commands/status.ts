/** `status`: per tool and scope, what is configured, whether the tool uses it (its own CLI's word where it is
 * installed, else what its adapter reads from its files) and whether it connects now. Changes nothing. */
import { availableTools, loadAdapter } from '../../adapters/index.js';
import { EntryChecker, type CheckResult } from '../mcp/credential-check.js';
import { errorDetails } from '../errors.js';
import type { Adapter, Confirmation } from '../kit/adapter.js';
import { TOKEN_ENV_VAR, type Credential, type Detection, type Environment, type InstalledEntry, type Scope, type SetupRequest } from '../model.js';
import type { Options } from '../cli/options.js';
import { SYMBOLS } from '../cli/output.js';
import type { RunContext } from '../cli/run-context.js';
import { classifyServerUrl } from '../kit/server-url.js';
import { pendingActivation, selectTools } from '../flow/setup-steps.js';
import { describeSignIn, type SignInState } from '../kit/sign-in-store.js';

interface StatusEntry extends Omit<InstalledEntry, 'authorization'> {
  /** Whether the credential resolves here (always true for OAuth entries). */
  credentialResolves: boolean;
  urlKind: ReturnType<typeof classifyServerUrl>;
  check?: CheckResult;
  /** The tool's stored OAuth sign-in (OAuth entries of tools that keep it in a file we read). */
  signIn?: SignInState;
  /** The tool's own CLI on the entry of our name, where it is installed (its activation is the one shown). */
  confirmation?: Confirmation;
}

/** The request the tool's confirmation judges an installed entry by: its own URL, name, scope and kind of
 * credential (the token itself is never needed: the tool is asked by name). */
function requestOf(entry: InstalledEntry & { scope: Scope }): SetupRequest {
  const credential: Credential =
    entry.auth === 'oauth'
      ? { kind: 'oauth' }
      : { kind: 'token', token: '', storage: entry.auth === 'token-ref' ? 'ref' : 'literal', envVar: entry.unresolved[0] ?? TOKEN_ENV_VAR };
  return { serverUrl: entry.url, name: entry.name, scope: entry.scope, credential, replaceStale: false };
}

/** Asks the tool's CLI about an entry of our name in one of our scopes, when `verify` (it may reach the server). */
async function confirmEntry(adapter: Adapter, environment: Environment, entry: InstalledEntry, name: string): Promise<Confirmation | undefined> {
  if (!adapter.confirm || entry.name !== name || entry.scope === 'local') return undefined;
  return adapter.confirm(environment, requestOf({ ...entry, scope: entry.scope })).catch(() => undefined);
}

interface ToolStatus {
  tool: string;
  name: string;
  detection: Detection;
  entries: StatusEntry[];
  error?: ReturnType<typeof errorDetails>;
}

export async function runStatus(options: Options, context: RunContext): Promise<number> {
  const { environment, out } = context;
  const { paint } = out;
  const adapters = options.tools.length > 0 ? await selectTools(options.tools, environment) : await Promise.all(availableTools().map(loadAdapter));
  const checker = options.verify ? new EntryChecker(await context.http()) : undefined;
  const tools: ToolStatus[] = [];
  for (const adapter of adapters) {
    const detection = await adapter.detect(environment);
    try {
      const found = await adapter.inspect(environment, { name: options.name, serverUrl: options.serverUrl });
      const entries = await Promise.all(
        found.map(async ({ authorization, ...entry }): Promise<StatusEntry> => {
          if (authorization) out.addSecret(authorization.replace(/^Bearer\s+/i, ''));
          const [checked, confirmation] = checker
            ? await Promise.all([checker.check({ ...entry, ...(authorization ? { authorization } : {}) }), confirmEntry(adapter, environment, { ...entry }, options.name)])
            : [undefined, undefined];
          const signIn = entry.auth === 'oauth' ? await signInOf(adapter, environment, entry) : undefined;
          const check = checked && signIn ? withSignIn(checked, signIn, adapter, entry.name) : checked;
          // The tool's own word on whether it uses the entry, over what its adapter read from the files.
          const activation = confirmation?.activation ?? entry.activation;
          return {
            ...entry,
            ...(activation ? { activation } : {}),
            credentialResolves: entry.unresolved.length === 0 && !entry.prompts?.length,
            urlKind: classifyServerUrl(entry.url, options.serverUrl),
            ...(check ? { check } : {}),
            ...(signIn ? { signIn } : {}),
            ...(confirmation ? { confirmation } : {}),
          };
        }),
      );
      tools.push({ tool: adapter.id, name: adapter.name, detection, entries });
    } catch (error) {
      tools.push({ tool: adapter.id, name: adapter.name, detection, entries: [], error: errorDetails(error) });
    }
  }

  for (const tool of tools) {
    const installed = tool.detection.state === 'installed' ? 'installed' : tool.detection.state === 'config-found' ? 'config found' : 'not installed';
    out.line(`${paint.bold(tool.name)} ${paint.dim(`(${installed}${tool.detection.hosts.length ? `: ${tool.detection.hosts.join(', ')}` : ''})`)}`);
    if (tool.error) out.line(`  ${paint.red(SYMBOLS.fail)} ${tool.error.message}`);
    else if (tool.entries.length === 0) out.line(paint.dim(`  no "${options.name}" entry`));
    for (const entry of tool.entries) {
      const inactive = pendingActivation(entry);
      const refused = entry.confirmation?.ok === false;
      const working = entry.check?.status === 'connected' || entry.check?.status === 'signed-in';
      const symbol =
        entry.check?.status === 'failed' || entry.urlKind.startsWith('legacy') || refused
          ? paint.red(SYMBOLS.fail)
          : working && inactive === undefined
            ? paint.green(SYMBOLS.ok)
            : paint.yellow(SYMBOLS.warn);
      const auth = entry.auth === 'oauth' ? 'OAuth' : entry.auth === 'token-ref' ? 'token by reference' : 'token (literal)';
      const legacy = entry.urlKind.startsWith('legacy') ? ` — retired URL, run setup again to migrate` : '';
      const where = `${entry.scope}${entry.project === undefined ? '' : ` (in ${entry.project})`}${entry.host ? ` ${entry.host}` : ''}`;
      out.line(`  ${symbol} "${entry.name}" ${where}, ${auth}${legacy} ${paint.dim(entry.file)}`);
      // The tool's own rules come first: an entry it does not use is not "Connected", whatever the server says.
      if (inactive !== undefined) out.line(`      configured, not active yet: ${inactive}`);
      if (entry.check) out.line(`      ${inactive === undefined ? '' : 'server check: '}${entry.check.message}`);
      else if (entry.signIn) out.line(`      ${describeSignIn(entry.signIn)}`);
      if (entry.confirmation) out.line(`      ${refused ? `${tool.name} does not use it as written: ` : ''}${entry.confirmation.detail}`);
    }
  }
  const ok = tools.every((tool) => !tool.error && tool.entries.every((entry) => entry.check?.status !== 'failed' && entry.confirmation?.ok !== false));
  if (options.json) out.json({ ok, command: 'status', serverUrl: options.serverUrl, tools });
  return ok ? 0 : 1;
}

/** The tool's stored sign-in for an OAuth entry; undefined where the tool keeps none we can read (or its file
 * is unreadable: `doctor` reports that). */
async function signInOf(adapter: Adapter, environment: RunContext['environment'], entry: Omit<InstalledEntry, 'authorization'>): Promise<SignInState | undefined> {
  if (!adapter.signInState) return undefined;
  try {
    return (await adapter.signInState(environment, entry))?.state;
  } catch {
    return undefined;
  }
}

/** The check of an OAuth entry told with the tool's own sign-in: "signed in (expires …, refresh available)"
 * after the tool's login, instead of "sign in from the tool". A failed check (server unreachable) stays. */
function withSignIn(check: CheckResult, signIn: SignInState, adapter: Adapter, name: string): CheckResult {
  if (check.status !== 'needs-login') return check;
  const login = adapter.loginCommand ? ` — run \`${adapter.loginCommand(name).join(' ')}\`` : '';
  const described = describeSignIn(signIn);
  const usable = signIn.status === 'signed-in' || (signIn.status === 'expired' && signIn.refresh);
  if (usable) return { status: 'signed-in', message: `Server reachable; ${described}` };
  return { ...check, message: `Server reachable; ${described}${login}` };
}
