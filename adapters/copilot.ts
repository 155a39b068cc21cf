/** GitHub Copilot: one tool with several hosts — VS Code (stable and Insiders), Copilot for JetBrains and for
 * Xcode, Visual Studio and the Copilot CLI — each with its own file and entry shape. plan() returns one plan
 * per detected host (VS Code when none is found). Only VS Code keeps a token by reference: an
 * `${input:<name>-token}` prompt whose answer VS Code stores in its secret storage; the other hosts document
 * no reference, so they get the token literally, in a 0600 file. */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Adapter, HostedAgent } from '../src/adapter.js';
import { planChanges } from '../src/plan.js';
import { detectFromClues, type DetectionClues } from '../src/detect.js';
import { SetupError } from '../src/errors.js';
import { inspectServersFile, planServersFile, readRemoteEntry, planServersFileRemoval, type EntryShape, type ExtraEdit, type ServersFile } from '../src/json-servers.js';
import { isJsonObject } from '../src/json-object.js';
import { getJsonValue, removeJsonValue, setJsonValue } from '../src/jsonc-document.js';
import { TOKEN_ENV_VAR, type Credential, type Detection, type Environment, type FileStep, type Scope, type SetupRequest, type ToolPlan } from '../src/model.js';
import { appSettingsDir, joinPath, localAppData, xdgConfig } from '../src/paths.js';
import { ENV_PREFIXED_SYNTAX } from '../src/references.js';
import { projectDirectory } from '../src/servers-file-adapter.js';

/** The folder that holds VS Code's `User` folder, for stable (`Code`) or Insiders (`Code - Insiders`). */
export function vscodeUserDir(environment: Environment, edition: 'Code' | 'Code - Insiders'): string {
  return joinPath(environment, appSettingsDir(environment), edition, 'User');
}

/** Where VS Code (stable or Insiders) is installed, for detection. */
function vscodeInstallPaths(environment: Environment, edition: 'Code' | 'Code - Insiders'): string[] {
  const insiders = edition === 'Code - Insiders';
  switch (environment.platform) {
    case 'darwin':
      return [insiders ? '/Applications/Visual Studio Code - Insiders.app' : '/Applications/Visual Studio Code.app'];
    case 'win32':
      return [joinPath(environment, localAppData(environment), 'Programs', insiders ? 'Microsoft VS Code Insiders' : 'Microsoft VS Code', insiders ? 'Code - Insiders.exe' : 'Code.exe')];
    default:
      return insiders ? ['/usr/share/code-insiders', '/snap/code-insiders'] : ['/usr/share/code', '/snap/code'];
  }
}

/** Copilot for JetBrains / Xcode: `~/.config/github-copilot/<ide>/mcp.json` (macOS too, where GitHub's IDE
 * plugins keep their files); on Windows under LOCALAPPDATA. */
export function copilotIdeFile(environment: Environment, ide: 'intellij' | 'xcode'): string {
  const base = environment.platform === 'win32' ? localAppData(environment) : xdgConfig(environment);
  return joinPath(environment, base, 'github-copilot', ide, 'mcp.json');
}

/** Visual Studio's user-wide file, `%USERPROFILE%\.mcp.json` (Windows only). */
export function visualStudioUserFile(environment: Environment): string {
  return joinPath(environment, environment.home, '.mcp.json');
}

/** Where Visual Studio is installed (Windows only), for detection. */
function visualStudioInstallPaths(environment: Environment): string[] {
  return environment.platform === 'win32' ? [joinPath(environment, environment.env.ProgramFiles ?? 'C:\\Program Files', 'Microsoft Visual Studio')] : [];
}

/** `$COPILOT_HOME/mcp-config.json`, default `~/.copilot/mcp-config.json`. */
export function copilotCliFile(environment: Environment): string {
  const dir = environment.env.COPILOT_HOME ?? joinPath(environment, environment.home, '.copilot');
  return joinPath(environment, dir, 'mcp-config.json');
}

interface CopilotHost {
  name: string;
  platforms: readonly Environment['platform'][];
  clues(environment: Environment): DetectionClues;
  userFile(environment: Environment): Pick<ServersFile, 'path' | 'format' | 'serversPath' | 'companions'>;
  shape: EntryShape;
  /** Why this host gets a token literally even when a reference is asked for; absent for VS Code. */
  literalReason?: string;
  extraEdit?: ExtraEdit;
  /** Reads the project's `.vscode/mcp.json` (VS Code editions); the other hosts have a user file only. */
  readsProjectFile?: true;
  nextSteps(request: SetupRequest, file: ServersFile): string[];
}

