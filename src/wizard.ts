/** The interactive wizard: `npx mittwald-mcp-setup` on a terminal. A thin layer of prompts over the same
 * phases as the non-interactive run (setup-steps.ts): detect → choose → check → plan → confirm → apply →
 * verify → summary. Flags given on the command line pre-answer their prompts. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as Clack from '@clack/prompts';
import { availableTools, loadAdapter, TOOL_GROUPS } from '../adapters/index.js';
import type { Adapter } from './adapter.js';
import { planChanges } from './plan.js';
import { openBrowser } from './browser.js';
import { clipboardCommand, copyToClipboard } from './clipboard.js';
import { checkToken, describeIdentity, EntryChecker, type CheckedCredential } from './credential-check.js';
import { findOnPath, findProjectRoot } from './environment.js';
import { claimInterrupt } from './interrupt.js';
import { SetupError, isSetupError, sentence } from './errors.js';
import type { HttpClient } from './http.js';
import { gitStates } from './git-status.js';
import { DEFAULT_API_URL, DEFAULT_ENTRY_NAME, DEFAULT_SERVER_URL, TOKEN_ENV_VAR, type Detection, type Environment, type Scope, type ToolId } from './model.js';
import { runOAuthCheck, signedInMessage } from './oauth-sign-in-check.js';
import { mittwaldCliTokenFile } from './paths.js';
import type { Options, TokenSource } from './options.js';
import { createOutput, type Output } from './output.js';
import type { RunContext } from './run-context.js';
import { cleanToken, maskSecret, tokenProblem } from './secrets.js';
import {
  applyAndVerify,
  backupDirectory,
  credentialFor,
  failedResult,
  nextSteps,
  plannedProjectFiles,
  planTools,
  scopeFor,
  showPlans,
  staleReason,
  succeeded,
  type PlannedTool,
  type ToolResult,
} from './setup-steps.js';
import { runToolCommand } from './tool-command.js';
import type { Identity } from './mcp/api-token.js';

/** clack, loaded by runWizard once colours are settled: it styles some texts when it is loaded. */
let p: typeof Clack;

const NOTHING_CHANGED = 'Cancelled — nothing was changed.';

const cancelled = (): SetupError => new SetupError('CANCELLED', NOTHING_CHANGED);

/** Unwraps a prompt answer; Ctrl-C or Esc ends the wizard. */
function answer<T>(value: T): Exclude<T, symbol> {
  if (p.isCancel(value)) throw cancelled();
  return value as Exclude<T, symbol>;
}

interface Auth {
  token?: string;
  source?: TokenSource;
  scopes?: string[];
  /** Who the credential belongs to, once checked. */
  identity?: Identity;
  /** The token as checked: written entries that send it need no second check. */
  checked?: CheckedCredential;
}

/** What a cancellation must report: the results of the tools applied so far, and the ones never reached. */
interface Progress {
  applying: boolean;
  interrupted: boolean;
  results?: ToolResult[];
  skipped: string[];
}

