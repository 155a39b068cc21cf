/** opencode: `~/.config/opencode/opencode.json` (`$XDG_CONFIG_HOME/opencode`, also on macOS and Windows) or
 * `<project>/opencode.json`, JSONC, `mcp.<name> = { type: "remote", url, headers?, enabled: true }`.
 * opencode expands `{env:VAR}` anywhere in the file and runs the OAuth flow itself (`opencode mcp auth`).
 *
 * Settled with the binary (1.18.33): servers sit directly under `mcp` (no `mcp.servers` nesting); it merges
 * `config.json`, `opencode.json` and `opencode.jsonc` of the folder, so an entry of ours in `opencode.json`
 * is read beside a `.jsonc` of the user's; `opencode mcp list` says "connected", "needs authentication" or
 * "failed" (an unset `{env:…}` variable fails). */
import { bearerValue, readRemoteEntry } from '../src/kit/json-servers.js';
import { exportVariableSteps } from '../src/kit/next-steps.js';
import { joinPath, xdgConfig } from '../src/kit/paths.js';
import { BRACED_ENV_SYNTAX } from '../src/kit/references.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';

import type { Adapter } from '../src/kit/adapter.js';
import type { Environment } from '../src/model.js';

const opencodeHome = (environment: Environment): string => joinPath(environment, xdgConfig(environment), 'opencode');

export const opencodeEntry = (serverUrl: string, authorization?: string) => ({
  type: 'remote',
  url: serverUrl,
  ...(authorization === undefined ? {} : { headers: { Authorization: authorization } }),
  enabled: true,
});

const LOCAL_ONLY = 'only a local opencode server uses it, and this entry connects to a URL';

const adapter = defineServersFileAdapter({
  id: 'opencode',
  name: 'opencode',
  secretReference: 'env',
  clues: (environment) => ({ commands: ['opencode'], configPaths: [opencodeHome(environment)] }),
  files: (environment, projectDir) => ({
    user: { path: joinPath(environment, opencodeHome(environment), 'opencode.json'), format: 'jsonc', serversPath: ['mcp'] },
    project: { path: joinPath(environment, projectDir, 'opencode.json'), format: 'jsonc', serversPath: ['mcp'] },
  }),
  shape: {
    syntax: BRACED_ENV_SYNTAX,
    build: (request) => opencodeEntry(request.serverUrl, bearerValue(request.credential, (variable) => `{env:${variable}}`)),
    read: (entry) => readRemoteEntry(entry),
    // `enabled` is written once and then the user's; `oauth` (their own OAuth client, or false) stays theirs.
    keys: { owned: [['type'], ['url'], ['headers', 'Authorization']], conflicting: { environment: LOCAL_ONLY } },
  },
  nextSteps(request, _file, environment) {
    const { credential, name } = request;
    const inProject = request.scope === 'project' ? ' in the project folder' : '';
    if (credential.kind === 'oauth') {
      return [`Sign in with mittwald: run \`opencode mcp auth ${name}\`${inProject} (it opens your browser); \`opencode mcp list\` then shows it "connected".`];
    }
    return [...(credential.storage === 'ref' ? exportVariableSteps(environment, credential.envVar, 'opencode') : []), `\`opencode mcp list\`${inProject} shows whether it connects.`];
  },
  reloadStep: () => 'Start a new opencode session to load the change.',
});

const opencode: Adapter = {
  ...adapter,
  loginCommand: (name: string) => ['opencode', 'mcp', 'auth', name],
  listCommand: ['opencode', 'mcp', 'list'],
};

export default opencode;
