/** The Copilot hosts with files of their own: Copilot for JetBrains and for Xcode (`servers.<name>`, headers
 * under `requestInit`) and Visual Studio (`servers.<name> = { type, url, headers? }`). None documents a
 * secret reference, so a token goes into the file literally (0600). */
import type { DetectionClues } from '../../src/kit/detect.js';
import { readRemoteEntry, type EntryShape, type ServersFile } from '../../src/kit/json-servers.js';
import { isJsonObject } from '../../src/files/json-object.js';
import type { Credential, Environment, SetupRequest } from '../../src/model.js';
import { ENV_PREFIXED_SYNTAX } from '../../src/kit/references.js';
import { copilotIdeFile, dirname, visualStudioInstallPaths, visualStudioUserFile } from './paths.js';

export interface IdeHost {
  name: string;
  platforms: readonly Environment['platform'][];
  clues(environment: Environment): DetectionClues;
  userFile(environment: Environment): ServersFile;
  shape: EntryShape;
  /** Why this host gets a token literally even when a reference is asked for. */
  literalReason: string;
  nextSteps(request: SetupRequest): string[];
}

/** The Authorization value for a host without references: the token itself. */
const literalBearer = (credential: Credential): string | undefined => (credential.kind === 'token' ? `Bearer ${credential.token}` : undefined);

/** Visual Studio: `servers.<name> = { type, url, headers? }`, as VS Code's own format. */
const visualStudioShape: EntryShape = {
  syntax: ENV_PREFIXED_SYNTAX,
  build: ({ serverUrl, credential }) => {
    const authorization = literalBearer(credential);
    return { type: 'http', url: serverUrl, ...(authorization === undefined ? {} : { headers: { Authorization: authorization } }) };
  },
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

const file = (host: string, path: string): ServersFile => ({ tool: 'copilot', scope: 'user', host, path, format: 'jsonc', serversPath: ['servers'] });

function copilotIdeHost(ide: 'intellij' | 'xcode'): IdeHost {
  const name = ide === 'intellij' ? 'Copilot for JetBrains' : 'Copilot for Xcode';
  const app = ide === 'intellij' ? 'your JetBrains IDE' : 'Xcode';
  return {
    name,
    platforms: ide === 'xcode' ? ['darwin'] : ['linux', 'darwin', 'win32'],
    // The plugin creates this folder; nothing else does.
    clues: (environment) => ({ installPaths: [dirname(environment, copilotIdeFile(environment, ide))] }),
    userFile: (environment) => file(name, copilotIdeFile(environment, ide)),
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

export const IDE_HOSTS: readonly IdeHost[] = [
  copilotIdeHost('intellij'),
  copilotIdeHost('xcode'),
  {
    name: 'Visual Studio',
    platforms: ['win32'],
    clues: (environment) => ({ installPaths: visualStudioInstallPaths(environment), configPaths: [visualStudioUserFile(environment)] }),
    userFile: (environment) => file('Visual Studio', visualStudioUserFile(environment)),
    shape: visualStudioShape,
    literalReason: "Visual Studio's support for VS Code's ${input:} prompts is unconfirmed",
    nextSteps: ({ name: entry, credential }) =>
      credential.kind === 'oauth'
        ? [`In Visual Studio open Copilot Chat in Agent mode, select the tools icon and sign in to "${entry}" when asked.`]
        : [`Restart Visual Studio (or reopen Copilot Chat in Agent mode) to load "${entry}".`],
  },
];