export async function runWizard(options: Options, context: RunContext): Promise<number> {
  // clack colours through util.styleText, which knows NO_COLOR but not our --no-color; and it styles its
  // key hints when it is loaded, so this comes first.
  if (!options.color) {
    process.env.NO_COLOR = '1';
    delete process.env.FORCE_COLOR;
  }
  p = await import('@clack/prompts');
  const progress: Progress = { applying: false, interrupted: false, skipped: [] };
  // Between prompts the terminal is not in raw mode, so Ctrl-C arrives as SIGINT. While applying, the tool
  // being written is finished first (its write is atomic); otherwise stop at once.
  const onSigint = () => {
    if (progress.applying) {
      progress.interrupted = true;
      return;
    }
    p.cancel(cancelMessage(progress));
    process.exit(130);
  };
  const release = claimInterrupt(onSigint);
  p.intro(`mittwald-mcp-setup ${__VERSION__} — connect your AI tools to mittwald`);
  try {
    const selected = await chooseTools(context);
    const http = await context.http();
    const auth = await chooseAuth(options, context, http, selected);
    const scope = await chooseScope(options, context, selected, auth);
    const secret = await chooseSecret(options, selected, auth, scope);
    const planned = await planAndConfirm(selected, options, context, { auth, scope, secret });
    if (planned === 'dry-run') {
      p.outro('Dry run: nothing was changed.');
      return 0;
    }

    progress.applying = true;
    const checker = options.verify ? new EntryChecker(http, auth.checked ? [auth.checked] : []) : undefined;
    const results = await applyAll(planned, context, checker, progress);
    progress.applying = false;
    progress.results = results;
    if (progress.interrupted) throw cancelled();

    await offerLogins(results, planned, options, context.environment);
    await offerSettingsScreens(planned, options, context);
    summarise(results, context.out, retryCommand(options, auth, scope, secret));
    const ok = results.every(succeeded);
    p.outro(ok ? 'Done.' : 'Finished with problems — see above.');
    return ok ? 0 : 1;
  } catch (error) {
    if (isSetupError(error) && error.code === 'CANCELLED') {
      p.cancel(cancelMessage(progress));
      return 130;
    }
    throw error;
  } finally {
    release();
  }
}

/** "Nothing was changed", or exactly what was written before the cancellation, with backups. */
function cancelMessage(progress: Progress): string {
  // A tool whose apply failed was rolled back; one that failed its check after writing has a `check`.
  const written = (progress.results ?? []).filter((result) => result.status !== 'failed' || result.check !== undefined);
  const lines = written.flatMap((result) =>
    result.files
      .filter((file) => file.change !== 'unchanged')
      .map((file) => `  ${result.target}: ${file.change} ${file.path}${'backup' in file && file.backup ? ` (backup: ${file.backup})` : ''}`),
  );
  if (lines.length === 0) return NOTHING_CHANGED;
  const skipped = progress.skipped.length ? `\nNot configured: ${progress.skipped.join(', ')} — run mittwald-mcp-setup again to finish.` : '';
  return `Cancelled after these changes were made:\n${lines.join('\n')}${skipped}`;
}

interface Spinner {
  start(message: string): void;
  message(message: string): void;
  stop(message: string): void;
  error(message: string): void;
  cancel(message: string): void;
  /** Stops without leaving a line, e.g. to print something and start again. */
  clear(): void;
}

type KeypressListener = (chunk: unknown, key: { name?: string; ctrl?: boolean } | undefined) => void;

/** clack's spinner, with Ctrl-C and Esc calling `onCancel`. While it spins, clack blocks input with a handler
 * that ends the process with status 0 on those keys — no cancellation message, the wrong exit status, and
 * during apply a stop between two tools' writes with no word about the first. That handler (and the line
 * editor that echoes typed keys) is swapped for ours while the spinner runs. */
function spinner(onCancel: () => void): Spinner {
  const spin = p.spinner({ onCancel });
  const input = process.stdin;
  let active = false;
  let guard: KeypressListener | undefined;
  const end = (finish: () => void) => {
    if (!active) return;
    active = false;
    finish();
    if (guard) input.off('keypress', guard);
    guard = undefined;
  };
  return {
    start(message) {
      if (active) return;
      const before = new Set(input.listeners('keypress'));
      spin.start(message);
      active = true;
      if (!input.isTTY) return;
      for (const listener of input.listeners('keypress')) if (!before.has(listener)) input.off('keypress', listener as KeypressListener);
      guard = (_chunk, key) => {
        if (key?.name === 'escape' || (key?.ctrl && key.name === 'c')) onCancel();
      };
      input.on('keypress', guard);
    },
    message: (message) => spin.message(message),
    stop: (message) => end(() => spin.stop(message)),
    error: (message) => end(() => spin.error(message)),
    cancel: (message) => end(() => spin.cancel(message)),
    clear: () => end(() => spin.clear()),
  };
}

