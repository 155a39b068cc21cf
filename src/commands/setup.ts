/** `mittwald-mcp-setup [setup] --tool …`: the setup pipeline (flow/setup-flow.ts) with its questions answered
 * from the flags, its steps shown as plain lines (or one JSON object). Without --tool on a terminal it is the
 * wizard (wizard.ts), the same pipeline with the questions asked. */
import { grantedScopes } from '../access.js';
import { connectedMessage } from '../mcp/credential-check.js';
import { usageError, type SetupError } from '../errors.js';
import { exitCode, runSetupFlow, type Prompter, type SetupView } from '../flow/setup-flow.js';
import { EXAMPLE_TOOLS, TOOL_IDS } from '../../adapters/index.js';
import { TOKEN_ENV_VAR } from '../model.js';
import { PASTE_HINT, signedInMessage } from '../oauth/oauth-sign-in-check.js';
import type { Options } from '../cli/options.js';
import { SYMBOLS, type Output } from '../cli/output.js';
import type { RunContext } from '../cli/run-context.js';
import { printResults, selectTools, showPlans, succeeded } from '../flow/setup-steps.js';

export async function runSetup(options: Options, context: RunContext): Promise<number> {
  if (runsWizard(options, context)) {
    const { runWizard } = await import('./wizard.js');
    return runWizard(options, context);
  }
  const outcome = await runSetupFlow({ ask: flagPrompter(options, context), view: plainView(options, context) }, options, context);
  return exitCode(outcome);
}

/** The wizard runs when nothing says what to set up and a person is there to ask; anything else answers
 * from the flags. */
export function runsWizard(options: Options, context: Pick<RunContext, 'interactive'>): boolean {
  return options.tools.length === 0 && context.interactive && !options.yes && !options.json;
}

/** The prompter of `--tool …`: every answer comes from the flags and the defaults. A question the flags
 * cannot answer is a usage error (exit 2); a refused credential ends the run. */
export function flagPrompter(options: Options, context: Pick<RunContext, 'environment'>): Prompter {
  return {
    interactive: false,
    async tools() {
      if (options.tools.length === 0) throw noToolSelected();
      return selectTools(options.tools, context.environment);
    },
    credentialKind: async () => (options.token ? 'token' : 'oauth'),
    access: async () => grantedScopes(options),
    async token() {
      if (!options.token) throw usageError('No API token given.', `Pass --token-stdin, or set ${TOKEN_ENV_VAR}.`);
      return options.token;
    },
    async tokenRefused(refusal) {
      if (refusal.kind === 'rejected') throw refusal.error;
      throw usageError(`The API token looks wrong: ${refusal.problem}.`, 'Copy it again from mStudio → User Settings → API Tokens.');
    },
    async signInFailed(error) {
      throw error;
    },
    scope: async () => options.scope,
    secret: async () => options.secret,
    replaceStale: async () => options.yes,
    showDiff: async () => false,
    confirmApply: async () => true,
    offerLogin: async () => false,
    openSettingsPage: async () => false,
    copyServerUrl: async () => false,
  };
}

function noToolSelected(): SetupError {
  return usageError(
    'No tool selected, and no terminal to ask which.',
    `Pass --tool <id>[,<id>…] (${TOOL_IDS.join(', ')}, detected, all), e.g. --tool ${EXAMPLE_TOOLS.editor} --token-stdin < token.txt.`,
  );
}

/** The non-interactive run's lines: each step as it happens, then every tool's result (or, with --json,
 * one result object on stdout and nothing else there). */
