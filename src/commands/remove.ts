/** `remove --tool <id>`: takes our entry out again (and what we added with it), nothing else. */
import { applyPlan, planChanges, plannedFiles } from '../apply.js';
import { errorDetails } from '../connection.js';
import type { Options } from '../options.js';
import { SYMBOLS } from '../output.js';
import type { RunContext } from '../run-context.js';
import { setupStateFile } from '../setup-state.js';
import { backupDirectory, scopeFor, selectTools, showPlans } from '../setup-steps.js';
import type { ToolPlan } from '../model.js';

export async function runRemove(options: Options, context: RunContext): Promise<number> {
  const { environment, out } = context;
  const { paint } = out;
  const adapters = await selectTools(options.tools, environment);
  const results: Array<{ tool: string; target: string; status: 'removed' | 'absent' | 'planned' | 'instructions' | 'failed'; files: unknown[]; error?: ReturnType<typeof errorDetails> }> = [];
  const plans: Array<{ plan: ToolPlan }> = [];
  for (const adapter of adapters) {
    try {
      for (const plan of await adapter.planRemove(environment, { name: options.name, scope: scopeFor(adapter, options.scope) })) plans.push({ plan });
    } catch (error) {
      results.push({ tool: adapter.id, target: adapter.name, status: 'failed', files: [], error: errorDetails(error) });
    }
  }
  showPlans(out, plans.map(({ plan }) => plan), { diff: options.dryRun, secrets: [] });
  const backupDir = backupDirectory(environment);
  for (const { plan } of plans) {
    const changes = planChanges(plan);
    if (plan.instructions) {
      out.line(`\n${plan.instructions}`);
      results.push({ tool: plan.tool, target: plan.target, status: 'instructions', files: [] });
      continue;
    }
    if (options.dryRun || !changes) {
      results.push({ tool: plan.tool, target: plan.target, status: changes ? 'planned' : 'absent', files: plannedFiles(plan) });
      continue;
    }
    try {
      const applied = await applyPlan(plan, { backupDir, stateFile: setupStateFile(environment) });
      results.push({ tool: plan.tool, target: plan.target, status: 'removed', files: applied.files });
    } catch (error) {
      results.push({ tool: plan.tool, target: plan.target, status: 'failed', files: [], error: errorDetails(error) });
    }
  }
  out.line();
  for (const result of results) {
    const symbol = result.status === 'failed' ? paint.red(SYMBOLS.fail) : paint.green(SYMBOLS.ok);
    const text = { removed: `removed "${options.name}"`, absent: `no "${options.name}" entry — nothing to do`, planned: 'would be removed (dry run)', instructions: 'remove it in the app (steps above)', failed: result.error?.message ?? 'failed' }[result.status];
    out.line(`${symbol} ${paint.bold(result.target)}: ${text}`);
  }
  const ok = results.every((result) => result.status !== 'failed');
  if (options.json) out.json({ ok, command: 'remove', dryRun: options.dryRun, tools: results });
  return ok ? 0 : 1;
}
