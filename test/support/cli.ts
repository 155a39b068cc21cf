/** Runs the built CLI (dist/cli.js) the way a user would: a separate Node process, HOME in a temp folder,
 * no inherited mittwald variables, no terminal. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer, type TestUser } from './mittwald-server.js';

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

/** PATH without node_modules/.bin: the real `claude` and `codex` dev dependencies are not found there. */
export const PATH_WITHOUT_PACKAGES = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !dir.includes('node_modules'))
  .join(path.delimiter);

export interface CliFixture {
  /** The local mittwald stand-in, started once per test file. */
  readonly server: MittwaldTestServer;
  /** A fresh HOME per test. */
  readonly home: string;
  /** An API token the stand-in accepts. */
  readonly token: string;
  /** `--server-url` and `--api-url` pointing at the stand-in. */
  urls(): string[];
}

/** Registers the usual hooks of an end-to-end test file: the stand-in server for the file, a temp HOME for
 * each test. */
export function useCliFixture(user: TestUser = createTestUser()): CliFixture {
  const token = createTestToken();
  let server: MittwaldTestServer | undefined;
  let home: Awaited<ReturnType<typeof tempHome>> | undefined;
  beforeAll(async () => {
    server = await startMittwaldServer({ tokens: [[token, user]] });
  });
  afterAll(() => server?.close());
  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(() => home?.cleanup());
  return {
    get server() {
      return server!;
    },
    get home() {
      return home!.dir;
    },
    token,
    urls: () => ['--server-url', server!.mcpUrl, '--api-url', server!.apiUrl],
  };
}