const EVERYWHERE = ['linux', 'darwin', 'win32'] as const;

/** The id of the VS Code input that prompts for the token of entry `name`. */
export const tokenInputId = (name: string): string => `${name}-token`;

/** The VS Code input we add next to our entry; VS Code asks for it once and keeps it in its secret storage. */
export function tokenInput(name: string): Record<string, unknown> {
  return { id: tokenInputId(name), type: 'promptString', description: 'mittwald API token', password: true };
}

/** VS Code's one-click install link (`vscode:` or `vscode-insiders:`); it adds an OAuth entry to the profile. */
export function vscodeInstallLink(name: string, serverUrl: string, insiders = false): string {
  const config = encodeURIComponent(JSON.stringify({ name, type: 'http', url: serverUrl }));
  return `${insiders ? 'vscode-insiders' : 'vscode'}:mcp/install?${config}`;
}


/** The Authorization value for a host without references: the token itself. */
const literalBearer = (credential: Credential): string | undefined => (credential.kind === 'token' ? `Bearer ${credential.token}` : undefined);

const withHeaders = (entry: Record<string, unknown>, authorization: string | undefined): Record<string, unknown> =>
  authorization === undefined ? entry : { ...entry, headers: { Authorization: authorization } };

/** VS Code and Visual Studio: `servers.<name> = { type, url, headers? }`. */
const vscodeShape: EntryShape = {
  syntax: ENV_PREFIXED_SYNTAX,
  build: ({ serverUrl, name, credential }) =>
    withHeaders(
      { type: 'http', url: serverUrl },
      credential.kind === 'token' && credential.storage === 'ref' ? `Bearer \${input:${tokenInputId(name)}}` : literalBearer(credential),
    ),
  read: (entry) => readRemoteEntry(entry),
  keys: { owned: [['type'], ['url'], ['headers', 'Authorization']] },
};

/** Copilot for JetBrains and Xcode: headers go under `requestInit`, as in a fetch() call. */
const ideShape: EntryShape = {
  syntax: ENV_PREFIXED_SYNTAX,
  build: ({ serverUrl, credential }) => {
    const authorization = literalBearer(credential);
    return { url: serverUrl, ...(authorization === undefined ? {} : { requestInit: { headers: { Authorization: authorization } } }) };
  },
  read: (entry) => readRemoteEntry(entry, (object) => (isJsonObject(object.requestInit) ? object.requestInit.headers : undefined)),
  keys: { owned: [['url'], ['requestInit', 'headers', 'Authorization']] },
};

/** Copilot CLI: `mcpServers.<name>`, with every tool of the server allowed (unless the user narrowed `tools`). */
const cliShape: EntryShape = {
  syntax: ENV_PREFIXED_SYNTAX,
  build: ({ serverUrl, credential }) => ({ ...withHeaders({ type: 'http', url: serverUrl }, literalBearer(credential)), tools: ['*'] }),
  read: (entry) => readRemoteEntry(entry),
  keys: { owned: [['type'], ['url'], ['headers', 'Authorization']] },
};

/** Keeps our token input in `inputs` in step with our entry: present (replaced whole, by id) for a token
 * reference, absent otherwise. Other inputs are untouched; whether an emptied `inputs` stays is the
 * removal planner's call (it stays when it was there before setup). */
export const syncTokenInput: ExtraEdit = (text, { name, credential }) => {
  const inputs = getJsonValue(text, ['inputs']);
  const list: unknown[] = Array.isArray(inputs) ? inputs : [];
  const index = list.findIndex((input) => isJsonObject(input) && input.id === tokenInputId(name));
  if (credential?.kind === 'token' && credential.storage === 'ref') {
    const wanted = tokenInput(name);
    if (inputs === undefined) return setJsonValue(text, ['inputs'], [wanted]);
    if (!Array.isArray(inputs)) {
      throw new SetupError('CONFIG_PARSE', 'The "inputs" key of the VS Code mcp.json is not an array.', {
        hint: 'Fix that key by hand (it must be a list of inputs), then run again.',
      });
    }
    if (index >= 0 && isDeepStrictEqual(list[index], wanted)) return text;
    return setJsonValue(text, ['inputs', index >= 0 ? index : list.length], wanted);
  }
  if (index < 0) return text;
  return removeJsonValue(text, ['inputs', index]);
};

