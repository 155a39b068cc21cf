/** Reading a plan before it is applied: what each step would do to its file. Adapters build plans (src/model.ts
 * holds their shape); the applier (apply.ts) carries them out. */
import type { FileStep, ToolPlan } from '../model.js';

export type FileChange = 'created' | 'modified' | 'deleted' | 'unchanged';

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
