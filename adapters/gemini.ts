/** Gemini CLI: `~/.gemini/settings.json` or `<project>/.gemini/settings.json` (JSONC), `mcpServers.<name> =
 * { httpUrl, headers? }`. Gemini expands `$VAR` and `${VAR}` in headers (an unset one becomes empty).
 *
 * Settled with the binary (0.61.0): `httpUrl` is streamable HTTP in every release and wins over `url`, which
 * older releases read as SSE (0.61.0's own `gemini mcp add --transport http` writes `url` + `type: "http"`,
 * which older releases misread), so we write `httpUrl` and own `url`/`type`. `gemini mcp list` shows
 * "Connected" or "Disconnected" — an OAuth entry before its sign-in is "Disconnected", there is no
 * needs-authentication state — and in a folder that is not trusted it disables every server, the user's too. */
import { bearerValue, headerOf } from '../src/kit/json-servers.js';
import { exportVariableSteps } from '../src/kit/next-steps.js';
import { joinPath } from '../src/kit/paths.js';
import { SHELL_SYNTAX } from '../src/kit/references.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';

import type { Environment } from '../src/model.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `~/.gemini`, where Gemini CLI keeps its user settings (the same on every platform). */
const geminiHome = (environment: Environment): string => joinPath(environment, environment.home, '.gemini');

export const geminiEntry = (serverUrl: string, authorization?: string) => ({
  httpUrl: serverUrl,
  ...(authorization === undefined ? {} : { headers: { Authorization: authorization } }),
});

/** The URL Gemini connects to (`httpUrl` before `url`) and the Authorization header it sends. */
export function readGeminiEntry(entry: unknown): { url?: string; authorization?: string } {
  if (!isObject(entry)) return {};
  const url = typeof entry.httpUrl === 'string' ? entry.httpUrl : typeof entry.url === 'string' ? entry.url : undefined;
  const authorization = headerOf(entry.headers, 'authorization');
  return { ...(url === undefined ? {} : { url }), ...(authorization === undefined ? {} : { authorization }) };
}

const TRUST_STEP = 'Gemini CLI loads MCP servers (yours too) only in folders you trust: answer "Trust folder" when it asks, or run `/permissions` in it.';

export default defineServersFileAdapter({
  id: 'gemini',
  name: 'Gemini CLI',
  secretReference: 'env',
  clues: (environment) => ({ commands: ['gemini'], configPaths: [joinPath(environment, geminiHome(environment), 'settings.json')] }),
  files: (environment, projectDir) => ({
    user: { path: joinPath(environment, geminiHome(environment), 'settings.json'), format: 'jsonc', serversPath: ['mcpServers'] },
    project: { path: joinPath(environment, projectDir, '.gemini', 'settings.json'), format: 'jsonc', serversPath: ['mcpServers'] },
  }),
  shape: {
    syntax: SHELL_SYNTAX,
    build: (request) => geminiEntry(request.serverUrl, bearerValue(request.credential, (variable) => `\${${variable}}`)),
    read: readGeminiEntry,
    keys: { owned: [['httpUrl'], ['url'], ['type'], ['headers', 'Authorization']] },
  },
  nextSteps(request, _file, environment) {
    const { credential, name } = request;
    const steps = [TRUST_STEP];
    if (credential.kind === 'oauth') {
      steps.push(`Sign in with mittwald: start \`gemini\` and run \`/mcp auth ${name}\` (it opens your browser); until then \`gemini mcp list\` shows it "Disconnected".`);
    } else if (credential.storage === 'ref') {
      steps.push(...exportVariableSteps(environment, credential.envVar, 'Gemini CLI'));
    }
    steps.push('`gemini mcp list` shows the entry and whether it connects.');
    return steps;
  },
  reloadStep: () => 'Start a new Gemini CLI session (or run `/mcp refresh`) to load the change.',
  // Gemini's policy engine splits `mcp_<server>_<tool>` at the first underscore after `mcp_`.
  warnings: ({ name }) => (name.includes('_') ? [`Gemini CLI misreads server names with "_" in its tool permissions: prefer --name ${name.replace(/_/g, '-')}.`] : []),
});
