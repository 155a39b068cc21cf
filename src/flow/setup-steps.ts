/** The steps of a setup run — select, plan, show, apply, verify, report — as functions the pipeline
 * (flow/setup-flow.ts) runs in order. No step prompts. */
import path from 'node:path';
import { describeAccess, grantedScopes } from '../access.js';
import type { Adapter, Confirmation } from '../kit/adapter.js';
import { applyPlan, type AppliedFile } from './apply.js';
import { fileChange, planChanges, plannedFiles } from '../kit/plan.js';
import { EntryChecker, type CheckResult } from '../mcp/credential-check.js';
import { unifiedDiff } from '../files/diff.js';
import { gitLine, projectFiles, type GitView } from '../files/git-status.js';
import { errorDetails, SetupError } from '../errors.js';
import { TOKEN_ENV_VAR, type Activation, type Credential, type Detection, type Environment, type InstalledEntry, type Scope, type SetupRequest, type StaleEntry, type ToolId, type ToolPlan } from '../model.js';
import type { Options, TokenSource } from '../cli/options.js';
import { SYMBOLS, type Output } from '../cli/output.js';
import type { HttpClient } from '../net/http.js';
import { setupStateFile } from '../files/setup-state.js';
import { loadAdapter, TOOL_IDS } from '../../adapters/index.js';

export type ToolStatus = 'configured' | 'unchanged' | 'planned' | 'instructions' | 'failed';

/** One tool's outcome, as printed and as serialised in `--json`. */
export interface ToolResult {
  tool: ToolId;
  target: string;
  status: ToolStatus;
  /** Each project file changed also carries `git?: GitState` (withGitStates): tracked, ignored, or neither. */
  files: Array<AppliedFile | { path: string; change: string }>;
  stale: StaleEntry[];
  staleKept: StaleEntry[];
  check?: CheckResult;
  /** The tool's own CLI confirming the entry (e.g. `claude mcp get`), when it is installed. */
  confirmation?: Confirmation;
  /** Whether the tool uses the written entry yet: its CLI's word, else what its adapter read from its files. */
  activation?: Activation;
  nextSteps: string[];
  warnings: string[];
  instructions?: string;
  error?: { code: string; message: string; hint?: string };
}

export interface PlannedTool {
  adapter: Adapter;
  request: SetupRequest;
  plan?: ToolPlan;
  error?: unknown;
}

/** Expands `detected` and `all`, keeps the order of TOOL_IDS, and drops duplicates. */
export async function selectTools(selectors: Options['tools'], environment: Environment): Promise<Adapter[]> {
  const wanted = new Set<ToolId>();
  for (const selector of selectors) {
    if (selector === 'all') TOOL_IDS.forEach((id) => wanted.add(id));
    else if (selector !== 'detected') wanted.add(selector);
  }
  if (selectors.includes('detected')) {
    const adapters = await Promise.all(TOOL_IDS.map(loadAdapter));
    const detections = await Promise.all(adapters.map((adapter) => adapter.detect(environment)));
    const installed = detections.filter((detection) => detection.state === 'installed');
    if (installed.length === 0 && wanted.size === 0) throw nothingInstalled(adapters, detections);
    installed.forEach((detection) => wanted.add(detection.tool));
  }
  return Promise.all(TOOL_IDS.filter((id) => wanted.has(id)).map(loadAdapter));
}

/** `--tool detected` found no installed tool. Settings folders of a tool (the wizard lists those too) are
 * named, with the flag that sets them up anyway. */
function nothingInstalled(adapters: readonly Adapter[], detections: readonly Detection[]): SetupError {
  const found = detections.filter((detection) => detection.state === 'config-found');
  if (found.length === 0) {
    return new SetupError('USAGE', 'No supported tool is installed here.', { hint: `Name the tools with --tool (${TOOL_IDS.join(', ')}).` });
  }
  const names = found.map((detection) => {
    const name = adapters.find((adapter) => adapter.id === detection.tool)?.name ?? detection.tool;
    return detection.evidence[0] ? `${name} (${detection.evidence[0]})` : name;
  });
  return new SetupError('USAGE', `No supported tool is installed here, but settings were found for ${names.join(', ')}.`, {
    hint: `To set ${found.length === 1 ? 'it' : 'them'} up anyway, pass --tool ${found.map((detection) => detection.tool).join(',')}.`,
  });
}

