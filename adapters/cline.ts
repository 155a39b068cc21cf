/** Cline, with two hosts that keep the same file format: the Cline CLI (`~/.cline/data/settings/
 * cline_mcp_settings.json`, or under `$CLINE_DIR`) and the VS Code extension (`<VS Code user folder>/
 * globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json`), `mcpServers.<name> = { type:
 * "streamableHttp", url, headers?, disabled: false }`. Cline expands no references in headers: a token is
 * written literally (mode 0600). User files only.
 *
 * Settled with the binary (CLI 3.0.65): the CLI reads this flat entry as it reads the `{ transport: { type,
 * url, headers } }` its own `cline mcp add` writes (both are read here too; ours replaces the nested form);
 * a `${VAR}` in a header is sent as written. The CLI has no list command: its settings screen (`cline config`
 * → MCP) marks each server with a dot, green once connected. An OAuth entry is tried without a credential (a
 * 401) and no sign-in starts by itself, so for the CLI a token is the sure way; the extension has an
 * Authenticate button. */
import { defineMultiHostAdapter } from '../src/kit/hosts-adapter.js';
import { headerOf } from '../src/kit/json-servers.js';
import { appSettingsDir, joinPath } from '../src/kit/paths.js';
import { NO_REFERENCES } from '../src/kit/references.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';

import type { Environment, SetupRequest } from '../src/model.js';

const CLI = 'Cline CLI';
const EXTENSION = 'Cline for VS Code';
const FILE = 'cline_mcp_settings.json';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `$CLINE_DIR` or `~/.cline` (3.0.65 writes `<CLINE_DIR>/data/settings/…`). */
const clineHome = (environment: Environment): string => environment.env.CLINE_DIR ?? joinPath(environment, environment.home, '.cline');

/** The extension's folder in VS Code's global storage. */
const extensionStorage = (environment: Environment): string =>
  joinPath(environment, appSettingsDir(environment), 'Code', 'User', 'globalStorage', 'saoudrizwan.claude-dev');

export function clineEntry(request: Pick<SetupRequest, 'serverUrl' | 'credential'>): Record<string, unknown> {
  const { credential } = request;
  return {
    type: 'streamableHttp',
    url: request.serverUrl,
    // The core gives a tool without references a literal token only.
    ...(credential.kind === 'token' ? { headers: { Authorization: `Bearer ${credential.token}` } } : {}),
    disabled: false,
  };
}

/** The URL and Authorization header of a flat entry, or of the nested `transport` the CLI writes itself. */
export function readClineEntry(entry: unknown): { url?: string; authorization?: string } {
  if (!isObject(entry)) return {};
  const source = typeof entry.url === 'string' ? entry : isObject(entry.transport) ? entry.transport : entry;
  const authorization = headerOf(source.headers, 'authorization');
  return { ...(typeof source.url === 'string' ? { url: source.url } : {}), ...(authorization === undefined ? {} : { authorization }) };
}

function host(name: string, dir: (environment: Environment) => string, commands: string[], signIn: string) {
  return defineServersFileAdapter(
    {
      id: 'cline',
      name: 'Cline',
      secretReference: 'none',
      clues: (environment) => ({ commands, configPaths: [dir(environment)] }),
      files: (environment) => ({
        user: { host: name, path: joinPath(environment, dir(environment), ...(name === CLI ? ['data'] : []), 'settings', FILE), format: 'json', serversPath: ['mcpServers'] },
      }),
      shape: {
        syntax: NO_REFERENCES,
        build: clineEntry,
        read: readClineEntry,
        // `disabled`, `timeout`, `autoApprove` are the user's once written.
        keys: { owned: [['type'], ['url'], ['headers', 'Authorization'], ['transport']] },
      },
      nextSteps: (request) => (request.credential.kind === 'oauth' ? [signIn.replace('<name>', request.name)] : []),
      reloadStep: () => `Start a new ${name} session to use it.`,
    },
    ['user'],
  );
}

export default defineMultiHostAdapter({
  id: 'cline',
  name: 'Cline',
  secretReference: 'none',
  hosts: [
    {
      name: EXTENSION,
      adapter: host(EXTENSION, extensionStorage, [], 'In VS Code open Cline → MCP Servers → Installed, find "<name>" and click Authenticate to sign in with mittwald.'),
    },
    {
      name: CLI,
      adapter: host(CLI, clineHome, ['cline'], 'The Cline CLI does not start the mittwald sign-in by itself: sign in from the VS Code extension (Cline → MCP Servers → Authenticate), or set it up with an API token (`--token-stdin`); `cline config` → MCP shows whether it connects.'),
    },
  ],
});
