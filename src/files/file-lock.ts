/** An advisory lock per config file, between runs of this CLI: a lock file beside the file
 * (`.<name>.mittwald-mcp-setup.lock`), created exclusively and holding who holds it. A run waits for a held
 * lock with a short backoff; a lock whose holder is gone (its pid no longer runs on this host) or that is older
 * than any hold could be is taken over, so a crash never blocks later runs. Other programs (the tool itself)
 * do not take it: the applier's re-read and the writer's check of the expected bytes cover them.
 * The lock file's calls are synchronous: a few tiny files, where each thread-pool round trip would cost more
 * than the call (see config-file.ts). Unit tests swap in memfs for node:fs. */
import { uniqueSuffix } from './unique-name.js';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SetupError } from '../errors.js';

export interface LockOptions {
  /** How long to wait for a lock another run holds. */
  timeoutMs?: number;
  /** A lock older than this is stale whoever holds it: no run holds one this long (it covers a read, a plan
   * and a write of one file). */
  staleMs?: number;
  /** The file as the person knows it, for messages (default: the locked file). */
  label?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_MS = 30_000;
const FIRST_DELAY_MS = 10;
const MAX_DELAY_MS = 200;

/** What a lock file says about its holder. `time` is when it was taken (ms since the epoch). */
interface Holder {
  pid?: number;
  host?: string;
  time: number;
  token?: string;
  /** The lock file as read, and its identity: a takeover removes exactly the file found stale. */
  raw: string;
  ino: number;
  mtimeMs: number;
}

/** The lock file for `file` (a real path, symlinks already resolved): beside it, so every run that writes
 * the file finds the same lock, and a rename never crosses it. */
export function lockPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.mittwald-mcp-setup.lock`);
}

/** Runs `run` while holding the lock of `file`, and releases it afterwards, also when `run` throws. Throws
 * SetupError CONFIG_IO when another live run holds it for longer than `timeoutMs`; file-system errors of the
 * lock file itself (a missing or read-only folder) are thrown as they are, for the caller to word. */
export async function withFileLock<T>(file: string, run: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = lockPathFor(file);
  return takeTurn(lockPath, async () => {
    const token = await acquire(lockPath, options.label ?? file, options);
    try {
      return await run();
    } finally {
      await release(lockPath, token);
    }
  });
}

/** This process's own writers of each lock file, one chain per lock: a run that writes several tools at once
 * queues its writers of one file here, instead of polling a lock file whose holder (this very process) is
 * alive. Not re-entrant: a holder that asks for the same lock again waits for itself. */
const turns = new Map<string, Promise<void>>();

async function takeTurn<T>(lockPath: string, run: () => Promise<T>): Promise<T> {
  const previous = turns.get(lockPath) ?? Promise.resolve();
  let done = () => {};
  const released = new Promise<void>((resolve) => (done = resolve));
  const mine = previous.then(() => released);
  turns.set(lockPath, mine);
  await previous;
  try {
    return await run();
  } finally {
    done();
    if (turns.get(lockPath) === mine) turns.delete(lockPath);
  }
}

async function acquire(lockPath: string, label: string, options: LockOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const token = uniqueSuffix();
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_DELAY_MS;
  for (;;) {
    if (await tryCreate(lockPath, token)) return token;
    const holder = await readHolder(lockPath);
    if (holder === undefined) continue; // released in the meantime
    if (isStale(holder, staleMs)) {
      await takeOver(lockPath, holder, staleMs);
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(label, lockPath, holder);
    // Jitter keeps two waiting runs from retrying in lockstep.
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

/** Creates the lock file if nobody has it; false when it exists. */
async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o644);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), time: new Date().toISOString(), token }));
    closeSync(fd);
  } catch (error) {
    closeQuietly(fd);
    removeQuietly(lockPath);
    throw error;
  }
  return true;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed, or the descriptor went with its file system.
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // A lock file left behind is stale once this process has exited.
  }
}

/** The lock's holder, or undefined when there is no lock (any more). Content that does not parse (a holder
 * that died between creating and filling it) has only the file's age to go by. */
async function readHolder(lockPath: string): Promise<Holder | undefined> {
  let raw: string;
  let stats;
  try {
    stats = statSync(lockPath);
    raw = readFileSync(lockPath, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const identity = { raw, ino: Number(stats.ino), mtimeMs: Number(stats.mtimeMs) };
  let content: unknown;
  try {
    content = JSON.parse(raw);
  } catch {
    return { time: identity.mtimeMs, ...identity };
  }
  const fields = (content !== null && typeof content === 'object' ? content : {}) as Record<string, unknown>;
  const time = typeof fields.time === 'string' ? Date.parse(fields.time) : Number.NaN;
  return {
    ...(typeof fields.pid === 'number' && Number.isInteger(fields.pid) && fields.pid > 0 ? { pid: fields.pid } : {}),
    ...(typeof fields.host === 'string' ? { host: fields.host } : {}),
    ...(typeof fields.token === 'string' ? { token: fields.token } : {}),
    time: Number.isNaN(time) ? identity.mtimeMs : time,
    ...identity,
  };
}

function isStale(holder: Holder, staleMs: number): boolean {
  if (Date.now() - holder.time > staleMs) return true;
  // A pid can only be checked on the host that wrote it (a home folder may be shared over the network).
  return holder.pid !== undefined && holder.host === hostname() && !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return errorCode(error) !== 'ESRCH';
  }
}

/** Removes a stale lock, unless it changed since it was found stale: two runs that both found it stale must
 * not remove the fresh lock the first of them took. A short-lived `.break` file makes the check and the
 * removal one step among runs. */
async function takeOver(lockPath: string, stale: Holder, staleMs: number): Promise<void> {
  const breaker = `${lockPath}.break`;
  let fd: number;
  try {
    fd = openSync(breaker, 'wx', 0o644);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    // Another run is taking over right now; its breaker outlives it only if it crashed mid-way.
    let since: number | undefined;
    try {
      since = Number(statSync(breaker).mtimeMs);
    } catch {
      since = undefined;
    }
    if (since !== undefined && Date.now() - since > staleMs) rmSync(breaker, { force: true });
    else await sleep(FIRST_DELAY_MS);
    return;
  }
  try {
    closeSync(fd);
    const now = await readHolder(lockPath);
    if (now !== undefined && now.raw === stale.raw && now.ino === stale.ino && now.mtimeMs === stale.mtimeMs) rmSync(lockPath, { force: true });
  } finally {
    removeQuietly(breaker);
  }
}

/** Removes the lock if it is still ours (after a takeover it is someone else's). Never throws: the work
 * under the lock is done, and a lock left behind is stale once this process has exited. */
async function release(lockPath: string, token: string): Promise<void> {
  try {
    const holder = await readHolder(lockPath);
    if (holder?.token === token) rmSync(lockPath, { force: true });
  } catch {
    // See above.
  }
}

function lockedError(label: string, lockPath: string, holder: Holder): SetupError {
  const who = holder.pid === undefined ? 'another mittwald-mcp-setup run' : `another mittwald-mcp-setup run (pid ${holder.pid}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''})`;
  return new SetupError('CONFIG_IO', `${label} is being changed by ${who}; nothing was written to it`, {
    hint: `Wait for that run to finish and run again (if none is running, delete ${lockPath}).`,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
