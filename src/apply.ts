/** Applies a plan: file steps through the atomic writer (with backups), command steps through the tool's CLI
 * without a shell. Stops at the first failing step of a tool and restores that tool's earlier files, so a
 * tool is either fully configured or left as it was. */
import { deleteConfigFile, writeConfigFile } from './config-file.js';
import { SetupError } from './errors.js';
import { recordFileChange } from './setup-state.js';
import type { CommandStep, FileStep, ToolPlan } from './model.js';
import { lastLine, runToolCommand } from './tool-command.js';

export type FileChange = 'created' | 'modified' | 'deleted' | 'unchanged';

export interface AppliedFile {
  path: string;
  change: FileChange;
  backup?: string;
}

export interface AppliedCommand {
  command: string;
  exitCode: number;
}

export interface AppliedPlan {
  files: AppliedFile[];
  commands: AppliedCommand[];
}

export function fileChange(step: FileStep): FileChange {
  if (step.before === step.after) return 'unchanged';
  if (step.before === null) return 'created';
  if (step.after === null) return 'deleted';
  return 'modified';
}

/** What the plan would do to each file, before anything is applied. */
export function plannedFiles(plan: ToolPlan): Array<{ path: string; change: FileChange }> {
  return plan.steps.flatMap((step) => (step.kind === 'file' ? [{ path: step.path, change: fileChange(step) }] : []));
}

/** Whether applying the plan would change anything. */
export function planChanges(plan: ToolPlan): boolean {
  return plan.steps.some((step) => step.kind === 'command' || fileChange(step) !== 'unchanged');
}

export interface ApplyOptions {
  backupDir: string;
  /** Where what each written step did is noted (src/setup-state.ts), for `remove`; none when undefined. */
  stateFile?: string;
  /** Runs a command step; injectable for tests. Resolves to the exit code. */
  runCommand?: (step: CommandStep) => Promise<{ exitCode: number; output: string }>;
}

export async function applyPlan(plan: ToolPlan, options: ApplyOptions): Promise<AppliedPlan> {
  const result: AppliedPlan = { files: [], commands: [] };
  // What to put back if a later step fails: files we wrote, and files a command changed.
  const written: Array<{ path: string; before: string | null; secret: boolean }> = [];
  try {
    for (const step of plan.steps) {
      if (step.kind === 'file') {
        const change = fileChange(step);
        if (change === 'unchanged') {
          result.files.push({ path: step.path, change });
          continue;
        }
        const outcome =
          step.after === null
            ? await deleteConfigFile(step.path, { backupDir: options.backupDir, expected: step.before })
            : await writeConfigFile(step.path, step.after, { secret: step.secret, backupDir: options.backupDir, expected: step.before, ...(step.mode === undefined ? {} : { mode: step.mode }) });
        written.push(step);
        // The file is written; a state that cannot be noted only means a later remove knows less.
        if (step.record && options.stateFile) await recordFileChange(options.stateFile, step.record, options.backupDir).catch(() => undefined);
        result.files.push({ path: step.path, change, ...(outcome.backup ? { backup: outcome.backup } : {}) });
      } else {
        const run = options.runCommand ?? ((command: CommandStep) => runToolCommand(command.argv));
        if (step.rollback && !written.some((entry) => entry.path === step.rollback!.path)) written.push({ ...step.rollback, secret: false });
        const { exitCode, output } = await run(step);
        result.commands.push({ command: step.display, exitCode });
        if (exitCode !== 0 && !step.mayFail) {
          throw new SetupError('COMMAND_FAILED', `\`${step.display}\` failed (exit ${exitCode})${output ? `: ${lastLine(output)}` : '.'}`, {
            hint: 'Run the command yourself to see the full output.',
          });
        }
      }
    }
  } catch (error) {
    await restore(written, options.backupDir);
    throw error;
  }
  return result;
}

async function restore(steps: Array<{ path: string; before: string | null; secret: boolean }>, backupDir: string): Promise<void> {
  for (const step of steps.reverse()) {
    try {
      if (step.before === null) await deleteConfigFile(step.path, { backupDir });
      else await writeConfigFile(step.path, step.before, { secret: step.secret, backupDir });
    } catch {
      // The backup written before the change is still there for the user.
    }
  }
}
