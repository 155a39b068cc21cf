/** `remove --tool <id>`: takes our entry out again (and what we added with it), nothing else. */
import { applyPlan, type AppliedFile } from '../flow/apply.js';
import { planChanges, plannedFiles } from '../kit/plan.js';
import { errorDetails, ExitCode } from '../errors.js';
import { claimInterrupt } from '../cli/interrupt.js';
import type { Options } from '../cli/options.js';
import { SYMBOLS } from '../cli/output.js';
import type { RunContext } from '../cli/run-context.js';
import { setupStateFile } from '../files/setup-state.js';
import { backupDirectory, samePlan, scopeFor, selectTools, showPlans } from '../flow/setup-steps.js';
import type { Scope, ToolPlan } from '../model.js';
import { gitStates, projectFiles, withGitStates } from '../files/git-status.js';

export async function runRemove(options: Options, context: RunContext): Promise<number> {
  const { environment, out } = context;
  const { paint } = out;
  const adapters = await selectTools(options.tools, environment);
  const results: Array<{ tool: string; target: string; status: 'removed' | 'absent' | 'planned' | 'instructions' | 'failed'; files: AppliedFile[]; error?: ReturnType<typeof errorDetails> }> = [];
  const plans: Array<{ plan: ToolPlan; scope: Scope; replan: () => Promise<ToolPlan[]> }> = [];
  for (const adapter of adapters) {
    const scope = scopeFor(adapter, options.scope);
    const replan = () => adapter.planRemove(environment, { name: options.name, scope });
    try {
      for (const plan of await replan()) plans.push({ plan, scope, replan });
    } catch (error) {
      results.push({ tool: adapter.id, target: adapter.name, status: 'failed', files: [], error: errorDetails(error) });
    }
  }
  // What git makes of each project file changed, so the person knows what a commit will carry.
  const git = await gitStates(environment, projectFiles(plans));
  showPlans(out, plans.map(({ plan }) => plan), { diff: options.dryRun, secrets: [], git });
  const backupDir = backupDirectory(environment);
  // Ctrl-C lets the file being written finish (its write is atomic) and skips the rest.
  let interrupted = false;
  const release = claimInterrupt(() => {
    interrupted = true;
  });
  for (const { plan, replan } of plans) {
    if (interrupted) break;
    const changes = planChanges(plan);
    if (plan.instructions) {
      out.line(`\n${plan.instructions}`);
      results.push({ tool: plan.tool, target: plan.target, status: 'instructions', files: [] });
      continue;
    }
    if (options.dryRun || !changes) {
      results.push({ tool: plan.tool, target: plan.target, status: changes ? 'planned' : 'absent', files: withGitStates(plannedFiles(plan), git) });
      continue;
    }
    try {
      const applied = await applyPlan(plan, { backupDir, stateFile: setupStateFile(environment), replan: async () => samePlan(plan, await replan()) });
      results.push({ tool: plan.tool, target: plan.target, status: planChanges(applied.plan) ? 'removed' : 'absent', files: withGitStates(applied.files, git) });
    } catch (error) {
      results.push({ tool: plan.tool, target: plan.target, status: 'failed', files: [], error: errorDetails(error) });
    }
  }
  release();
  out.line();
  for (const result of results) {
    const symbol = result.status === 'failed' ? paint.red(SYMBOLS.fail) : paint.green(SYMBOLS.ok);
    const text = { removed: `removed "${options.name}"`, absent: `no "${options.name}" entry — nothing to do`, planned: 'would be removed (dry run)', instructions: 'remove it in the app (steps above)', failed: result.error?.message ?? 'failed' }[result.status];
    out.line(`${symbol} ${paint.bold(result.target)}: ${text}`);
    for (const file of result.files) if (file.backup) out.line(paint.dim(`  backup of ${file.path}: ${file.backup}`));
  }
  if (interrupted) {
    out.note(paint.yellow(`Cancelled after ${results.length} of ${plans.length} targets; the ones listed above were done. Run the same command again to finish.`));
    if (options.json) out.json({ ok: false, command: 'remove', dryRun: options.dryRun, tools: results, error: { code: 'CANCELLED', message: 'Cancelled' } });
    return ExitCode.cancelled;
  }
  const ok = results.every((result) => result.status !== 'failed');
  if (options.json) out.json({ ok, command: 'remove', dryRun: options.dryRun, tools: results });
  return ok ? 0 : 1;
}