export function plainView(options: Options, context: Pick<RunContext, 'out' | 'interactive'>): SetupView {
  const { out } = context;
  const { paint } = out;
  const printInstructions = (planned: Parameters<SetupView['plan']>[0]) => {
    for (const item of planned) if (item.plan?.instructions) out.line(`\n${item.plan.instructions}`);
  };
  return {
    oauthOnly(tools, tokenGiven) {
      if (!tokenGiven) return;
      const names = tools.map((adapter) => adapter.name).join(' and ');
      out.line(paint.dim(`${SYMBOLS.info} ${names} ${tools.length > 1 ? 'take no API token: they sign' : 'takes no API token: it signs'} in with OAuth.`));
    },
    tokenFixes(fixes) {
      for (const fix of fixes) out.line(paint.dim(`${SYMBOLS.info} Token: ${fix}.`));
    },
    // Said in the summary: a script's files are written while the check finishes.
    checkToken: (check) => check(),
    async signIn(run) {
      // Someone who opens the URL on another machine (an SSH session) cannot be reached by the redirect there:
      // they paste the address the browser ended on. Read at a terminal and with --no-browser (stdin may be a pipe).
      const pasting = !options.browser || Boolean(process.stdin.isTTY);
      const lines = pasting ? (await import('node:readline')).createInterface({ input: process.stdin, terminal: false }) : undefined;
      try {
        const check = await run({
          signal: new AbortController().signal,
          // The URL goes on a line of its own so that it can be copied whole.
          onAuthorizationUrl: (url) => {
            out.note(`${options.browser ? 'Sign in to mittwald in your browser; if it did not open, open this URL' : 'Sign in to mittwald: open this URL in a browser'}:\n${url}`);
            if (lines) out.note(PASTE_HINT);
          },
          ...(lines ? { pasted: lines, onPasteRejected: (reason: string) => out.note(`${SYMBOLS.warn} ${reason}`) } : {}),
          // Someone at a terminal can still open the printed URL; a script relying on $BROWSER cannot.
          ...(context.interactive ? { onBrowserFailure: (reason: string) => out.note(`${SYMBOLS.warn} Could not open the browser (${reason}): open the URL above yourself.`) } : {}),
        });
        out.line(`${paint.green(SYMBOLS.ok)} ${signedInMessage(check)}`);
        return check;
      } finally {
        lines?.close();
      }
    },
    reachable(serverUrl, requiresAuth) {
      out.line(`${paint.green(SYMBOLS.ok)} ${serverUrl} is reachable${requiresAuth ? ' and asks for an OAuth sign-in' : ''}; each tool signs in itself.`);
      if (requiresAuth && !options.dryRun) {
        out.line(paint.dim(`${SYMBOLS.info} To check the sign-in from here too, set $BROWSER or pass --no-browser and open the printed URL yourself.`));
      }
    },
    plan(planned, { git, secrets, dryRun }) {
      showPlans(out, planned.flatMap((item) => (item.plan ? [item.plan] : [])), { diff: dryRun, secrets, git });
    },
    diff(plans, secrets) {
      showPlans(out, plans, { diff: true, secrets });
    },
    applyTool: (_item, write) => write(),
    login() {},
    instructions(item) {
      out.line(`\n${item.plan.instructions}`);
    },
    opened() {},
    copied() {},
    report(outcome) {
      const { results, auth } = outcome;
      const proof = auth.method === 'token' && auth.toolCount !== undefined ? `${paint.green(SYMBOLS.ok)} ${connectedMessage({ identity: auth.identity, toolCount: auth.toolCount })}` : undefined;
      if (outcome.dryRun) {
        out.line();
        if (proof) out.line(proof);
        out.line(paint.dim('Dry run: nothing was changed.'));
      } else {
        printResults(out, results, { lead: proof, access: auth.access?.scopes });
      }
      const ok = results.every(succeeded);
      if (options.json) out.json({ ok, command: 'setup', dryRun: outcome.dryRun, serverUrl: options.serverUrl, auth: outcome.auth, tools: results });
    },
    cancelled(outcome) {
      if (outcome.results.length === 0 && outcome.skipped.length === 0) {
        reportCancelled(out, options, outcome.message);
        return;
      }
      // The one JSON object still says what was written.
      printInstructions(outcome.planned);
      printResults(out, outcome.results, { access: outcome.auth?.access?.scopes });
      const all = outcome.results.length === outcome.planned.length;
      out.note(
        paint.yellow(
          all
            ? 'Cancelled while writing: the writes under way were finished, so every tool listed above was written (backups shown).'
            : `Cancelled after ${outcome.results.length} of ${outcome.planned.length} tools; the ones listed above were written (backups shown). Run the same command again to finish.`,
        ),
      );
      if (options.json) {
        out.json({ ok: false, command: 'setup', dryRun: false, serverUrl: options.serverUrl, auth: outcome.auth, tools: outcome.results, error: { code: 'CANCELLED', message: 'Cancelled' } });
      }
    },
  };
}

/** A cancellation before anything was written, as run.ts reports every error that ends a run. */
function reportCancelled(out: Output, options: Pick<Options, 'json'>, message: string): void {
  if (options.json) out.json({ ok: false, command: 'setup', error: { code: 'CANCELLED', message } });
  else out.note(`${out.paint.red(SYMBOLS.fail)} ${message}`);
}
