/** Codex CLI: `$CODEX_HOME/config.toml` (default `~/.codex/config.toml`) or `<project>/.codex/config.toml`,
 * which Codex reads only in trusted projects. Entry: `[mcp_servers.<name>]` with `url` plus
 * `bearer_token_env_var = "VAR"` (a reference by name), `http_headers = { Authorization = "Bearer …" }`
 * (literal), or nothing (OAuth via `codex mcp login`, optionally with `scopes = [..]`).
 *
 * The core's servers-map planner edits the TOML text (its TOML backend) instead of running `codex mcp add`, which rewrites the whole file and drops
 * the user's comments. Codex rejects an inline `bearer_token` and silently ignores a `headers` key, so
 * neither is ever written. */
import { isDeepStrictEqual } from 'node:util';
import type { Adapter } from '../src/kit/adapter.js';
import { readConfigFile, type ConfigFileSnapshot } from '../src/files/config-file.js';
import { updateEntry, type EntryKeys } from '../src/kit/entry-keys.js';
import { findOnPath, remoteSession } from '../src/system/environment.js';
import { SetupError } from '../src/errors.js';
import { headerOf } from '../src/kit/json-servers.js';
import { DEFAULT_ENTRY_NAME, type Activation, type Environment, type InstalledEntry, type Scope, type SetupRequest } from '../src/model.js';
import { exportVariableSteps } from '../src/kit/next-steps.js';
import { joinPath } from '../src/kit/paths.js';
import { bridgedUrl, classifyServerUrl } from '../src/kit/server-url.js';
import type { ServersFile } from '../src/kit/json-servers.js';
import { NO_REFERENCES } from '../src/kit/references.js';
import { defineServersFileAdapter, projectDirectory } from '../src/kit/servers-file-adapter.js';
import { parseTomlDocument } from '../src/files/toml-document.js';
import { runToolCommand } from '../src/kit/tool-command.js';
import { findStoreRecord, numberField, readSignInStore, signInFromTokens, stringField, type StoredSignIn } from '../src/kit/sign-in-store.js';

const NAME = 'Codex CLI';
/** How next steps name the program the user runs. */
const APP = 'Codex';

/** Our `[mcp_servers.<name>]` table for a request. */
export function codexEntry(request: Pick<SetupRequest, 'serverUrl' | 'credential'>): Record<string, unknown> {
  const { credential } = request;
  if (credential.kind === 'oauth') {
    return { url: request.serverUrl, ...(credential.scopes?.length ? { scopes: [...credential.scopes] } : {}) };
  }
  if (credential.storage === 'ref') return { url: request.serverUrl, bearer_token_env_var: credential.envVar };
  return { url: request.serverUrl, http_headers: { Authorization: `Bearer ${credential.token}` } };
}

/** The keys of our table: the URL and every way Codex takes a credential. The rest — `enabled`,
 * `startup_timeout_sec`, `tool_timeout_sec`, `enabled_tools`, `[….tools.<name>]`, other headers — is the
 * user's. Codex refuses the keys of a local server on a URL entry (0.171.0 stops loading its config with
 * "env is not supported for streamable_http"), so those are dropped. */
const CODEX_REFUSES = 'Codex refuses it on a URL server ("… is not supported for streamable_http") and would not load its config';
export const CODEX_KEYS: EntryKeys = {
  owned: [['url'], ['bearer_token_env_var'], ['bearer_token'], ['http_headers', 'Authorization'], ['env_http_headers', 'Authorization'], ['scopes']],
  conflicting: { command: CODEX_REFUSES, args: CODEX_REFUSES, env: CODEX_REFUSES, env_vars: CODEX_REFUSES, cwd: CODEX_REFUSES },
};

/** `$CODEX_HOME` or `~/.codex` (`%USERPROFILE%\\.codex` on Windows). */
export function codexHome(environment: Environment): string {
  return environment.env.CODEX_HOME ?? joinPath(environment, environment.home, '.codex');
}

/** `$CODEX_HOME/config.toml`, the user-wide file. */
export const codexUserFile = (environment: Environment): string => joinPath(environment, codexHome(environment), 'config.toml');

export const codexProjectFile = (environment: Environment, projectDir: string): string =>
  joinPath(environment, projectDir, '.codex', 'config.toml');

interface CodexFiles {
  projectDir: string;
  user: string;
  project: string;
}

