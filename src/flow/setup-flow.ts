/** The one setup pipeline — select → credential → plan → show → apply → verify → offers → report — run by
 * both front ends: the wizard (questions asked with @clack/prompts) and `--tool …` (questions answered from
 * the flags). A front end is a Prompter, which answers the questions, and a SetupView, which words and shows
 * what happens; the flow decides what happens, in which order, and the exit status. */
import { availableTools, loadAdapter } from '../../adapters/index.js';
import { describeAccess, type AccessLevel } from '../access.js';
import type { Adapter } from '../kit/adapter.js';
import { openBrowser } from '../system/browser.js';
import { clipboardCommand, copyToClipboard } from '../system/clipboard.js';
import { describeIdentity, EntryChecker, startTokenCheck, type CheckedCredential, type CheckResult, type TokenCheck } from '../mcp/credential-check.js';
import { findOnPath, remoteSession } from '../system/environment.js';
import { planChanges } from '../kit/plan.js';
import { ExitCode, isSetupError, SetupError } from '../errors.js';
import { gitStates, withGitStates, type GitView } from '../files/git-status.js';
import type { HttpClient } from '../net/http.js';
import { claimInterrupt } from '../cli/interrupt.js';
import type { Identity } from '../mcp/api-token.js';
import { type Detection, type Scope, type StaleEntry, type ToolPlan } from '../model.js';
import { canSignIn, checkReachable, runOAuthCheck, signInTimeout, type OAuthCheck } from '../oauth/oauth-sign-in-check.js';
import type { Options, TokenSource } from '../cli/options.js';
import type { RunContext } from '../cli/run-context.js';
import { cleanToken, tokenProblem } from '../secrets.js';
import {
  applyTool,
  backupDirectory,
  credentialFor,
  failedResult,
  plannedProjectFiles,
  planTools,
  resultFromPlan,
  scopeFor,
  succeeded,
  verifyTool,
  type PlannedTool,
  type ToolResult,
} from './setup-steps.js';
import { runInteractiveToolCommand, runToolCommand } from '../kit/tool-command.js';

/** A tool with what detection found, for the tool question. */
export interface FoundTool {
  adapter: Adapter;
  detection: Detection;
}

/** The credential the tools get: a token (cleaned, from `source`), or OAuth with the scopes asked for. */
export interface Auth {
  token?: string;
  source?: TokenSource;
  scopes?: string[];
  /** Who the credential belongs to, once checked. */
  identity?: Identity;
}

/** Why a token was not taken: it cannot be one (`looks-wrong`), or the server refused it (`rejected`). */
export type TokenRefusal = { kind: 'looks-wrong'; problem: string } | { kind: 'rejected'; error: unknown };

/** Every question a setup run asks. The wizard asks a person; the flags' prompter answers from the command
 * line and the defaults, and fails with a usage error (exit 2) when an answer is missing. */
export interface Prompter {
  /** A person answers: a failed check can be answered by trying again, so a check ends before the next
   * question; and older entries are offered for replacement. Otherwise checks run while the plan is made,
   * and end the run when they fail. */
  readonly interactive: boolean;
  /** Which tools to set up. `detect` finds every tool (once, however often it is called). */
  tools(detect: () => Promise<FoundTool[]>): Promise<Adapter[]>;
  /** Called when some selected tool takes a token. */
  credentialKind(): Promise<'oauth' | 'token'>;
  /** The token to use (as given: it is cleaned afterwards), or 'back' to the credential question. */
  token(): Promise<{ value: string; source: TokenSource } | 'back'>;
  /** A token was refused; resolving asks for a token again. */
  tokenRefused(refusal: TokenRefusal): Promise<void>;
  /** What the tools may do with an OAuth sign-in: the scopes their entries carry and the check asks for. */
  access(selected: readonly Adapter[]): Promise<string[]>;
  /** The OAuth sign-in check failed with `error`. */
  signInFailed(error: unknown, tokenPossible: boolean): Promise<'retry' | 'skip' | 'token'>;
  scope(selected: readonly Adapter[], auth: Auth): Promise<Scope>;
  /** How an environment-variable reference tool stores the token (undefined: the design's default). */
  secret(selected: readonly Adapter[], auth: Auth, scope: Scope): Promise<Options['secret']>;
  /** Older mittwald entries were found: replace them? Asked only when `interactive` and not `--yes`. */
  replaceStale(stale: readonly StaleEntry[]): Promise<boolean>;
  showDiff(): Promise<boolean>;
  confirmApply(): Promise<boolean>;
  /** Run the tool's own sign-in command `argv` now? */
  offerLogin(adapter: Adapter, argv: readonly string[]): Promise<boolean>;
  openSettingsPage(adapter: Adapter, url: string): Promise<boolean>;
  copyServerUrl(url: string): Promise<boolean>;
}

