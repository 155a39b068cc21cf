/** Cursor: `~/.cursor/mcp.json` or `<project>/.cursor/mcp.json`, `mcpServers.<name> = { url, headers? }`
 * (no `type` key). Cursor expands `${env:NAME}` in headers and signs in with OAuth on first use. */
import { bearerValue, readRemoteEntry } from '../src/kit/json-servers.js';
import { joinPath, localAppData } from '../src/kit/paths.js';
import { ENV_PREFIXED_SYNTAX } from '../src/kit/references.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';
import { exportVariableSteps } from '../src/kit/next-steps.js';

import type { Environment } from '../src/model.js';

export function cursorUserFile(environment: Environment): string {
  return joinPath(environment, environment.home, '.cursor', 'mcp.json');
}

/** Where the Cursor app is installed, for detection. */
function cursorInstallPaths(environment: Environment): string[] {
  const { home } = environment;
  switch (environment.platform) {
    case 'darwin':
      return ['/Applications/Cursor.app', joinPath(environment, home, 'Applications', 'Cursor.app')];
    case 'win32':
      return [joinPath(environment, localAppData(environment), 'Programs', 'cursor', 'Cursor.exe')];
    default:
      return ['/usr/share/cursor', '/opt/Cursor', joinPath(environment, home, 'Applications', 'cursor.AppImage')];
  }
}

export const cursorEntry = (serverUrl: string, authorization?: string) => ({
  url: serverUrl,
  ...(authorization === undefined ? {} : { headers: { Authorization: authorization } }),
});

/** Cursor's one-click install link: the bare entry as base64 JSON. */
export function cursorInstallLink(name: string, serverUrl: string): string {
  const config = Buffer.from(JSON.stringify(cursorEntry(serverUrl))).toString('base64');
  return `cursor://anysphere.cursor-deeplink/mcp/install?name=${encodeURIComponent(name)}&config=${encodeURIComponent(config)}`;
}

/** Cursor's desktop OAuth redirect, `http://localhost:8787/callback`: a fixed port. */
const CALLBACK_PORT = 8787;

export default Object.assign(defineServersFileAdapter({
  id: 'cursor',
  name: 'Cursor',
  secretReference: 'env',
  clues: (environment) => ({
    commands: ['cursor'],
    installPaths: cursorInstallPaths(environment),
    configPaths: [joinPath(environment, environment.home, '.cursor')],
  }),
  files: (environment, projectDir) => ({
    user: { path: cursorUserFile(environment), format: 'jsonc', serversPath: ['mcpServers'] },
    project: { path: joinPath(environment, projectDir, '.cursor', 'mcp.json'), format: 'jsonc', serversPath: ['mcpServers'] },
  }),
  shape: {
    syntax: ENV_PREFIXED_SYNTAX,
    build: (request) => cursorEntry(request.serverUrl, bearerValue(request.credential, (variable) => `\${env:${variable}}`)),
    read: (entry) => readRemoteEntry(entry),
    // No `type`: Cursor tells a remote server by its `url`. `auth` (an OAuth client of the user's) stays theirs.
    keys: { owned: [['url'], ['headers', 'Authorization']] },
  },
  nextSteps(request, _file, environment) {
    const { credential } = request;
    if (credential.kind === 'oauth') {
      return [
        `In Cursor open Settings → MCP, find "${request.name}" and click Connect (or Login) to sign in with mittwald.`,
        `Or install it with one click: ${cursorInstallLink(request.name, request.serverUrl)}`,
      ];
    }
    return credential.storage === 'ref' ? exportVariableSteps(environment, credential.envVar, 'Cursor') : [];
  },
  // With OAuth, Connect in the settings loads the entry anyway.
  reloadStep: ({ credential }) => (credential.kind === 'oauth' ? undefined : 'Reload Cursor (or toggle the server off and on in Settings → MCP) to pick up the change.'),
}), { callbackPorts: () => [CALLBACK_PORT] });
