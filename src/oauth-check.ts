/** The OAuth side of the credential check: proves the server is reachable and asks for an OAuth sign-in.
 * Tokens obtained here are never written anywhere. */
import { errorDetails } from './connection.js';
import type { HttpClient } from './http.js';
import type { Options } from './options.js';
import { SYMBOLS } from './output.js';
import type { RunContext } from './run-context.js';
import { probeMcpAuth } from './verify.js';

export async function checkOAuthSignIn(http: HttpClient, options: Options, context: RunContext): Promise<Record<string, unknown>> {
  const { out } = context;
  const probe = await probeMcpAuth(http, options.serverUrl);
  if (!probe.requiresAuth) {
    out.line(`${out.paint.yellow(SYMBOLS.warn)} ${options.serverUrl} answered without asking for a sign-in.`);
    return { signIn: 'not-required' };
  }
  out.line(`${out.paint.green(SYMBOLS.ok)} ${options.serverUrl} is reachable and asks for an OAuth sign-in; each tool signs in itself.`);
  return { signIn: 'not-tested' };
}

export { errorDetails };
