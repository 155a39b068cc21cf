/** `remove --tool <id>`: takes our entry out again (and what we added with it), nothing else. */
import { applyPlan, planChanges, plannedFiles } from '../apply.js';
import { errorDetails, ExitCode } from '../errors.js';
import { claimInterrupt } from '../interrupt.js';
import type { Options } from '../options.js';
import { SYMBOLS } from '../output.js';
import type { RunContext } from '../run-context.js';
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
  // Ctrl-C lets the file being written finish (its write is atomic) and skips the rest.
  let interrupted = false;
  const release = claimInterrupt(() => {
    interrupted = true;
  });
  for (const { plan } of plans) {
    if (interrupted) break;
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
      const applied = await applyPlan(plan, { backupDir });
      results.push({ tool: plan.tool, target: plan.target, status: 'removed', files: applied.files });
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
