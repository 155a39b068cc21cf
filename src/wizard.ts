/** The interactive wizard: `npx mittwald-mcp-setup` on a terminal. A thin layer of prompts over the same
 * phases as the non-interactive run (setup-steps.ts): detect → choose → check → plan → confirm → apply →
 * verify → summary. Flags given on the command line pre-answer their prompts. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as p from '@clack/prompts';
import { availableTools, loadAdapter } from '../adapters/index.js';
import type { Adapter } from './adapter.js';
import { checkToken, describeIdentity, EntryChecker } from './connection.js';
import { findProjectRoot } from './environment.js';
import { SetupError, isSetupError } from './errors.js';
import type { HttpClient } from './http.js';
import { TOKEN_ENV_VAR, type Detection, type Scope, type ToolPlan } from './model.js';
import { runOAuthCheck, signedInMessage } from './oauth-check.js';
import type { Options, TokenSource } from './options.js';
import type { RunContext } from './run-context.js';
import { cleanToken, maskSecret, tokenProblem } from './secrets.js';
import {
  applyAndVerify,
  backupDirectory,
  credentialFor,
  failedResult,
  planTools,
  scopeFor,
  showPlans,
  staleReason,
  succeeded,
  type PlannedTool,
  type ToolResult,
} from './setup-steps.js';
import type { Identity } from './verify.js';

const CANCELLED = 'Cancelled — nothing was changed.';

/** Unwraps a prompt answer; Ctrl-C or Esc ends the wizard. */
function answer<T>(value: T): Exclude<T, symbol> {
  if (p.isCancel(value)) throw new SetupError('CANCELLED', CANCELLED);
  return value as Exclude<T, symbol>;
}

interface Auth {
  token?: string;
  source?: TokenSource;
  scopes?: string[];
  /** Who the credential belongs to, once checked. */
  identity?: Identity;
}

export async function runWizard(options: Options, context: RunContext): Promise<number> {
  const { environment, out } = context;
  p.intro(`mittwald-mcp-setup ${__VERSION__} — connect your AI tools to mittwald`);
  try {
    // 1. Detect.
    const spin = p.spinner();
    spin.start('Looking for your AI tools');
    const adapters = await Promise.all(availableTools().map(loadAdapter));
    const detections = await Promise.all(adapters.map((adapter) => adapter.detect(environment)));
    spin.stop(`Found ${detections.filter((d) => d.state === 'installed').length} installed tool(s)`);

    // 2. Choose tools.
    const chosen = answer(
      await p.multiselect({
        message: 'Which tools should use mittwald? (space to toggle, enter to confirm)',
        options: adapters.map((adapter, index) => ({ value: adapter.id, label: adapter.name, hint: detectionHint(adapter, detections[index]!) })),
        initialValues: adapters.filter((_, index) => detections[index]!.state === 'installed').map((adapter) => adapter.id),
        required: true,
      }),
    );
    const selected = adapters.filter((adapter) => chosen.includes(adapter.id));
    const http = await context.http();

    // 3. Authenticate, checked live.
    const auth = await chooseAuth(options, context, http, selected);

    // 4. Choices each tool offers.
    const scope = await chooseScope(options, context, selected);
    const secret = await chooseSecret(options, selected, auth);

    // 5. Plan, confirm.
    const requestFor = (replaceStale: boolean) => (adapter: Adapter) => ({
      serverUrl: options.serverUrl,
      name: options.name,
      scope: scopeFor(adapter, scope),
      credential: credentialFor(adapter, auth, secret),
      replaceStale,
      ...(auth.token === undefined && auth.identity ? { oauthVerifiedAs: describeIdentity(auth.identity) } : {}),
    });
    let planned = await planTools(selected, environment, requestFor(options.yes));
    const staleKept = planned.flatMap((item) => item.plan?.staleKept ?? []);
    if (staleKept.length > 0) {
      p.log.warn(`Found older mittwald entries:\n${staleKept.map((entry) => `  "${entry.name}" ${entry.url} (${staleReason(entry)}) in ${entry.file}`).join('\n')}`);
      if (answer(await p.confirm({ message: 'Replace them with the new entry?', initialValue: true }))) {
        planned = await planTools(selected, environment, requestFor(true));
      }
    }
    const plans = planned.flatMap((item) => (item.plan ? [item.plan] : []));
    for (const item of planned) if (item.error) p.log.error(`${item.adapter.name}: ${errorText(item.error)}`);
    p.log.step('The plan');
    showPlans(out, plans, { diff: false, secrets: auth.token ? [auth.token] : [] });
    const changing = plans.filter((plan) => plan.steps.length > 0);
    if (changing.length > 0) {
      if (answer(await p.confirm({ message: 'Show the changes as a diff first?', initialValue: false }))) {
        showPlans(out, changing, { diff: true, secrets: auth.token ? [auth.token] : [] });
      }
      if (!answer(await p.confirm({ message: 'Apply these changes?', initialValue: true }))) throw new SetupError('CANCELLED', CANCELLED);
    }

    // 6. Apply and verify, one spinner per tool.
    const results = await applyAll(planned, context, http, options);

    // 7. The tools' own OAuth logins, the settings-screen steps, and the summary.
    await offerLogins(results, planned, options);
    for (const plan of plans) if (plan.instructions) p.note(plan.instructions, plan.target);
    summarise(results, options, context);
    const ok = results.every(succeeded);
    p.outro(ok ? 'Done.' : 'Finished with problems — see above.');
    return ok ? 0 : 1;
  } catch (error) {
    if (isSetupError(error) && error.code === 'CANCELLED') {
      p.cancel(error.message);
      return 130;
    }
    throw error;
  }
}

