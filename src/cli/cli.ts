/** Entry point. Parses the command line with node:util only, answers --help and --version at once, and
 * loads everything else on demand. */
import { parseCommandLine } from './cli-args.js';
import { ExitCode, isSetupError } from '../errors.js';
import { HELP } from './help.js';

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (!isSetupError(error)) throw error;
    process.stderr.write(`✗ ${error.message}\n${error.hint ? `  ${error.hint}\n` : ''}`);
    return ExitCode.usage;
  }
  if (parsed.values.help) {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  if (parsed.values.version) {
    process.stdout.write(`${__VERSION__}\n`);
    return ExitCode.ok;
  }
  const { run } = await import('./run.js');
  return run(parsed);
}

// `mittwald-mcp-setup … | head -1` closes stdout early. That is no reason to abandon a job half-way: the rest
// of the output is dropped, the writes finish, and the exit status still says how the job went.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`✗ Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = ExitCode.failed;
  },
);
