/** Hermes Agent (in mittwald's docs): `~/.hermes/config.yaml` (Windows `%LOCALAPPDATA%\hermes\config.yaml`),
 * `mcp_servers.<name>: { url, auth: oauth, enabled: true }`, or with `headers: { Authorization: "Bearer
 * ${MITTWALD_API_TOKEN}" }` instead of `auth` (Hermes expands `${VAR}` when it connects). User file only.
 *
 * The file is the user's whole Hermes config, edited as text (src/files/yaml-document.ts) so that their comments and
 * layout stay; Hermes is a Python program reading YAML 1.1, which is how the file is parsed here too. No binary
 * here (Hermes installs from PyPI): the shape follows mittwald's documentation; `hermes mcp test <name>` is the
 * user's own check. */
import type { Adapter } from '../src/kit/adapter.js';
import { readConfigFile } from '../src/files/config-file.js';
import { detectFromClues } from '../src/kit/detect.js';
import { entryWarnings, updateEntry, type EntryKeys } from '../src/kit/entry-keys.js';
import { SetupError } from '../src/errors.js';
import { bearerValue, describeAuthorization, headerOf } from '../src/kit/json-servers.js';
import type { Environment, FileStep, InstalledEntry, SetupRequest, ToolPlan } from '../src/model.js';
import { exportVariableSteps } from '../src/kit/next-steps.js';
import { joinPath, localAppData } from '../src/kit/paths.js';
import { SHELL_BRACED_SYNTAX } from '../src/kit/references.js';
import { bridgedUrl, classifyServerUrl, findStaleEntries } from '../src/kit/server-url.js';
import { readFileRecord, restoreOnRemoval, setupChange, setupStateFile } from '../src/files/setup-state.js';
import type { YamlOptions } from '../src/files/yaml-document.js';

/** The YAML editor and its library (~120 KB) load only when a Hermes file is read. */
const yamlEditor = () => import('../src/files/yaml-document.js');

const NAME = 'Hermes Agent';
const SERVERS = 'mcp_servers';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function hermesHome(environment: Environment): string {
  return environment.platform === 'win32' ? joinPath(environment, localAppData(environment), 'hermes') : joinPath(environment, environment.home, '.hermes');
}

export const hermesConfigFile = (environment: Environment): string => joinPath(environment, hermesHome(environment), 'config.yaml');

const yamlOptions = (path: string): YamlOptions => ({ version: '1.1', path });

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

function readEntry(entry: unknown): { url?: string; authorization?: string } {
  if (!isObject(entry)) return {};
  const authorization = headerOf(entry.headers, 'authorization');
  return { ...(typeof entry.url === 'string' ? { url: entry.url } : {}), ...(authorization === undefined ? {} : { authorization }) };
}

/** The `mcp_servers` map of a parsed config (`{}` when absent or empty). */
function serversOf(document: Record<string, unknown>, path: string): Record<string, unknown> {
  const servers = document[SERVERS];
  if (servers === undefined || servers === null) return {};
  if (!isObject(servers)) {
    throw new SetupError('CONFIG_PARSE', `${path}: "${SERVERS}" is not a map.`, { hint: `Fix "${SERVERS}" in ${path} by hand (it must map server names to entries), then run again.` });
  }
  return servers;
}

function nextSteps(request: SetupRequest, environment: Environment): string[] {
  const { credential, name } = request;
  const steps: string[] = [];
  if (credential.kind === 'oauth') steps.push(`Sign in with mittwald: run \`hermes mcp login ${name}\` (it opens your browser).`);
  else if (credential.storage === 'ref') steps.push(...exportVariableSteps(environment, credential.envVar, NAME));
  steps.push(`\`hermes mcp test ${name}\` checks the connection.`);
  return steps;
}

