/** Builds a complete Adapter from a declarative description of a tool that keeps servers in a config file
 * per scope (any format the servers-map planner has a backend for). Tool modules in adapters/ stay short: paths, entry shape, detection clues and next steps. */
import type { Adapter } from './adapter.js';
import { SetupError } from '../errors.js';
import { detectFromClues, type DetectionClues } from './detect.js';
import { findProjectRoot } from '../system/environment.js';
import { inspectServersFile, planServersFile, planServersFileRemoval, type EntryShape, type ExtraEdit, type ServersFile } from './json-servers.js';
import type { Environment, Scope, SetupRequest, ToolId, ToolPlan } from '../model.js';

export interface ServersFileTool {
  id: ToolId;
  name: string;
  secretReference: Adapter['secretReference'];
  clues(environment: Environment): DetectionClues;
  /** The file for each scope the tool has; `projectDir` is the enclosing git repository (or cwd). */
  files(environment: Environment, projectDir: string): Partial<Record<Scope, Omit<ServersFile, 'tool' | 'scope'>>>;
  shape: EntryShape;
  /** The tool merges a same-named entry of its other scope into this one key by key; its warnings hook says
   * what that changes, so the planner's "also has" warning leaves that entry out. */
  mergesScopes?: true;
  extraEdit?: ExtraEdit;
  nextSteps(request: SetupRequest, file: ServersFile, environment: Environment, files: readonly ServersFile[]): string[] | Promise<string[]>;
  /** How the running tool picks up a change; shown only when something changed. */
  reloadStep?(request: SetupRequest): string | undefined;
  /** What the person should know about this plan beyond the planner's own warnings (`files`: every scope's). */
  warnings?(request: SetupRequest, file: ServersFile, environment: Environment, files: readonly ServersFile[]): string[] | Promise<string[]>;
}

export async function projectDirectory(environment: Environment): Promise<string> {
  return (await findProjectRoot(environment)) ?? environment.cwd;
}

async function resolveFiles(tool: ServersFileTool, environment: Environment): Promise<ServersFile[]> {
  const files = tool.files(environment, await projectDirectory(environment));
  // Run from the home folder, the project file can be the user file itself: it is then the user file only.
  if (files.project && files.user && files.project.path === files.user.path) delete files.project;
  return (Object.entries(files) as Array<[Scope, Omit<ServersFile, 'tool' | 'scope'>]>).map(([scope, file]) => ({ ...file, tool: tool.id, scope }));
}

function fileFor(files: ServersFile[], tool: ServersFileTool, scope: Scope): ServersFile {
  const file = files.find((candidate) => candidate.scope === scope);
  if (!file) {
    throw new SetupError('USAGE', `${tool.name} has no separate ${scope} file here.`, {
      hint: scope === 'project' ? 'Run this inside your project folder, or use --scope user.' : 'Use --scope project.',
    });
  }
  return file;
}

/** Mittwald entries in the tool's other scope: both would load, so the person should know. A file there
 * that cannot be read is no reason to stop this plan. */
async function otherScopeEntries(tool: ServersFileTool, environment: Environment, files: ServersFile[], target: ServersFile, request: SetupRequest): Promise<string[]> {
  const warnings: string[] = [];
  for (const other of files.filter((candidate) => candidate !== target)) {
    const entries = await inspectServersFile(other, tool.shape, environment, { name: request.name, serverUrl: request.serverUrl }).catch(() => []);
    for (const entry of entries) {
      if (tool.mergesScopes && entry.name === request.name) continue;
      warnings.push(
        `${tool.name} also has "${entry.name}" (${entry.url}) in its ${other.scope} file ${other.path}; take it out with \`mittwald-mcp-setup remove --tool ${tool.id} --scope ${other.scope}${entry.name === request.name ? '' : ` --name ${entry.name}`}\` if you no longer want it.`,
      );
    }
  }
  return warnings;
}

function withReloadStep(step: string | undefined): Pick<ToolPlan, 'reloadStep'> {
  return step === undefined ? {} : { reloadStep: step };
}

function targetName(tool: ServersFileTool, file: ServersFile): string {
  return `${file.host ?? tool.name} (${file.scope})`;
}

export function defineServersFileAdapter(tool: ServersFileTool, scopes: readonly Scope[] = ['user', 'project']): Adapter {
  return {
    id: tool.id,
    name: tool.name,
    kind: 'config',
    scopes,
    acceptsToken: true,
    secretReference: tool.secretReference,
    detect: (environment) => detectFromClues(tool.id, environment, tool.clues(environment)),
    async plan(environment, request): Promise<ToolPlan[]> {
      const files = await resolveFiles(tool, environment);
      const file = fileFor(files, tool, request.scope);
      const planned = await planServersFile(file, tool.shape, request, tool.extraEdit);
      const elsewhere = await otherScopeEntries(tool, environment, files, file, request);
      return [
        {
          tool: tool.id,
          target: targetName(tool, file),
          steps: [planned.step],
          stale: planned.stale,
          staleKept: planned.staleKept,
          nextSteps: await tool.nextSteps(request, file, environment, files),
          ...withReloadStep(tool.reloadStep?.(request)),
          warnings: [...((await tool.warnings?.(request, file, environment, files)) ?? []), ...planned.warnings, ...elsewhere],
        },
      ];
    },
    async planRemove(environment, { name, scope }): Promise<ToolPlan[]> {
      const file = fileFor(await resolveFiles(tool, environment), tool, scope);
      const step = await planServersFileRemoval(file, name, tool.extraEdit, environment);
      return [{ tool: tool.id, target: targetName(tool, file), steps: [step], stale: [], staleKept: [], nextSteps: [], warnings: [] }];
    },
    async inspect(environment, options) {
      const files = await resolveFiles(tool, environment);
      const found = await Promise.all(files.map((file) => inspectServersFile(file, tool.shape, environment, options)));
      return found.flat();
    },
  };
}
