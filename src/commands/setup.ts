/** `mittwald-mcp-setup [setup] --tool …`: the non-interactive run, top to bottom. The wizard (no --tool on
 * a terminal) composes the same phases with prompts in between. */
import { checkToken, connectedMessage, describeIdentity, EntryChecker, type CheckedCredential } from '../credential-check.js';
import type { Identity } from '../mcp/api-token.js';
import { describeAccess, grantedScopes } from '../access.js';
import { ExitCode, usageError } from '../errors.js';
import { claimInterrupt } from '../interrupt.js';
import type { Options } from '../options.js';
import { SYMBOLS } from '../output.js';
import { cleanToken, tokenProblem } from '../secrets.js';
import {
  applyAndVerifyAll,
  backupDirectory,
  credentialFor,
  failedResult,
  plannedProjectFiles,
  planTools,
  printResults,
  resultFromPlan,
  scopeFor,
  selectTools,
  showPlans,
  succeeded,
  type ToolResult,
} from '../setup-steps.js';
import type { RunContext } from '../run-context.js';
import { EXAMPLE_TOOLS, TOOL_IDS } from '../../adapters/index.js';
import { gitStates, withGitStates } from '../git-status.js';

export async function runSetup(options: Options, context: RunContext): Promise<number> {
  const { environment, out } = context;
  const { paint } = out;
  if (options.tools.length === 0) {
    if (!context.interactive || options.yes || options.json) {
      throw usageError(
        'No tool selected, and no terminal to ask which.',
        `Pass --tool <id>[,<id>…] (${TOOL_IDS.join(', ')}, detected, all), e.g. --tool ${EXAMPLE_TOOLS.editor} --token-stdin < token.txt.`,
      );
    }
    const { runWizard } = await import('../wizard.js');
    return runWizard(options, context);
  }

  // 1. Which tools.
  const adapters = await selectTools(options.tools, environment);
  const http = await context.http();

  // 2. The credential, checked before any file is touched.
  let auth: { token?: string; source?: NonNullable<Options['token']>['source']; scopes?: string[] } = {};
  const oauthOnly = adapters.filter((adapter) => !adapter.acceptsToken);
  if (options.token && oauthOnly.length > 0) {
    const names = oauthOnly.map((adapter) => adapter.name).join(' and ');
    out.line(paint.dim(`${SYMBOLS.info} ${names} ${oauthOnly.length > 1 ? 'take no API token: they sign' : 'takes no API token: it signs'} in with OAuth.`));
  }
  // A token matters only when some selected tool can use it; otherwise this is an OAuth run.
  const token = oauthOnly.length < adapters.length ? options.token : undefined;
  const report: Record<string, unknown> = { method: token ? 'token' : 'oauth' };
  // The token proven here: written entries that send it to the same URL need no second session.
  let checked: CheckedCredential | undefined;
  const planAll = () =>
    planTools(adapters, environment, (adapter) => ({
      serverUrl: options.serverUrl,
      name: options.name,
      scope: scopeFor(adapter, options.scope),
      credential: credentialFor(adapter, auth, options.secret),
      replaceStale: options.yes,
      ...(report.signIn === 'verified' ? { oauthVerifiedAs: describeIdentity(report.identity as Identity | undefined) } : {}),
    }));
  let planning: ReturnType<typeof planAll> | undefined;
  if (token) {
    const cleaned = cleanToken(token.value);
    out.addSecret(cleaned.token);
    out.addSecret(token.value.trim());
    const problem = tokenProblem(cleaned.token);
    if (problem) throw usageError(`The API token looks wrong: ${problem}.`, 'Copy it again from mStudio → User Settings → API Tokens.');
    for (const fix of cleaned.fixes) out.line(paint.dim(`${SYMBOLS.info} Token: ${fix}.`));
    auth = { token: cleaned.token, source: token.source };
    // Planning only reads files, so it runs while the token is checked; nothing is written before the check
    // has passed, and a failed check is what the run reports.
    planning = planAll();
    planning.catch(() => undefined);
    if (options.verify) {
      const check = await checkToken(http, options, cleaned.token);
      out.line(`${paint.green(SYMBOLS.ok)} ${connectedMessage(check)}`);
      Object.assign(report, { identity: check.identity, toolCount: check.toolCount });
      checked = check.credential;
    }
  } else {
    auth.scopes = grantedScopes(options);
    const { level, scopes } = describeAccess(auth.scopes);
    report.access = { level, scopes };
    if (options.verify) {
      const { checkOAuthSignIn } = await import('../oauth-sign-in-check.js');
      Object.assign(report, await checkOAuthSignIn(http, options, context));
    }
  }

  // 3. Plan every tool (an OAuth run's instructions name who signed in).
  const planned = await (planning ?? planAll());

  // 4. Show it, with what git makes of each project file; a dry run stops here.
  const secrets = auth.token ? [auth.token] : [];
  const git = await gitStates(environment, plannedProjectFiles(planned));
  const withGit = (result: ToolResult): ToolResult => ({ ...result, files: withGitStates(result.files, git) });
  showPlans(out, planned.flatMap((item) => (item.plan ? [item.plan] : [])), { diff: options.dryRun, secrets, git });
  let results: ToolResult[];
  if (options.dryRun) {
    results = planned.map((item) => withGit(item.plan ? resultFromPlan(item.plan, item.adapter.kind === 'instructions' ? 'instructions' : 'planned') : failedResult(item)));
    out.line();
    out.line(paint.dim('Dry run: nothing was changed.'));
  } else {
    // 5. Apply, and check each tool's written entry while the next is written. Ctrl-C lets the current atomic
    // write finish.
    const checker = options.verify ? new EntryChecker(http, checked ? [checked] : []) : undefined;
    const backupDir = backupDirectory(environment);
    let interrupted = false;
    const release = claimInterrupt(() => {
      interrupted = true;
    });
    try {
      results = (await applyAndVerifyAll(planned, { environment, backupDir, ...(checker ? { checker } : {}) }, () => interrupted)).map(withGit);
    } finally {
      release();
    }
    for (const item of planned) if (item.plan?.instructions) out.line(`\n${item.plan.instructions}`);
    printResults(out, results, auth.scopes);
    if (interrupted) {
      // The one JSON object still says what was written, so this returns rather than throws.
      out.note(paint.yellow(`Cancelled after ${results.length} of ${planned.length} tools; the ones listed above were written (backups shown). Run the same command again to finish.`));
      if (options.json) out.json({ ok: false, command: 'setup', dryRun: false, serverUrl: options.serverUrl, auth: report, tools: results, error: { code: 'CANCELLED', message: 'Cancelled' } });
      return ExitCode.cancelled;
    }
  }

  const ok = results.every(succeeded);
  if (options.json) out.json({ ok, command: 'setup', dryRun: options.dryRun, serverUrl: options.serverUrl, auth: report, tools: results });
  return ok ? 0 : 1;
}