const adapter: Adapter = {
  id: 'hermes',
  name: NAME,
  kind: 'config',
  scopes: ['user'],
  acceptsToken: true,
  secretReference: 'env',

  detect: (environment) => detectFromClues('hermes', environment, { commands: ['hermes'], configPaths: [hermesHome(environment)] }),

  async plan(environment, request): Promise<ToolPlan[]> {
    const path = hermesConfigFile(environment);
    const snapshot = await readConfigFile(path);
    const before = snapshot.text;
    const { parseYamlDocument, removeYamlValue, setYamlValue } = await yamlEditor();
    const document = parseYamlDocument(before ?? '', yamlOptions(path));
    const servers = serversOf(document, path);
    const found = Object.entries(servers).map(([name, raw]) => ({ name, url: readEntry(raw).url ?? bridgedUrl(raw) }));
    const stale = findStaleEntries(found, request.name, request.serverUrl, path);

    const updated = updateEntry(servers[request.name], hermesEntry(request), HERMES_KEYS);
    let text = setYamlValue(before ?? '', [SERVERS, request.name], updated.entry, yamlOptions(path));
    if (request.replaceStale) for (const old of stale) text = removeYamlValue(text, [SERVERS, old.name], yamlOptions(path));
    const secret = request.credential.kind === 'token' && request.credential.storage === 'literal';
    const after = text === (before ?? '') ? before : text;
    // `mcp_servers:` with nothing under it was there already: remove leaves it.
    const added = after !== before && !Object.hasOwn(document, SERVERS) ? [[SERVERS]] : [];
    const step: FileStep = { kind: 'file', path, before, after, secret, ...(after === before ? {} : { record: setupChange(snapshot, request.name, secret, added) }) };
    return [
      {
        tool: 'hermes',
        target: `${NAME} (user)`,
        steps: [step],
        stale: request.replaceStale ? stale : [],
        staleKept: request.replaceStale ? [] : stale,
        nextSteps: nextSteps(request, environment),
        reloadStep: `Start a new ${NAME} session (or run \`/reload-mcp\` in it) to load the change.`,
        warnings: entryWarnings(path, request.name, updated, (key, value) => `${key}: ${JSON.stringify(value)}`),
      },
    ];
  },

  async planRemove(environment, { name }): Promise<ToolPlan[]> {
    const path = hermesConfigFile(environment);
    const snapshot = await readConfigFile(path);
    const before = snapshot.text;
    let step: FileStep = { kind: 'file', path, before, after: before, secret: false };
    const { parseYamlDocument, removeYamlValue, valueAt } = await yamlEditor();
    // removeYamlValue refuses an unparseable file and returns the same text when the entry is absent.
    let text = before === null ? before : removeYamlValue(before, [SERVERS, name], yamlOptions(path));
    if (text !== null && text !== before) {
      const record = await readFileRecord(setupStateFile(environment), snapshot.realPath);
      // The map setup added goes again once it is empty; one that was there stays, even empty.
      const emptied = valueAt(parseYamlDocument(text, yamlOptions(path)), [SERVERS]) === null;
      const addedMap = record?.added.some((added) => added.length === 1 && added[0] === SERVERS) === true;
      if (emptied && addedMap) text = removeYamlValue(text, [SERVERS], yamlOptions(path));
      const { mode, deleted } = restoreOnRemoval(record, name, text.trim() === '' || text === '\uFEFF');
      step = {
        ...step,
        after: deleted ? null : text,
        ...(mode === undefined ? {} : { mode }),
        record: { kind: 'remove', realPath: snapshot.realPath, entry: name, removed: emptied && addedMap ? [[SERVERS]] : [], modeRestored: mode !== undefined, deleted },
      };
    }
    return [{ tool: 'hermes', target: `${NAME} (user)`, steps: [step], stale: [], staleKept: [], nextSteps: [], warnings: [] }];
  },

  loginCommand: (name) => ['hermes', 'mcp', 'login', name],
  listCommand: ['hermes', 'mcp', 'list'],

  async inspect(environment, options): Promise<InstalledEntry[]> {
    const path = hermesConfigFile(environment);
    const { text } = await readConfigFile(path);
    if (text === null) return [];
    const { parseYamlDocument } = await yamlEditor();
    const servers = serversOf(parseYamlDocument(text, yamlOptions(path)), path);
    const entries: InstalledEntry[] = [];
    for (const [name, raw] of Object.entries(servers)) {
      const { url: direct, authorization } = readEntry(raw);
      const url = direct ?? bridgedUrl(raw);
      if (url === undefined) continue;
      if (name !== options.name && classifyServerUrl(url, options.serverUrl) === 'other') continue;
      entries.push({ tool: 'hermes', scope: 'user', file: path, name, url, ...describeAuthorization(authorization, SHELL_BRACED_SYNTAX, environment) });
    }
    return entries;
  },
};

export default adapter;
