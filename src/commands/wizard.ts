/** The interactive wizard: `npx mittwald-mcp-setup` on a terminal. Its questions and their wording, asked
 * with @clack/prompts, and the way it shows each step (spinners, the framed plan, the summary). What happens,
 * in which order, is the setup pipeline's (flow/setup-flow.ts), the same as for `--tool …`. Flags given on
 * the command line pre-answer their questions. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as Clack from '@clack/prompts';
import { ACCESS_CHOICES, ACCESS_LEVELS, DEFAULT_ACCESS, describeAccess, grantedScopes, scopesForAccess, type AccessLevel } from '../access.js';
import { TOOL_GROUPS } from '../../adapters/index.js';
import type { Adapter } from '../kit/adapter.js';
import { planChanges } from '../kit/plan.js';
import { describeIdentity } from '../mcp/credential-check.js';
import { findProjectRoot, remoteSession } from '../system/environment.js';
import { isSetupError, sentence } from '../errors.js';
import {
  cancelled,
  exitCode,
  NOTHING_CHANGED,
  runSetupFlow,
  type Answers,
  type CancelledOutcome,
  type Prompter,
  type SetupView,
} from '../flow/setup-flow.js';
import { DEFAULT_API_URL, DEFAULT_ENTRY_NAME, DEFAULT_SERVER_URL, TOKEN_ENV_VAR, type Detection, type Scope, type ToolId } from '../model.js';
import { signedInMessage } from '../oauth/oauth-sign-in-check.js';
import { mittwaldCliTokenFile } from '../kit/paths.js';
import type { Options, TokenSource } from '../cli/options.js';
import { createOutput, type Output } from '../cli/output.js';
import type { RunContext } from '../cli/run-context.js';
import { cleanToken, maskSecret, tokenProblem } from '../secrets.js';
import { nextSteps, pendingActivation, scopeFor, showPlans, staleReason, type ToolResult } from '../flow/setup-steps.js';

/** clack, loaded by runWizard once colours are settled: it styles some texts when it is loaded. */
let p: typeof Clack;

/** Unwraps a prompt answer; Ctrl-C or Esc ends the wizard. */
function answer<T>(value: T): Exclude<T, symbol> {
  if (p.isCancel(value)) throw cancelled();
  return value as Exclude<T, symbol>;
}

export async function runWizard(options: Options, context: RunContext): Promise<number> {
  // clack colours through util.styleText, which knows NO_COLOR but not our --no-color; and it styles its
  // key hints when it is loaded, so this comes first.
  if (!options.color) {
    process.env.NO_COLOR = '1';
    delete process.env.FORCE_COLOR;
  }
  p = await import('@clack/prompts');
  p.intro(`mittwald-mcp-setup ${__VERSION__} — connect your AI tools to mittwald`);
  return exitCode(await runSetupFlow({ ask: wizardPrompter(options, context), view: wizardView(options, context) }, options, context));
}

/** The wizard's questions. A token given with --token or --token-stdin is tried before any question about
 * it (one merely found in MITTWALD_API_TOKEN is offered instead); --oauth pre-answers the first credential
 * question, --scope and --secret theirs. */
