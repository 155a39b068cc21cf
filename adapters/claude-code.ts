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
 * Claude's third scope, "local" (`projects["<project dir>"].mcpServers` in `~/.claude.json`, what `claude mcp
 * add` writes by default), is never written, but inspect() reports its entries (scope 'local', with their
 * project) for every project of the file that has a mittwald entry: in its project a local entry wins over
 * both other scopes, and an approved .mcp.json entry over the user's (observed with 2.1.332; an unapproved
 * one does not). A setup run replaces a local entry of our name, and stale ones, like the stale entries of
 * the file it writes: with replaceStale they go, otherwise they are reported.
 *
 * A .mcp.json server is used only once approved (observed with 2.1.332): rejected when its name is in
 * `disabledMcpjsonServers` of any settings Claude reads; else approved by `enabledMcpjsonServers` (or
 * `enableAllProjectMcpServers`) in `<config dir>/settings.json` in any project, and in the project's
 * `projects["<dir>"]` of the global file, `.claude/settings.local.json` or `.claude/settings.json` only once
 * the folder is trusted (`projects["<dir>"].hasTrustDialogAccepted`, the project's own key: a trusted parent
 * folder does not count); else it stays "Pending approval". */
import type { Adapter, Confirmation } from '../src/kit/adapter.js';
import { readConfigFile } from '../src/files/config-file.js';
import { detectFromClues } from '../src/kit/detect.js';
import { findOnPath, pathExists, remoteSession } from '../src/system/environment.js';
import { bearerValue, inspectServers, inspectServersFile, mentions, notAServersMap, readRemoteEntry, planServersFile, planServersFileRemoval, type EntryShape, type ServersFile } from '../src/kit/json-servers.js';
import { checkJsonDocument, getJsonValue, jsonValueText, parseJsonDocument, removeJsonValue, selectJsonMembers, setJsonValue } from '../src/files/jsonc-document.js';
import { isJsonObject } from '../src/files/json-object.js';
import { DEFAULT_SERVER_URL, type Activation, type EntryScope, type Environment, type FileStep, type InstalledEntry, type SetupRequest, type StaleEntry, type ToolPlan } from '../src/model.js';
import { exportVariableSteps } from '../src/kit/next-steps.js';
import { joinPath } from '../src/kit/paths.js';
import { lastLine, runToolCommand } from '../src/kit/tool-command.js';
import { projectDirectory } from '../src/kit/servers-file-adapter.js';
import { SHELL_BRACED_SYNTAX } from '../src/kit/references.js';
import { findStaleEntries } from '../src/kit/server-url.js';

/** Claude Code's main file: `~/.claude.json`, or `$CLAUDE_CONFIG_DIR/.claude.json`. */
export function claudeCodeUserFile(environment: Environment): string {
  const dir = environment.env.CLAUDE_CONFIG_DIR;
  return dir ? joinPath(environment, dir, '.claude.json') : joinPath(environment, environment.home, '.claude.json');
}

/** Claude Code's settings folder (`~/.claude`, or `$CLAUDE_CONFIG_DIR`). */
export function claudeCodeConfigDir(environment: Environment): string {
  return environment.env.CLAUDE_CONFIG_DIR ?? joinPath(environment, environment.home, '.claude');
}

import { findStoreRecord, numberField, readSignInStore, signInFromTokens, storeRecordKeys, stringField, type StoredSignIn } from '../src/kit/sign-in-store.js';

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
  /** This project's key in the global file's `projects`. */
  projectKey: string;
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
    projectKey,
    user: { tool: 'claude-code', scope: 'user', path: global, format: 'json', serversPath: ['mcpServers'] },
    project: { tool: 'claude-code', scope: 'project', path: joinPath(environment, projectDir, '.mcp.json'), format: 'json', serversPath: ['mcpServers'] },
    local: localScope(global, projectKey),
  };
}

/** The local scope of the project keyed `project` in the global file. */
function localScope(global: string, project: string): ServersFile {
  return { tool: 'claude-code', scope: 'project', path: global, format: 'json', serversPath: ['projects', project, 'mcpServers'] };
}

/** Claude's user settings: an approval of a .mcp.json server there counts in every project, trusted or not. */
function userSettingsFile(environment: Environment): string {
  return joinPath(environment, claudeCodeConfigDir(environment), 'settings.json');
}

type Lookup = { name: string; serverUrl: string };

/** Local-scope entries of every project in the global file that can hold one named `name` or pointing at
 * mittwald, as Claude reads them, with their project. One pass over the projects map: only the projects
 * whose text can name either are parsed, and their servers are read from that parse (a file of thousands of
 * projects is not looked up again per project). */
async function localEntries(environment: Environment, files: ClaudeFiles, options: Lookup): Promise<InstalledEntry[]> {
  const { text } = await readConfigFile(files.user.path);
  if (text === null) return [];
  checkJsonDocument(text, files.user.path, 'json');
  // Most files never mentioned mittwald: one search through all projects then settles it.
  const projectsText = jsonValueText(text, ['projects']);
  if (projectsText === undefined || !mentions(projectsText, options.name, options.serverUrl)) return [];
  const projects = selectJsonMembers(text, ['projects'], (_, valueText) => mentions(valueText, options.name, options.serverUrl));
  if (!Array.isArray(projects)) return [];
  // As Claude reads the file: the last of duplicate project keys (and of duplicate keys in it) counts.
  const byProject = new Map(projects.map(({ key, value }) => [key, value]));
  return [...byProject].flatMap(([project, value]) => {
    const file = localScope(files.user.path, project);
    const servers = isJsonObject(value) ? value['mcpServers'] : undefined;
    if (servers === undefined || servers === null) return [];
    if (!isJsonObject(servers)) throw notAServersMap(file);
    const members = Object.entries(servers).map(([key, entry]) => ({ key, value: entry }));
    return inspectServers(file, shape, environment, options, members).map((entry) => ({ ...entry, scope: 'local' as const, project }));
  });
}

/** A settings object Claude reads, or undefined when absent or unreadable (Claude then ignores it too). */
async function readSettings(path: string, keyPath: readonly string[] = []): Promise<Record<string, unknown> | undefined> {
  try {
    const { text } = await readConfigFile(path);
    if (text === null) return undefined;
    const value = keyPath.length === 0 ? parseJsonDocument(text, path, 'json') : getJsonValue(text, keyPath);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const lists = (value: unknown, name: string): boolean => Array.isArray(value) && value.includes(name);

/** The step that approves the .mcp.json server `name`. */
function approvalStep(environment: Environment, projectDir: string, name: string): string {
  return `approve it in Claude Code: start \`claude\` in ${projectDir} and accept "${name}" (or add "${name}" to "enabledMcpjsonServers" in ${userSettingsFile(environment)})`;
}