/** What the OAuth sign-in tells the person, and the view's own way to cancel it. */
export interface SignInHooks {
  signal: AbortSignal;
  onAuthorizationUrl(url: string): void;
  onBrowserFailure?(reason: string): void;
  /** Addresses pasted by someone who signed in on another machine (an SSH session), read while waiting. */
  pasted?: AsyncIterable<string>;
  onPasteRejected?(reason: string): void;
}

/** A tool's write under way: `result` settles once it is written and checked (and its CLI has had its word). */
export interface Written {
  result: Promise<ToolResult>;
}

/** What a run shows, worded by each front end. Nothing here asks or decides. */
export interface SetupView {
  /** Some selected tools take no token (`tokenGiven`: the run was given one anyway). */
  oauthOnly(tools: readonly Adapter[], tokenGiven: boolean): void;
  tokenFixes(fixes: readonly string[]): void;
  checkToken(check: () => Promise<TokenCheck>): Promise<TokenCheck>;
  signIn(run: (hooks: SignInHooks) => Promise<OAuthCheck>): Promise<OAuthCheck>;
  /** No browser sign-in is possible here: the server was found reachable instead. */
  reachable(serverUrl: string, requiresAuth: boolean): void;
  /** The plan; with `dryRun` the diff too (nothing more follows). */
  plan(planned: readonly PlannedTool[], shown: { git: ReadonlyMap<string, GitView>; secrets: readonly string[]; dryRun: boolean }): void;
  diff(plans: readonly ToolPlan[], secrets: readonly string[]): void;
  /** Around one tool's write: `write` starts it and hands back its result to come; `stop` asks the run to
   * stop after this tool. The run starts the next tool once this resolves: a view that waits for the result
   * writes the tools one after another, one that does not writes them all at once (tools that share a file
   * still write it in turn, under its lock). */
  applyTool(item: PlannedTool & { plan: ToolPlan }, write: () => Promise<Written>, stop: () => void): Promise<Written>;
  login(adapter: Adapter, outcome: LoginOutcome): void;
  instructions(item: PlannedTool & { plan: ToolPlan }): void;
  opened(url: string, ok: boolean): void;
  copied(ok: boolean): void;
  report(outcome: DoneOutcome): void;
  /** The run was cancelled; `outcome` says what was written before. Also called from the Ctrl-C handler
   * just before the process ends. */
  cancelled(outcome: CancelledOutcome): void;
}

export interface FrontEnd {
  ask: Prompter;
  view: SetupView;
}

/** The `auth` object of `--json`. */
export interface AuthReport {
  method: 'token' | 'oauth';
  signIn?: 'verified' | 'not-tested';
  identity?: Identity;
  toolCount?: number;
  scopes?: string[];
  /** OAuth: what the tools were granted (the access level, or custom scopes). */
  access?: { level: AccessLevel | 'custom'; scopes: string[] };
}