function wizardPrompter(options: Options, context: RunContext): Prompter {
  let given = options.token && options.token.source !== 'env' ? options.token : undefined;
  /** The given token was refused: back to the credential question, not the token list. */
  let backAfterGiven = false;
  let oauthGiven = options.oauthGiven;
  let existing: Promise<ExistingToken[]> | undefined;
  return {
    interactive: true,
    async tools(detect) {
      const found = await withSpinner('Looking for your AI tools', async (spin) => {
        const found = await detect();
        const names = found
          .filter(({ detection }) => detection.state === 'installed')
          .map(({ adapter, detection }) => `${adapter.name}${detection.hosts.length ? ` (${detection.hosts.join(', ')})` : ''}`);
        spin.stop(names.length ? `Found ${names.join(', ')}` : 'None of the supported tools is installed here; you can still set them up');
        return found;
      });
      // clack shows a hint next to the focused and the selected options: installed tools start selected.
      // Grouped (terminal agents, editors, apps) so that a dozen tools stay readable at 80 columns.
      const option = ({ adapter, detection }: (typeof found)[number]) => ({ value: adapter.id, label: adapter.name, hint: detectionText(adapter, detection) });
      const groups = Object.fromEntries(
        TOOL_GROUPS.map((group) => [group.label, found.filter(({ adapter }) => (group.tools as readonly string[]).includes(adapter.id)).map(option)]),
      );
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
    },
    // --access / --scopes answer it; asked only when a chosen tool's entry can carry the scopes (the others
    // pick them at their own sign-in).
    async access(selected) {
      if (options.scopes || !selected.some((adapter) => adapter.entryCarriesScopes)) return grantedScopes(options);
      const level = answer(
        await p.select<AccessLevel>({
          message: 'What may your tools do in your mittwald account?',
          options: ACCESS_LEVELS.map((value) => ({ value, label: ACCESS_CHOICES[value].label, hint: ACCESS_CHOICES[value].hint })),
          initialValue: DEFAULT_ACCESS,
        }),
      );
      return scopesForAccess(level);
    },
    async credentialKind() {
      if (given) return 'token';
      if (oauthGiven) {
        oauthGiven = false;
        return 'oauth';
      }
      return answer(
        await p.select<'oauth' | 'token'>({
          message: 'How should your tools sign in to mittwald?',
          options: [
            { value: 'oauth', label: 'OAuth (recommended) — each tool signs in through your browser' },
            { value: 'token', label: 'API token — from mStudio (User settings → API tokens)' },
          ],
          initialValue: 'oauth',
        }),
      );
    },
    async token() {
      if (given) {
        const token = given;
        given = undefined;
        backAfterGiven = true;
        return token;
      }
      if (backAfterGiven) {
        backAfterGiven = false;
        return 'back';
      }
      const candidates = await (existing ??= existingTokens(context));
      const choice = answer(
        await p.select<string>({
          message: 'Which API token?',
          options: [
            ...candidates.map((candidate, index) => ({ value: String(index), label: candidate.label })),
            { value: 'paste', label: 'Paste a token (input is hidden)' },
            { value: 'back', label: 'Go back' },
          ],
        }),
      );
      if (choice === 'back') return 'back';
      if (choice !== 'paste') return { value: candidates[Number(choice)]!.token, source: candidates[Number(choice)]!.source };
      const pasted = answer(
        await p.password({
          message: 'Paste your mittwald API token',
          validate: (value) => tokenProblem(cleanToken(value ?? '').token),
        }),
      );
      return { value: pasted, source: 'flag' };
    },
    async tokenRefused(refusal) {
      // A rejected token was explained on the spinner line.
      if (refusal.kind === 'looks-wrong') p.log.error(sentence(`That API token looks wrong: ${refusal.problem}.`));
    },
    async signInFailed(_error, tokenPossible) {
      return answer(
        await p.select<'retry' | 'skip' | 'token'>({
          message: 'The sign-in check did not work. What now?',
          options: [
            { value: 'retry', label: 'Try again' },
            ...(tokenPossible ? [{ value: 'token' as const, label: 'Use an API token instead' }] : []),
            { value: 'skip', label: 'Continue without the check — each tool signs in itself' },
          ],
        }),
      );
    },
    async scope(selected, auth) {
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
    },
    /** Asked only for tools whose reference is an environment variable (a tool with its own prompt keeps it), and
     * only for a user file: a project file always gets the reference (the core's rule), so the literal choice
     * is never offered for it. */
    async secret(selected, auth, scope) {
      const askable = selected.some((adapter) => adapter.secretReference === 'env' && scopeFor(adapter, scope) === 'user');
      if (options.secret || auth.token === undefined || !askable) return options.secret;
      return answer(
        await p.select<'ref' | 'literal'>({
          message: 'How should the token be stored?',
          options: [
            { value: 'ref', label: `As a reference to ${TOKEN_ENV_VAR} (you export the variable)` },
            // Windows has no 0600: the file gets its folder's access rights (you, SYSTEM, Administrators in the profile).
            { value: 'literal', label: context.environment.platform === 'win32' ? 'In the config file, under your user profile' : 'In the config file, readable only by you (0600)' },
          ],
          initialValue: auth.source === 'env' ? 'ref' : 'literal',
        }),
      );
    },
    async replaceStale(stale) {
      p.log.warn(`Found older mittwald entries:\n${stale.map((entry) => `"${entry.name}" ${entry.url} (${staleReason(entry)}) in ${entry.file}`).join('\n')}`);
      return answer(await p.confirm({ message: 'Replace them with the new entry?', initialValue: true }));
    },
    showDiff: async () => answer(await p.confirm({ message: 'Show the changes as a diff first?', initialValue: false })),
    confirmApply: async () => answer(await p.confirm({ message: 'Apply these changes?', initialValue: true })),
    offerLogin: async (adapter, argv) => answer(await p.confirm({ message: `Sign in to mittwald in ${adapter.name} now? (runs \`${argv.join(' ')}\`)`, initialValue: true })),
    openSettingsPage: async (_adapter, url) => answer(await p.confirm({ message: `Open ${url} in your browser now?`, initialValue: true })),
    copyServerUrl: async (url) => answer(await p.confirm({ message: `Copy the server URL (${url}) to the clipboard?`, initialValue: true })),
  };
}