function vscodeHost(edition: 'Code' | 'Code - Insiders'): CopilotHost {
  const insiders = edition === 'Code - Insiders';
  const name = insiders ? 'VS Code Insiders' : 'VS Code';
  return {
    name,
    platforms: EVERYWHERE,
    clues: (environment) => ({
      commands: [insiders ? 'code-insiders' : 'code'],
      installPaths: vscodeInstallPaths(environment, edition),
      configPaths: [vscodeUserDir(environment, edition)],
    }),
    userFile: (environment) => ({ path: joinPath(environment, vscodeUserDir(environment, edition), 'mcp.json'), format: 'jsonc', serversPath: ['servers'], companions: [['inputs']] }),
    shape: vscodeShape,
    extraEdit: syncTokenInput,
    readsProjectFile: true,
    nextSteps({ name: entry, serverUrl, credential }, file) {
      if (credential.kind === 'oauth') {
        return [
          `In ${name} open ${file.path} and click Start, then Auth, in the CodeLens above "${entry}" to sign in with mittwald.`,
          // The link installs into the profile, so it is no alternative to a project entry.
          ...(file.scope === 'user' ? [`Or add it with one click: ${vscodeInstallLink(entry, serverUrl, insiders)}`] : []),
        ];
      }
      if (credential.storage === 'ref') {
        return [
          `In ${name} open ${file.path} and click Start above "${entry}": ${name} asks for your mittwald API token once and keeps it in its secret storage.`,
        ];
      }
      return [`In ${name} open ${file.path} and click Start (or Restart) above "${entry}" to load the change.`];
    },
  };
}

function copilotIdeHost(ide: 'intellij' | 'xcode'): CopilotHost {
  const name = ide === 'intellij' ? 'Copilot for JetBrains' : 'Copilot for Xcode';
  const app = ide === 'intellij' ? 'your JetBrains IDE' : 'Xcode';
  return {
    name,
    platforms: ide === 'xcode' ? ['darwin'] : EVERYWHERE,
    // The plugin creates this folder; nothing else does.
    clues: (environment) => ({ installPaths: [dirname(environment, copilotIdeFile(environment, ide))] }),
    userFile: (environment) => ({ path: copilotIdeFile(environment, ide), format: 'jsonc', serversPath: ['servers'] }),
    shape: ideShape,
    literalReason: `${name} documents no way to reference a secret`,
    nextSteps: ({ name: entry, credential }) =>
      credential.kind === 'oauth'
        ? [
            `In ${app} open Copilot Chat in Agent mode and look for "${entry}" under the tools.`,
            `${name} may not support OAuth sign-in to MCP servers yet (unconfirmed): if no sign-in is offered, run this again with an API token (--token), the reliable choice.`,
          ]
        : [`In ${app} open Copilot Chat in Agent mode; "${entry}" appears under the tools (restart ${app} if it does not).`],
  };
}

const VSCODE = vscodeHost('Code');

const HOSTS: readonly CopilotHost[] = [
  VSCODE,
  vscodeHost('Code - Insiders'),
  copilotIdeHost('intellij'),
  copilotIdeHost('xcode'),
  {
    name: 'Visual Studio',
    platforms: ['win32'],
    clues: (environment) => ({ installPaths: visualStudioInstallPaths(environment), configPaths: [visualStudioUserFile(environment)] }),
    userFile: (environment) => ({ path: visualStudioUserFile(environment), format: 'jsonc', serversPath: ['servers'] }),
    shape: vscodeShape,
    literalReason: "Visual Studio's support for VS Code's ${input:} prompts is unconfirmed",
    nextSteps: ({ name: entry, credential }) =>
      credential.kind === 'oauth'
        ? [`In Visual Studio open Copilot Chat in Agent mode, select the tools icon and sign in to "${entry}" when asked.`]
        : [`Restart Visual Studio (or reopen Copilot Chat in Agent mode) to load "${entry}".`],
  },
  {
    name: 'Copilot CLI',
    platforms: EVERYWHERE,
    clues: (environment) => ({ commands: ['copilot'], configPaths: [dirname(environment, copilotCliFile(environment))] }),
    userFile: (environment) => ({ path: copilotCliFile(environment), format: 'json', serversPath: ['mcpServers'] }),
    shape: cliShape,
    literalReason: 'Copilot CLI documents no secret references',
    nextSteps: ({ name: entry, credential }) => [
      `Start \`copilot\` and run \`/mcp\` to see "${entry}"${credential.kind === 'oauth' ? '; it signs in with mittwald the first time the server is used' : ''}.`,
    ],
  },
];