/** The answers a run was given, for the report (the wizard's retry command repeats them). */
export interface Answers {
  auth: Auth;
  scope: Scope;
  secret: Options['secret'];
}

/** A tool's own sign-in run after its entry was written. */
export interface LoginOutcome {
  tool: string;
  argv: readonly string[];
  exitCode: number | undefined;
  /** The line its list command printed for the entry afterwards. */
  verdict?: string;
}

export interface DoneOutcome {
  kind: 'done';
  dryRun: boolean;
  planned: readonly PlannedTool[];
  results: ToolResult[];
  logins: LoginOutcome[];
  auth: AuthReport;
  answers: Answers;
}

export interface CancelledOutcome {
  kind: 'cancelled';
  planned: readonly PlannedTool[];
  /** Results of the tools applied before the cancellation (none before the apply step). */
  results: ToolResult[];
  /** Targets never reached. */
  skipped: string[];
  auth?: AuthReport;
  /** What was cancelled, e.g. "Cancelled — nothing was changed." or "The sign-in was cancelled." */
  message: string;
}

export type SetupOutcome = DoneOutcome | CancelledOutcome;

/** The exit status of a setup run (the contract of shared/design.md). */
export function exitCode(outcome: SetupOutcome): number {
  if (outcome.kind === 'cancelled') return ExitCode.cancelled;
  return outcome.results.every(succeeded) ? ExitCode.ok : ExitCode.failed;
}

export const NOTHING_CHANGED = 'Cancelled — nothing was changed.';

export const cancelled = (): SetupError => new SetupError('CANCELLED', NOTHING_CHANGED);

const isCancel = (error: unknown): boolean => isSetupError(error) && error.code === 'CANCELLED';

/** What the run's Ctrl-C handler needs to know. */
interface RunState {
  applying: boolean;
  /** Ctrl-C came while applying: the tool being written is finished, the others are skipped. */
  interrupted: boolean;
  /** A browser sign-in is waiting: Ctrl-C aborts it (its loopback port is released), the run then ends. */
  signIn?: AbortController;
  planned: PlannedTool[];
  results: ToolResult[];
  skipped: string[];
  auth?: AuthReport;
}

/** Runs the pipeline with one front end. Returns what happened (the view has shown it); throws the
 * SetupErrors that end a run before anything was written (they are reported by run.ts). Ctrl-C: before the
 * apply step the run ends at once with nothing changed; while applying, the tools being written are finished
 * and the rest skipped. */
export async function runSetupFlow(front: FrontEnd, options: Options, context: RunContext): Promise<SetupOutcome> {
  const state: RunState = { applying: false, interrupted: false, planned: [], results: [], skipped: [] };
  const cancelledOutcome = (message = NOTHING_CHANGED): CancelledOutcome => ({
    kind: 'cancelled',
    message,
    planned: state.planned,
    results: state.results,
    skipped: state.skipped,
    ...(state.auth ? { auth: state.auth } : {}),
  });
  // The run's one Ctrl-C handler (between the wizard's questions the terminal is not in raw mode, so Ctrl-C
  // arrives as SIGINT there too).
  const release = claimInterrupt(() => {
    if (state.applying) {
      state.interrupted = true;
    } else if (state.signIn) {
      state.signIn.abort();
    } else {
      front.view.cancelled(cancelledOutcome());
      process.exit(exitCode(cancelledOutcome()));
    }
  });
  try {
    return await pipeline(front, options, context, state);
  } catch (error) {
    if (!isCancel(error)) throw error;
    const outcome = cancelledOutcome((error as SetupError).message);
    front.view.cancelled(outcome);
    return outcome;
  } finally {
    release();
  }
}