/** Runs `work` under a spinner that Ctrl-C or Esc cancel (the signal aborts, the wizard ends). `work` stops
 * the spinner with its own message; a failure it does not handle is shown on the spinner line. */
async function withSpinner<T>(message: string, work: (spin: Spinner, signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const spin = spinner(() => controller.abort());
  const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(cancelled()), { once: true }));
  aborted.catch(() => undefined);
  spin.start(message);
  try {
    const result = await Promise.race([work(spin, controller.signal), aborted]);
    spin.clear();
    return result;
  } catch (error) {
    if (controller.signal.aborted) {
      spin.cancel('Cancelled');
      throw cancelled();
    }
    spin.error(errorText(error));
    throw error;
  }
}

async function chooseTools(context: RunContext): Promise<Adapter[]> {
  const found = await withSpinner('Looking for your AI tools', async (spin) => {
    const adapters = await Promise.all(availableTools().map(loadAdapter));
    const detections = await Promise.all(adapters.map((adapter) => adapter.detect(context.environment)));
    const found = adapters.map((adapter, index) => ({ adapter, detection: detections[index]! }));
    const names = found
      .filter(({ detection }) => detection.state === 'installed')
      .map(({ adapter, detection }) => `${adapter.name}${detection.hosts.length ? ` (${detection.hosts.join(', ')})` : ''}`);
    spin.stop(names.length ? `Found ${names.join(', ')}` : 'None of the supported tools is installed here; you can still set them up');
    return found;
  });
  // clack shows a hint next to the focused and the selected options: installed tools start selected.
  // Grouped (terminal agents, editors, apps) so that thirteen tools stay readable at 80 columns.
  const option = ({ adapter, detection }: (typeof found)[number]) => ({ value: adapter.id, label: adapter.name, hint: detectionText(detection) });
  const groups = Object.fromEntries(TOOL_GROUPS.map((group) => [group.label, found.filter(({ adapter }) => (group.tools as readonly string[]).includes(adapter.id)).map(option)]));
  const chosen = answer(
    await p.groupMultiselect<ToolId>({
      message: 'Which tools should use mittwald?',
      options: groups,
      initialValues: found.filter(({ detection }) => detection.state === 'installed').map(({ adapter }) => adapter.id),
      required: true,
      selectableGroups: false,
    }),
  );
  return found.map(({ adapter }) => adapter).filter((adapter) => chosen.includes(adapter.id));
}

function detectionText(detection: Detection): string {
  if (detection.note !== undefined) return detection.note;
  if (detection.hosts.length) return `found: ${detection.hosts.join(', ')}`;
  if (detection.state === 'installed') return 'installed';
  if (detection.state === 'config-found') return 'its settings are here, the app was not found';
  return 'not found here — you can still set it up';
}

function errorText(error: unknown): string {
  return isSetupError(error) ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : String(error);
}

function listNames(adapters: readonly Adapter[]): string {
  const names = adapters.map((adapter) => adapter.name);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
}

async function chooseAuth(options: Options, context: RunContext, http: HttpClient, selected: Adapter[]): Promise<Auth> {
  const oauthOnly = selected.filter((adapter) => !adapter.acceptsToken);
  if (oauthOnly.length > 0) p.log.info(`${listNames(oauthOnly)} always sign${oauthOnly.length > 1 ? '' : 's'} in with OAuth, in the app itself.`);
  if (oauthOnly.length === selected.length) return (await oauthAuth(options, context, http, false)) as Auth;
  // --token / --token-stdin pre-answer the question; a token merely found in MITTWALD_API_TOKEN is offered.
  if (options.token && options.token.source !== 'env') {
    const checked = await checkTokenInteractively(options.token.value, options.token.source, options, http, context);
    if (checked) return checked;
  }
  let method: 'oauth' | 'token' | undefined = options.oauthGiven ? 'oauth' : undefined;
  for (;;) {
    method ??= answer(
      await p.select<'oauth' | 'token'>({
        message: 'How should your tools sign in to mittwald?',
        options: [
          { value: 'oauth', label: 'OAuth (recommended) — each tool signs in through your browser' },
          { value: 'token', label: 'API token — from mStudio (User settings → API tokens)' },
        ],
        initialValue: 'oauth',
      }),
    );
    if (method === 'oauth') {
      const auth = await oauthAuth(options, context, http, true);
      if (auth !== 'token') return auth;
    }
    const auth = await askToken(options, context, http);
    if (auth) return auth;
    method = undefined;
  }
}