/** Every Copilot host, by display name, in the order plans are returned. */
export const COPILOT_HOSTS: readonly string[] = HOSTS.map((host) => host.name);

function dirname(environment: Environment, file: string): string {
  return (environment.platform === 'win32' ? path.win32 : path.posix).dirname(file);
}

const hostsOn = (environment: Environment): CopilotHost[] => HOSTS.filter((host) => host.platforms.includes(environment.platform));

async function detectHosts(environment: Environment): Promise<Array<{ host: CopilotHost; detection: Detection }>> {
  const found = await Promise.all(
    hostsOn(environment).map(async (host) => ({ host, detection: await detectFromClues('copilot', environment, host.clues(environment)) })),
  );
  return found.filter(({ detection }) => detection.state !== 'not-installed');
}

function userFile(host: CopilotHost, environment: Environment): ServersFile {
  return { ...host.userFile(environment), tool: 'copilot', scope: 'user', host: host.name };
}

/** `.vscode/mcp.json` of the project: one file that VS Code and VS Code Insiders share. */
async function projectFile(environment: Environment): Promise<ServersFile> {
  const dir = await projectDirectory(environment);
  return { path: joinPath(environment, dir, '.vscode', 'mcp.json'), format: 'jsonc', serversPath: ['servers'], companions: [['inputs']], tool: 'copilot', scope: 'project', host: VSCODE.name };
}

function hostPlan(host: CopilotHost, file: ServersFile, step: FileStep, rest: Partial<ToolPlan> = {}): ToolPlan {
  return { tool: 'copilot', target: `${host.name} (${file.scope})`, host: host.name, steps: [step], stale: [], staleKept: [], nextSteps: [], warnings: [], ...rest };
}

async function planHost(host: CopilotHost, file: ServersFile, environment: Environment, request: SetupRequest): Promise<ToolPlan> {
  const { credential } = request;
  const literal = credential.kind === 'token' && (credential.storage === 'literal' || host.literalReason !== undefined);
  const hostRequest: SetupRequest = literal ? { ...request, credential: { ...credential, storage: 'literal' } as Credential } : request;
  const planned = await planServersFile(file, host.shape, hostRequest, host.extraEdit);
  const where = `the token is stored in plain text in ${file.path}${environment.platform === 'win32' ? '' : ' (file mode 0600)'}`;
  const warning = host.literalReason
    ? `${host.literalReason}, so ${where}.`
    : `With --secret literal ${where}; without it, ${host.name} asks for the token once and keeps it in its secret storage.`;
  return hostPlan(host, file, planned.step, {
    stale: planned.stale,
    staleKept: planned.staleKept,
    nextSteps: host.nextSteps(hostRequest, file),
    warnings: [...(literal ? [warning] : []), ...planned.warnings],
  });
}

async function planRemoval(host: CopilotHost, file: ServersFile, name: string, environment: Environment): Promise<ToolPlan> {
  return hostPlan(host, file, await planServersFileRemoval(file, name, host.extraEdit, environment));
}

/** The secret the cloud agent's MCP configuration refers to: its secret store only hands names with this
 * prefix to MCP servers. */
export const CLOUD_AGENT_SECRET = `COPILOT_MCP_${TOKEN_ENV_VAR}`;

/** GitHub's Copilot cloud agent (formerly "coding agent") takes MCP servers only from the repository's MCP
 * configuration on GitHub, no OAuth servers, and secrets only from the "Agents" secret store, by a
 * `COPILOT_MCP_` name in `$VAR` / `${VAR}` form. Format and steps as documented on 2026-12-01 in
 * https://docs.github.com/en/copilot/how-tos/copilot-on-github/customize-copilot/configure-mcp-servers
 * (`mcpServers.<name>`: `type` "http", `url`, `headers`, required `tools`) and
 * https://docs.github.com/en/copilot/how-tos/copilot-on-github/customize-copilot/customize-cloud-agent/configure-secrets-and-variables
 * (Settings → Secrets and variables → Agents; the old `copilot` environment's secrets were moved there). */