/** The storage rule of the design: a reference when it works with no extra step (a prompt the tool shows
 * itself; the token came from MITTWALD_API_TOKEN), otherwise literal — unless --secret says otherwise. */
export function secretStorage(adapter: Adapter, requested: Options['secret'], source: TokenSource): 'ref' | 'literal' {
  if (adapter.secretReference === 'none') return 'literal';
  if (requested) return requested;
  if (adapter.secretReference === 'prompt') return 'ref';
  return source === 'env' ? 'ref' : 'literal';
}

export function credentialFor(adapter: Adapter, auth: { token?: string; source?: TokenSource; scopes?: string[] }, secret: Options['secret']): Credential {
  // An OAuth entry always carries what the tools may do: the scopes asked for, else the default access.
  if (!adapter.acceptsToken || auth.token === undefined || auth.source === undefined) return { kind: 'oauth', scopes: grantedScopes(auth) };
  return { kind: 'token', token: auth.token, storage: secretStorage(adapter, secret, auth.source), envVar: TOKEN_ENV_VAR };
}

export function scopeFor(adapter: Adapter, scope: Scope): Scope {
  return adapter.scopes.includes(scope) ? scope : (adapter.scopes[0] ?? 'user');
}

/** The rule for every tool, present and future: a project-scope file is shared through git, so it never
 * holds a literal secret. A literal token becomes the tool's own reference (`forced`: the file, not the person,
 * decided it); a tool without a reference cannot take a token in project scope. */
export function sharedFileRequest(adapter: Adapter, request: SetupRequest): { request: SetupRequest; forced: boolean } {
  const { credential } = request;
  if (request.scope !== 'project' || credential.kind !== 'token' || credential.storage === 'ref') return { request, forced: false };
  if (adapter.secretReference === 'none') {
    throw new SetupError('SECRET_IN_SHARED_FILE', `${adapter.name} cannot refer to a token from its project file, which is shared through git.`, {
      hint: 'Use --scope user for an API token, or sign in with OAuth (--oauth).',
    });
  }
  return { request: { ...request, credential: { ...credential, storage: 'ref' } }, forced: true };
}

/** The files a plan writes. */
function planPaths(plan: ToolPlan): string[] {
  return [...new Set(plan.steps.flatMap((step) => (step.kind === 'file' ? [step.path] : [])))];
}

function occurrences(text: string | null, secret: string): number {
  return text === null ? 0 : text.split(secret).length - 1;
}

/** The last line of defence for the rule above: a project-scope plan that would add the token's bytes to any
 * file is refused whole, whatever the adapter meant to write. */
function refuseSecretInSharedFile(plan: ToolPlan, request: SetupRequest): void {
  const { credential } = request;
  if (request.scope !== 'project' || credential.kind !== 'token') return;
  for (const step of plan.steps) {
    if (step.kind === 'file' && occurrences(step.after, credential.token) > occurrences(step.before, credential.token)) {
      throw new SetupError('SECRET_IN_SHARED_FILE', `${plan.target} would write the API token into ${step.path}, which is shared through git; nothing was written.`, {
        hint: 'Use --scope user for an API token, or sign in with OAuth (--oauth).',
      });
    }
  }
}

/** Says that the reference was chosen because the file is shared, in the tool's own reference terms. */
function forcedReferenceWarning(adapter: Adapter, plan: ToolPlan, request: SetupRequest): string {
  const paths = planPaths(plan);
  const where = paths.length ? paths.join(' and ') : 'The project file';
  const what =
    adapter.secretReference === 'prompt' || request.credential.kind !== 'token'
      ? `the entry has ${adapter.name} ask for the token instead of holding it`
      : `it names the ${request.credential.envVar} variable instead of holding the token`;
  return `${where} ${paths.length > 1 ? 'are' : 'is'} shared through git, so ${what}.`;
}

