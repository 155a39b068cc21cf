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
import { joinPath, xdgConfig, xdgData } from '../src/kit/paths.js';
import { numberField, readSignInStore, signInFromTokens, stringField, type StoredSignIn } from '../src/kit/sign-in-store.js';
import { isJsonObject } from '../src/files/json-object.js';
import { BRACED_ENV_SYNTAX } from '../src/kit/references.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';

import type { Adapter } from '../src/kit/adapter.js';
import type { Environment, InstalledEntry } from '../src/model.js';

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

/** Where opencode keeps its MCP sign-ins: `mcp-auth.json` in its data folder (`$XDG_DATA_HOME/opencode`, also
 * on macOS), `{ "<name>": { tokens?: { accessToken, refreshToken?, expiresAt (seconds, fractional), scope },
 * clientInfo: { clientId, clientIdIssuedAt, clientSecret? }, serverUrl, codeVerifier?, oauthState? } }`, keyed
 * by the entry's name alone; a login in progress leaves the verifier and state without tokens (seen with
 * 1.18.33). The issuer is not stored. */
export const opencodeAuthFile = (environment: Environment): string => joinPath(environment, xdgData(environment), 'opencode', 'mcp-auth.json');

/** opencode's sign-in redirect is `http://127.0.0.1:19876/mcp/oauth/callback` for every server (1.18.33). */
const CALLBACK_PORT = 19876;

async function opencodeSignIn(environment: Environment, entry: InstalledEntry): Promise<StoredSignIn> {
  const file = opencodeAuthFile(environment);
  const records = await readSignInStore(file);
  const record = records?.[entry.name];
  // A record for another URL is no sign-in for this entry: opencode signs in again for the new one.
  if (!isJsonObject(record) || (record.serverUrl !== undefined && record.serverUrl !== entry.url)) return { state: { status: 'not-signed-in', file } };
  const tokens = isJsonObject(record.tokens) ? record.tokens : {};
  const client = isJsonObject(record.clientInfo) ? record.clientInfo : {};
  const expiresAt = numberField(tokens, 'expiresAt');
  const clientId = stringField(client, 'clientId');
  return signInFromTokens(file, {
    accessToken: stringField(tokens, 'accessToken'),
    refreshToken: stringField(tokens, 'refreshToken'),
    expiresAt: expiresAt === undefined ? undefined : Math.round(expiresAt * 1000),
    clientId,
    scopes: stringField(tokens, 'scope')?.split(' ').filter(Boolean),
  });
}

const opencode: Adapter = {
  ...adapter,
  loginCommand: (name: string) => ['opencode', 'mcp', 'auth', name],
  logoutCommand: (name: string) => ['opencode', 'mcp', 'logout', name],
  signInState: opencodeSignIn,
  callbackPorts: (entry) => (entry.auth === 'oauth' ? [CALLBACK_PORT] : []),
  listCommand: ['opencode', 'mcp', 'list'],
};

export default opencode;