/** The OAuth sign-in check; 'token' when the person chose to use an API token instead. */
async function oauthAuth(options: Options, context: RunContext, http: HttpClient, tokenPossible: boolean): Promise<Auth | 'token'> {
  const base: Auth = options.scopes ? { scopes: options.scopes } : {};
  if (!options.verify) return base;
  const waiting = 'Waiting for you to sign in in the browser (Ctrl-C or Esc to cancel)';
  for (;;) {
    try {
      const check = await withSpinner('Starting the sign-in (Ctrl-C or Esc to cancel)', async (spin, signal) => {
        const result = await runOAuthCheck(http, {
          serverUrl: options.serverUrl,
          ...(options.scopes ? { scopes: options.scopes } : {}),
          browser: options.browser,
          environment: context.environment,
          signal,
          onAuthorizationUrl: (url) => {
            spin.clear();
            p.log.info(options.browser ? 'Your browser opens the mittwald sign-in. If it does not, open this address:' : 'Open this address in your browser to sign in:');
            // Unframed, so that the terminal wraps it softly and it copies as one line.
            process.stdout.write(`${url}\n`);
            spin.start(waiting);
          },
          onBrowserFailure: (reason) => {
            spin.clear();
            p.log.warn(`Could not open the browser (${reason}): open the address above yourself.`);
            spin.start(waiting);
          },
        });
        spin.stop(signedInMessage(result));
        return result;
      });
      return { ...base, ...(check.identity ? { identity: check.identity } : {}) };
    } catch (error) {
      if (isSetupError(error) && error.code === 'CANCELLED') throw error;
      const next = answer(
        await p.select<'retry' | 'skip' | 'token'>({
          message: 'The sign-in check did not work. What now?',
          options: [
            { value: 'retry', label: 'Try again' },
            ...(tokenPossible ? [{ value: 'token' as const, label: 'Use an API token instead' }] : []),
            { value: 'skip', label: 'Continue without the check — each tool signs in itself' },
          ],
        }),
      );
      if (next === 'skip') return base;
      if (next === 'token') return 'token';
    }
  }
}

interface ExistingToken {
  label: string;
  token: string;
  source: TokenSource;
}

/** Tokens the user already has: MITTWALD_API_TOKEN, and the mittwald CLI's stored token. */
async function existingTokens(context: RunContext): Promise<ExistingToken[]> {
  const found: ExistingToken[] = [];
  const fromEnv = context.environment.env[TOKEN_ENV_VAR];
  if (fromEnv?.trim()) found.push({ label: `Use ${TOKEN_ENV_VAR} (${maskSecret(cleanToken(fromEnv).token)})`, token: fromEnv, source: 'env' });
  try {
    const stored = (await readFile(mittwaldCliTokenFile(context.environment), 'utf8')).trim();
    if (stored && stored !== fromEnv?.trim()) found.push({ label: `Use the mittwald CLI's token (${maskSecret(stored)})`, token: stored, source: 'flag' });
  } catch {
    // The mittwald CLI is not logged in here.
  }
  return found;
}

/** Asks which token to use and checks it; undefined when the person goes back. A rejected token is
 * explained and the question asked again. */
