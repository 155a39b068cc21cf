/** GitHub Copilot: one tool with several hosts, each found on its own — VS Code (stable and Insiders), the
 * Copilot CLI, Copilot for JetBrains and for Xcode, Visual Studio. VS Code, the Copilot CLI and the Copilot
 * app run on one runtime and read one portable entry (./portable.ts): however many of them are found, that is
 * one plan. Copilot for JetBrains, Xcode and Visual Studio keep their own files (./ide.ts), one plan each, and
 * take a token literally (0600): they document no reference. plan() returns the plans for the hosts found (the
 * portable one when none is found). */
import type { Adapter } from '../../src/kit/adapter.js';
import { detectFromClues } from '../../src/kit/detect.js';
import { detectionOfHosts } from '../../src/kit/hosts-adapter.js';
import { SetupError } from '../../src/errors.js';
import { inspectServersFile, planServersFile, planServersFileRemoval, type ServersFile } from '../../src/kit/json-servers.js';
import { planChanges } from '../../src/kit/plan.js';
import type { Credential, Detection, Environment, FileStep, Scope, SetupRequest, ToolPlan } from '../../src/model.js';
import { joinPath } from '../../src/kit/paths.js';
import { projectDirectory } from '../../src/kit/servers-file-adapter.js';
import { cloudAgent } from './cloud-agent.js';
import { IDE_HOSTS, type IdeHost } from './ide.js';
import { copilotCliFile, dirname, vscodeInstallPaths, vscodeUserDir } from './paths.js';
import {
  planVscodeMigration,
  planVscodeRemoval,
  portableNextSteps,
  portableProjectFile,
  portableProjectShape,
  portableUserFile,
  portableUserShape,
  PORTABLE_HOST,
  vscodeLocalFiles,
  vscodeLocalShape,
} from './portable.js';

export { copilotCliFile, copilotIdeFile, visualStudioUserFile, vscodeUserDir } from './paths.js';
export { PORTABLE_HOST } from './portable.js';

const EVERYWHERE = ['linux', 'darwin', 'win32'] as const;

/** A host that reads the portable entry, found by its own clues. */
interface PortableApp {
  name: string;
  clues(environment: Environment): Parameters<typeof detectFromClues>[2];
}

function vscodeApp(edition: 'Code' | 'Code - Insiders'): PortableApp {
  const insiders = edition === 'Code - Insiders';
  return {
    name: insiders ? 'VS Code Insiders' : 'VS Code',
    clues: (environment) => ({
      commands: [insiders ? 'code-insiders' : 'code'],
      installPaths: vscodeInstallPaths(environment, edition),
      configPaths: [vscodeUserDir(environment, edition)],
    }),
  };
}

const PORTABLE_APPS: readonly PortableApp[] = [
  vscodeApp('Code'),
  vscodeApp('Code - Insiders'),
  { name: 'Copilot CLI', clues: (environment) => ({ commands: ['copilot'], configPaths: [dirname(environment, copilotCliFile(environment))] }) },
];

/** Every Copilot host, by display name, in the order detection lists them. */
export const COPILOT_HOSTS: readonly string[] = [...PORTABLE_APPS.map((app) => app.name), ...IDE_HOSTS.map((host) => host.name)];

const idesOn = (environment: Environment): IdeHost[] => IDE_HOSTS.filter((host) => host.platforms.includes(environment.platform));

interface Found {
  /** Each host found, by name, with its detection. */
  hosts: Array<{ name: string; detection: Detection }>;
  portable: boolean;
  ides: IdeHost[];
}

async function detectHosts(environment: Environment): Promise<Found> {
  const apps = await Promise.all(PORTABLE_APPS.map(async (app) => ({ name: app.name, detection: await detectFromClues('copilot', environment, app.clues(environment)) })));
  const ides = await Promise.all(idesOn(environment).map(async (host) => ({ host, detection: await detectFromClues('copilot', environment, host.clues(environment)) })));
  const found = <T extends { detection: Detection }>(list: T[]) => list.filter(({ detection }) => detection.state !== 'not-installed');
  return {
    hosts: [...found(apps), ...found(ides).map(({ host, detection }) => ({ name: host.name, detection }))],
    portable: found(apps).length > 0,
    ides: found(ides).map(({ host }) => host),
  };
}

function hostPlan(host: string, file: ServersFile, rest: Partial<ToolPlan> & Pick<ToolPlan, 'steps'>): ToolPlan {
  return { tool: 'copilot', target: `${host} (${file.scope})`, host, stale: [], staleKept: [], nextSteps: [], warnings: [], ...rest };
}

function plainTextWarning(file: ServersFile, environment: Environment, why: string): string {
  return `${why}, so the token is stored in plain text in ${file.path}${environment.platform === 'win32' ? '' : ' (file mode 0600)'}.`;
}

/** The portable entry for the scope asked, with our old entries taken out of VS Code's own files. */
async function planPortable(environment: Environment, request: SetupRequest): Promise<ToolPlan> {
  const project = request.scope === 'project';
  const file = project ? await portableProjectFile(environment) : portableUserFile(environment);
  const projectDir = await projectDirectory(environment);
  if (project && file.path === joinPath(environment, environment.home, '.mcp.json')) {
    throw new SetupError('USAGE', `GitHub Copilot's project file would be ${file.path}, in your home folder.`, { hint: 'Run this inside your project folder, or use --scope user.' });
  }
  const planned = await planServersFile(file, project ? portableProjectShape : portableUserShape, request);
  const migration = await planVscodeMigration(environment, request, file);
  const { credential } = request;
  const literal = credential.kind === 'token' && credential.storage === 'literal';
  const warnings = [
    ...(literal ? [plainTextWarning(file, environment, `Without --secret ref (and ${credential.envVar} exported) the entry cannot name the variable`)] : []),
    ...(project ? [`${file.path} is also Claude Code's project file: both read this one "${request.name}" entry.`] : []),
    ...planned.warnings,
    ...migration.warnings,
  ];
  return hostPlan(PORTABLE_HOST, file, {
    steps: [planned.step, ...migration.steps],
    stale: planned.stale,
    staleKept: planned.staleKept,
    nextSteps: portableNextSteps(request, file, environment, projectDir),
    reloadStep: 'Restart the Copilot CLI, and in VS Code run "MCP: List Servers" → Restart on the entry, to load the change.',
    warnings,
  });
}