/** How the wizard shows each step: spinners for the waits (Ctrl-C or Esc cancel them), the plan framed by
 * clack's bar, one line per tool written, the summary with the next steps. */
function wizardView(options: Options, context: RunContext): SetupView {
  const waiting = 'Waiting for you to sign in in the browser (Ctrl-C or Esc to cancel)';
  return {
    oauthOnly(tools) {
      p.log.info(`${listNames(tools)} always sign${tools.length > 1 ? '' : 's'} in with OAuth, in the app itself.`);
    },
    tokenFixes(fixes) {
      for (const fix of fixes) p.log.info(`Token: ${fix}.`);
    },
    checkToken: (check) =>
      withSpinner('Checking the token', async (spin) => {
        const result = await check();
        spin.stop(`Token belongs to ${describeIdentity(result.identity)} — ${result.toolCount} tools`);
        return result;
      }),
    // On an SSH session, with --no-browser, or once the browser could not be opened, the person may sign in
    // on another machine, whose redirect cannot reach this one: a prompt then takes the address it ended on.
    signIn: (run) =>
      withSpinner('Starting the sign-in (Ctrl-C or Esc to cancel)', async (spin, signal) => {
        const elsewhere = !options.browser || remoteSession(context.environment);
        const paste = pastePrompt(signal);
        try {
          const result = await run({
            signal,
            onAuthorizationUrl: (url) => {
              spin.clear();
              p.log.info(options.browser ? 'Your browser opens the mittwald sign-in. If it does not, open this address:' : 'Open this address in your browser to sign in:');
              // Unframed, so that the terminal wraps it softly and it copies as one line.
              process.stdout.write(`${url}\n`);
              if (elsewhere) paste.start();
              else spin.start(waiting);
            },
            onBrowserFailure: (reason) => {
              spin.clear();
              p.log.warn(`Could not open the browser (${reason}): open the address above yourself.`);
              paste.start();
            },
            pasted: paste.lines,
            onPasteRejected: (reason) => p.log.warn(reason),
          });
          if (paste.started) p.log.success(signedInMessage(result));
          else spin.stop(signedInMessage(result));
          return result;
        } finally {
          paste.stop();
        }
      }),
    reachable(serverUrl, requiresAuth) {
      p.log.info(`${serverUrl} is reachable${requiresAuth ? ' and asks for an OAuth sign-in' : ''}; each tool signs in itself.`);
    },
    plan(planned, { git, secrets, dryRun }) {
      const out = framed(context.out, secrets);
      for (const item of planned) if (item.error) p.log.error(`${item.adapter.name}: ${errorText(item.error)}`);
      const plans = planned.flatMap((item) => (item.plan ? [item.plan] : []));
      p.log.step('The plan');
      for (const plan of plans) {
        showPlans(out, [plan], { diff: false, secrets, git });
        if (plan.instructions) out.line('  add it in the app: the steps follow after the changes');
      }
      const changing = plans.filter(planChanges);
      if (dryRun) {
        if (changing.length) showPlans(out, changing, { diff: true, secrets });
      } else if (changing.length === 0) {
        p.log.info('Nothing to change in any file.');
      }
    },
    diff(plans, secrets) {
      showPlans(framed(context.out, secrets), plans, { diff: true, secrets });
    },
    async applyTool(item, write, stop) {
      if (item.adapter.kind === 'instructions') {
        const written = await write();
        await written.result;
        return written;
      }
      const spin = spinner(() => {
        stop();
        spin.message(`Finishing ${item.plan.target}, then stopping`);
      });
      spin.start(`Configuring ${item.plan.target}`);
      const written = await write();
      const result = await written.result;
      // Who the credential belongs to was said when it was checked: here "connected" is enough.
      const checked = result.check ? ` — ${result.check.status === 'connected' ? `connected (${result.check.toolCount ?? '?'} tools)` : result.check.message}` : '';
      const line = `${result.target}: ${result.status === 'failed' ? (result.error?.message ?? 'failed') : result.status}${checked}`;
      if (result.status === 'failed') spin.error(line);
      else spin.stop(line);
      return written;
    },
    login(adapter, { argv, exitCode, verdict }) {
      if (exitCode !== 0) {
        p.log.warn(`${adapter.name}: \`${argv.join(' ')}\` exited with ${exitCode ?? 'an error'}; run it again later.`);
        return;
      }
      p.log.success(`${adapter.name}: signed in.`);
      if (verdict && adapter.listCommand) p.log.info(`${adapter.listCommand.join(' ')}: ${verdict}`);
    },
    instructions(item) {
      showSection(item.plan.target, item.plan.instructions!.trimEnd(), context.out);
    },
    opened(url, ok) {
      if (ok) p.log.success(`Opened ${url}.`);
      else p.log.warn(`Could not start a browser; open ${url} yourself.`);
    },
    copied(ok) {
      if (ok) p.log.success('Copied — paste it into the URL field.');
      else p.log.warn('Could not copy it; type it in from the steps above.');
    },
    report(outcome) {
      if (outcome.dryRun) {
        p.outro('Dry run: nothing was changed.');
        return;
      }
      summarise(outcome.results, context.out, retryCommand(options, outcome.answers));
      if (outcome.auth.access) p.log.info(`Access granted to the tools: ${describeAccess(outcome.auth.access.scopes).text}.`);
      p.outro(outcome.results.every((result) => result.status !== 'failed') ? 'Done.' : 'Finished with problems — see above.');
    },
    cancelled(outcome) {
      p.cancel(cancelMessage(outcome));
    },
  };
}

