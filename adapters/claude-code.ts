/** Claude Code. Our `user` scope is Claude's user scope (top-level `mcpServers` in `~/.claude.json`, or
 * `$CLAUDE_CONFIG_DIR/.claude.json`); our `project` scope is `<repo>/.mcp.json`. Entry:
 * `{ "type": "http", "url", "headers"?: { "Authorization" }, "oauth"?: { "scopes" } }`; Claude expands
 * `${VAR}` / `${VAR:-default}` in headers in every scope.
 *
 * The files are always edited by us (every other byte kept, atomically, under the core's lock and re-read):
 * driving `claude mcp add-json` would put the entry, and with it a literal token, into a child process's
 * argv, visible to every local user. When `claude` is installed, `claude mcp get` confirms the entry after
 * the write.
 *
 * Claude's third scope, "local" (`projects["<project dir>"].mcpServers` in `~/.claude.json`), is never
 * written, but inspect() reports its entries as scope 'project' with host 'local': they apply to this
 * project only and take precedence over both other scopes, so `status` must show them. */
import type { Adapter } from '../src/adapter.js';
import { detectFromClues } from '../src/detect.js';
import { findOnPath, pathExists, remoteSession } from '../src/environment.js';
import { bearerValue, inspectServersFile, readRemoteEntry, planServersFile, planServersFileRemoval, type EntryShape, type ServersFile } from '../src/json-servers.js';
import { DEFAULT_SERVER_URL, type Environment, type FileStep, type InstalledEntry, type SetupRequest, type ToolPlan } from '../src/model.js';
import { exportVariableSteps } from '../src/next-steps.js';
import { joinPath } from '../src/paths.js';
import { lastLine, runToolCommand } from '../src/tool-command.js';
import { projectDirectory } from '../src/servers-file-adapter.js';
import { SHELL_BRACED_SYNTAX } from '../src/references.js';

/** Claude Code's main file: `~/.claude.json`, or `$CLAUDE_CONFIG_DIR/.claude.json`. */
export function claudeCodeUserFile(environment: Environment): string {
  const dir = environment.env.CLAUDE_CONFIG_DIR;
  return dir ? joinPath(environment, dir, '.claude.json') : joinPath(environment, environment.home, '.claude.json');
}

/** Claude Code's settings folder (`~/.claude`, or `$CLAUDE_CONFIG_DIR`). */
export function claudeCodeConfigDir(environment: Environment): string {
  return environment.env.CLAUDE_CONFIG_DIR ?? joinPath(environment, environment.home, '.claude');
}

import { readConfigFile } from '../src/config-file.js';
import { removeJsonValue } from '../src/jsonc-document.js';
import { findStoreRecord, numberField, readSignInStore, signInFromTokens, storeRecordKeys, stringField, type StoredSignIn } from '../src/sign-in-store.js';

const NAME = 'Claude Code';

/** Our entry as Claude Code stores it. OAuth scopes go to `oauth.scopes`, a space-separated string that
 * Claude sends instead of the server's advertised scopes. */
export function claudeCodeEntry(request: Pick<SetupRequest, 'serverUrl' | 'credential'>): Record<string, unknown> {
  const { credential } = request;
  const authorization = bearerValue(credential, (variable) => `\${${variable}}`);
  return {
    type: 'http',
    url: request.serverUrl,
    ...(authorization === undefined ? {} : { headers: { Authorization: authorization } }),
    ...(credential.kind === 'oauth' && credential.scopes?.length ? { oauth: { scopes: credential.scopes.join(' ') } } : {}),
  };
}

const shape: EntryShape = {
  syntax: SHELL_BRACED_SYNTAX,
  build: claudeCodeEntry,
  read: (entry) => readRemoteEntry(entry),
  // The user's other headers, `oauth.clientId` / `callbackPort`, `headersHelper` and the like stay theirs.
  keys: { owned: [['type'], ['url'], ['headers', 'Authorization'], ['oauth', 'scopes']] },
};

/** Claude Code's global file. Installs that predate `~/.claude.json` keep using `<config dir>/.config.json`
 * as long as it exists (Claude 2.1.197 still writes there), so we follow it too. */
export async function claudeCodeGlobalFile(environment: Environment): Promise<string> {
  const legacy = joinPath(environment, claudeCodeConfigDir(environment), '.config.json');
  return (await pathExists(legacy)) ? legacy : claudeCodeUserFile(environment);
}

interface ClaudeFiles {
  projectDir: string;
  user: ServersFile;
  project: ServersFile;
  /** Local-scope entries of this project; reported, never written. */
  local: ServersFile;
}

async function claudeFiles(environment: Environment): Promise<ClaudeFiles> {
  const projectDir = await projectDirectory(environment);
  const global = await claudeCodeGlobalFile(environment);
  // Claude keys projects by their absolute path (the git root, else cwd — seen on Linux); forward slashes on
  // Windows is an assumption not checked against a Windows build.
  const projectKey = environment.platform === 'win32' ? projectDir.replace(/\\/g, '/') : projectDir;
  return {
    projectDir,
    user: { tool: 'claude-code', scope: 'user', path: global, format: 'json', serversPath: ['mcpServers'] },
    project: { tool: 'claude-code', scope: 'project', path: joinPath(environment, projectDir, '.mcp.json'), format: 'json', serversPath: ['mcpServers'] },
    local: { tool: 'claude-code', scope: 'project', host: 'local', path: global, format: 'json', serversPath: ['projects', projectKey, 'mcpServers'] },
  };
}

