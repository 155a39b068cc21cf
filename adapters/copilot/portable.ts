/** The portable format of Copilot's shared runtime, which Copilot in VS Code, the Copilot CLI and the Copilot
 * app all run on: `$COPILOT_HOME/mcp-config.json` (default `~/.copilot/mcp-config.json`) for the user and a
 * workspace `.mcp.json` for a project, servers under top-level `mcpServers`. One entry serves all three.
 *
 * What the real Copilot CLI (1.0.102) showed (test/contract/copilot.test.ts): it expands `${VAR}`, `$VAR` and
 * `${VAR:-x}` in headers when it connects (not VS Code's `${env:VAR}`), so a token is kept by reference to
 * MITTWALD_API_TOKEN like Claude Code's; it reads a workspace `.mcp.json` only in a folder it trusts; an entry
 * without `tools` gets every tool; OAuth scopes in an entry (`oauthScopes`) need a pre-registered client
 * (`oauthClientId`), so with dynamic registration Copilot picks the scopes at its own sign-in.
 *
 * The workspace `.mcp.json` is also Claude Code's project file, and both read `mcpServers.<name>`: the entry
 * we write there is the one Claude Code's setup writes (`type`, `url`, `headers.Authorization` with `${VAR}`),
 * and neither setup owns the other's keys (Claude's `oauth.scopes` stays when Copilot's setup runs after it;
 * Copilot reads it with a deprecation note). No `tools` there: Claude Code skips an entry whose `tools` is a
 * list of names.
 *
 * Setups before this one wrote Copilot for VS Code into VS Code's own `mcp.json` (`servers.<name>`, with an
 * `${input:<name>-token}` prompt), which VS Code now calls the deprecated "Local" format and whose `${input:}`
 * servers it does not forward to the agent: writing the portable entry takes that one out, with our input. */
import { isDeepStrictEqual } from 'node:util';
import type { ExtraEdit, EntryShape, ServersFile } from '../../src/kit/json-servers.js';
import { bearerValue, inspectServersFile, planServersFileRemoval, readRemoteEntry } from '../../src/kit/json-servers.js';
import { getJsonValue, removeJsonValue } from '../../src/files/jsonc-document.js';
import { isJsonObject } from '../../src/files/json-object.js';
import type { Environment, FileStep, Scope, SetupRequest } from '../../src/model.js';
import { exportVariableSteps } from '../../src/kit/next-steps.js';
import { joinPath } from '../../src/kit/paths.js';
import { ENV_PREFIXED_SYNTAX, SHELL_BRACED_SYNTAX } from '../../src/kit/references.js';
import { classifyServerUrl } from '../../src/kit/server-url.js';
import { projectDirectory } from '../../src/kit/servers-file-adapter.js';
import { copilotCliFile, copilotHome, vscodeUserDir } from './paths.js';

/** The host name of the portable entry, in plans, results and `status`. */
export const PORTABLE_HOST = 'VS Code, Copilot CLI and app';

/** The user file of the portable format. */
export function portableUserFile(environment: Environment): ServersFile {
  return { tool: 'copilot', scope: 'user', host: PORTABLE_HOST, path: copilotCliFile(environment), format: 'json', serversPath: ['mcpServers'] };
}

/** The workspace `.mcp.json` of the project (the enclosing git repository, else the current folder). */
export async function portableProjectFile(environment: Environment): Promise<ServersFile> {
  const dir = await projectDirectory(environment);
  return { tool: 'copilot', scope: 'project', host: PORTABLE_HOST, path: joinPath(environment, dir, '.mcp.json'), format: 'json', serversPath: ['mcpServers'] };
}

function portableEntry(request: SetupRequest, tools: boolean): Record<string, unknown> {
  const authorization = bearerValue(request.credential, (variable) => `\${${variable}}`);
  return {
    type: 'http',
    url: request.serverUrl,
    ...(authorization === undefined ? {} : { headers: { Authorization: authorization } }),
    // Every tool of the server; the user's own narrower list stays (the key is not owned).
    ...(tools ? { tools: ['*'] } : {}),
  };
}

const portableKeys = { owned: [['type'], ['url'], ['headers', 'Authorization']] } as const;

/** `mcp-config.json`: `{ type, url, headers?, tools: ["*"] }` (`tools` as Copilot's docs show it). */
export const portableUserShape: EntryShape = {
  syntax: SHELL_BRACED_SYNTAX,
  build: (request) => portableEntry(request, true),
  read: (entry) => readRemoteEntry(entry),
  keys: portableKeys,
};

/** The shared `.mcp.json`: the entry Claude Code's setup writes too. */
export const portableProjectShape: EntryShape = { ...portableUserShape, build: (request) => portableEntry(request, false) };

