/** Hermes Agent (in mittwald's docs): `~/.hermes/config.yaml` (Windows `%LOCALAPPDATA%\hermes\config.yaml`),
 * `mcp_servers.<name>: { url, auth: oauth, enabled: true }`, or with `headers: { Authorization: "Bearer
 * ${MITTWALD_API_TOKEN}" }` instead of `auth` (Hermes expands `${VAR}` when it connects). User file only.
 *
 * The file is the user's whole Hermes config, planned by the core's servers-map planner over its YAML backend,
 * which edits the text so that the user's comments and layout stay and reads YAML 1.1, as Hermes (Python) does. No binary
 * here (Hermes installs from PyPI): the shape follows mittwald's documentation; `hermes mcp test <name>` is the
 * user's own check. */
import { bearerValue, readRemoteEntry } from '../src/kit/json-servers.js';
import type { EntryKeys } from '../src/kit/entry-keys.js';
import type { Environment, SetupRequest } from '../src/model.js';
import { exportVariableSteps } from '../src/kit/next-steps.js';
import { joinPath, localAppData } from '../src/kit/paths.js';
import { SHELL_BRACED_SYNTAX } from '../src/kit/references.js';
import { defineServersFileAdapter } from '../src/kit/servers-file-adapter.js';

const NAME = 'Hermes Agent';

export function hermesHome(environment: Environment): string {
  return environment.platform === 'win32' ? joinPath(environment, localAppData(environment), 'hermes') : joinPath(environment, environment.home, '.hermes');
}

export const hermesConfigFile = (environment: Environment): string => joinPath(environment, hermesHome(environment), 'config.yaml');

/** Our entry: OAuth (`auth: oauth`, Hermes signs in itself) or a bearer header (a `${VAR}` reference or the
 * token itself). */
export function hermesEntry(request: Pick<SetupRequest, 'serverUrl' | 'credential'>): Record<string, unknown> {
  const authorization = bearerValue(request.credential, (variable) => `\${${variable}}`);
  return {
    url: request.serverUrl,
    ...(authorization === undefined ? { auth: 'oauth' } : { headers: { Authorization: authorization } }),
    enabled: true,
  };
}

/** `enabled` is written once and then the user's, like `timeout` and their tool filters. */
export const HERMES_KEYS: EntryKeys = { owned: [['url'], ['auth'], ['headers', 'Authorization']] };

const adapter = defineServersFileAdapter(
  {
    id: 'hermes',
    name: NAME,
    secretReference: 'env',
    clues: (environment) => ({ commands: ['hermes'], configPaths: [hermesHome(environment)] }),
    files: (environment) => ({ user: { path: hermesConfigFile(environment), format: 'yaml', serversPath: ['mcp_servers'] } }),
    shape: { build: hermesEntry, read: (entry) => readRemoteEntry(entry), syntax: SHELL_BRACED_SYNTAX, keys: HERMES_KEYS },
    nextSteps({ credential, name }, _file, environment) {
      const steps: string[] = [];
      if (credential.kind === 'oauth') steps.push(`Sign in with mittwald: run \`hermes mcp login ${name}\` (it opens your browser).`);
      else if (credential.storage === 'ref') steps.push(...exportVariableSteps(environment, credential.envVar, NAME));
      steps.push(`\`hermes mcp test ${name}\` checks the connection.`);
      return steps;
    },
    reloadStep: () => `Start a new ${NAME} session (or run \`/reload-mcp\` in it) to load the change.`,
  },
  ['user'],
);

export default { ...adapter, loginCommand: (name: string) => ['hermes', 'mcp', 'login', name], listCommand: ['hermes', 'mcp', 'list'] };