function nextSteps(request: SetupRequest, environment: Environment, projectDir: string): string[] {
  const { credential, name } = request;
  const steps: string[] = [];
  if (request.scope === 'project') {
    steps.push(
      `Claude Code asks before it uses a server from .mcp.json: start \`claude\` in ${projectDir} and approve "${name}" (or open /mcp and enable it). To approve it ahead of time, add "${name}" to "enabledMcpjsonServers" in ${joinPath(environment, claudeCodeConfigDir(environment), 'settings.json')}.`,
    );
  }
  if (credential.kind === 'oauth') {
    steps.push(
      remoteSession(environment)
        ? `Sign in with mittwald: run \`claude mcp login ${name} --no-browser\`, open the URL it prints on your own machine, and paste the address the browser ends on when it asks.`
        : `Sign in with mittwald: run \`claude mcp login ${name}\` in a terminal, or inside Claude Code open /mcp, select "${name}" and choose Authenticate.`,
    );
  } else if (credential.storage === 'ref') {
    steps.push(...exportVariableSteps(environment, credential.envVar, NAME));
    // .mcp.json is shared: the core never lets a token into it, so it holds a reference in project scope.
    if (request.scope === 'project') steps.push(`Everyone who uses this project sets their own mittwald API token in ${credential.envVar}: .mcp.json only names the variable.`);
  }
  steps.push('`claude mcp list` shows whether it connects.');
  return steps;
}

/** A local-scope entry of the same name wins over ours in this project. Only a hint: a global file we cannot
 * read must not stop a project-scope plan (a user-scope plan reports it on its own). */
async function shadowWarning(environment: Environment, files: ClaudeFiles, name: string): Promise<string[]> {
  const local = await inspectServersFile(files.local, shape, environment, { name, serverUrl: DEFAULT_SERVER_URL }).catch(() => []);
  if (!local.some((entry) => entry.name === name)) return [];
  return [`A local-scope "${name}" entry for ${files.projectDir} in ${files.local.path} takes precedence in this project; take it out with \`claude mcp remove ${name} --scope local\` if it is outdated.`];
}

/** Where Claude Code keeps its OAuth tokens: `<config dir>/.credentials.json`, `mcpOAuth["<name>|<hash>"]` =
 * `{ serverName, serverUrl, accessToken, refreshToken?, expiresAt (ms), clientId, issuer, redirectUri, scope,
 * discoveryState }` (seen with 2.1.332). On macOS Claude keeps them in the Keychain instead. */
export const claudeCredentialsFile = (environment: Environment): string => joinPath(environment, claudeCodeConfigDir(environment), '.credentials.json');
const OAUTH_RECORDS = ['mcpOAuth'];
const storedUrl = (record: Record<string, unknown>) => record.serverUrl;

/** Servers whose last connect ended in "needs authentication" (`mcp-needs-auth-cache.json`, `{ "<name>":
 * { timestamp } }`): Claude writes it when a refresh is refused, and drops the refresh token then. */
async function needsAuthNames(environment: Environment): Promise<Set<string>> {
  const records = await readSignInStore(joinPath(environment, claudeCodeConfigDir(environment), 'mcp-needs-auth-cache.json')).catch(() => null);
  return new Set(Object.keys(records ?? {}));
}

async function claudeSignIn(environment: Environment, entry: InstalledEntry): Promise<StoredSignIn | undefined> {
  const file = claudeCredentialsFile(environment);
  const records = await readSignInStore(file, OAUTH_RECORDS);
  if (records === null) return environment.platform === 'darwin' ? undefined : { state: { status: 'not-signed-in', file } };
  const record = findStoreRecord(records, entry.name, entry.url, storedUrl);
  if (!record) return { state: { status: 'not-signed-in', file } };
  const scope = stringField(record, 'scope');
  // Claude's mark of a refused refresh (seen with 2.1.332): both tokens emptied, the expiry zeroed, the server
  // listed as needing authentication. The sign-in is there, and dead.
  const refused = numberField(record, 'expiresAt') === 0 && !stringField(record, 'refreshToken') && (await needsAuthNames(environment)).has(entry.name);
  const signIn = signInFromTokens(file, {
    accessToken: stringField(record, 'accessToken') ?? (refused ? '(refused)' : undefined),
    refreshToken: stringField(record, 'refreshToken'),
    expiresAt: numberField(record, 'expiresAt'),
    clientId: stringField(record, 'clientId'),
    issuer: stringField(record, 'issuer'),
    redirectUri: stringField(record, 'redirectUri'),
    scopes: scope?.split(' ').filter(Boolean),
  });
  if (!refused || signIn.state.status !== 'expired') return signIn;
  const { accessToken: _dead, ...rest } = signIn;
  return { ...rest, state: { ...signIn.state, refreshRejected: true } };
}

