/** Running an agent tool's own CLI (`claude`, `codex`): no shell, no input, bounded in time. The one place
 * the CLI starts other programs for their answer. */

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
  const { execa } = await import('execa');
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  const child = await execa(file, args, {
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: options.timeoutMs ?? 120_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
  });
  return { exitCode: child.exitCode ?? 1, stdout: child.stdout ?? '', output: child.all ?? '' };
}

/** The last non-empty line of a tool's output, short enough for a one-line message. */
export function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