/** "Nothing was changed", or exactly what was written before the cancellation, with backups. */
function cancelMessage(outcome: CancelledOutcome): string {
  // A tool whose apply failed was rolled back; one that failed its check after writing has a `check`.
  const written = outcome.results.filter((result) => result.status !== 'failed' || result.check !== undefined);
  const lines = written.flatMap((result) =>
    result.files
      .filter((file) => file.change !== 'unchanged')
      .map((file) => `  ${result.target}: ${file.change} ${file.path}${'backup' in file && file.backup ? ` (backup: ${file.backup})` : ''}`),
  );
  if (lines.length === 0) return NOTHING_CHANGED;
  const skipped = outcome.skipped.length ? `\nNot configured: ${outcome.skipped.join(', ')} — run mittwald-mcp-setup again to finish.` : '';
  return `Cancelled after these changes were made:\n${lines.join('\n')}${skipped}`;
}

/** The hint next to a tool in the tool question: what detection found, and for an app set up in its
 * settings screen (the adapter's kind says so) that nothing needs installing here. */
function detectionText(adapter: Adapter, detection: Detection): string {
  if (detection.note !== undefined) return detection.note;
  if (detection.hosts.length) return `found: ${detection.hosts.join(', ')}`;
  if (detection.state === 'installed') return 'installed';
  if (detection.state === 'config-found') return 'its settings are here, the app was not found';
  if (adapter.kind === 'instructions') return 'set up in its settings screen — nothing to install here';
  return 'not found here — you can still set it up';
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

function errorText(error: unknown): string {
  return isSetupError(error) ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : String(error);
}

function listNames(adapters: readonly Adapter[]): string {
  const names = adapters.map((adapter) => adapter.name);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
}


/** The prompt for a pasted sign-in response, as the lines runOAuthCheck reads: asks once started, again after
 * each rejected line, until stopped (the sign-in ended either way). Ctrl-C or Esc in it cancels the sign-in. */
function pastePrompt(signal: AbortSignal): { lines: AsyncIterable<string>; started: boolean; start(): void; stop(): void } {
  const stopped = new AbortController();
  let begin: () => void = () => undefined;
  const begun = new Promise<void>((resolve) => {
    begin = resolve;
  });
  const state = {
    started: false,
    start() {
      state.started = true;
      begin();
    },
    stop() {
      stopped.abort();
      begin();
    },
    lines: (async function* () {
      await begun;
      while (!stopped.signal.aborted) {
        const value = await p.text({
          message: 'Signed in on another machine? Paste the address its browser ended on (Ctrl-C or Esc to cancel)',
          placeholder: 'http://127.0.0.1:…/callback?code=…',
          signal: AbortSignal.any([signal, stopped.signal]),
        });
        if (stopped.signal.aborted) return;
        if (p.isCancel(value)) throw cancelled();
        yield value ?? '';
      }
    })(),
  };
  return state;
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

/** Output framed by clack's left bar, for the plan and the diff. */
function framed(out: Output, secrets: readonly string[]): Output {
  const bar = `${out.paint.dim('│')}  `;
  const write = (text: string) => process.stdout.write(text.replace(/^(?=[^\n])/gm, bar).replace(/^(?=\n)/gm, out.paint.dim('│')));
  const output = createOutput({ json: false, color: out.color }, { stdout: { write }, stderr: { write } });
  for (const secret of secrets) output.addSecret(secret);
  return output;
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
function retryCommand(options: Options, { auth, scope, secret }: Answers): (tools: readonly ToolId[]) => { command: string; note?: string } {
  return (tools) => {
    const args = ['npx', 'mittwald-mcp-setup', '--tool', tools.join(',')];
    if (options.serverUrl !== DEFAULT_SERVER_URL) args.push('--server-url', options.serverUrl);
    if (options.apiUrl !== DEFAULT_API_URL) args.push('--api-url', options.apiUrl);
    if (options.name !== DEFAULT_ENTRY_NAME) args.push('--name', options.name);
    if (scope !== 'user') args.push('--scope', scope);
    if (auth.token === undefined) {
      args.push('--oauth');
      const access = auth.scopes ? describeAccess(auth.scopes).level : DEFAULT_ACCESS;
      if (access === 'custom') args.push('--scopes', auth.scopes!.join(','));
      else if (access !== DEFAULT_ACCESS) args.push('--access', access);
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
  const inactive = pendingActivation(result);
  if (inactive !== undefined) return ['⚠', `configured, not active yet: ${inactive}`];
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