async function askToken(options: Options, context: RunContext, http: HttpClient): Promise<Auth | undefined> {
  const existing = await existingTokens(context);
  for (;;) {
    const choice = answer(
      await p.select<string>({
        message: 'Which API token?',
        options: [
          ...existing.map((candidate, index) => ({ value: String(index), label: candidate.label })),
          { value: 'paste', label: 'Paste a token (input is hidden)' },
          { value: 'back', label: 'Go back' },
        ],
      }),
    );
    if (choice === 'back') return undefined;
    let candidate: Pick<ExistingToken, 'token' | 'source'>;
    if (choice === 'paste') {
      const pasted = answer(
        await p.password({
          message: 'Paste your mittwald API token',
          validate: (value) => tokenProblem(cleanToken(value ?? '').token),
        }),
      );
      candidate = { token: pasted, source: 'flag' };
    } else {
      candidate = existing[Number(choice)]!;
    }
    const checked = await checkTokenInteractively(candidate.token, candidate.source, options, http, context);
    if (checked) return checked;
  }
}

/** Checks a token with a spinner; undefined (after saying why on the spinner line) when it was rejected. */
async function checkTokenInteractively(raw: string, source: TokenSource, options: Options, http: HttpClient, context: RunContext): Promise<Auth | undefined> {
  const { token, fixes } = cleanToken(raw);
  context.out.addSecret(token);
  for (const fix of fixes) p.log.info(`Token: ${fix}.`);
  const problem = tokenProblem(token);
  if (problem) {
    p.log.error(sentence(`That API token looks wrong: ${problem}.`));
    return undefined;
  }
  if (!options.verify) return { token, source };
  try {
    return await withSpinner('Checking the token', async (spin) => {
      const check = await checkToken(http, options, token);
      spin.stop(`Token belongs to ${describeIdentity(check.identity)} — ${check.toolCount} tools`);
      return { token, source, identity: check.identity, checked: check.credential };
    });
  } catch (error) {
    if (isSetupError(error) && error.code === 'CANCELLED') throw error;
    return undefined;
  }
}

async function chooseScope(options: Options, context: RunContext, selected: Adapter[], auth: Auth): Promise<Scope> {
  if (options.scopeGiven) return options.scope;
  const project = await findProjectRoot(context.environment);
  if (!project || !selected.some((adapter) => adapter.scopes.includes('project'))) return 'user';
  // --secret literal answers this too: a project file is shared through git and never holds the token.
  if (options.secret === 'literal' && auth.token !== undefined) {
    p.log.info('With --secret literal the entry goes into your user config: a project file is shared through git.');
    return 'user';
  }
  return answer(
    await p.select<Scope>({
      message: 'Where should the entry go?',
      options: [
        { value: 'user', label: 'For me, in every project (user config)' },
        { value: 'project', label: `Only in ${path.basename(project)} (shared through git, no token in it)`, hint: project },
      ],
      initialValue: 'user',
    }),
  );
}

/** Asked only for tools whose reference is an environment variable (VS Code keeps its own prompt), and only
 * for a user file: a project file always gets the reference (the core's rule), so the literal choice is never
 * offered for it. */
async function chooseSecret(options: Options, selected: Adapter[], auth: Auth, scope: Scope): Promise<Options['secret']> {
  const askable = selected.some((adapter) => adapter.secretReference === 'env' && scopeFor(adapter, scope) === 'user');
  if (options.secret || auth.token === undefined || !askable) return options.secret;
  return answer(
    await p.select<'ref' | 'literal'>({
      message: 'How should the token be stored?',
      options: [
        { value: 'ref', label: `As a reference to ${TOKEN_ENV_VAR} (you export the variable)` },
        { value: 'literal', label: 'In the config file, readable only by you (0600)' },
      ],
      initialValue: auth.source === 'env' ? 'ref' : 'literal',
    }),
  );
}

/** Output framed by clack's left bar, for the plan and the diff. */
function framed(out: Output, secrets: readonly string[]): Output {
  const bar = `${out.paint.dim('│')}  `;
  const write = (text: string) => process.stdout.write(text.replace(/^(?=[^\n])/gm, bar).replace(/^(?=\n)/gm, out.paint.dim('│')));
  const output = createOutput({ json: false, color: out.color }, { stdout: { write }, stderr: { write } });
  for (const secret of secrets) output.addSecret(secret);
  return output;
}

