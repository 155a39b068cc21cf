/** `status`: per tool and scope, what is configured and whether it connects now. Changes nothing. */
import { availableTools, loadAdapter } from '../../adapters/index.js';
import { EntryChecker, type CheckResult } from '../credential-check.js';
import { errorDetails } from '../errors.js';
import type { Detection, InstalledEntry } from '../model.js';
import type { Options } from '../options.js';
import { SYMBOLS } from '../output.js';
import type { RunContext } from '../run-context.js';
import { classifyServerUrl } from '../server-url.js';
import { selectTools } from '../setup-steps.js';
import type { Adapter } from '../adapter.js';
import { describeSignIn, type SignInState } from '../sign-in-store.js';

interface StatusEntry extends Omit<InstalledEntry, 'authorization'> {
  /** Whether the credential resolves here (always true for OAuth entries). */
  credentialResolves: boolean;
  urlKind: ReturnType<typeof classifyServerUrl>;
  check?: CheckResult;
  /** The tool's stored OAuth sign-in (OAuth entries of tools that keep it in a file we read). */
  signIn?: SignInState;
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
          const checked = checker ? await checker.check({ ...entry, ...(authorization ? { authorization } : {}) }) : undefined;
          const signIn = entry.auth === 'oauth' ? await signInOf(adapter, environment, entry) : undefined;
          const check = checked && signIn ? withSignIn(checked, signIn, adapter, entry.name) : checked;
          return { ...entry, credentialResolves: entry.unresolved.length === 0 && !entry.prompts?.length, urlKind: classifyServerUrl(entry.url, options.serverUrl), ...(check ? { check } : {}), ...(signIn ? { signIn } : {}) };
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
      const symbol = entry.check?.status === 'failed' || entry.urlKind.startsWith('legacy') ? paint.red(SYMBOLS.fail) : entry.check?.status === 'connected' || entry.check?.status === 'signed-in' ? paint.green(SYMBOLS.ok) : paint.yellow(SYMBOLS.warn);
      const auth = entry.auth === 'oauth' ? 'OAuth' : entry.auth === 'token-ref' ? 'token by reference' : 'token (literal)';
      const legacy = entry.urlKind.startsWith('legacy') ? ` — retired URL, run setup again to migrate` : '';
      out.line(`  ${symbol} "${entry.name}" ${entry.scope}${entry.host ? ` ${entry.host}` : ''}, ${auth}${legacy} ${paint.dim(entry.file)}`);
      if (entry.check) out.line(`      ${entry.check.message}`);
      else if (entry.signIn) out.line(`      ${describeSignIn(entry.signIn)}`);
    }
  }
  const ok = tools.every((tool) => !tool.error && tool.entries.every((entry) => entry.check?.status !== 'failed'));
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