async function pipeline(front: FrontEnd, options: Options, context: RunContext, state: RunState): Promise<SetupOutcome> {
  const { ask, view } = front;
  const { environment } = context;

  // 1. Which tools.
  let detection: Promise<FoundTool[]> | undefined;
  const selected = await ask.tools(() => (detection ??= detectTools(context)));
  const http = await context.http();

  // 2. The credential, checked before any file is touched (for a person, before the next question).
  const credential = await chooseCredential(front, options, context, http, selected, state);
  const { auth } = credential;
  const scope = await ask.scope(selected, auth);
  const secret = await ask.secret(selected, auth, scope);

  // 3. Plan every tool. Planning only reads files, so it runs while a token is checked. Nothing is written
  // before the credential is admitted (taken, the server reached); a refusal is what the run reports. The
  // rest of the check (identity, tool count) goes on while the files are written.
  const replaceStale = options.yes || ask.interactive;
  const requestFor = (replace: boolean) => (adapter: Adapter) => ({
    serverUrl: options.serverUrl,
    name: options.name,
    scope: scopeFor(adapter, scope),
    credential: credentialFor(adapter, auth, adapter.secretReference === 'env' ? secret : options.secret),
    replaceStale: replace,
    ...(auth.token === undefined && auth.identity ? { oauthVerifiedAs: describeIdentity(auth.identity) } : {}),
  });
  const planning = planTools(selected, environment, requestFor(replaceStale));
  planning.catch(() => undefined);
  await credential.admitted;
  credential.proven.then((report) => (state.auth = report), () => undefined);
  let planned = await planning;
  // A person is asked about older entries (the plan already replaces them, the recommended answer); only
  // the tools that had some are planned again when the answer is no.
  const stale = planned.flatMap((item) => item.plan?.stale ?? []);
  if (replaceStale && !options.yes && stale.length > 0 && !(await ask.replaceStale(stale))) {
    const again = selected.filter((adapter) => planned.some((item) => item.adapter === adapter && item.plan?.stale.length));
    const kept = await planTools(again, environment, requestFor(false));
    const before = planned;
    planned = selected.flatMap((adapter) => (again.includes(adapter) ? kept : before).filter((item) => item.adapter === adapter));
  }
  state.planned = planned;

  // 4. Show it, with what git makes of each project file; a dry run stops here.
  const secrets = auth.token ? [auth.token] : [];
  const git = await gitStates(environment, plannedProjectFiles(planned));
  const withGit = (result: ToolResult): ToolResult => ({ ...result, files: withGitStates(result.files, git) });
  view.plan(planned, { git, secrets, dryRun: options.dryRun });
  const answers: Answers = { auth, scope, secret };
  const done = (auth: AuthReport, results: ToolResult[], logins: LoginOutcome[] = []): DoneOutcome => ({ kind: 'done', dryRun: options.dryRun, planned, results, logins, auth, answers });
  if (options.dryRun) {
    const results = planned.map((item) => withGit(item.plan ? resultFromPlan(item.plan, item.adapter.kind === 'instructions' ? 'instructions' : 'planned') : failedResult(item)));
    // No entry is checked: a check that failed is what a dry run reports.
    const outcome = done(await credential.proven, results);
    view.report(outcome);
    return outcome;
  }
  const changing = planned.flatMap((item) => (item.plan && planChanges(item.plan) ? [item.plan] : []));
  if (changing.length > 0) {
    if (await ask.showDiff()) view.diff(changing, secrets);
    if (!(await ask.confirmApply())) throw cancelled();
  }

  // 5. Apply, and check each tool's written entry (the front end decides whether the next tool waits).
  const checker = options.verify ? new EntryChecker(http, credential.checked ? [credential.checked] : []) : undefined;
  const applied = (await applyAll(planned, { environment, backupDir: backupDirectory(environment), ...(checker ? { checker } : {}) }, view, state)).map(withGit);
  state.results = applied;
  if (state.interrupted) throw cancelled();

  // 6. Offers: each CLI tool's own sign-in, the settings screens of apps set up there.
  const logins = await offerLogins(front, planned, applied, options, context);
  const results = applied.map((result) => withLogin(result, logins));
  state.results = results;
  await offerSettingsScreens(front, planned, options, context);

  // 7. Report. A token check that failed after admission failed each entry that sends the token, above.
  const outcome = done(await credential.proven.catch((): AuthReport => ({ method: 'token' })), results, logins);
  view.report(outcome);
  return outcome;
}

