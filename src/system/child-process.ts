/** Starting another program: no shell, never rejecting, bounded in time. node:child_process itself, so that
 * the bundle carries no process library (execa alone was 116 KB, a tenth of the package). */
import type { ChildProcess, StdioOptions } from 'node:child_process';

export interface ProgramOptions {
  /** 'capture' (stdin closed; stdout, and stdout + stderr interleaved, collected), 'inherit' (the program
   * talks to the person at this terminal), or text piped to its stdin with its output ignored. */
  io: 'capture' | 'inherit' | { input: string };
  timeoutMs?: number;
  cwd?: string;
  /** The whole environment the program gets; this process's when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Windows: pass the arguments as written (a cmd.exe command line already quoted by the caller). */
  windowsVerbatimArguments?: boolean;
}

export interface ProgramRun {
  /** Undefined when the program could not be started, was killed, or timed out. */
  exitCode: number | undefined;
  stdout: string;
  /** stdout and stderr interleaved. */
  output: string;
}

/** Runs `file` with `args` and resolves once it has exited (with its output read, for 'capture'). A program
 * that is missing or cannot be started resolves with no exit code; one that outlives `timeoutMs` is sent
 * SIGTERM, then SIGKILL two seconds later. */
export async function runProgram(file: string, args: readonly string[], options: ProgramOptions): Promise<ProgramRun> {
  // Loaded on first use: most runs start no program (no tool CLI on PATH).
  const { spawn } = await import('node:child_process');
  const { io } = options;
  const stdio: StdioOptions = io === 'capture' ? ['ignore', 'pipe', 'pipe'] : io === 'inherit' ? 'inherit' : ['pipe', 'ignore', 'ignore'];
  return new Promise((resolve) => {
    let stdout = '';
    let output = '';
    let settled = false;
    const finish = (exitCode: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ exitCode, stdout, output });
    };
    let killer: NodeJS.Timeout | undefined;
    const child: ChildProcess = spawn(file, [...args], {
      stdio,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: { ...options.env } } : {}),
      ...(options.windowsVerbatimArguments ? { windowsVerbatimArguments: true } : {}),
      windowsHide: true,
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      killer.unref();
    }, options.timeoutMs ?? 120_000);
    timer.unref();
    child.on('error', () => finish(undefined));
    if (io === 'capture') {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        output += chunk;
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      // 'close': the exit code and every byte of output are in.
      child.on('close', (code) => finish(code ?? undefined));
    } else {
      // A program that leaves a child behind holding the selection (xclip, wl-copy) is done when it exits.
      child.on('exit', (code) => finish(code ?? undefined));
    }
    if (typeof io === 'object') {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(io.input);
    }
  });
}