export const cloudAgent: HostedAgent = {
  provider: 'github',
  name: 'GitHub Copilot cloud agent',
  note: "It reads MCP servers from the repository's settings on GitHub, not from a file, and takes no OAuth servers: it needs an API token from its own secret store.",
  secret: CLOUD_AGENT_SECRET,
  configuration: ({ name, serverUrl }) =>
    `${JSON.stringify({ mcpServers: { [name]: { type: 'http', url: serverUrl, headers: { Authorization: `Bearer \${${CLOUD_AGENT_SECRET}}` }, tools: ['*'] } } }, null, 2)}\n`,
  steps: [
    'On GitHub, in the repository: Settings → Copilot → Cloud agent → "Model Context Protocol (MCP)": paste the configuration into "MCP configuration" and click "Save MCP configuration".',
    `Settings → Secrets and variables → Agents → New repository secret: name it ${CLOUD_AGENT_SECRET} and paste a mittwald API token. The agent calls the tools without asking, so give it a read-only token (api_read), or list only the tools it needs in "tools".`,
  ],
  sources: [
    'https://docs.github.com/en/copilot/how-tos/copilot-on-github/customize-copilot/configure-mcp-servers',
    'https://docs.github.com/en/copilot/how-tos/copilot-on-github/customize-copilot/customize-cloud-agent/configure-secrets-and-variables',
  ],
};

const copilot: Adapter = {
  id: 'copilot',
  name: 'GitHub Copilot',
  kind: 'config',
  scopes: ['user', 'project'] satisfies Scope[],
  acceptsToken: true,
  secretReference: 'prompt',
  // VS Code's OAuth redirect listens on http://127.0.0.1:33418/ (the other hosts: not known).
  callbackPorts: (entry) => (entry.host?.startsWith('VS Code') ? [33418] : []),

  async detect(environment) {
    const found = await detectHosts(environment);
    const state = found.some(({ detection }) => detection.state === 'installed') ? 'installed' : found.length > 0 ? 'config-found' : 'not-installed';
    return { tool: 'copilot', state, hosts: found.map(({ host }) => host.name), evidence: found.flatMap(({ detection }) => detection.evidence) };
  },

  async plan(environment, request) {
    const found = (await detectHosts(environment)).map(({ host }) => host);
    const hosts = found.length > 0 ? found : [VSCODE];
    const warnings =
      found.length > 0 ? [] : [`No GitHub Copilot host (${COPILOT_HOSTS.join(', ')}) was found here; configuring VS Code, the most common one.`];
    if (request.scope === 'project') {
      const plan = await planHost(VSCODE, await projectFile(environment), environment, request);
      const userOnly = hosts.filter((host) => !host.readsProjectFile);
      for (const host of userOnly) warnings.push(`${host.name} has no project configuration and was left out; run again with --scope user to configure it.`);
      return [{ ...plan, warnings: [...warnings, ...plan.warnings] }];
    }
    const plans = await Promise.all(hosts.map((host) => planHost(host, userFile(host, environment), environment, request)));
    const [first, ...rest] = plans;
    return first ? [{ ...first, warnings: [...warnings, ...first.warnings] }, ...rest] : [];
  },

  // On a runner only the Copilot CLI is installed (the step before the setup), so its host is the one set up.
  ci: {
    install: 'npm install -g @github/copilot',
    example: { secrets: ['COPILOT_GITHUB_TOKEN'], argv: (name, prompt) => ['copilot', '-p', prompt, '--allow-tool', name] },
    hosted: cloudAgent,
  },

  async planRemove(environment, { name, scope }) {
    if (scope === 'project') return [await planRemoval(VSCODE, await projectFile(environment), name, environment)];
    const detected = new Set((await detectHosts(environment)).map(({ host }) => host.name));
    const plans = await Promise.all(hostsOn(environment).map((host) => planRemoval(host, userFile(host, environment), name, environment)));
    const wanted = plans.filter((plan) => detected.has(plan.host ?? '') || planChanges(plan));
    return wanted.length > 0 ? wanted : plans.filter((plan) => plan.host === VSCODE.name);
  },

  async inspect(environment, options) {
    const files = hostsOn(environment).map((host) => ({ host, file: userFile(host, environment) }));
    files.push({ host: VSCODE, file: await projectFile(environment) });
    const found = await Promise.all(files.map(({ host, file }) => inspectServersFile(file, host.shape, environment, options)));
    return found.flat();
  },
};

export default copilot;