async function codexFiles(environment: Environment): Promise<CodexFiles> {
  const projectDir = await projectDirectory(environment);
  return { projectDir, user: codexUserFile(environment), project: codexProjectFile(environment, projectDir) };
}

const isTable = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** The `mcp_servers` table of a parsed document (`{}` when absent). */
function serversOf(document: Record<string, unknown>, path: string): Record<string, unknown> {
  const servers = document['mcp_servers'];
  if (servers === undefined) return {};
  if (!isTable(servers)) {
    throw new SetupError('CONFIG_PARSE', `${path}: "mcp_servers" is not a table.`, {
      hint: `Fix "mcp_servers" in ${path} by hand (it must hold [mcp_servers.<name>] tables), then run again.`,
    });
  }
  return servers;
}

/** The keys of a server table that decide where Codex connects and what it sends. Wrongly typed keys count as
 * absent: Codex would refuse them anyway, and the user then sees that in `codex mcp list`. */
export interface CodexServerEntry {
  url?: string;
  bearer_token_env_var?: string;
  http_headers?: Record<string, unknown>;
  env_http_headers?: Record<string, unknown>;
}

/** Those keys of a server table (undefined when it is no table). */
function readServerEntry(raw: unknown): CodexServerEntry | undefined {
  if (!isTable(raw)) return undefined;
  const { url, bearer_token_env_var: variable, http_headers: headers, env_http_headers: envHeaders } = raw;
  return {
    ...(typeof url === 'string' ? { url } : {}),
    ...(typeof variable === 'string' ? { bearer_token_env_var: variable } : {}),
    ...(isTable(headers) ? { http_headers: headers } : {}),
    ...(isTable(envHeaders) ? { env_http_headers: envHeaders } : {}),
  };
}

/** How Codex will authenticate with one server table, references resolved from `environment`. */
export function describeCodexAuth(entry: CodexServerEntry, environment: Environment): Pick<InstalledEntry, 'auth' | 'authorization' | 'unresolved'> {
  const fromVariable = (variable: string, toHeader: (value: string) => string): Pick<InstalledEntry, 'auth' | 'authorization' | 'unresolved'> => {
    const value = environment.env[variable];
    return value ? { auth: 'token-ref', authorization: toHeader(value), unresolved: [] } : { auth: 'token-ref', unresolved: [variable] };
  };
  if (entry.bearer_token_env_var) return fromVariable(entry.bearer_token_env_var, (value) => `Bearer ${value}`);
  // env_http_headers maps a header to the variable holding its whole value.
  const headerVariable = headerOf(entry.env_http_headers, 'authorization');
  if (headerVariable) return fromVariable(headerVariable, (value) => value);
  const literal = headerOf(entry.http_headers, 'authorization');
  if (literal !== undefined) return { auth: 'token-literal', authorization: literal, unresolved: [] };
  return { auth: 'oauth', unresolved: [] };
}

/** A config file's parsed document; `undefined` when it is missing, or unparseable and `lenient`. */
async function readDocument(path: string, lenient = false): Promise<{ text: string | null; document: Record<string, unknown> | undefined; snapshot: ConfigFileSnapshot }> {
  const snapshot = await readConfigFile(path);
  const { text } = snapshot;
  if (text === null) return { text, document: undefined, snapshot };
  try {
    return { text, document: parseTomlDocument(text, path), snapshot };
  } catch (error) {
    // A file we only look at for warnings is reported when it is itself planned or inspected.
    if (lenient) return { text, document: undefined, snapshot };
    throw error;
  }
}

/** Whether the user config marks `projectDir` as trusted, so that Codex reads the project's file. */
function isTrusted(userDocument: Record<string, unknown> | undefined, projectDir: string): boolean {
  const projects = userDocument?.['projects'];
  const project = isTable(projects) ? projects[projectDir] : undefined;
  return isTable(project) && project['trust_level'] === 'trusted';
}

/** Codex merges its config layers key by key, the project's over the user's (observed with 0.171.0): a user
 * table of the same name adds its keys to the project's entry. Arrays and other values are replaced. */
export function mergeCodexLayers(lower: unknown, upper: unknown): unknown {
  if (!isTable(lower) || !isTable(upper)) return upper;
  const merged: Record<string, unknown> = { ...lower };
  for (const [key, value] of Object.entries(upper)) merged[key] = Object.hasOwn(lower, key) ? mergeCodexLayers(lower[key], value) : value;
  return merged;
}