function detectionHint(adapter: Adapter, detection: Detection): string {
  if (adapter.id === 'chatgpt') return 'web app, nothing to install';
  if (detection.state === 'installed') return detection.hosts.length ? `found: ${detection.hosts.join(', ')}` : 'installed';
  if (detection.state === 'config-found') return 'config found';
  return 'not found — you can still set it up';
}

function errorText(error: unknown): string {
  return isSetupError(error) ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : String(error);
}

async function chooseAuth(options: Options, context: RunContext, http: HttpClient, selected: Adapter[]): Promise<Auth> {
  if (!selected.some((adapter) => adapter.acceptsToken)) return oauthAuth(options, context, http);
  if (options.token) {
    const checked = await checkTokenInteractively(options.token.value, options.token.source, options, http, context);
    if (checked) return checked;
  }
  for (;;) {
    const method =
      options.oauthGiven || options.token
        ? options.oauthGiven
          ? 'oauth'
          : 'token'
        : answer(
            await p.select({
              message: 'How should your tools sign in to mittwald?',
              options: [
                { value: 'oauth', label: 'OAuth (recommended)', hint: 'sign in in the browser; short-lived, scoped, revocable' },
                { value: 'token', label: 'API token', hint: 'from mStudio → User Settings → API Tokens; works in scripts' },
              ],
            }),
          );
    if (selected.some((adapter) => !adapter.acceptsToken) && method === 'token') p.log.info('Claude Desktop and ChatGPT always sign in with OAuth.');
    if (method === 'oauth') return oauthAuth(options, context, http);
    const auth = await askToken(options, context, http);
    if (auth) return auth;
    options = { ...options, token: undefined as never, oauthGiven: false };
  }
}

async function oauthAuth(options: Options, context: RunContext, http: HttpClient): Promise<Auth> {
  const scopes = options.scopes;
  if (!options.verify) return scopes ? { scopes } : {};
  for (;;) {
    const controller = new AbortController();
    const spin = p.spinner({ onCancel: () => controller.abort() });
    spin.start('Waiting for you to sign in in the browser (Ctrl-C to cancel)');
    try {
      const check = await runOAuthCheck(http, {
        serverUrl: options.serverUrl,
        ...(scopes ? { scopes } : {}),
        browser: options.browser,
        environment: context.environment,
        signal: controller.signal,
        onAuthorizationUrl: (url) => spin.message(`Sign in in the browser (Ctrl-C to cancel). If it did not open: ${url}`),
      });
      spin.stop(signedInMessage(check));
      return { ...(scopes ? { scopes } : {}), ...(check.identity ? { identity: check.identity } : {}) };
    } catch (error) {
      if (controller.signal.aborted) throw new SetupError('CANCELLED', CANCELLED);
      spin.error(errorText(error));
      const next = answer(
        await p.select({
          message: 'The sign-in check did not work. What now?',
          options: [
            { value: 'retry', label: 'Try again' },
            { value: 'skip', label: 'Continue without the check', hint: 'each tool signs in itself' },
          ],
        }),
      );
      if (next === 'skip') return scopes ? { scopes } : {};
    }
  }
}