/** Every available tool with its detection. */
export async function detectTools(context: Pick<RunContext, 'environment'>): Promise<FoundTool[]> {
  const adapters = await Promise.all(availableTools().map(loadAdapter));
  const detections = await Promise.all(adapters.map((adapter) => adapter.detect(context.environment)));
  return adapters.map((adapter, index) => ({ adapter, detection: detections[index]! }));
}

interface ChosenCredential {
  auth: Auth;
  /** Settles when files may be written: the credential was taken and the server reached. For a token that
   * is the first stage of its check (see startTokenCheck); its refusal rejects this, before any write. */
  admitted: Promise<void>;
  /** The `--json` auth report once the whole check has passed. Rejects when the check failed after the
   * credential was admitted: each entry that sends it then reports that failure. */
  proven: Promise<AuthReport>;
  /** The token as it is checked (written entries that send it to the same URL share that check). */
  checked?: CheckedCredential;
}

async function chooseCredential(front: FrontEnd, options: Options, context: RunContext, http: HttpClient, selected: readonly Adapter[], state: RunState): Promise<ChosenCredential> {
  const { ask, view } = front;
  const oauthOnly = selected.filter((adapter) => !adapter.acceptsToken);
  const tokenPossible = oauthOnly.length < selected.length;
  if (oauthOnly.length > 0) view.oauthOnly(oauthOnly, options.token !== undefined);
  for (;;) {
    const kind = tokenPossible ? await ask.credentialKind() : 'oauth';
    if (kind === 'oauth') {
      const auth = await signIn(front, options, context, http, selected, tokenPossible, state);
      if (auth !== 'token') return auth;
    }
    for (;;) {
      const given = await ask.token();
      if (given === 'back') break;
      const chosen = await takeToken(front, options, context, http, given);
      if (chosen) return chosen;
    }
  }
}

/** Cleans and checks one token; undefined when it was refused (and the prompter chose to go on). */
async function takeToken(front: FrontEnd, options: Options, context: RunContext, http: HttpClient, given: { value: string; source: TokenSource }): Promise<ChosenCredential | undefined> {
  const { ask, view } = front;
  const { token, fixes } = cleanToken(given.value);
  context.out.addSecret(token);
  context.out.addSecret(given.value.trim());
  view.tokenFixes(fixes);
  const problem = tokenProblem(token);
  if (problem) {
    await ask.tokenRefused({ kind: 'looks-wrong', problem });
    return undefined;
  }
  const auth: Auth = { token, source: given.source };
  if (!options.verify) return { auth, admitted: Promise.resolve(), proven: Promise.resolve({ method: 'token' }) };
  const check = startTokenCheck(http, options, token);
  // A refusal rejects both stages; whoever awaits one of them reports it.
  check.admitted.catch(() => undefined);
  const proven = view.checkToken(() => check.proven).then((proof): AuthReport => ({ method: 'token', identity: proof.identity, toolCount: proof.toolCount }));
  if (!ask.interactive) {
    // Awaited by the pipeline: the admission before the first write, the proof for the report.
    proven.catch(() => undefined);
    return { auth, admitted: check.admitted, proven, checked: check.credential };
  }
  try {
    const report = await proven;
    return { auth: { ...auth, ...(report.identity ? { identity: report.identity } : {}) }, admitted: Promise.resolve(), proven: Promise.resolve(report), checked: check.credential };
  } catch (error) {
    if (isCancel(error)) throw error;
    await ask.tokenRefused({ kind: 'rejected', error });
    return undefined;
  }
}