/** Plans every tool, shows the plan (the diff on request) and asks before applying. With --dry-run it shows
 * the diff and stops there: 'dry-run'. */
async function planAndConfirm(
  selected: Adapter[],
  options: Options,
  context: RunContext,
  choices: { auth: Auth; scope: Scope; secret: Options['secret'] },
): Promise<PlannedTool[] | 'dry-run'> {
  const { auth, scope, secret } = choices;
  const requestFor = (replaceStale: boolean) => (adapter: Adapter) => ({
    serverUrl: options.serverUrl,
    name: options.name,
    scope: scopeFor(adapter, scope),
    credential: credentialFor(adapter, auth, adapter.secretReference === 'env' ? secret : options.secret),
    replaceStale,
    ...(auth.token === undefined && auth.identity ? { oauthVerifiedAs: describeIdentity(auth.identity) } : {}),
  });
  let planned = await planTools(selected, context.environment, requestFor(options.yes));
  const staleKept = planned.flatMap((item) => item.plan?.staleKept ?? []);
  if (staleKept.length > 0) {
    p.log.warn(`Found older mittwald entries:\n${staleKept.map((entry) => `"${entry.name}" ${entry.url} (${staleReason(entry)}) in ${entry.file}`).join('\n')}`);
    if (answer(await p.confirm({ message: 'Replace them with the new entry?', initialValue: true }))) {
      planned = await planTools(selected, context.environment, requestFor(true));
    }
  }
  const secrets = auth.token ? [auth.token] : [];
  const out = framed(context.out, secrets);
  for (const item of planned) if (item.error) p.log.error(`${item.adapter.name}: ${errorText(item.error)}`);
  const plans = planned.flatMap((item) => (item.plan ? [item.plan] : []));
  const git = await gitStates(context.environment, plannedProjectFiles(planned));
  p.log.step('The plan');
  for (const plan of plans) {
    showPlans(out, [plan], { diff: false, secrets, git });
    if (plan.instructions) out.line('  add it in the app: the steps follow after the changes');
  }
  const changing = plans.filter(planChanges);
  if (options.dryRun) {
    if (changing.length) showPlans(out, changing, { diff: true, secrets });
    return 'dry-run';
  }
  if (changing.length === 0) {
    p.log.info('Nothing to change in any file.');
    return planned;
  }
  if (answer(await p.confirm({ message: 'Show the changes as a diff first?', initialValue: false }))) {
    showPlans(out, changing, { diff: true, secrets });
  }
  if (!answer(await p.confirm({ message: 'Apply these changes?', initialValue: true }))) throw cancelled();
  return planned;
}

async function applyAll(planned: PlannedTool[], context: RunContext, checker: EntryChecker | undefined, progress: Progress): Promise<ToolResult[]> {
  const backupDir = backupDirectory(context.environment);
  const results: ToolResult[] = [];
  for (const item of planned) {
    if (progress.interrupted) {
      progress.skipped.push(item.plan?.target ?? item.adapter.name);
      continue;
    }
    if (!item.plan) {
      results.push(failedResult(item));
      continue;
    }
    if (item.adapter.kind === 'instructions') {
      results.push(await applyAndVerify({ ...item, plan: item.plan }, { environment: context.environment, backupDir }));
      continue;
    }
    const spin = spinner(() => {
      progress.interrupted = true;
      spin.message(`Finishing ${item.plan!.target}, then stopping`);
    });
    spin.start(`Configuring ${item.plan.target}`);
    const result = await applyAndVerify({ ...item, plan: item.plan }, { environment: context.environment, backupDir, ...(checker ? { checker } : {}) });
    results.push(result);
    // Who the credential belongs to was said when it was checked: here "connected" is enough.
    const checked = result.check ? ` — ${result.check.status === 'connected' ? `connected (${result.check.toolCount ?? '?'} tools)` : result.check.message}` : '';
    const line = `${result.target}: ${result.status === 'failed' ? (result.error?.message ?? 'failed') : result.status}${checked}`;
    if (result.status === 'failed') spin.error(line);
    else spin.stop(line);
  }
  return results;
}