/** Tokens the user already has: MITTWALD_API_TOKEN, and the mittwald CLI's stored token. */
async function existingTokens(context: RunContext): Promise<Array<{ label: string; token: string; source: TokenSource }>> {
  const found: Array<{ label: string; token: string; source: TokenSource }> = [];
  const fromEnv = context.environment.env[TOKEN_ENV_VAR];
  if (fromEnv) found.push({ label: `Use ${TOKEN_ENV_VAR} (${maskSecret(cleanToken(fromEnv).token)})`, token: fromEnv, source: 'env' });
  const configHome = context.environment.env.XDG_CONFIG_HOME ?? path.join(context.environment.home, '.config');
  try {
    const stored = (await readFile(path.join(configHome, 'mw', 'token'), 'utf8')).trim();
    if (stored && stored !== fromEnv) found.push({ label: `Use the mittwald CLI's token (${maskSecret(stored)})`, token: stored, source: 'flag' });
  } catch {
    // no mw token
  }
  return found;
}

async function askToken(options: Options, context: RunContext, http: HttpClient): Promise<Auth | undefined> {
  for (;;) {
    const existing = await existingTokens(context);
    const choice = answer(
      await p.select<string>({
        message: 'Which API token?',
        options: [
          ...existing.map((candidate, index) => ({ value: String(index), label: candidate.label })),
          { value: 'paste', label: 'Paste a token', hint: 'input is hidden' },
          { value: 'back', label: 'Go back' },
        ],
      }),
    );
    if (choice === 'back') return undefined;
    let raw: string;
    let source: TokenSource;
    if (choice === 'paste') {
      raw = answer(
        await p.password({
          message: 'Paste your mittwald API token',
          validate: (value) => tokenProblem(cleanToken(value ?? '').token),
        }),
      );
      source = 'flag';
    } else {
      const candidate = existing[Number(choice)]!;
      raw = candidate.token;
      source = candidate.source;
    }
    const checked = await checkTokenInteractively(raw, source, options, http, context);
    if (checked) return checked;
  }
}

/** Checks a token with a spinner; undefined (after saying why) when it was rejected. */
async function checkTokenInteractively(raw: string, source: TokenSource, options: Options, http: HttpClient, context: RunContext): Promise<Auth | undefined> {
  const { token, fixes } = cleanToken(raw);
  context.out.addSecret(token);
  for (const fix of fixes) p.log.info(`Token: ${fix}.`);
  if (!options.verify) return { token, source };
  const spin = p.spinner({ onCancel: () => undefined });
  spin.start('Checking the token');
  try {
    const check = await checkToken(http, options, token);
    spin.stop(`Token belongs to ${describeIdentity(check.identity)} — ${check.toolCount} tools`);
    return { token, source, identity: check.identity };
  } catch (error) {
    spin.error(errorText(error));
    return undefined;
  }
}

async function chooseScope(options: Options, context: RunContext, selected: Adapter[]): Promise<Scope> {
  if (options.scopeGiven) return options.scope;
  const project = await findProjectRoot(context.environment);
  if (!project || !selected.some((adapter) => adapter.scopes.includes('project'))) return 'user';
  return answer(
    await p.select<Scope>({
      message: 'Where should the entry go?',
      options: [
        { value: 'user', label: 'For me, in every project', hint: 'user config' },
        { value: 'project', label: `Only in ${path.basename(project)}`, hint: `${project} — shared through git, never holds a token` },
      ],
      initialValue: 'user',
    }),
  );
}

async function chooseSecret(options: Options, selected: Adapter[], auth: Auth): Promise<Options['secret']> {
  if (options.secret || auth.token === undefined || !selected.some((adapter) => adapter.secretReference === 'env')) return options.secret;
  return answer(
    await p.select<'ref' | 'literal'>({
      message: 'How should the token be stored?',
      options: [
        { value: 'ref', label: `As a reference to ${TOKEN_ENV_VAR}`, hint: 'the token stays out of config files; you export the variable' },
        { value: 'literal', label: 'In the config file', hint: 'readable only by you (mode 0600); works with no extra step' },
      ],
      initialValue: auth.source === 'env' ? 'ref' : 'literal',
    }),
  );
}