/** An OAuth tool whose entry cannot name the scopes picks them at its own sign-in: say that it may ask for
 * more than was chosen. */
function scopesWarning(adapter: Adapter, request: SetupRequest): string[] {
  const { credential } = request;
  if (credential.kind !== 'oauth' || adapter.entryCarriesScopes || !credential.scopes?.length) return [];
  return [`${adapter.name} picks the scopes at its own sign-in (its setup cannot name them), so it may ask for more than ${describeAccess(credential.scopes).text}: grant only what you mean to.`];
}

/** Plans every tool from the request `requestFor` builds for it, with the shared-file rule applied: the one
 * path from the wizard's and the flags' answers to a plan. */
export async function planTools(adapters: readonly Adapter[], environment: Environment, requestFor: (adapter: Adapter) => SetupRequest): Promise<PlannedTool[]> {
  // Planning only reads: the tools are planned side by side, and listed in their order.
  return (await Promise.all(adapters.map((adapter) => planTool(adapter, environment, requestFor(adapter))))).flat();
}

async function planTool(adapter: Adapter, environment: Environment, asked: SetupRequest): Promise<PlannedTool[]> {
  let request = asked;
  try {
    const shared = sharedFileRequest(adapter, request);
    request = shared.request;
    const plans = await adapter.plan(environment, request);
    for (const plan of plans) refuseSecretInSharedFile(plan, request);
    const scopes = scopesWarning(adapter, request);
    return plans.map((plan) => {
      const first = shared.forced ? [forcedReferenceWarning(adapter, plan, request)] : [];
      return { adapter, request, plan: first.length || scopes.length ? { ...plan, warnings: [...first, ...plan.warnings, ...scopes] } : plan };
    });
  } catch (error) {
    return [{ adapter, request, error }];
  }
}

/** The project files the planned tools would change: the ones whose git view the run shows. */
export function plannedProjectFiles(planned: readonly PlannedTool[]): string[] {
  return projectFiles(planned.flatMap((item) => (item.plan ? [{ plan: item.plan, scope: item.request.scope }] : [])));
}

export function failedResult(planned: PlannedTool): ToolResult {
  return {
    tool: planned.adapter.id,
    target: planned.plan?.target ?? planned.adapter.name,
    status: 'failed',
    files: [],
    stale: [],
    staleKept: [],
    nextSteps: [],
    warnings: [],
    error: errorDetails(planned.error),
  };
}

/** A tool's result before anything ran: what its plan would change. */
export function resultFromPlan(plan: ToolPlan, status: ToolStatus): ToolResult {
  return {
    tool: plan.tool,
    target: plan.target,
    status,
    files: plannedFiles(plan),
    stale: plan.stale,
    staleKept: plan.staleKept,
    nextSteps: plan.reloadStep && planChanges(plan) ? [...plan.nextSteps, plan.reloadStep] : plan.nextSteps,
    warnings: plan.warnings,
    ...(plan.instructions ? { instructions: plan.instructions } : {}),
  };
}

/** Prints what will happen per tool; with `diff`, a unified diff per changed file (secrets masked); with
 * `git`, what git makes of each project file changed (a line each, after the plan's files). */
export function showPlans(out: Output, plans: readonly ToolPlan[], options: { diff: boolean; secrets: readonly string[]; git?: ReadonlyMap<string, GitView> }): void {
  const { paint } = out;
  for (const plan of plans) {
    out.line(paint.bold(plan.target));
    for (const step of plan.steps) {
      const change = fileChange(step);
      out.line(`  ${change === 'unchanged' ? paint.dim('unchanged') : paint.cyan(change === 'created' ? 'new' : change)}  ${step.path}`);
      if (options.diff && change !== 'unchanged') out.line(indent(unifiedDiff(step.path, step.before, step.after, options.secrets), '    '));
    }
    for (const view of gitViews(plan, options.git)) out.line(`  ${view.state === 'ignored' ? paint.dim(gitLine(view)) : paint.yellow(gitLine(view))}`);
    for (const old of plan.stale) out.line(`  ${paint.yellow('replace')}  "${old.name}" (${old.url}) — ${staleReason(old)}`);
    for (const old of plan.staleKept) out.line(`  ${paint.yellow('kept')}  "${old.name}" (${old.url}) — ${staleReason(old)}; pass --yes to replace it`);
    for (const warning of plan.warnings) out.line(`  ${paint.yellow(SYMBOLS.warn)} ${warning}`);
  }
}