/** Whether Claude uses the .mcp.json server `name`: the approval rules in the header, as 2.1.332 applies them. */
async function mcpjsonActivation(environment: Environment, files: ClaudeFiles, name: string): Promise<Activation> {
  const project = await readSettings(files.user.path, ['projects', files.projectKey]);
  const trusted = project?.['hasTrustDialogAccepted'] === true;
  const settingsDir = joinPath(environment, files.projectDir, '.claude');
  const sources = [
    { file: userSettingsFile(environment), values: await readSettings(userSettingsFile(environment)), counts: true },
    { file: `${files.user.path} (projects["${files.projectKey}"])`, values: project, counts: trusted },
    { file: joinPath(environment, settingsDir, 'settings.local.json'), values: await readSettings(joinPath(environment, settingsDir, 'settings.local.json')), counts: trusted },
    { file: joinPath(environment, settingsDir, 'settings.json'), values: await readSettings(joinPath(environment, settingsDir, 'settings.json')), counts: trusted },
  ];
  const rejected = sources.find((source) => lists(source.values?.['disabledMcpjsonServers'], name));
  if (rejected) return { state: 'disabled', step: `Claude Code rejects "${name}" from .mcp.json: take it out of "disabledMcpjsonServers" in ${rejected.file}` };
  const approved = sources.some((source) => source.counts && (source.values?.['enableAllProjectMcpServers'] === true || lists(source.values?.['enabledMcpjsonServers'], name)));
  return approved ? { state: 'active' } : { state: 'pending-approval', step: approvalStep(environment, files.projectDir, name) };
}