/** For CLI tools that sign in to an OAuth server themselves (`claude mcp login`, `codex mcp login`): offers to
 * run that command now, when the tool is installed here. Otherwise it stays in the next steps. */
async function offerLogins(results: ToolResult[], planned: PlannedTool[], options: Options, environment: Environment): Promise<void> {
  for (const item of planned) {
    const result = results.find((candidate) => candidate.tool === item.adapter.id);
    if (!result || !succeeded(result) || item.request.credential.kind !== 'oauth' || !item.adapter.loginCommand) continue;
    const argv = item.adapter.loginCommand(options.name, options.scopes);
    if (!(await findOnPath(environment, argv[0]!))) continue;
    if (!answer(await p.confirm({ message: `Sign in to mittwald in ${item.adapter.name} now? (runs \`${argv.join(' ')}\`)`, initialValue: true }))) continue;
    const { execa } = await import('execa');
    const [file, ...args] = argv;
    const run = await execa(file!, args, { stdio: 'inherit', reject: false });
    if (run.exitCode === 0) {
      result.nextSteps = result.nextSteps.filter((step) => !step.includes(argv.slice(0, 3).join(' ')));
      // The tool's own sign-in against the server just worked: that is the check the summary reports.
      result.check = { status: 'connected', message: `Signed in with \`${argv.join(' ')}\`` };
      p.log.success(`${item.adapter.name}: signed in.`);
      const verdict = item.adapter.listCommand ? await toolVerdict(item.adapter.listCommand, options.name) : undefined;
      if (verdict) p.log.info(`${item.adapter.listCommand!.join(' ')}: ${verdict}`);
    } else {
      p.log.warn(`${item.adapter.name}: \`${argv.join(' ')}\` exited with ${run.exitCode ?? 'an error'}; run it again later.`);
    }
  }
}

/** The line a tool's own list command prints for our entry (e.g. `mittwald: … - ✔ Connected`). */
async function toolVerdict(command: readonly string[], name: string): Promise<string | undefined> {
  const run = await runToolCommand(command, { timeoutMs: 60_000 });
  return run.output
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith(`${name}:`) || line.split(/\s+/)[0] === name);
}

/** The steps for apps set up in their settings screen, with an offer to open that screen and to put the
 * server URL on the clipboard (when this machine has a clipboard tool). */
async function offerSettingsScreens(planned: PlannedTool[], options: Options, context: RunContext): Promise<void> {
  const apps = planned.filter((item) => item.plan?.instructions);
  if (apps.length === 0) return;
  const canCopy = (await clipboardCommand(context.environment)) !== undefined;
  let copied = false;
  for (const item of apps) {
    showSection(item.plan!.target, item.plan!.instructions!.trimEnd(), context.out);
    const settingsUrl = item.adapter.settingsUrl?.(item.request);
    if (settingsUrl && options.browser && answer(await p.confirm({ message: `Open ${settingsUrl} in your browser now?`, initialValue: true }))) {
      if (await openBrowser(settingsUrl, context.environment)) p.log.success(`Opened ${settingsUrl}.`);
      else p.log.warn(`Could not start a browser; open ${settingsUrl} yourself.`);
    }
    if (canCopy && !copied && answer(await p.confirm({ message: `Copy the server URL (${options.serverUrl}) to the clipboard?`, initialValue: true }))) {
      copied = await copyToClipboard(options.serverUrl, context.environment);
      if (copied) p.log.success('Copied — paste it into the URL field.');
      else p.log.warn('Could not copy it; type it in from the steps above.');
    }
  }
}

/** A titled block of text under clack's bar, wrapped to the terminal. Unlike a clack note it never breaks a
 * URL, so links and commands in it stay copyable. */
function showSection(title: string, text: string, out: Output): void {
  const width = Math.max(40, (process.stdout.columns || 80) - 3);
  p.log.step(title);
  framed(out, []).line(text.split('\n').flatMap((line) => wrapLine(line, width)).join('\n'));
}

