/** Zed: its editor settings `~/.config/zed/settings.json` (`$XDG_CONFIG_HOME/zed`, also on macOS; Windows
 * `%APPDATA%\Zed\settings.json`) or `<project>/.zed/settings.json`, `context_servers.<name> = { url,
 * headers? }`. That file holds all of the user's editor settings (JSONC, often with comments and trailing
 * commas): only our key is edited. Zed expands no references in headers, so a token is written literally
 * (the file then gets mode 0600). No binary here: the shape follows Zed's documentation. */
import { readRemoteEntry } from '../src/kit/json-servers.js';
import { appData, joinPath, localAppData, xdgConfig } from '../src/kit/paths.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';
import { NO_REFERENCES } from '../src/kit/references.js';

import type { Environment } from '../src/model.js';

export function zedConfigDir(environment: Environment): string {
  return environment.platform === 'win32' ? joinPath(environment, appData(environment), 'Zed') : joinPath(environment, xdgConfig(environment), 'zed');
}

function zedInstallPaths(environment: Environment): string[] {
  switch (environment.platform) {
    case 'darwin':
      return ['/Applications/Zed.app', joinPath(environment, environment.home, 'Applications', 'Zed.app')];
    case 'win32':
      return [joinPath(environment, localAppData(environment), 'Programs', 'Zed', 'Zed.exe')];
    default:
      return [joinPath(environment, environment.home, '.local', 'zed.app')];
  }
}

export default defineServersFileAdapter({
  id: 'zed',
  name: 'Zed',
  secretReference: 'none',
  clues: (environment) => ({ commands: ['zed', 'zeditor'], installPaths: zedInstallPaths(environment), configPaths: [zedConfigDir(environment)] }),
  files: (environment, projectDir) => ({
    user: { path: joinPath(environment, zedConfigDir(environment), 'settings.json'), format: 'jsonc', serversPath: ['context_servers'] },
    project: { path: joinPath(environment, projectDir, '.zed', 'settings.json'), format: 'jsonc', serversPath: ['context_servers'] },
  }),
  shape: {
    // Zed expands nothing: a `${…}` in a header is sent as written, and checked as such.
    syntax: NO_REFERENCES,
    build: (request) => ({
      url: request.serverUrl,
      // The core gives a tool without references a literal token only.
      ...(request.credential.kind === 'token' ? { headers: { Authorization: `Bearer ${request.credential.token}` } } : {}),
    }),
    read: (entry) => readRemoteEntry(entry),
    keys: { owned: [['url'], ['headers', 'Authorization']] },
  },
  nextSteps(request) {
    if (request.credential.kind !== 'oauth') return [];
    return [`In Zed open the Agent Panel's settings, find "${request.name}" under MCP servers and click Authenticate to sign in with mittwald.`];
  },
  reloadStep: () => 'Zed picks up the change by itself once the settings file is saved.',
});