async function planIde(host: IdeHost, environment: Environment, request: SetupRequest): Promise<ToolPlan> {
  const file = host.userFile(environment);
  const { credential } = request;
  const literal = credential.kind === 'token';
  const hostRequest: SetupRequest = literal ? { ...request, credential: { ...credential, storage: 'literal' } as Credential } : request;
  const planned = await planServersFile(file, host.shape, hostRequest);
  return hostPlan(host.name, file, {
    steps: [planned.step],
    stale: planned.stale,
    staleKept: planned.staleKept,
    nextSteps: host.nextSteps(hostRequest),
    warnings: [...(literal ? [plainTextWarning(file, environment, host.literalReason)] : []), ...planned.warnings],
  });
}

/** Taking our entry out of the portable file of `scope`, and out of VS Code's own files where an earlier setup
 * put it. */
async function planPortableRemoval(environment: Environment, name: string, scope: Scope): Promise<ToolPlan> {
  const file = scope === 'project' ? await portableProjectFile(environment) : portableUserFile(environment);
  const step = await planServersFileRemoval(file, name, undefined, environment);
  const legacy: FileStep[] = [];
  // Whatever URL it has: `remove` takes out the entry of our name, as in every other file.
  for (const vscode of await vscodeLocalFiles(environment, scope)) {
    const removal = await planVscodeRemoval(environment, vscode, { name });
    if (removal) legacy.push(removal);
  }
  const shared = scope === 'project' && step.after !== step.before ? [`${file.path} is also Claude Code's project file: the "${name}" entry is gone for Claude Code as well.`] : [];
  return hostPlan(PORTABLE_HOST, file, { steps: [step, ...legacy], warnings: shared });
}

const copilot: Adapter = {
  id: 'copilot',
  name: 'GitHub Copilot',
  kind: 'config',
  scopes: ['user', 'project'] satisfies Scope[],
  acceptsToken: true,
  secretReference: 'env',
  // VS Code's OAuth redirect listens on http://127.0.0.1:33418/ (the other hosts: not known).
  callbackPorts: (entry) => (entry.host?.startsWith('VS Code') ? [33418] : []),
  // On a runner only the Copilot CLI is installed (the step before the setup), so its host is the one set up.
  ci: {
    install: 'npm install -g @github/copilot',
    example: { secrets: ['COPILOT_GITHUB_TOKEN'], argv: (name, prompt) => ['copilot', '-p', prompt, '--allow-tool', name] },
    hosted: cloudAgent,
  },

  async detect(environment) {
    return detectionOfHosts('copilot', (await detectHosts(environment)).hosts);
  },

  async plan(environment, request) {
    const found = await detectHosts(environment);
    const none = found.hosts.length === 0;
    const warnings = none ? [`No GitHub Copilot host (${COPILOT_HOSTS.join(', ')}) was found here; configuring ${PORTABLE_HOST}, which share one entry.`] : [];
    if (request.scope === 'project') {
      for (const host of found.ides) warnings.push(`${host.name} has no project configuration and was left out; run again with --scope user to configure it.`);
      const plan = await planPortable(environment, request);
      return [{ ...plan, warnings: [...warnings, ...plan.warnings] }];
    }
    const plans = [
      ...(found.portable || none ? [await planPortable(environment, request)] : []),
      ...(await Promise.all(found.ides.map((host) => planIde(host, environment, request)))),
    ];
    const [first, ...rest] = plans;
    return first ? [{ ...first, warnings: [...warnings, ...first.warnings] }, ...rest] : [];
  },

  async planRemove(environment, { name, scope }) {
    const portable = await planPortableRemoval(environment, name, scope);
    if (scope === 'project') return [portable];
    const detected = new Set((await detectHosts(environment)).ides.map((host) => host.name));
    const ides = await Promise.all(
      idesOn(environment).map(async (host) => {
        const file = host.userFile(environment);
        return hostPlan(host.name, file, { steps: [await planServersFileRemoval(file, name, undefined, environment)] });
      }),
    );
    return [portable, ...ides.filter((plan) => detected.has(plan.host ?? '') || planChanges(plan))];
  },

  async inspect(environment, options) {
    const files: Array<{ file: ServersFile; shape: Parameters<typeof inspectServersFile>[1] }> = [
      { file: portableUserFile(environment), shape: portableUserShape },
      { file: await portableProjectFile(environment), shape: portableProjectShape },
      ...idesOn(environment).map((host) => ({ file: host.userFile(environment), shape: host.shape })),
      // Entries an earlier setup left in VS Code's own files, until the next setup moves them.
      ...[...(await vscodeLocalFiles(environment, 'user')), ...(await vscodeLocalFiles(environment, 'project'))].map((file) => ({ file, shape: vscodeLocalShape })),
    ];
    const found = await Promise.all(files.map(({ file, shape }) => inspectServersFile(file, shape, environment, options)));
    return found.flat();
  },
};

export default copilot;