/** The OAuth side: the browser sign-in check, or a reachability check where nobody can finish one; 'token'
 * when the person chose to use an API token instead. */
async function signIn(
  front: FrontEnd,
  options: Options,
  context: RunContext,
  http: HttpClient,
  selected: readonly Adapter[],
  tokenPossible: boolean,
  state: RunState,
): Promise<ChosenCredential | 'token'> {
  const { ask, view } = front;
  // The entries carry these scopes and the check signs in with them, so that it signs in as the tools will.
  const scopes = await ask.access(selected);
  const auth: Auth = { scopes };
  const { level } = describeAccess(scopes);
  const chosen = (report: AuthReport): ChosenCredential => ({ auth, admitted: Promise.resolve(), proven: Promise.resolve({ ...report, access: { level, scopes } }) });
  if (!options.verify) return chosen({ method: 'oauth' });
  if (!canSignIn(options, context)) {
    const requiresAuth = await checkReachable(http, options.serverUrl, scopes);
    view.reachable(options.serverUrl, requiresAuth);
    return chosen({ method: 'oauth', signIn: 'not-tested' });
  }
  const timeoutMs = signInTimeout(context.environment);
  for (;;) {
    const controller = new AbortController();
    state.signIn = controller;
    try {
      const check = await view.signIn((hooks) =>
        runOAuthCheck(http, {
          serverUrl: options.serverUrl,
          scopes,
          browser: options.browser,
          environment: context.environment,
          signal: AbortSignal.any([hooks.signal, controller.signal]),
          ...(timeoutMs ? { timeoutMs } : {}),
          onAuthorizationUrl: hooks.onAuthorizationUrl,
          ...(hooks.onBrowserFailure ? { onBrowserFailure: hooks.onBrowserFailure } : {}),
          ...(hooks.pasted ? { pasted: hooks.pasted } : {}),
          ...(hooks.onPasteRejected ? { onPasteRejected: hooks.onPasteRejected } : {}),
          addSecret: (secret) => context.out.addSecret(secret),
        }),
      );
      if (check.identity) auth.identity = check.identity;
      return chosen({ method: 'oauth', signIn: 'verified', ...(check.identity ? { identity: check.identity } : {}), toolCount: check.toolCount, scopes: check.scopes });
    } catch (error) {
      // The sign-in's own CANCELLED says what was cancelled.
      if (isCancel(error)) throw error;
      if (controller.signal.aborted) throw cancelled();
      const next = await ask.signInFailed(error, tokenPossible);
      if (next === 'skip') return chosen({ method: 'oauth' });
      if (next === 'token') return 'token';
    } finally {
      state.signIn = undefined;
    }
  }
}

/** Applies the tools' plans in their order and checks each written entry; the view decides whether the next
 * tool waits for the one before (the wizard, so that Ctrl-C stops before the next write) or starts at once
 * (a script: the files are written side by side, each under its lock). Results in plan order; the tools not
 * started after a Ctrl-C are left out and named in `state.skipped`. */
async function applyAll(
  planned: readonly PlannedTool[],
  context: Parameters<typeof applyTool>[1] & Parameters<typeof verifyTool>[1],
  view: SetupView,
  state: RunState,
): Promise<ToolResult[]> {
  const verifications: Array<Promise<ToolResult>> = [];
  state.applying = true;
  try {
    for (const item of planned) {
      if (state.interrupted) {
        state.skipped.push(item.plan?.target ?? item.adapter.name);
        continue;
      }
      if (!item.plan) {
        verifications.push(Promise.resolve(failedResult(item)));
        continue;
      }
      const withPlan = { ...item, plan: item.plan };
      const write = async (): Promise<Written> => ({ result: applyTool(withPlan, context).then((applied) => verifyTool(applied, context)) });
      const stop = () => {
        state.interrupted = true;
      };
      verifications.push((await view.applyTool(withPlan, write, stop)).result);
    }
    return await Promise.all(verifications);
  } finally {
    state.applying = false;
  }
}

