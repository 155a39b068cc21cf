/** Windsurf, with two hosts. Cascade (the classic agent): `~/.codeium/windsurf/mcp_config.json`,
 * `mcpServers.<name> = { serverUrl, headers? }`. Devin Local (its newer default agent) reads the Devin config
 * `~/.config/devin/config.json` (Windows `%APPDATA%\devin\config.json`; project `.devin/config.json`),
 * `mcpServers.<name> = { url, transport: "http", headers? }`. Both expand `${env:VAR}` in headers and sign in
 * with OAuth themselves. No binary here: the shapes follow Windsurf's and Devin's documentation. */
import { defineMultiHostAdapter } from '../src/kit/hosts-adapter.js';
import { bearerValue, headerOf } from '../src/kit/json-servers.js';
import { exportVariableSteps } from '../src/kit/next-steps.js';
import { appData, joinPath, localAppData, xdgConfig } from '../src/kit/paths.js';
import { ENV_PREFIXED_SYNTAX } from '../src/kit/references.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';

import type { Environment, SetupRequest } from '../src/model.js';

const CASCADE = 'Windsurf Cascade';
const DEVIN = 'Devin Local';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const reference = (request: SetupRequest) => bearerValue(request.credential, (variable) => `\${env:${variable}}`);
const headers = (authorization: string | undefined) => (authorization === undefined ? {} : { headers: { Authorization: authorization } });

/** Reads the URL (`serverUrl` for Cascade, `url` for Devin; either is taken) and the Authorization header. */
function readEntry(entry: unknown): { url?: string; authorization?: string } {
  if (!isObject(entry)) return {};
  const url = typeof entry.serverUrl === 'string' ? entry.serverUrl : typeof entry.url === 'string' ? entry.url : undefined;
  const authorization = headerOf(entry.headers, 'authorization');
  return { ...(url === undefined ? {} : { url }), ...(authorization === undefined ? {} : { authorization }) };
}

function windsurfInstallPaths(environment: Environment): string[] {
  switch (environment.platform) {
    case 'darwin':
      return ['/Applications/Windsurf.app', joinPath(environment, environment.home, 'Applications', 'Windsurf.app')];
    case 'win32':
      return [joinPath(environment, localAppData(environment), 'Programs', 'Windsurf', 'Windsurf.exe')];
    default:
      return ['/usr/share/windsurf', '/opt/Windsurf'];
  }
}

const devinHome = (environment: Environment): string =>
  environment.platform === 'win32' ? joinPath(environment, appData(environment), 'devin') : joinPath(environment, xdgConfig(environment), 'devin');

function nextSteps(app: string) {
  return (request: SetupRequest, _file: unknown, environment: Environment): string[] => {
    const { credential, name } = request;
    if (credential.kind === 'oauth') return [`In ${app} open the MCP servers list, find "${name}" and click Authenticate (it shows "Needs auth" until you sign in with mittwald).`];
    return credential.storage === 'ref' ? exportVariableSteps(environment, credential.envVar, 'Windsurf') : [];
  };
}

const cascade = defineServersFileAdapter(
  {
    id: 'windsurf',
    name: 'Windsurf',
    secretReference: 'env',
    clues: (environment) => ({
      commands: ['windsurf'],
      installPaths: windsurfInstallPaths(environment),
      configPaths: [joinPath(environment, environment.home, '.codeium', 'windsurf')],
    }),
    files: (environment) => ({
      user: { host: CASCADE, path: joinPath(environment, environment.home, '.codeium', 'windsurf', 'mcp_config.json'), format: 'jsonc', serversPath: ['mcpServers'] },
    }),
    shape: {
      syntax: ENV_PREFIXED_SYNTAX,
      build: (request) => ({ serverUrl: request.serverUrl, ...headers(reference(request)) }),
      read: readEntry,
      keys: { owned: [['serverUrl'], ['url'], ['headers', 'Authorization']] },
    },
    nextSteps: nextSteps('Windsurf (Cascade → MCP servers)'),
    reloadStep: () => 'In Windsurf click Refresh in Cascade → MCP servers (or restart it) to pick up the change.',
  },
  ['user'],
);

const devin = defineServersFileAdapter({
  id: 'windsurf',
  name: 'Windsurf',
  secretReference: 'env',
  clues: (environment) => ({ commands: ['devin'], configPaths: [devinHome(environment)] }),
  files: (environment, projectDir) => ({
    user: { host: DEVIN, path: joinPath(environment, devinHome(environment), 'config.json'), format: 'jsonc', serversPath: ['mcpServers'] },
    project: { host: DEVIN, path: joinPath(environment, projectDir, '.devin', 'config.json'), format: 'jsonc', serversPath: ['mcpServers'] },
  }),
  shape: {
    syntax: ENV_PREFIXED_SYNTAX,
    build: (request) => ({ url: request.serverUrl, transport: 'http', ...headers(reference(request)) }),
    read: readEntry,
    keys: { owned: [['url'], ['serverUrl'], ['transport'], ['type'], ['headers', 'Authorization']] },
  },
  nextSteps: nextSteps('Windsurf (the Devin agent)'),
  reloadStep: () => 'Start a new Devin session in Windsurf to load the change.',
});

export default defineMultiHostAdapter({
  id: 'windsurf',
  name: 'Windsurf',
  secretReference: 'env',
  hosts: [
    { name: DEVIN, adapter: devin },
    { name: CASCADE, adapter: cascade },
  ],
});
