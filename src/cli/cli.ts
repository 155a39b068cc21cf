/** Entry point. Parses the command line with node:util only, answers --help and --version at once, and
 * loads everything else on demand: the core with the code cache (code-cache.ts). */
import { writeSync } from 'node:fs';
import path from 'node:path';
import { parseCommandLine, type ParsedArgs } from './cli-args.js';
import { requireWithCodeCache, userCacheFolder } from './code-cache.js';
import { ExitCode, isSetupError } from '../errors.js';
import { HELP } from './help.js';
import type Module from 'node:module';
import type * as Core from './run.js';

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (!isSetupError(error)) throw error;
    keepGoingOnClosedStreams();
    process.stderr.write(`✗ ${error.message}\n${error.hint ? `  ${error.hint}\n` : ''}`);
    return ExitCode.usage;
  }
  if (parsed.values.help) return writeAnswer(HELP);
  if (parsed.values.version) return writeAnswer(`${__VERSION__}\n`);
  keepGoingOnClosedStreams();
  return loadCore(parsed).run(parsed);
}

/** Writes the answer to --help or --version straight to fd 1: Node's stdout stream would load some twenty
 * stream modules first (about 5 ms, a tenth of Node's own start), for one write. A reader already gone
 * (`--version | true`) is no failure; a pipe that is full (non-blocking) gets the rest through the stream.
 * On Windows the stream it is: a console there takes UTF-16 through the stream, not UTF-8 bytes. */
function writeAnswer(text: string): number {
  const bytes = Buffer.from(text);
  let written = 0;
  if (process.platform !== 'win32') {
    try {
      while (written < bytes.length) written += writeSync(1, bytes, written);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return ExitCode.ok;
      if (code !== 'EAGAIN') throw error;
    }
  }
  if (written < bytes.length) {
    keepGoingOnClosedStreams();
    process.stdout.write(bytes.subarray(written));
  }
  return ExitCode.ok;
}

/** dist/core.cjs. Its code cache is written at the end of a run that succeeded, unless it was a dry run
 * (which writes nothing anywhere), V8 already took the cache, the run is on a CI runner (`CI` set: a runner
 * starts from a clean machine, so writing the cache, about 9 ms, would buy nothing), or under sudo (root's
 * files in the user's cache folder would shut the user out of them). A cache that is there is used all the
 * same. NODE_DISABLE_COMPILE_CACHE, Node's switch for its own compile cache, turns it off. With --debug,
 * what became of the cache is said on stderr. */
function loadCore(parsed: ParsedArgs): typeof Core {
  // This file is the CommonJS bundle dist/cli.js by then, beside core.cjs.
  const file = path.join(__dirname, 'core.cjs');
  const debug = (line: string) => {
    if (parsed.values.debug) process.stderr.write(`code cache: ${line}\n`);
  };
  const folder = userCacheFolder('mittwald-mcp-setup', process.platform, process.env);
  if (process.env.NODE_DISABLE_COMPILE_CACHE || folder === undefined) {
    debug('off');
    return require(file) as typeof Core;
  }
  const loaded = requireWithCodeCache(file, { folder, build: __CORE_BUILD__ }, module.constructor as typeof Module);
  debug(`${loaded.state} (${loaded.cacheFile})`);
  const ci = process.env.CI !== undefined && !/^(|0|false)$/i.test(process.env.CI);
  const sudo = process.env.SUDO_UID !== undefined && process.getuid?.() === 0;
  process.once('exit', (code) => {
    if (code !== 0 || parsed.values['dry-run'] || loaded.state === 'accepted') return;
    if (ci) return debug('not written on a CI runner');
    if (sudo) return debug('not written under sudo');
    debug(loaded.save() ? 'written' : 'could not be written');
  });
  return loaded.exports as typeof Core;
}

/** `mittwald-mcp-setup … | head -1` closes stdout early. That is no reason to abandon a job half-way: the
 * rest of the output is dropped, the writes finish, and the exit status still says how the job went. */
let keepingGoing = false;
function keepGoingOnClosedStreams(): void {
  if (keepingGoing) return;
  keepingGoing = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    keepGoingOnClosedStreams();
    process.stderr.write(`✗ Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = ExitCode.failed;
  },
);