/** Keys that the other layer's table `name` adds to or changes in `entry` once Codex merges them. */
function keysChangedByLayer(entry: Record<string, unknown>, other: unknown, otherIsLower: boolean): string[] {
  if (!isTable(other)) return [];
  const merged = (otherIsLower ? mergeCodexLayers(other, entry) : mergeCodexLayers(entry, other)) as Record<string, unknown>;
  return Object.keys(merged).filter((key) => !isDeepStrictEqual(merged[key], entry[key]));
}

/** Warnings about the same entry name in the other layer, which Codex merges with ours. */
function layerWarnings(request: SetupRequest, entry: Record<string, unknown>, files: CodexFiles, otherServers: Record<string, unknown>): string[] {
  const other = otherServers[request.name];
  const table = `[mcp_servers.${request.name}]`;
  if (request.scope === 'project') {
    const keys = keysChangedByLayer(entry, other, true);
    const nameFlag = request.name === DEFAULT_ENTRY_NAME ? '' : ` --name ${request.name}`;
    return keys.length === 0
      ? []
      : [`${files.user} also has ${table}; Codex merges it into this project's entry key by key, adding ${keys.join(', ')}. Take it out there (\`mittwald-mcp-setup remove --tool codex --scope user${nameFlag}\`) or use another --name.`];
  }
  const keys = keysChangedByLayer(entry, other, false);
  return keys.length === 0
    ? []
    : [`${files.project} also has ${table}; in ${files.projectDir} (once trusted) Codex lets its ${keys.join(', ')} override the entry written here.`];
}

function trustStep(environment: Environment, projectDir: string): string {
  return (
    `${APP} reads .codex/config.toml only in projects you trust: start \`codex\` in ${projectDir} and answer yes when it asks to trust the folder, ` +
    `or add \`[projects."${projectDir.replace(/\\/g, '\\\\')}"]\` with \`trust_level = "trusted"\` to ${codexUserFile(environment)}.`
  );
}

function nextSteps(request: SetupRequest, environment: Environment, where: { projectDir: string; trusted: boolean }): string[] {
  const { credential, name } = request;
  const steps: string[] = [];
  if (request.scope === 'project' && !where.trusted) steps.push(trustStep(environment, where.projectDir));
  if (credential.kind === 'oauth') {
    const scopes = credential.scopes?.length ? ` --scopes ${credential.scopes.join(',')}` : '';
    const inProject = request.scope === 'project' ? ` in ${where.projectDir}` : '';
    steps.push(
      remoteSession(environment)
        ? `Sign in with mittwald: run \`codex mcp login ${name}${scopes} --no-browser\`${inProject}, open the URL it prints on your own machine, and paste the address the browser ends on when it asks.`
        : `Sign in with mittwald: run \`codex mcp login ${name}${scopes}\`${inProject} (it opens your browser).`,
    );
  } else if (credential.storage === 'ref') {
    steps.push(...exportVariableSteps(environment, credential.envVar, APP));
    steps.push(`${credential.envVar} must be visible to the ${APP} process itself: the IDE extension and the desktop app see it only when started from a shell that has it.`);
    // A project file is shared: the core never lets a token into it, so it holds a reference in project scope.
    if (request.scope === 'project') steps.push(`Everyone who uses this project sets their own mittwald API token in ${credential.envVar}: .codex/config.toml only names the variable.`);
  }
  steps.push('`codex mcp list` shows the entry.');
  return steps;
}


/** What `codex mcp get <name> --json` prints (the part we compare). */
function shownUrl(value: unknown): string | undefined {
  const transport = isTable(value) ? value['transport'] : undefined;
  const url = isTable(transport) ? transport['url'] : undefined;
  return typeof url === 'string' ? url : undefined;
}

/** The step that switches a table with `enabled = false` back on. */
function enableStep(file: string, name: string): string {
  return `Codex skips it while \`enabled = false\`: take that line out of [mcp_servers.${name}] in ${file}`;
}