/** For CLI tools that sign in to an OAuth server themselves (the adapter's loginCommand): offers to run that
 * command now, when the tool is installed here. Otherwise it stays in the next steps. */
async function offerLogins(front: FrontEnd, planned: readonly PlannedTool[], results: readonly ToolResult[], options: Options, context: RunContext): Promise<LoginOutcome[]> {
  const logins: LoginOutcome[] = [];
  for (const item of planned) {
    const result = results.find((candidate) => candidate.tool === item.adapter.id);
    if (!result || !succeeded(result) || item.request.credential.kind !== 'oauth' || !item.adapter.loginCommand) continue;
    // The entry carries the granted scopes where the tool supports it; scopes named by flag go on the command too.
    const argv = item.adapter.loginCommand(options.name, options.scopes, { noBrowser: !options.browser || remoteSession(context.environment) });
    // The program found is the one run.
    const program = await findOnPath(context.environment, argv[0]!);
    if (!program) continue;
    if (!(await front.ask.offerLogin(item.adapter, argv))) continue;
    const exitCode = await runInteractiveToolCommand([program, ...argv.slice(1)], { env: context.environment.env });
    const verdict = exitCode === 0 && item.adapter.listCommand ? await toolVerdict(item.adapter.listCommand, options.name, context) : undefined;
    const outcome: LoginOutcome = { tool: item.adapter.id, argv, exitCode, ...(verdict ? { verdict } : {}) };
    front.view.login(item.adapter, outcome);
    logins.push(outcome);
  }
  return logins;
}

/** A tool's result with its own sign-in: when that worked, it is the check the summary reports, and the
 * login is no longer a next step. */
function withLogin(result: ToolResult, logins: readonly LoginOutcome[]): ToolResult {
  const login = logins.find((candidate) => candidate.tool === result.tool && candidate.exitCode === 0);
  if (!login) return result;
  const command = login.argv.join(' ');
  const check: CheckResult = { status: 'connected', message: `Signed in with \`${command}\`` };
  return { ...result, check, nextSteps: result.nextSteps.filter((step) => !step.includes(login.argv.slice(0, 3).join(' '))) };
}

/** The line a tool's own list command prints for our entry (e.g. `mittwald: … - ✔ Connected`), run from
 * where the tool was found. */
async function toolVerdict(command: readonly string[], name: string, context: Pick<RunContext, 'environment'>): Promise<string | undefined> {
  const program = await findOnPath(context.environment, command[0]!);
  if (!program) return undefined;
  const run = await runToolCommand([program, ...command.slice(1)], { timeoutMs: 60_000 });
  return run.output
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith(`${name}:`) || line.split(/\s+/)[0] === name);
}

/** The steps for apps set up in their settings screen, with offers to open that screen (the adapter names
 * it) and to put the server URL on the clipboard (when this machine has a clipboard tool). */
async function offerSettingsScreens(front: FrontEnd, planned: readonly PlannedTool[], options: Options, context: RunContext): Promise<void> {
  const { ask, view } = front;
  let canCopy: boolean | undefined;
  let copied = false;
  for (const item of planned) {
    if (!item.plan?.instructions) continue;
    view.instructions({ ...item, plan: item.plan });
    const settingsUrl = item.adapter.kind === 'instructions' ? item.adapter.settingsUrl?.(item.request) : undefined;
    if (settingsUrl && options.browser && (await ask.openSettingsPage(item.adapter, settingsUrl))) {
      view.opened(settingsUrl, await openBrowser(settingsUrl, context.environment));
    }
    canCopy ??= ask.interactive && (await clipboardCommand(context.environment)) !== undefined;
    if (canCopy && !copied && (await ask.copyServerUrl(options.serverUrl))) {
      copied = await copyToClipboard(options.serverUrl, context.environment);
      view.copied(copied);
    }
  }
}
