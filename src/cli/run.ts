/** Everything after `--help` / `--version`: options, output, the command, and error reporting. Loaded
 * lazily by cli.ts so that those two stay instant. */
import type { ParsedArgs } from './cli-args.js';
import { currentEnvironment } from '../system/environment.js';
import { errorDetails, ExitCode, isSetupError, SetupError } from '../errors.js';
import { setInterruptFallback } from './interrupt.js';
import { createHttpClient, type HttpClient } from '../net/http.js';
import { resolveOptions } from './options.js';
import { createOutput, SYMBOLS, type Output } from './output.js';
import type { RunContext } from './run-context.js';
import { maskCredentials } from '../secrets.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function run(parsed: ParsedArgs): Promise<number> {
  const json = Boolean(parsed.values.json);
  let out: Output = createOutput({ json, color: false });
  const debug = Boolean(parsed.values.debug);
  try {
    const options = await resolveOptions(parsed, { env: process.env, readStdin, colorCapable: Boolean(process.stdout.isTTY) });
    out = createOutput({ json: options.json, color: options.color });
    if (options.token) out.addSecret(options.token.value.trim());
    let http: HttpClient | undefined;
    const context: RunContext = {
      environment: currentEnvironment(),
      out,
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      http: async () =>
        (http ??= createHttpClient({ version: __VERSION__, ...(options.debug ? { trace: (line: string) => out.note(out.paint.dim(line)) } : {}) })),
    };
    // Until a phase claims Ctrl-C, nothing has been written: end at once, with the one JSON object promised.
    setInterruptFallback(() => {
      process.exitCode = reportError(out, new SetupError('CANCELLED', 'Cancelled — nothing was changed.'), { json: options.json, debug, command: options.command });
      process.exit();
    });
    // Each command is initialized when it runs.
    switch (options.command) {
      case 'setup':
        return await (await import('../commands/setup.js')).runSetup(options, context);
      case 'status':
        return await (await import('../commands/status.js')).runStatus(options, context);
      case 'remove':
        return await (await import('../commands/remove.js')).runRemove(options, context);
      case 'doctor':
        return await (await import('../commands/doctor.js')).runDoctor(options, context);
      case 'report':
        return await (await import('../commands/report.js')).runReport(options, context);
      case 'ci':
        return await (await import('../commands/ci.js')).runCi(options, context);
    }
  } catch (error) {
    const exitCode = reportError(out, error, { json, debug, command: parsed.command });
    await keepError(out, error, parsed.command);
    return exitCode;
  }
}

/** Notes an error that ended the run for the next support report, masked as it was printed (and by the rule
 * for whatever else looks like a secret). A cancel is no error; a failure to note it changes nothing. */
async function keepError(out: Output, error: unknown, command: ParsedArgs['command']): Promise<void> {
  if (isSetupError(error) && error.code === 'CANCELLED') return;
  try {
    const environment = currentEnvironment();
    const details = errorDetails(error);
    const code = isSetupError(error) ? error.code : 'INTERNAL';
    const { recentErrorsFile, recordRecentError } = await import('../files/recent-errors.js');
    await recordRecentError(recentErrorsFile(environment), { time: new Date().toISOString(), command, code, message: maskCredentials(out.redact(details.message)) });
  } catch {
    // The log is a convenience: the run's own result stands.
  }
}

/** Prints a failure as one or two lines (a stack trace only with --debug) and returns the exit status. */
export function reportError(out: Output, error: unknown, options: { json: boolean; debug: boolean; command: ParsedArgs['command'] }): number {
  const details = errorDetails(error);
  const exitCode = isSetupError(error) ? (error.code === 'USAGE' ? ExitCode.usage : error.code === 'CANCELLED' ? ExitCode.cancelled : ExitCode.failed) : ExitCode.failed;
  if (options.json) {
    out.json({ ok: false, command: options.command, error: details });
  } else {
    out.note(`${out.paint.red(SYMBOLS.fail)} ${details.message}`);
    if (details.hint) out.note(`  ${details.hint}`);
    if (!isSetupError(error) && !options.debug) out.note('  This is a bug in mittwald-mcp-setup; run again with --debug for details.');
  }
  if (options.debug && error instanceof Error && error.stack) out.note(error.stack);
  return exitCode;
}