async function applyAll(planned: PlannedTool[], context: RunContext, http: HttpClient, options: Options): Promise<ToolResult[]> {
  const checker = options.verify ? new EntryChecker(http) : undefined;
  const backupDir = backupDirectory(context.environment);
  const results: ToolResult[] = [];
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  process.on('SIGINT', onInterrupt);
  try {
    for (const item of planned) {
      if (interrupted) break;
      if (!item.plan) {
        results.push(failedResult(item));
        continue;
      }
      const spin = p.spinner({ onCancel: onInterrupt });
      spin.start(`Configuring ${item.plan.target}`);
      const result = await applyAndVerify({ ...item, plan: item.plan }, { environment: context.environment, backupDir, ...(checker ? { checker } : {}) });
      results.push(result);
      const line = `${result.target}: ${result.status === 'failed' ? (result.error?.message ?? 'failed') : result.status}${result.check ? ` — ${result.check.message}` : ''}`;
      if (result.status === 'failed') spin.error(line);
      else spin.stop(line);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (interrupted) {
    const written = results.flatMap((result) => result.files.filter((file) => file.change !== 'unchanged'));
    const lines = written.map((file) => `  ${file.path}${'backup' in file && file.backup ? ` (backup: ${file.backup})` : ''}`);
    throw new SetupError('CANCELLED', written.length ? `Cancelled. Already written:\n${lines.join('\n')}` : CANCELLED);
  }
  return results;
}

async function offerLogins(results: ToolResult[], planned: PlannedTool[], options: Options): Promise<void> {
  for (const item of planned) {
    const result = results.find((candidate) => candidate.tool === item.adapter.id);
    if (!result || !succeeded(result) || item.request.credential.kind !== 'oauth' || !item.adapter.loginCommand) continue;
    const argv = item.adapter.loginCommand(options.name, options.scopes);
    if (!answer(await p.confirm({ message: `Sign in to mittwald in ${item.adapter.name} now? (runs \`${argv.join(' ')}\`)`, initialValue: true }))) continue;
    const { execa } = await import('execa');
    const [file, ...args] = argv;
    const run = await execa(file!, args, { stdio: 'inherit', reject: false });
    if (run.exitCode === 0) {
      result.nextSteps = result.nextSteps.filter((step) => !step.includes(argv.slice(0, 3).join(' ')));
      p.log.success(`${item.adapter.name}: signed in.`);
    } else {
      p.log.warn(`${item.adapter.name}: \`${argv.join(' ')}\` exited with ${run.exitCode}; run it again later.`);
    }
  }
}

function summarise(results: ToolResult[], options: Options, context: RunContext): void {
  const { paint } = context.out;
  const rows = results.map((result) => {
    const symbol = result.status === 'failed' ? paint.red('✗') : result.status === 'instructions' || (result.check && result.check.status !== 'connected') ? paint.yellow('⚠') : paint.green('✓');
    const text =
      result.status === 'failed'
        ? (result.error?.message ?? 'failed')
        : result.status === 'instructions'
          ? 'add it in the app (steps above)'
          : result.check?.status === 'connected'
            ? 'connected'
            : (result.check?.message ?? result.status);
    return `${symbol} ${result.target.padEnd(28)} ${text}`;
  });
  p.note(rows.join('\n'), 'Summary');
  const steps = results.flatMap((result) => result.nextSteps.map((step) => `${result.target}: ${step}`));
  if (steps.length) p.note(steps.map((step, index) => `${index + 1}. ${step}`).join('\n'), 'Next steps');
  const failed = results.filter((result) => result.status === 'failed');
  if (failed.length) {
    const tools = [...new Set(failed.map((result) => result.tool))].join(',');
    p.log.info(`To retry: npx mittwald-mcp-setup --tool ${tools}${options.scopeGiven ? ` --scope ${options.scope}` : ''}${options.token ? ' --token-stdin' : ''}`);
  }
}

export type { ToolPlan };
