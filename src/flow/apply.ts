/** Applies a plan's file steps through the atomic writer (with backups), holding each file's lock. Under the
 * locks every file is read again: when one changed since the plan was made from it (another run, the tool
 * itself), the tool is planned again from the new bytes, so another writer's change is never overwritten.
 * Stops at the first failing step of a tool and restores that tool's earlier files, so a tool is either fully
 * configured or left as it was. */
import { changedWhileRunning, deleteConfigFile, readConfigFile, withConfigFileLock, writeConfigFile } from '../files/config-file.js';
import { SetupError } from '../errors.js';
import { recordFileChange } from '../files/setup-state.js';
import type { FileStep, ToolPlan } from '../model.js';
import { fileChange, plannedFiles, type FileChange } from '../kit/plan.js';

export interface AppliedFile {
  path: string;
  change: FileChange;
  backup?: string;
}

export interface AppliedPlan {
  files: AppliedFile[];
  /** The plan that was written: the one given, or its last re-plan. */
  plan: ToolPlan;
}

export interface ApplyOptions {
  backupDir: string;
  /** Plans the same tool and target again from the files as they are now. Called under the files' locks when
   * one changed since the plan was made; without it, such a change fails the tool. */
  replan?: () => Promise<ToolPlan>;
  /** Where what each written step did is noted (src/files/setup-state.ts), for `remove`; none when undefined. */
  stateFile?: string;
}

/** How often a tool is planned again because its files changed under it, before the run gives up. */
export const MAX_REPLANS = 3;

export async function applyPlan(plan: ToolPlan, options: ApplyOptions): Promise<AppliedPlan> {
  const writing = plan.steps.filter((step) => fileChange(step) !== 'unchanged');
  const locked = [...new Set(writing.map((step) => step.path))].sort();
  // Nothing to write, nothing to lock: whatever the files hold now stays.
  if (locked.length === 0) return { files: plannedFiles(plan), plan };
  const secret = (path: string) => writing.some((step) => step.path === path && step.secret);
  return withLocks(locked, secret, async () => {
    let current = plan;
    for (let replans = 0; ; replans++) {
      const moved = await changedSincePlanned(current);
      if (moved === undefined) return { files: await writeSteps(current, options), plan: current };
      if (!options.replan) throw changedWhileRunning(moved.path);
      if (replans === MAX_REPLANS) throw keptChanging(moved.path);
      current = await options.replan();
      const unlocked = current.steps.find((step) => fileChange(step) !== 'unchanged' && !locked.includes(step.path));
      if (unlocked) throw changedWhileRunning(unlocked.path);
    }
  });
}

/** Holds the locks of `paths` (sorted, so two runs take them in the same order) around `run`. */
async function withLocks<T>(paths: readonly string[], secret: (path: string) => boolean, run: () => Promise<T>): Promise<T> {
  const [first, ...rest] = paths;
  if (first === undefined) return run();
  return withConfigFileLock(first, { secret: secret(first) }, () => withLocks(rest, secret, run));
}

/** The first step to write whose file no longer holds the bytes it was planned from, read from disk now. */
async function changedSincePlanned(plan: ToolPlan): Promise<FileStep | undefined> {
  for (const step of plan.steps) {
    if (fileChange(step) === 'unchanged') continue;
    if ((await readConfigFile(step.path, { fresh: true })).text !== step.before) return step;
  }
  return undefined;
}

async function writeSteps(plan: ToolPlan, options: ApplyOptions): Promise<AppliedFile[]> {
  const { backupDir, stateFile } = options;
  const files: AppliedFile[] = [];
  // What to put back if a later step fails.
  const written: FileStep[] = [];
  try {
    for (const step of plan.steps) {
      const change = fileChange(step);
      if (change === 'unchanged') {
        files.push({ path: step.path, change });
        continue;
      }
      const outcome =
        step.after === null
          ? await deleteConfigFile(step.path, { backupDir, expected: step.before })
          : await writeConfigFile(step.path, step.after, { secret: step.secret, backupDir, expected: step.before, ...(step.mode === undefined ? {} : { mode: step.mode }) });
      written.push(step);
      // The file is written; a state that cannot be noted only means a later remove knows less.
      if (step.record && stateFile) await recordFileChange(stateFile, step.record).catch(() => undefined);
      files.push({ path: step.path, change, ...(outcome.backup ? { backup: outcome.backup } : {}) });
    }
  } catch (error) {
    await restore(written, backupDir);
    throw error;
  }
  return files;
}

function keptChanging(path: string): SetupError {
  return new SetupError('CONFIG_IO', `${path} kept changing while the setup was running (planned again ${MAX_REPLANS} times); nothing was written to it`, {
    hint: 'Another program (perhaps the tool itself) writes it all the time: close that program, then run again.',
  });
}

async function restore(steps: FileStep[], backupDir: string): Promise<void> {
  for (const step of steps.reverse()) {
    try {
      if (step.before === null) await deleteConfigFile(step.path, { backupDir });
      else await writeConfigFile(step.path, step.before, { secret: step.secret, backupDir });
    } catch {
      // The backup written before the change is still there for the user.
    }
  }
}
