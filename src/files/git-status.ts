/** What git makes of each project file a run creates or changes — tracked, ignored, or neither — so that the
 * person knows what a commit will carry. Asked of git itself (no shell, through the tool runner), and only when
 * git is on PATH and the project folder is a git repository; any other answer from git means "not known". */
import path from 'node:path';
import { fileChange } from '../kit/plan.js';
import { findOnPath, findProjectRoot } from '../system/environment.js';
import type { Environment, Scope, ToolPlan } from '../model.js';
import { runToolCommand, type ToolCommandResult } from '../kit/tool-command.js';

export type GitState = 'tracked' | 'ignored' | 'untracked';

export interface GitView {
  state: GitState;
  /** The file as shown to people: relative to the project folder. */
  display: string;
  /** For an ignored file: the file holding the rule (e.g. `.gitignore`, `.git/info/exclude`). */
  source?: string;
}

export type GitRunner = (argv: readonly string[], options: { cwd: string; timeoutMs: number }) => Promise<ToolCommandResult>;

/** Files a project-scope plan creates or changes. The scope, not the tool, decides what a project file is. */
export function projectFiles(items: ReadonlyArray<{ plan: ToolPlan; scope: Scope }>): string[] {
  const files = items
    .filter((item) => item.scope === 'project')
    .flatMap(({ plan }) => plan.steps.flatMap((step) => (step.kind === 'file' && fileChange(step) !== 'unchanged' ? [step.path] : [])));
  return [...new Set(files)];
}

/** Git's view of each of `files` that lies in the project's repository; files git cannot tell about are left out. */
export async function gitStates(environment: Environment, files: readonly string[], run: GitRunner = runToolCommand): Promise<Map<string, GitView>> {
  const states = new Map<string, GitView>();
  if (files.length === 0) return states;
  const git = await findOnPath(environment, 'git');
  const projectDir = git && (await findProjectRoot(environment));
  if (!git || !projectDir) return states;
  const pathApi = environment.platform === 'win32' ? path.win32 : path.posix;
  for (const file of files) {
    const relative = pathApi.relative(projectDir, file);
    if (relative === '' || relative.startsWith('..') || pathApi.isAbsolute(relative)) continue;
    const view = await gitViewOf(git, projectDir, relative, run);
    if (view) states.set(file, view);
  }
  return states;
}

async function gitViewOf(git: string, cwd: string, relative: string, run: GitRunner): Promise<GitView | undefined> {
  const options = { cwd, timeoutMs: 10_000 };
  // Exit 0: tracked; 1: not tracked; anything else (128: not a repository, git broken): no answer.
  const listed = await run([git, 'ls-files', '--error-unmatch', '--', relative], options);
  if (listed.exitCode === 0) return { state: 'tracked', display: relative };
  if (listed.exitCode !== 1) return undefined;
  // -v names the rule; it also prints a matching negation (`!pattern`, exit 0), which means "not ignored".
  const checked = await run([git, 'check-ignore', '-v', '--', relative], options);
  if (checked.exitCode === 1) return { state: 'untracked', display: relative };
  if (checked.exitCode !== 0) return undefined;
  const rule = /^(.*):\d+:(.*)\t/.exec(checked.stdout);
  if (rule?.[2]?.startsWith('!')) return { state: 'untracked', display: relative };
  return { state: 'ignored', display: relative, ...(rule?.[1] ? { source: rule[1] } : {}) };
}

/** The line shown under a project file, e.g. ".cursor/mcp.json is ignored by git (.gitignore)". */
export function gitLine(view: GitView): string {
  switch (view.state) {
    case 'tracked':
      return `${view.display} is tracked by git: a commit will carry this change`;
    case 'ignored':
      return `${view.display} is ignored by git${view.source ? ` (${view.source})` : ''}`;
    case 'untracked':
      return `${view.display} is not ignored by git: \`git add\` would include it`;
  }
}

/** Adds `git` to each file of a result that git has a view on (for `--json`). */
export function withGitStates<T extends { path: string }>(files: readonly T[], states: ReadonlyMap<string, GitView>): Array<T & { git?: GitState }> {
  return files.map((file) => {
    const view = states.get(file.path);
    return view ? { ...file, git: view.state } : file;
  });
}