/** The step that takes Claude's stored tokens for the server `name` at `url` out of its credentials file, as
 * `claude mcp remove` does; undefined when there are none. Only those keys change; the diff masks the tokens. */
async function planCredentialsRemoval(environment: Environment, name: string, url: string): Promise<FileStep | undefined> {
  const file = claudeCredentialsFile(environment);
  const records = await readSignInStore(file, OAUTH_RECORDS).catch(() => null);
  const keys = records ? storeRecordKeys(records, name, url, storedUrl) : [];
  if (keys.length === 0) return undefined;
  const { text } = await readConfigFile(file);
  if (text === null) return undefined;
  const after = keys.reduce((current, key) => removeJsonValue(current, [...OAUTH_RECORDS, key]), text);
  return { kind: 'file', path: file, before: text, after, secret: true };
}

const adapter: Adapter = {
  id: 'claude-code',
  name: NAME,
  kind: 'config',
  scopes: ['user', 'project'],
  acceptsToken: true,
  secretReference: 'env',
  entryCarriesScopes: true,

  detect(environment) {
    const home = environment.home;
    const exe = environment.platform === 'win32' ? 'claude.exe' : 'claude';
    return detectFromClues('claude-code', environment, {
      commands: ['claude'],
      // The native installer and the old "local" install put claude here, often without adding it to PATH.
      installPaths: [joinPath(environment, home, '.local', 'bin', exe), joinPath(environment, home, '.claude', 'local', exe)],
      configPaths: [claudeCodeConfigDir(environment), claudeCodeUserFile(environment)],
    });
  },

  async plan(environment, request): Promise<ToolPlan[]> {
    const files = await claudeFiles(environment);
    const file = files[request.scope];
    const planned = await planServersFile(file, shape, request);
    return [
      {
        tool: 'claude-code',
        target: `${NAME} (${request.scope})`,
        steps: [planned.step],
        stale: planned.stale,
        staleKept: planned.staleKept,
        nextSteps: nextSteps(request, environment, files.projectDir),
        reloadStep: 'Start a new Claude Code session to load the change (running sessions keep their list).',
        warnings: [...planned.warnings, ...(await shadowWarning(environment, files, request.name))],
      },
    ];
  },

  async planRemove(environment, { name, scope }): Promise<ToolPlan[]> {
    const files = await claudeFiles(environment);
    const step = await planServersFileRemoval(files[scope], name, undefined, environment);
    // An OAuth entry taken out takes its stored tokens with it, as `claude mcp remove` does.
    const removed = step.before === step.after ? [] : (await inspectServersFile(files[scope], shape, environment, { name, serverUrl: DEFAULT_SERVER_URL })).filter((entry) => entry.name === name && entry.auth === 'oauth');
    const credentials = [];
    for (const url of new Set(removed.map((entry) => entry.url))) {
      const credentialStep = await planCredentialsRemoval(environment, name, url);
      if (credentialStep) credentials.push(credentialStep);
    }
    return [{ tool: 'claude-code', target: `${NAME} (${scope})`, steps: [step, ...credentials], stale: [], staleKept: [], nextSteps: [], warnings: await shadowWarning(environment, files, name) }];
  },

  listCommand: ['claude', 'mcp', 'list'],
  async confirm(environment, request) {
    const claude = await findOnPath(environment, 'claude');
    if (!claude) return undefined;
    const run = await runToolCommand([claude, 'mcp', 'get', request.name], { timeoutMs: 60_000, cwd: environment.cwd });
    const missing = /no mcp server (named|found)/i.test(run.output);
    // Any other failure of `claude` itself is no verdict on our entry.
    if (run.exitCode !== 0 && !missing) return undefined;
    const ok = run.exitCode === 0 && run.output.includes(request.serverUrl);
    return { ok, detail: `\`claude mcp get ${request.name}\` ${ok ? 'shows it' : `does not show it${run.output ? `: ${lastLine(run.output)}` : ''}`}` };
  },
  loginCommand: (name, _scopes, options) => ['claude', 'mcp', 'login', name, ...(options?.noBrowser ? ['--no-browser'] : [])],
  logoutCommand: (name) => ['claude', 'mcp', 'logout', name],
  signInState: claudeSignIn,
  versionCommand: ['claude', '--version'],
  // `-p` runs one prompt and exits; MCP tools need permission there (`mcp__<server>` allows all of one server).
  ci: {
    install: 'npm install -g @anthropic-ai/claude-code',
    example: { secrets: ['ANTHROPIC_API_KEY'], argv: (name, prompt) => ['claude', '-p', prompt, '--allowedTools', `mcp__${name}`] },
  },

  async inspect(environment, options): Promise<InstalledEntry[]> {
    const files = await claudeFiles(environment);
    // The project file before the local scope: a caller looking for "the project entry" finds .mcp.json's.
    const found = await Promise.all([files.user, files.project, files.local].map((file) => inspectServersFile(file, shape, environment, options)));
    return found.flat();
  },
};

export default adapter;
