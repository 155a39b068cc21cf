/** Antigravity (Google's agent IDE): `~/.gemini/config/mcp_config.json` — older builds read
 * `~/.gemini/antigravity/mcp_config.json`, written only when that folder is here — with `mcpServers.<name> = {
 * serverUrl, headers? }`. Antigravity documents no references in headers, so a token is written literally
 * (mode 0600). No binary here: the shape follows its documentation. */
import { defineMultiHostAdapter } from '../src/kit/hosts-adapter.js';
import { headerOf } from '../src/kit/json-servers.js';
import { joinPath, localAppData } from '../src/kit/paths.js';
import { NO_REFERENCES } from '../src/kit/references.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';

import type { Environment, SetupRequest } from '../src/model.js';

const CURRENT = 'Antigravity';
const OLDER = 'Antigravity (older builds)';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function readEntry(entry: unknown): { url?: string; authorization?: string } {
  if (!isObject(entry)) return {};
  const url = typeof entry.serverUrl === 'string' ? entry.serverUrl : typeof entry.url === 'string' ? entry.url : undefined;
  const authorization = headerOf(entry.headers, 'authorization');
  return { ...(url === undefined ? {} : { url }), ...(authorization === undefined ? {} : { authorization }) };
}

function installPaths(environment: Environment): string[] {
  switch (environment.platform) {
    case 'darwin':
      return ['/Applications/Antigravity.app', joinPath(environment, environment.home, 'Applications', 'Antigravity.app')];
    case 'win32':
      return [joinPath(environment, localAppData(environment), 'Programs', 'Antigravity', 'Antigravity.exe')];
    default:
      return ['/usr/share/antigravity', '/opt/Antigravity'];
  }
}

function host(name: string, folder: string, withInstall: boolean) {
  return defineServersFileAdapter(
    {
      id: 'antigravity',
      name: 'Antigravity',
      secretReference: 'none',
      clues: (environment) => ({
        ...(withInstall ? { commands: ['antigravity'], installPaths: installPaths(environment) } : {}),
        configPaths: [joinPath(environment, environment.home, '.gemini', folder)],
      }),
      files: (environment) => ({
        user: { host: name, path: joinPath(environment, environment.home, '.gemini', folder, 'mcp_config.json'), format: 'jsonc', serversPath: ['mcpServers'] },
      }),
      shape: {
        syntax: NO_REFERENCES,
        // The core gives a tool without references a literal token only.
        build: (request: SetupRequest) => ({
          serverUrl: request.serverUrl,
          ...(request.credential.kind === 'token' ? { headers: { Authorization: `Bearer ${request.credential.token}` } } : {}),
        }),
        read: readEntry,
        keys: { owned: [['serverUrl'], ['url'], ['headers', 'Authorization']] },
      },
      nextSteps: (request) =>
        request.credential.kind === 'oauth'
          ? [`In Antigravity open the agent panel's "…" menu → MCP Servers → Manage MCP Servers, find "${request.name}" and sign in with mittwald when it asks.`]
          : [],
      reloadStep: () => 'In Antigravity click Refresh under Manage MCP Servers (or restart it) to pick up the change.',
    },
    ['user'],
  );
}

export default defineMultiHostAdapter({
  id: 'antigravity',
  name: 'Antigravity',
  secretReference: 'none',
  hosts: [
    { name: CURRENT, adapter: host(CURRENT, 'config', true) },
    { name: OLDER, adapter: host(OLDER, 'antigravity', false) },
  ],
});