/** Git's view of each file of `plan` that has one, once each. */
function gitViews(plan: ToolPlan, git: ReadonlyMap<string, GitView> | undefined): GitView[] {
  const paths = new Set(plan.steps.flatMap((step) => (step.kind === 'file' ? [step.path] : [])));
  return [...paths].flatMap((file) => git?.get(file) ?? []);
}

export function staleReason(entry: StaleEntry): string {
  const reason =
    entry.reason === 'legacy-sse'
      ? 'retired /sse endpoint'
      : entry.reason === 'legacy-fly'
        ? 'retired fly.dev host'
        : entry.reason === 'overrides'
          ? 'same name, wins over the new entry'
          : 'duplicate of the mittwald entry';
  return entry.project === undefined ? reason : `${reason}, local scope of ${entry.project}`;
}

function indent(text: string, prefix: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

/** Where the previous bytes of every changed file go (each backup's name carries its time and path). */
export function backupDirectory(environment: Environment): string {
  return path.join(environment.home, '.mittwald-mcp-setup', 'backups');
}

interface VerifyContext {
  environment: Environment;
  checker?: EntryChecker;
}

/** A tool whose plan was applied, or failed to be (`written: false`, the result says why). */
export interface AppliedTool {
  planned: PlannedTool & { plan: ToolPlan };
  result: ToolResult;
  written: boolean;
}

/** Applies one tool's plan: its file writes, rolled back as a whole when one fails. */
export async function applyTool(planned: PlannedTool & { plan: ToolPlan }, context: { environment: Environment; backupDir: string }): Promise<AppliedTool> {
  const { adapter, request } = planned;
  let plan = planned.plan;
  try {
    // Under the files' locks, a file that changed since it was planned (another run, the tool itself) is
    // planned again from its new bytes; what was written is that plan.
    const replan = async () => samePlan(plan, await adapter.plan(context.environment, request));
    const applied = await applyPlan(plan, { backupDir: context.backupDir, stateFile: setupStateFile(context.environment), replan });
    plan = applied.plan;
    const status = adapter.kind === 'instructions' ? 'instructions' : planChanges(plan) ? 'configured' : 'unchanged';
    return { planned: { ...planned, plan }, written: true, result: { ...resultFromPlan(plan, status), files: applied.files } };
  } catch (error) {
    return { planned, written: false, result: { ...resultFromPlan(plan, 'failed'), error: errorDetails(error) } };
  }
}

/** Reads a written entry back as its tool will, checks it with the credential the tool will send and, at the
 * same time, asks the tool's own CLI whether it reads the entry as written. */
export async function verifyTool(applied: AppliedTool, context: VerifyContext): Promise<ToolResult> {
  const { planned, result, written } = applied;
  const { plan, adapter, request } = planned;
  // Settings-screen apps keep the connector in the vendor's cloud: there is no written entry to check.
  if (!written || !context.checker || adapter.kind === 'instructions') return result;
  // The tool's CLI is the slow part: it starts at once, while the entry is read back.
  const confirming = adapter.confirm?.(context.environment, request);
  confirming?.catch(() => undefined);
  const entry = await findWrittenEntry(adapter, context.environment, request, plan);
  if (!entry) {
    return {
      ...result,
      status: 'failed',
      check: { status: 'failed', message: `${adapter.name} does not show the "${request.name}" entry after writing it` },
      error: { code: 'PROTOCOL', message: `The ${adapter.name} entry could not be read back.` },
    };
  }
  // The tool's own word on what it reads, where its CLI can tell; a failed check outweighs it.
  const [check, confirmation] = await Promise.all([context.checker.check(entry), confirming]);
  if (check.status === 'failed') return { ...result, check, status: 'failed', ...(check.error ? { error: check.error } : {}) };
  if (confirmation && !confirmation.ok) {
    return { ...result, check, confirmation, status: 'failed', error: { code: 'COMMAND_FAILED', message: `${adapter.name} does not read the entry as written: ${confirmation.detail}` } };
  }
  const activation = confirmation?.activation ?? entry.activation;
  return { ...result, check, ...(confirmation ? { confirmation } : {}), ...(activation ? { activation } : {}) };
}

/** The step a result's tool still needs before it uses the entry, or undefined when it uses it. */
export function pendingActivation(result: Pick<ToolResult, 'activation'>): string | undefined {
  const { activation } = result;
  if (!activation || activation.state === 'active') return undefined;
  return activation.step ?? activation.state.replace(/-/g, ' ');
}

/** Of a tool's plans made again, the one for the same target (and Copilot host) as `plan`. */
export function samePlan(plan: ToolPlan, plans: readonly ToolPlan[]): ToolPlan {
  const again = plans.find((candidate) => candidate.target === plan.target && candidate.host === plan.host);
  if (!again) {
    throw new SetupError('CONFIG_IO', `${plan.target} changed while the setup was running — run again`, {
      hint: 'Its config files changed after they were read, and planning again no longer finds this target.',
    });
  }
  return again;
}

async function findWrittenEntry(adapter: Adapter, environment: Environment, request: SetupRequest, plan: ToolPlan): Promise<InstalledEntry | undefined> {
  const entries = await adapter.inspect(environment, { name: request.name, serverUrl: request.serverUrl });
  return entries.find((entry) => entry.name === request.name && entry.scope === request.scope && (plan.host === undefined || entry.host === plan.host));
}

/** Results that are not failures of the run: exit 0 when every tool has one of these. */
export function succeeded(result: ToolResult): boolean {
  return result.status !== 'failed';
}

/** What the person must still do, in order, labelled by target: only for tools that did not fail (a failed
 * tool's steps would not help). */
export function nextSteps(results: readonly ToolResult[]): string[] {
  return results.filter(succeeded).flatMap((result) => result.nextSteps.map((step) => `${result.target}: ${step}`));
}

/** The summary of the results: `lead` first (the credential check's line), then a line per tool and what
 * the tools may do (`access`, for an OAuth run). */
export function printResults(out: Output, results: readonly ToolResult[], { lead, access }: { lead?: string | undefined; access?: readonly string[] | undefined } = {}): void {
  const { paint } = out;
  out.line();
  if (lead) out.line(lead);
  for (const result of results) {
    const inactive = result.status === 'failed' ? undefined : pendingActivation(result);
    const symbol =
      result.status === 'failed' ? paint.red(SYMBOLS.fail) : inactive !== undefined || (result.check && result.check.status !== 'connected') ? paint.yellow(SYMBOLS.warn) : paint.green(SYMBOLS.ok);
    const what =
      result.status === 'failed'
        ? (result.error?.message ?? 'failed')
        : result.status === 'instructions'
          ? 'follow the steps above'
          : inactive !== undefined
            ? `${result.status}, not active yet: ${inactive}`
            : `${result.status}${result.check ? ` — ${result.check.message}` : ''}`;
    out.line(`${symbol} ${paint.bold(result.target)}: ${what}`);
    // The server's answer still matters once the tool uses the entry.
    if (inactive !== undefined && result.check) out.line(paint.dim(`  server check: ${result.check.message}`));
    if (result.status === 'failed' && result.error?.hint) out.line(`  ${result.error.hint}`);
    if (result.confirmation?.ok) out.line(paint.dim(`  ${result.confirmation.detail}`));
    for (const file of result.files) {
      if ('backup' in file && file.backup) out.line(paint.dim(`  backup of ${file.path}: ${file.backup}`));
    }
  }
  if (access) out.line(`${paint.dim(SYMBOLS.info)} Access granted to the tools: ${describeAccess(access).text}.`);
  const steps = nextSteps(results);
  if (steps.length > 0) {
    out.line();
    out.line(paint.bold('Next steps'));
    steps.forEach((step, index) => out.line(`  ${index + 1}. ${step}`));
  }
}