/** The approval of this project's .mcp.json server `name` that Claude honours: the project's own
 * `enabledMcpjsonServers` in the global file once the folder is trusted (it counts only there), else the
 * user settings' list, which counts in every folder (both seen with 2.1.332). Undefined when it is not
 * pending, or the list there is not a list (Claude's own, not ours to replace). */
async function planApproval(environment: Environment, files: ClaudeFiles, name: string): Promise<ToolPlan | undefined> {
  if ((await mcpjsonActivation(environment, files, name)).state !== 'pending-approval') return undefined;
  const project = await readSettings(files.user.path, ['projects', files.projectKey]);
  const trusted = project?.['hasTrustDialogAccepted'] === true;
  const file = trusted ? files.user.path : userSettingsFile(environment);
  const keyPath = trusted ? ['projects', files.projectKey, 'enabledMcpjsonServers'] : ['enabledMcpjsonServers'];
  const { text } = await readConfigFile(file);
  const before = text ?? '';
  const listed = before.trim() === '' ? undefined : getJsonValue(before, keyPath);
  if (listed !== undefined && !Array.isArray(listed)) return undefined;
  const after = setJsonValue(before, [...keyPath, listed?.length ?? 0], name);
  const where = trusted ? `for ${files.projectDir}` : 'in the user settings (for every project)';
  return {
    tool: 'claude-code',
    target: `${NAME} (project)`,
    steps: [{ kind: 'file', path: file, before: text, after, secret: false }],
    stale: [],
    staleKept: [],
    nextSteps: [`"${name}" from ${files.project.path} is approved ${where}.`],
    reloadStep: 'Start a new Claude Code session to load the change (running sessions keep their list).',
    warnings: [],
  };
}

/** The step that takes this project's local-scope `name` out, which wins over the other scopes' entries. */
function localShadowStep(projectDir: string, name: string): string {
  return `take out the local-scope "${name}" of ${projectDir}, which Claude Code uses there instead: \`claude mcp remove ${name} --scope local\` in ${projectDir} (or run the setup again with --yes)`;
}

/** Every entry as Claude reads it, each with whether Claude uses it in this project (local over an approved
 * .mcp.json entry over the user's). */
async function inspectAll(environment: Environment, files: ClaudeFiles, options: Lookup): Promise<InstalledEntry[]> {
  const [user, project, local] = await Promise.all([
    inspectServersFile(files.user, shape, environment, options),
    inspectServersFile(files.project, shape, environment, options),
    localEntries(environment, files, options),
  ]);
  const localHere = new Set(local.filter((entry) => entry.project === files.projectKey).map((entry) => entry.name));
  const projectEntries = await Promise.all(
    project.map(async (entry): Promise<InstalledEntry> => {
      const activation: Activation = localHere.has(entry.name) ? { state: 'overridden', step: localShadowStep(files.projectDir, entry.name) } : await mcpjsonActivation(environment, files, entry.name);
      return { ...entry, activation };
    }),
  );
  const usedFromProject = new Set(projectEntries.filter((entry) => entry.activation?.state === 'active').map((entry) => entry.name));
  const userEntries = user.map((entry): InstalledEntry => {
    if (localHere.has(entry.name)) return { ...entry, activation: { state: 'overridden', step: localShadowStep(files.projectDir, entry.name) } };
    if (usedFromProject.has(entry.name)) {
      return { ...entry, activation: { state: 'overridden', step: `in ${files.projectDir} Claude Code uses "${entry.name}" from ${files.project.path} instead; take one of them out if they should be the same` } };
    }
    return entry;
  });
  return [...userEntries, ...projectEntries, ...local];
}

/** Local-scope entries a plan for `request` replaces (or reports): ours by name, where it wins over the entry
 * written, and stale ones. A user entry serves every project; a .mcp.json entry only this one. */
