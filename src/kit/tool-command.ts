/** Running an agent tool's own CLI (`claude`, `codex`): no shell, no input, bounded in time. The one place
 * the CLI starts other programs for their answer. */
import { runProgram } from '../system/child-process.js';

export interface ToolCommandResult {
  exitCode: number;
  stdout: string;
  /** stdout and stderr interleaved, for messages. */
  output: string;
}

/** `env`: the whole environment the program gets (the Environment the run works in), else this process's. */
export async function runToolCommand(
  argv: readonly string[],
  options: { timeoutMs?: number; cwd?: string; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<ToolCommandResult> {
  const spawn = spawnArguments(argv, process.platform, process.env.ComSpec);
  if ('refused' in spawn) return { exitCode: 1, stdout: '', output: spawn.refused };
  const { file, args, verbatim } = spawn;
  const run = await runProgram(file, args, {
    io: 'capture',
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(verbatim ? { windowsVerbatimArguments: true } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  // Without the one final line break, as the tool's answer is quoted in messages.
  const trimmed = (text: string) => text.replace(/\r?\n$/, '');
  return { exitCode: run.exitCode ?? 1, stdout: trimmed(run.stdout), output: trimmed(run.output) };
}

/** Runs a tool's own command at this terminal (its sign-in: it prints a URL, asks, waits for the browser),
 * started the same careful way as runToolCommand. Resolves its exit code (undefined: not started). */
export async function runInteractiveToolCommand(argv: readonly string[], options: { env?: Readonly<Record<string, string | undefined>> } = {}): Promise<number | undefined> {
  const spawn = spawnArguments(argv, process.platform, process.env.ComSpec);
  if ('refused' in spawn) return undefined;
  const run = await runProgram(spawn.file, spawn.args, {
    io: 'inherit',
    // A sign-in waits for the person; it ends when they finish or give up.
    timeoutMs: 2 ** 31 - 1,
    ...(spawn.verbatim ? { windowsVerbatimArguments: true } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  return run.exitCode;
}

/** Arguments that mean the same to cmd.exe as to the program: no quote, space, `%`, `!`, `^`, `&`, `|`, `<`,
 * `>`, `(` or `)`. Entry names and scope names are validated to fit (src/cli/options.ts). */
const PLAIN_ARGUMENT = /^[\w@+.,:=/\\-]+$/;

/** How `argv` is started without a shell. A Windows batch file given by path (`.cmd`/`.bat`, such as npm's
 * `claude.cmd` shim) cannot be spawned directly since Node's fix for CVE-2024-27980: it runs as
 * `cmd.exe /d /s /c ""<file>" <args>"`, the path quoted (it may hold spaces: `C:\Users\Ada Lovelace\…`; a `"`
 * or `%` would still be read in it), and every argument must be plain, since cmd.exe would read `&`, `%VAR%`
 * or `"` in one; when one is not, nothing is started and the reason is returned (runToolCommand reports it
 * as a failed command, which the adapters take as no verdict). Every other command is passed on as it is. */
export function spawnArguments(
  argv: readonly string[],
  platform: NodeJS.Platform,
  comspec: string | undefined,
): { file: string; args: string[]; verbatim: boolean } | { refused: string } {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  if (platform !== 'win32' || !/\.(cmd|bat)$/i.test(file)) return { file, args, verbatim: false };
  const unsafe = [file, ...args].find((part, index) => (index === 0 ? /["%]/.test(part) : !PLAIN_ARGUMENT.test(part)));
  if (unsafe !== undefined) return { refused: `Not started: ${JSON.stringify(unsafe)} has characters cmd.exe would interpret (running ${file} needs cmd.exe).` };
  return { file: comspec ?? 'cmd.exe', args: ['/d', '/s', '/c', `""${file}"${args.map((arg) => ` ${arg}`).join('')}"`], verbatim: true };
}

/** The last non-empty line of a tool's output, short enough for a one-line message. */
export function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