/** What the person does next for the portable entry. */
export function portableNextSteps(request: SetupRequest, file: ServersFile, environment: Environment, projectDir: string): string[] {
  const { credential, name } = request;
  const steps: string[] = [];
  if (credential.kind === 'token' && credential.storage === 'ref') steps.push(...exportVariableSteps(environment, credential.envVar, 'Copilot (VS Code, the Copilot CLI)'));
  if (file.scope === 'project') {
    steps.push(
      `Copilot reads ${file.path} only in a folder it trusts: start \`copilot\` in ${projectDir} and trust the folder when asked (it is kept under "trusted_folders" in ${joinPath(environment, copilotHome(environment), 'config.json')}); in VS Code, trust the workspace.`,
    );
  }
  const signIn = credential.kind === 'oauth' ? ' and sign in with mittwald when it asks' : '';
  steps.push(`In VS Code open Copilot Chat in Agent mode: "${name}" is among the tools (MCP: List Servers shows it)${signIn}. In a terminal, \`copilot\` then \`/mcp\` shows it too.`);
  return steps;
}

/** The id of the VS Code input that earlier setups added for the token of entry `name`. */
export const tokenInputId = (name: string): string => `${name}-token`;

/** Takes our token input out of VS Code's `inputs` (by id); other inputs are untouched. */
export const removeTokenInput: ExtraEdit = (text, { name }) => {
  const inputs = getJsonValue(text, ['inputs']);
  if (!Array.isArray(inputs)) return text;
  const index = inputs.findIndex((input) => isJsonObject(input) && input.id === tokenInputId(name));
  return index < 0 ? text : removeJsonValue(text, ['inputs', index]);
};

/** VS Code's own `mcp.json`, as earlier setups wrote it: `servers.<name> = { type, url, headers? }`, the token
 * behind `${input:<name>-token}`. Read for migration and `status`, never written to. */
export const vscodeLocalShape: EntryShape = {
  syntax: ENV_PREFIXED_SYNTAX,
  build: () => {
    throw new Error('VS Code mcp.json entries are no longer written');
  },
  read: (entry) => readRemoteEntry(entry),
  keys: { owned: [['type'], ['url'], ['headers', 'Authorization']] },
};

/** VS Code's own files that held our entry before: the profile `mcp.json` of stable and Insiders (user), or
 * the project's `.vscode/mcp.json`. */
export async function vscodeLocalFiles(environment: Environment, scope: Scope): Promise<ServersFile[]> {
  const file = (path: string, host: string): ServersFile => ({ tool: 'copilot', scope, host, path, format: 'jsonc', serversPath: ['servers'], companions: [['inputs']] });
  if (scope === 'project') return [file(joinPath(environment, await projectDirectory(environment), '.vscode', 'mcp.json'), 'VS Code')];
  return [
    file(joinPath(environment, vscodeUserDir(environment, 'Code'), 'mcp.json'), 'VS Code'),
    file(joinPath(environment, vscodeUserDir(environment, 'Code - Insiders'), 'mcp.json'), 'VS Code Insiders'),
  ];
}

export interface Migration {
  steps: FileStep[];
  warnings: string[];
}

/** Takes our entry (named `name`, pointing at mittwald) and our token input out of VS Code's own files of
 * `scope`, where an earlier setup put them; VS Code reads the portable entry at `target` instead. A VS Code
 * file that cannot be read is left alone (the portable entry does not depend on it). */
export async function planVscodeMigration(environment: Environment, request: Pick<SetupRequest, 'name' | 'serverUrl' | 'scope'>, target: ServersFile): Promise<Migration> {
  const migration: Migration = { steps: [], warnings: [] };
  for (const file of await vscodeLocalFiles(environment, request.scope)) {
    const step = await planVscodeRemoval(environment, file, request);
    if (!step) continue;
    migration.steps.push(step);
    const prompt = step.before?.includes(`\${input:${tokenInputId(request.name)}}`) ? `; the token ${file.host} kept for its \${input:${tokenInputId(request.name)}} prompt is no longer used` : '';
    migration.warnings.push(
      `Moved "${request.name}" out of ${file.path} (${file.host}'s older "servers" format) into ${target.path}, which VS Code, the Copilot CLI and the Copilot app all read${prompt}.`,
    );
  }
  return migration;
}

/** The removal of our entry from one of VS Code's own files, or undefined when it holds none of ours: the
 * entry named `name`, and with `serverUrl` only one that points at mittwald. */
export async function planVscodeRemoval(environment: Environment, file: ServersFile, request: { name: string; serverUrl?: string }): Promise<FileStep | undefined> {
  const { name, serverUrl } = request;
  if (serverUrl !== undefined) {
    const entries = await inspectServersFile(file, vscodeLocalShape, environment, { name, serverUrl }).catch(() => []);
    if (!entries.some((entry) => entry.name === name && classifyServerUrl(entry.url, serverUrl) !== 'other')) return undefined;
  }
  const step = await planServersFileRemoval(file, name, removeTokenInput, environment);
  return isDeepStrictEqual(step.before, step.after) ? undefined : step;
}