/** Splits a line longer than `width` at spaces, continuing under the text of a numbered or bulleted item so
 * that the steps stay readable on an 80-column terminal. A word longer than the line (a URL) stays whole. */
function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const hang = ' '.repeat(Math.min(/^\s*(?:(?:\d+\.|[•*-])\s+)?/.exec(line)![0].length, Math.floor(width / 2)));
  const lines: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= hang.length) cut = rest.indexOf(' ', width);
    if (cut < 0) break;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = hang + rest.slice(cut + 1).trimStart();
  }
  lines.push(rest);
  return lines;
}

/** The command that repeats this run's choices without prompts, for the tools that failed. */
function retryCommand(options: Options, auth: Auth, scope: Scope, secret: Options['secret']): (tools: readonly ToolId[]) => { command: string; note?: string } {
  return (tools) => {
    const args = ['npx', 'mittwald-mcp-setup', '--tool', tools.join(',')];
    if (options.serverUrl !== DEFAULT_SERVER_URL) args.push('--server-url', options.serverUrl);
    if (options.apiUrl !== DEFAULT_API_URL) args.push('--api-url', options.apiUrl);
    if (options.name !== DEFAULT_ENTRY_NAME) args.push('--name', options.name);
    if (scope !== 'user') args.push('--scope', scope);
    if (auth.token === undefined) {
      args.push('--oauth');
      if (auth.scopes) args.push('--scopes', auth.scopes.join(','));
    } else {
      // A token from MITTWALD_API_TOKEN is found there again; any other is piped in, never put on a command line.
      if (auth.source !== 'env') args.push('--token-stdin');
      // A project run never stores a literal (and --scope project --secret literal is refused).
      if (secret && !(scope === 'project' && secret === 'literal')) args.push('--secret', secret);
    }
    if (!options.verify) args.push('--no-verify');
    return { command: args.join(' '), ...(args.includes('--token-stdin') ? { note: 'pipe your API token into it' } : {}) };
  };
}

/** ✓ connected (or written, with --no-verify), ⚠ and the next step, or ✗ and why. */
function summaryRow(result: ToolResult): ['✓' | '⚠' | '✗', string] {
  if (result.status === 'failed') return ['✗', `failed: ${result.error?.message ?? 'unknown error'}`];
  if (result.status === 'instructions') return ['⚠', 'next step: add it in the app (steps above)'];
  if (!result.check) return ['✓', `${result.status === 'unchanged' ? 'already set up' : 'configured'}, not checked`];
  if (result.check.status === 'connected') return ['✓', 'connected'];
  if (result.check.status === 'needs-login') return ['⚠', 'next step: sign in from the tool (OAuth)'];
  return ['⚠', `next step: ${result.check.message}`];
}

function summarise(results: ToolResult[], out: Output, retry: ReturnType<typeof retryCommand>): void {
  const { paint } = out;
  const width = Math.min(30, Math.max(...results.map((result) => result.target.length)));
  const rows = results.map((result) => {
    const [symbol, text] = summaryRow(result);
    const painted = symbol === '✗' ? paint.red(symbol) : symbol === '⚠' ? paint.yellow(symbol) : paint.green(symbol);
    return `${painted} ${result.target.padEnd(width)}  ${text}`;
  });
  p.note(rows.join('\n'), 'Summary');
  const steps = nextSteps(results);
  if (steps.length) showSection('Next steps', steps.map((step, index) => `${index + 1}. ${step}`).join('\n'), out);
  const failures = results.filter((result) => result.status === 'failed');
  for (const result of failures) if (result.error?.hint) p.log.warn(`${result.target}: ${result.error.hint}`);
  if (failures.length) {
    const { command, note } = retry([...new Set(failures.map((result) => result.tool))]);
    p.log.info(`To retry what failed${note ? ` (${note})` : ''}:`);
    // Unframed, so that it copies as one line.
    process.stdout.write(`${command}\n`);
  }
}