/** Whether Codex uses a server table: a project's only in a trusted project, and none with `enabled = false`. */
function codexActivation(environment: Environment, table: unknown, where: { scope: Scope; file: string; name: string; projectDir: string; trusted: boolean }): Activation | undefined {
  if (where.scope === 'project' && !where.trusted) return { state: 'untrusted-project', step: trustStep(environment, where.projectDir) };
  if (isTable(table) && table['enabled'] === false) return { state: 'disabled', step: enableStep(where.file, where.name) };
  return where.scope === 'project' ? { state: 'active' } : undefined;
}

/** The JSON object in a command's output (Codex may print warning lines before it). */
function parseJsonObject(text: string): unknown {
  const start = text.indexOf('{');
  try {
    return start < 0 ? undefined : JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
}

/** Where Codex keeps MCP OAuth tokens when it uses a file (its default "auto" store falls back to the file
 * where no keyring is available; `mcp_oauth_credentials_store = "file"` forces it): `$CODEX_HOME/.credentials.json`,
 * top level `"<name>|<hash>"` = `{ server_name, server_url, client_id, access_token, expires_at (ms),
 * refresh_token?, scopes }` (seen with 0.171.0). */
export const codexCredentialsFile = (environment: Environment): string => joinPath(environment, codexHome(environment), '.credentials.json');

async function codexSignIn(environment: Environment, entry: InstalledEntry): Promise<StoredSignIn | undefined> {
  const file = codexCredentialsFile(environment);
  const records = await readSignInStore(file);
  // No file: the tokens are in the keyring, where we do not look.
  if (records === null) return undefined;
  const record = findStoreRecord(records, entry.name, entry.url, (stored) => stored.server_url);
  if (!record) return { state: { status: 'not-signed-in', file } };
  const scopes = Array.isArray(record.scopes) ? record.scopes.filter((scope): scope is string => typeof scope === 'string') : undefined;
  return signInFromTokens(file, {
    accessToken: stringField(record, 'access_token'),
    refreshToken: stringField(record, 'refresh_token'),
    expiresAt: numberField(record, 'expires_at'),
    clientId: stringField(record, 'client_id'),
    issuer: stringField(record, 'issuer'),
    scopes,
  });
}

/** Codex's config layers: the user file and the project's, both `[mcp_servers.<name>]` tables. */
function codexConfigFiles(environment: Environment, projectDir: string): Partial<Record<Scope, Omit<ServersFile, 'tool' | 'scope'>>> {
  return {
    user: { path: codexUserFile(environment), format: 'toml', serversPath: ['mcp_servers'] },
    project: { path: codexProjectFile(environment, projectDir), format: 'toml', serversPath: ['mcp_servers'] },
  };
}

/** The `mcp_servers` table of the file of the other layer (`{}` when it is missing or does not parse). */
async function otherLayerServers(files: readonly ServersFile[], file: ServersFile): Promise<Record<string, unknown>> {
  const other = files.find((candidate) => candidate !== file);
  const document = other === undefined ? undefined : (await readDocument(other.path, true)).document;
  return isTable(document?.['mcp_servers']) ? document['mcp_servers'] : {};
}

const kit = defineServersFileAdapter({
  id: 'codex',
  name: NAME,
  secretReference: 'env',
  clues: (environment) => ({ commands: ['codex'], configPaths: [codexHome(environment)] }),
  files: codexConfigFiles,
  mergesScopes: true,
  shape: {
    build: codexEntry,
    read: (entry) => {
      const read = readServerEntry(entry);
      return read?.url === undefined ? {} : { url: read.url };
    },
    // Codex names variables in keys of their own (bearer_token_env_var), so no header syntax is read: the
    // adapter's own inspect() describes the credential.
    syntax: NO_REFERENCES,
    keys: CODEX_KEYS,
  },
  async warnings(request, file, environment, files) {
    const current = serversOf((await readDocument(file.path)).document ?? {}, file.path)[request.name];
    const { entry } = updateEntry(current, codexEntry(request), CODEX_KEYS);
    return layerWarnings(request, entry, await codexFiles(environment), await otherLayerServers(files, file));
  },
  async nextSteps(request, _file, environment) {
    const projectDir = await projectDirectory(environment);
    const trusted = request.scope === 'project' && isTrusted((await readDocument(codexUserFile(environment), true)).document, projectDir);
    return nextSteps(request, environment, { projectDir, trusted });
  },
  reloadStep: () => `Start a new ${APP} session to load the change (running sessions keep their list).`,
});

const adapter: Adapter = {
  ...kit,
  entryCarriesScopes: true,

  listCommand: ['codex', 'mcp', 'list'],
  // Codex reads a project file only in a trusted project (the project's own `[projects."<dir>"]`, observed
  // with 0.171.0): in an untrusted one `codex mcp get` shows the user's entry or none, which says "not active
  // yet" rather than failing.
  async confirm(environment, request) {
    const codex = await findOnPath(environment, 'codex');
    if (!codex) return undefined;
    const files = request.scope === 'project' ? await codexFiles(environment) : undefined;
    const trusted = files ? isTrusted((await readDocument(files.user, true)).document, files.projectDir) : true;
    const command = `\`codex mcp get ${request.name} --json\``;
    const run = await runToolCommand([codex, 'mcp', 'get', request.name, '--json'], { timeoutMs: 60_000, cwd: environment.cwd, env: environment.env });
    const answer = parseJsonObject(run.stdout);
    const shown = shownUrl(answer);
    if (files && !trusted && shown !== request.serverUrl) {
      return { ok: true, detail: `${command} ${shown ? `shows ${shown}` : 'does not show it'}: the project is not trusted`, activation: { state: 'untrusted-project', step: trustStep(environment, files.projectDir) } };
    }
    // No parseable answer (an older codex, a broken install) is no verdict either way.
    if (run.exitCode !== 0 || shown === undefined) return undefined;
    const ok = shown === request.serverUrl;
    if (!ok) return { ok, detail: `${command} shows ${shown} instead` };
    const enabled = !isTable(answer) || answer['enabled'] !== false;
    const file = files ? files.project : codexUserFile(environment);
    return { ok, detail: `${command} shows it${enabled ? '' : ', disabled'}`, activation: enabled ? { state: 'active' } : { state: 'disabled', step: enableStep(file, request.name) } };
  },
  loginCommand: (name, scopes, options) => ['codex', 'mcp', 'login', name, ...(scopes?.length ? ['--scopes', scopes.join(',')] : []), ...(options?.noBrowser ? ['--no-browser'] : [])],
  logoutCommand: (name) => ['codex', 'mcp', 'logout', name],
  signInState: codexSignIn,
  versionCommand: ['codex', '--version'],
  // `codex exec` runs one prompt without a terminal; it takes its API key from CODEX_API_KEY.
  ci: {
    install: 'npm install -g @openai/codex',
    example: { secrets: ['CODEX_API_KEY'], argv: (_name, prompt) => ['codex', 'exec', prompt] },
  },

  /** Project entries are reported as Codex sees them in a trusted project: merged over a same-named user
   * entry, with whether Codex uses them (the project trusted, the table not disabled) as their activation. */
  async inspect(environment, options): Promise<InstalledEntry[]> {
    const files = await codexFiles(environment);
    const userDocument = (await readDocument(files.user)).document;
    const userServers = userDocument === undefined ? {} : serversOf(userDocument, files.user);
    const layers: Array<{ scope: Scope; path: string; servers: Record<string, unknown> }> = [{ scope: 'user', path: files.user, servers: userServers }];
    if (files.project !== files.user) {
      const projectDocument = (await readDocument(files.project)).document;
      if (projectDocument !== undefined) layers.push({ scope: 'project', path: files.project, servers: serversOf(projectDocument, files.project) });
    }

    const trusted = isTrusted(userDocument, files.projectDir);
    const entries: InstalledEntry[] = [];
    for (const layer of layers) {
      for (const [name, raw] of Object.entries(layer.servers)) {
        const effective = layer.scope === 'project' ? mergeCodexLayers(userServers[name], raw) : raw;
        const entry = readServerEntry(effective);
        const url = entry?.url ?? bridgedUrl(effective);
        if (url === undefined) continue;
        if (name !== options.name && classifyServerUrl(url, options.serverUrl) === 'other') continue;
        // A bridge signs in by itself (mcp-remote runs the OAuth flow): no credential of ours to describe.
        const auth = entry?.url !== undefined ? describeCodexAuth(entry, environment) : { auth: 'oauth' as const, unresolved: [] };
        const activation = codexActivation(environment, effective, { scope: layer.scope, file: layer.path, name, projectDir: files.projectDir, trusted });
        entries.push({ tool: 'codex', scope: layer.scope, file: layer.path, name, url, ...auth, ...(activation ? { activation } : {}) });
      }
    }
    return entries;
  },
};

export default adapter;
