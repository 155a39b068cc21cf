/** Builds the Environment from the running process, and answers "is this installed?" without spawning. */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Environment } from '../model.js';

export function currentEnvironment(): Environment {
  const platform = process.platform === 'win32' || process.platform === 'darwin' ? process.platform : 'linux';
  return { platform, home: homeFolder(platform, process.env, os.homedir()), cwd: process.cwd(), env: process.env };
}

/** The home folder the tools use: `$HOME` on Linux and macOS; on Windows the user profile (`os.homedir()`,
 * i.e. USERPROFILE), never `HOME`, which Git Bash, MSYS or a company login may set elsewhere (`H:\`) and which
 * Node, Electron and Rust programs there do not read. */
export function homeFolder(platform: Environment['platform'], env: Environment['env'], osHome: string): string {
  return platform === 'win32' ? osHome : (env.HOME ?? osHome);
}

/** Synchronous inside: a stat costs microseconds, a thread-pool round trip about a tenth of a millisecond,
 * and detection asks dozens of these (see files/config-file.ts). */
export async function pathExists(file: string): Promise<boolean> {
  // existsSync makes no error object for a missing path; most paths asked about are missing.
  return existsSync(file);
}

/** An SSH session: a browser opened here is not in front of the person (or there is none), and a sign-in's
 * redirect to this machine's loopback address cannot come from the browser they use. */
export function remoteSession(environment: Pick<Environment, 'env'>): boolean {
  return Boolean(environment.env.SSH_CONNECTION || environment.env.SSH_CLIENT || environment.env.SSH_TTY);
}

/** Finds `command` on PATH the way a shell would (PATHEXT on Windows); returns its path or undefined. */
export async function findOnPath(environment: Environment, command: string): Promise<string | undefined> {
  const win = environment.platform === 'win32';
  const delimiter = win ? ';' : ':';
  const dirs = (environment.env.PATH ?? environment.env.Path ?? '').split(delimiter).filter(Boolean);
  const extensions = win ? (environment.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  const candidates = dirs.flatMap((dir) => extensions.map((extension) => (win ? path.win32 : path.posix).join(dir, command + extension.toLowerCase())));
  // The first in PATH order wins.
  // Most candidates do not exist: no error is made for them (an ENOENT error costs as much as the stat).
  return candidates.find((candidate) => {
    try {
      return statSync(candidate, { throwIfNoEntry: false })?.isFile() ?? false;
    } catch {
      return false;
    }
  });
}

/** The folder of the project the user is in: the nearest ancestor of cwd with a `.git`, else undefined.
 * Looked up once per environment (a run): every tool's plan asks. */
export function findProjectRoot(environment: Environment): Promise<string | undefined> {
  let found = projectRoots.get(environment);
  if (found === undefined) projectRoots.set(environment, (found = searchProjectRoot(environment.cwd)));
  return found;
}

const projectRoots = new WeakMap<Environment, Promise<string | undefined>>();

async function searchProjectRoot(cwd: string): Promise<string | undefined> {
  let dir = cwd;
  for (;;) {
    if (await pathExists(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
