/** Runs the built CLI (dist/cli.js) the way a user would: a separate Node process, HOME in a temp folder,
 * no inherited mittwald variables, no terminal. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** The environment a user's shell would give the CLI, minus anything that could leak in from this machine. */
export function cleanEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: undefined,
    APPDATA: undefined,
    LOCALAPPDATA: undefined,
    CODEX_HOME: undefined,
    CLAUDE_CONFIG_DIR: undefined,
    COPILOT_HOME: undefined,
    MITTWALD_API_TOKEN: undefined,
    MITTWALD_MCP_URL: undefined,
    MITTWALD_API_URL: undefined,
    HTTP_PROXY: undefined,
    HTTPS_PROXY: undefined,
    http_proxy: undefined,
    https_proxy: undefined,
    BROWSER: undefined,
    NO_COLOR: '1',
    ...extra,
  };
}

export async function runCli(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const result = await execa(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? options.home,
    env: cleanEnv(options.home, options.env),
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export async function tempHome(prefix = 'mms-home-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
