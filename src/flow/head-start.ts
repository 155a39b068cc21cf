/** The setup run's first network step, begun before the rest of the pipeline's code has loaded. A run whose
 * questions the flags answer (`--tool …`) and that was given an API token checks that token before anything
 * else, so run.ts starts the check while Node loads and compiles the planning code, and the flow joins it
 * (checkToken keeps one check per token). Light on purpose: it imports only the check itself. */
import type { Options } from '../cli/options.js';
import type { RunContext } from '../cli/run-context.js';
import { checkToken } from '../mcp/credential-check.js';
import { cleanToken, tokenProblem } from '../secrets.js';

/** The wizard runs when nothing says what to set up and a person is there to ask; anything else answers
 * from the flags. */
export function runsWizard(options: Options, context: Pick<RunContext, 'interactive'>): boolean {
  return options.tools.length === 0 && context.interactive && !options.yes && !options.json;
}

/** Starts the token check the flow is about to make, where it is sure to make it: no questions to ask, a
 * tool named, a token given, checks on, and a token that looks like one (the flow refuses any other unsent).
 * Its outcome is the flow's to report; here it is only begun. A run whose selected tools all take no token
 * (they sign in themselves) does not use it: that rare run pays one check it did not need. */
export function startTokenCheck(options: Options, context: Pick<RunContext, 'interactive' | 'http'>): void {
  // Without --tool the flags prompter stops at the first question (no tool selected): no check follows.
  if (runsWizard(options, context) || options.tools.length === 0 || !options.verify || options.token === undefined) return;
  const { token } = cleanToken(options.token.value);
  if (tokenProblem(token) !== undefined) return;
  void context
    .http()
    .then((http) => checkToken(http, options, token))
    .catch(() => undefined);
}
