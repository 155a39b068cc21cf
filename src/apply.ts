/** Applies a plan's file steps through the atomic writer (with backups). Stops at the first failing step of a
 * tool and restores that tool's earlier files, so a tool is either fully configured or left as it was. */
import { deleteConfigFile, writeConfigFile } from './config-file.js';
import type { FileStep, ToolPlan } from './model.js';

export type FileChange = 'created' | 'modified' | 'deleted' | 'unchanged';

export interface AppliedFile {
  path: string;
  change: FileChange;
  backup?: string;
}

export interface AppliedPlan {
  files: AppliedFile[];
}

export function fileChange(step: FileStep): FileChange {
  if (step.before === step.after) return 'unchanged';
  if (step.before === null) return 'created';
  if (step.after === null) return 'deleted';
  return 'modified';
}

/** What the plan would do to each file, before anything is applied. */
export function plannedFiles(plan: ToolPlan): Array<{ path: string; change: FileChange }> {
  return plan.steps.map((step) => ({ path: step.path, change: fileChange(step) }));
}

/** Whether applying the plan would change anything. */
export function planChanges(plan: ToolPlan): boolean {
  return plan.steps.some((step) => fileChange(step) !== 'unchanged');
}

export interface ApplyOptions {
  backupDir: string;
}

export async function applyPlan(plan: ToolPlan, options: ApplyOptions): Promise<AppliedPlan> {
  const result: AppliedPlan = { files: [] };
  // What to put back if a later step fails.
  const written: FileStep[] = [];
  try {
    for (const step of plan.steps) {
      const change = fileChange(step);
      if (change === 'unchanged') {
        result.files.push({ path: step.path, change });
        continue;
      }
      const outcome =
        step.after === null
          ? await deleteConfigFile(step.path, { backupDir: options.backupDir, expected: step.before })
          : await writeConfigFile(step.path, step.after, { secret: step.secret, backupDir: options.backupDir, expected: step.before });
      written.push(step);
      result.files.push({ path: step.path, change, ...(outcome.backup ? { backup: outcome.backup } : {}) });
    }
  } catch (error) {
    await restore(written, options.backupDir);
    throw error;
  }
  return result;
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