function localStale(local: readonly InstalledEntry[], files: ClaudeFiles, request: SetupRequest): StaleEntry[] {
  const relevant = request.scope === 'user' ? local : local.filter((entry) => entry.project === files.projectKey);
  return relevant.flatMap((entry): StaleEntry[] => {
    const project = entry.project ?? files.projectKey;
    if (entry.name === request.name) return [{ name: entry.name, url: entry.url, file: entry.file, reason: 'overrides', project }];
    return findStaleEntries([entry], request.name, request.serverUrl, entry.file).map((stale) => ({ ...stale, project }));
  });
}

/** Takes the local-scope entries `stale` out of the global file's text. */
function removeLocal(text: string, stale: readonly StaleEntry[]): string {
  return stale.reduce((current, entry) => removeJsonValue(current, ['projects', entry.project ?? '', 'mcpServers', entry.name]), text);
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

/** The state `claude mcp get` / `claude mcp list` print for a server ("✔ Connected", "! Needs authentication",
 * "⏸ Pending approval", "✘ Failed to connect", "✘ Rejected"), from the start of the state text: releases add
 * reasons after it, and the symbols differ between releases (✓/✔, ✗/✘). Undefined for a state not known here. */
export type ClaudeState = 'connected' | 'needs-auth' | 'pending-approval' | 'failed' | 'rejected';
export function claudeState(text: string): ClaudeState | undefined {
  const words = text.replace(/^[^\p{L}]+/u, '');
  if (words.startsWith('Connected')) return 'connected';
  if (words.startsWith('Needs authentication')) return 'needs-auth';
  if (words.startsWith('Pending approval')) return 'pending-approval';
  if (words.startsWith('Failed to connect')) return 'failed';
  if (words.startsWith('Rejected')) return 'rejected';
  return undefined;
}

/** The scope `claude mcp get` names ("Scope: Local config (private to you in this project)"). */
function shownScope(output: string): EntryScope | undefined {
  const scope = /^\s*Scope:\s*(\w+)/m.exec(output)?.[1]?.toLowerCase();
  return scope === 'user' || scope === 'project' || scope === 'local' ? scope : undefined;
}

/** Claude's verdict on the entry written for `request`, from the output of `claude mcp get <name>` (undefined:
 * Claude has no server of that name). It fails when Claude does not show the entry, or shows it failing when
 * our check could not explain why; it says "not active yet" while Claude waits for an approval or uses
 * another scope's entry of the name. `unused`: why this project's .mcp.json entry would not be used, for a
 * project-scope request that Claude answers with the user's entry. */
export function judgeMcpGet(output: string | undefined, request: SetupRequest, where: { environment: Environment; projectDir: string; projectFile: string; unused?: Activation }): Confirmation {
  const command = `\`claude mcp get ${request.name}\``;
  const stateText = output === undefined ? '' : (/^\s*Status:\s*(.*)$/m.exec(output)?.[1]?.trim() ?? '');
  const scope = output === undefined ? undefined : shownScope(output);
  const { environment, projectDir } = where;
  if (scope !== undefined && scope !== request.scope) {
    const activation: Activation =
      scope === 'local'
        ? { state: 'overridden', step: localShadowStep(projectDir, request.name) }
        : scope === 'project'
          ? { state: 'overridden', step: `in ${projectDir} Claude Code uses "${request.name}" from ${where.projectFile} instead` }
          : where.unused && where.unused.state !== 'active'
            ? where.unused
            : { state: 'pending-approval', step: approvalStep(environment, projectDir, request.name) };
    return { ok: true, detail: `${command} shows the ${scope}-scope entry${stateText ? `: ${stateText}` : ''}`, activation };
  }
  if (output === undefined || !output.includes(request.serverUrl)) {
    return { ok: false, detail: `${command} does not show it${output ? `: ${lastLine(output)}` : ''}` };
  }
  const state = claudeState(stateText);
  if (state === 'pending-approval') return { ok: true, detail: `${command}: ${stateText}`, activation: { state: 'pending-approval', step: approvalStep(environment, projectDir, request.name) } };
  if (state === 'rejected') {
    const step = where.unused?.state === 'disabled' && where.unused.step ? where.unused.step : `Claude Code rejects "${request.name}": take it out of "disabledMcpjsonServers" in its settings`;
    return { ok: true, detail: `${command}: ${stateText}`, activation: { state: 'disabled', step } };
  }
  const { credential } = request;
  // A reference to a variable this process lacks fails in Claude as in our check, which says what to set.
  const unresolved = credential.kind === 'token' && credential.storage === 'ref' && !environment.env[credential.envVar];
  if (state === 'failed' && !unresolved) return { ok: false, detail: `${command}: ${stateText}${issueOf(output)}` };
  if (state === 'needs-auth' && credential.kind === 'token') return { ok: false, detail: `${command}: ${stateText} — Claude's request with the token was refused` };
  // A state this release does not print (or one not known here) is no word on whether Claude uses it.
  return { ok: true, detail: `${command} shows it${stateText ? `: ${stateText}` : ''}`, ...(state === undefined ? {} : { activation: { state: 'active' } }) };
}

/** The "Issue:" line `claude mcp get` adds to a failure, as a suffix. */
function issueOf(output: string): string {
  const issue = /^\s*Issue:\s*(.*)$/m.exec(output)?.[1]?.trim();
  return issue ? ` (${issue})` : '';
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
    // The global file is planned (and its errors reported) by a user-scope plan itself: a project-scope plan
    // does not depend on it.
    const local = await localEntries(environment, files, request).catch(() => []);
    const shadowing = localStale(local, files, request);
    const removing = request.replaceStale ? shadowing : [];
    const sameFile = file.path === files.user.path;
    const planned = await planServersFile(file, shape, request, sameFile && removing.length > 0 ? (text) => removeLocal(text, removing) : undefined);
    const steps: FileStep[] = [planned.step];
    if (!sameFile && removing.length > 0) {
      const { text: before } = await readConfigFile(files.user.path);
      if (before !== null) steps.push({ kind: 'file', path: files.user.path, before, after: removeLocal(before, removing), secret: false });
    }
    return [
      {
        tool: 'claude-code',
        target: `${NAME} (${request.scope})`,
        steps,
        stale: [...planned.stale, ...removing],
        staleKept: [...planned.staleKept, ...(request.replaceStale ? [] : shadowing)],
        nextSteps: nextSteps(request, environment, files.projectDir),
        reloadStep: 'Start a new Claude Code session to load the change (running sessions keep their list).',
        warnings: planned.warnings,
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
    const run = await runToolCommand([claude, 'mcp', 'get', request.name], { timeoutMs: 60_000, cwd: environment.cwd, env: environment.env });
    const missing = /no mcp server (named|found)/i.test(run.output);
    // Any other failure of `claude` itself is no verdict on our entry.
    if (run.exitCode !== 0 && !missing) return undefined;
    const files = await claudeFiles(environment);
    const unused = request.scope === 'project' ? await mcpjsonActivation(environment, files, request.name) : undefined;
    return judgeMcpGet(run.exitCode === 0 ? run.output : undefined, request, { environment, projectDir: files.projectDir, projectFile: files.project.path, ...(unused ? { unused } : {}) });
  },
  loginCommand: (name, _scopes, options) => ['claude', 'mcp', 'login', name, ...(options?.noBrowser ? ['--no-browser'] : [])],
  logoutCommand: (name) => ['claude', 'mcp', 'logout', name],
  signInState: claudeSignIn,
  async planActivation(environment, entry) {
    if (entry.scope !== 'project' || entry.activation?.state !== 'pending-approval') return [];
    const plan = await planApproval(environment, await claudeFiles(environment), entry.name);
    return plan ? [plan] : [];
  },
  versionCommand: ['claude', '--version'],
  // `-p` runs one prompt and exits; MCP tools need permission there (`mcp__<server>` allows all of one server).
  ci: {
    install: 'npm install -g @anthropic-ai/claude-code',
    example: { secrets: ['ANTHROPIC_API_KEY'], argv: (name, prompt) => ['claude', '-p', prompt, '--allowedTools', `mcp__${name}`] },
  },

  async inspect(environment, options): Promise<InstalledEntry[]> {
    return inspectAll(environment, await claudeFiles(environment), options);
  },
};

export default adapter;
