/** Reading and writing tools' config files without ever losing their content: writes are atomic (temp file in
 * the same folder, fsync, rename), keep symlinks, keep or tighten the file mode, refuse files that changed
 * since they were read or that are read-only, and copy the previous bytes to a backup first (written the same
 * way; the newest KEPT_BACKUPS per file are kept). Writes happen under the file's lock (withConfigFileLock),
 * which is what makes it safe to remove temp files a killed run left beside the file.
 * File contents are read, written and synced through node:fs/promises (a large file's write and its backup's
 * go on side by side); the small metadata calls — stat, realpath, mkdir, rename, readdir, … — are synchronous:
 * each costs microseconds, where a round trip through libuv's thread pool costs about a tenth of a
 * millisecond, and a setup run makes a few hundred of them one after another. Unit tests swap in memfs for
 * both modules. */
import { isUtf8 } from 'node:buffer';
import { uniqueSuffix } from './unique-name.js';
import { accessSync, chmodSync, chownSync, constants, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SetupError } from '../errors.js';
import { withFileLock } from './file-lock.js';
import { splicedBytes } from './text-splices.js';

export interface ConfigFileSnapshot {
  /** The path as given. */
  path: string;
  /** The file actually read: symlinks resolved (also a dangling link's target). */
  realPath: string;
  /** null when the file does not exist. Decoded as UTF-8, a BOM kept. */
  text: string | null;
  /** Permission bits (e.g. 0o600) of an existing file. */
  mode?: number;
}

export interface WriteResult {
  path: string;
  /** Where the previous bytes were copied; absent for a new file or when nothing needed writing. */
  backup?: string;
  created: boolean;
}

export interface WriteOptions {
  /** The content holds a literal secret: the file ends up 0600 (new folders 0700). */
  secret: boolean;
  /** Folder for backups of previous content; created 0700. `null`: no backup, for a file that is only our
   * own log (the recent errors), whose earlier bytes nobody needs back. */
  backupDir: string | null;
  /** The text the caller read (null: the file did not exist). When the file no longer matches, nothing is
   * written. Undefined: no check. */
  expected?: string | null;
  /** Exact permission bits to write, over `secret` and the current mode (remove gives back the mode a file
   * had before setup made it 0600). */
  mode?: number;
}

/** Backups kept per original file; older ones are removed after each new backup. */
export const KEPT_BACKUPS = 5;

const SECRET_FILE_MODE = 0o600;
const SECRET_DIR_MODE = 0o700;
const NEW_FILE_MODE = 0o644;
const MAX_SYMLINK_HOPS = 40;

interface CurrentFile {
  bytes: Buffer;
  /** Permission bits only. */
  mode: number;
  uid: number;
  gid: number;
}

/** A file as this run last read it, and what its stat said then. */
interface CachedRead {
  snapshot: ConfigFileSnapshot;
  bytes: Buffer;
  stamp: FileStamp;
  /** When the read began (ms since the epoch). */
  readAt: number;
}

/** What changes when anyone replaces or rewrites a file: a rename brings a new inode, a write a new size or
 * modification time. */
interface FileStamp {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** Each config file is read once per run (the process): plan, warnings and the check after writing all ask
 * for it. Keyed by real path; dropped by our own writes. */
const reads = new Map<string, CachedRead>();

/** A file modified this shortly before it was read is read again every time: a second write within the same
 * timestamp tick (coarse kernel clocks, FAT's 2 s, a file server's clock) would not change its stat. */
const RACY_MS = 3_000;

/** Reads a config file, following symlinks. `text` is null when it does not exist. A folder or other
 * non-file in its place, or an unreadable file → SetupError CONFIG_IO; text that is not UTF-8 (e.g. a UTF-16
 * file from PowerShell) → CONFIG_PARSE, because editing it as UTF-8 would corrupt it.
 * A file read before in this run is not read again while its stat (device, inode, size, times) is unchanged,
 * so a change by another program is never hidden; `fresh` reads it from disk regardless (under a lock, before
 * writing). Unchanged bytes give back the same snapshot, text and all. */
export async function readConfigFile(path: string, options: { fresh?: boolean } = {}): Promise<ConfigFileSnapshot> {
  const readAt = Date.now();
  const realPath = await resolveTarget(path);
  const stats = await statCurrent(path, realPath);
  if (stats === null) {
    reads.delete(realPath);
    return { path, realPath, text: null };
  }
  const stamp: FileStamp = { dev: Number(stats.dev), ino: Number(stats.ino), size: Number(stats.size), mtimeMs: Number(stats.mtimeMs), ctimeMs: Number(stats.ctimeMs) };
  const cached = reads.get(realPath);
  if (!options.fresh && cached && sameStamp(cached.stamp, stamp) && stamp.mtimeMs + RACY_MS < cached.readAt) return withPath(cached.snapshot, path);
  const mode = Number(stats.mode) & 0o7777;
  let entry: CachedRead;
  if (cached === undefined) {
    const bytes = await io(path, 'read', () => fs.readFile(realPath));
    entry = { snapshot: { path, realPath, text: decodeText(path, bytes), mode }, bytes, stamp, readAt };
  } else {
    // Read again, and when the bytes are the ones cached, keep their text (decoded and parsed once per run).
    const bytes = await io(path, 'read', () => readAgain(realPath, cached.bytes));
    const snapshot = bytes !== cached.bytes ? { path, realPath, text: decodeText(path, bytes), mode } : cached.snapshot.mode === mode ? cached.snapshot : { ...cached.snapshot, mode };
    entry = { snapshot, bytes, stamp, readAt };
  }
  reads.set(realPath, entry);
  return withPath(entry.snapshot, path);
}

/** A file read again (a recently modified one at every read, under the lock before writing, by the write
 * itself) is mostly unchanged, so it is read in chunks into one small buffer and compared with the bytes
 * known, chunk by chunk: reading it whole into new memory would cost more than all the rest (on a VM,
 * touching 10 MB of new memory alone takes ~35 ms). Only a file that differs is read whole again. */
const COMPARE_CHUNK = 1024 * 1024;
/** The chunk buffer, taken while a read uses it (reads at the same time each get their own). */
let spareChunk: Buffer | undefined;

/** The bytes of `file` now: `known` itself when they are the same, else a buffer of their own. */
async function readAgain(file: string, known: Buffer): Promise<Buffer> {
  const chunk = spareChunk ?? Buffer.allocUnsafeSlow(COMPARE_CHUNK);
  spareChunk = undefined;
  try {
    const handle = await fs.open(file, 'r');
    try {
      for (let position = 0; ; ) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0 && position === known.length) return known;
        if (bytesRead === 0 || position + bytesRead > known.length || chunk.compare(known, position, position + bytesRead, 0, bytesRead) !== 0) break;
        position += bytesRead;
      }
      // Positioned reads leave the handle at the start: this reads the file whole.
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  } finally {
    spareChunk = chunk;
  }
}

/** The bytes this run last read of a file, when they decode to `expected` (the check before writing compares
 * them as they are instead of encoding `expected` again, which costs on a large file). */
function knownBytes(last: CachedRead | undefined, expected: string | null): Buffer | undefined {
  return last !== undefined && expected !== null && last.snapshot.text === expected ? last.bytes : undefined;
}

/** After our own write the file holds `bytes`, decoded `text`. Its stat is not known here (anyone may have
 * written since the rename), so the next read reads it again; when the bytes are still these, that read hands
 * back `text` as it is, which the check after writing then finds parsed already. */
function rememberWritten(path: string, realPath: string, text: string, bytes: Buffer, mode: number | undefined): void {
  const snapshot: ConfigFileSnapshot = { path, realPath, text, ...(mode === undefined ? {} : { mode }) };
  reads.set(realPath, { snapshot, bytes, stamp: UNKNOWN_STAMP, readAt: Date.now() });
}

const UNKNOWN_STAMP: FileStamp = { dev: -1, ino: -1, size: -1, mtimeMs: Number.NaN, ctimeMs: Number.NaN };

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

function withPath(snapshot: ConfigFileSnapshot, path: string): ConfigFileSnapshot {
  return snapshot.path === path ? snapshot : { ...snapshot, path };
}

/** Runs `run` holding the lock of the file `path` resolves to (file-lock.ts), so that no other run of this CLI
 * writes it meanwhile; every write and delete of a run happens inside it. The folder is created first (0700
 * when `secret`, as writeConfigFile would), because the lock file lives there. Errors are SetupErrors that
 * name `path`. */
export async function withConfigFileLock<T>(path: string, options: { secret: boolean }, run: () => Promise<T>): Promise<T> {
  const target = await resolveTarget(path);
  await io(path, 'write', () => mkdirSync(dirname(target), { recursive: true, ...(options.secret ? { mode: SECRET_DIR_MODE } : {}) }));
  let running = false;
  try {
    return await withFileLock(
      target,
      () => {
        running = true;
        return run();
      },
      { label: path },
    );
  } catch (error) {
    // Errors of the lock file itself are worded like a failed write of the file.
    throw running ? error : toSetupError(error, path, 'write');
  }
}

/** Atomically replaces the content of `path` (through symlinks: the link stays, its target changes) with
 * `text`, after copying the previous bytes to a 0600 backup in `backupDir` (returned). Parent folders are
 * created. Mode: 0600 when `secret`, else the existing mode, else 0644 minus umask. Writing content equal to
 * what is there (with the right mode) is a no-op without a backup. Throws SetupError CONFIG_IO when the file
 * changed since it was read (`expected`) or on I/O failure, CONFIG_READ_ONLY when the file (no write bits) or
 * its folder is read-only. On failure the file is untouched and neither temp file nor backup is left. The
 * caller holds the file's lock: temp files of ours that a killed run left beside the file are removed. */
export function writeConfigFile(path: string, text: string, options: WriteOptions): Promise<WriteResult> {
  return underWay(writeFile(path, text, options));
}

async function writeFile(path: string, text: string, options: WriteOptions): Promise<WriteResult> {
  const target = await resolveTarget(path);
  const last = reads.get(target);
  reads.delete(target);
  const current = await readCurrent(path, target, last?.bytes);
  if (options.expected !== undefined) assertUnchanged(path, current, options.expected, knownBytes(last, options.expected));

  // An edit of the text read: its bytes are the bytes read with the edits spliced in (text-splices.ts).
  const data = (last && splicedBytes(text, last.snapshot.text ?? '', last.bytes)) ?? Buffer.from(text, 'utf8');
  const mode = options.mode ?? (options.secret ? SECRET_FILE_MODE : current?.mode);
  if (current !== null && current.bytes.equals(data) && (mode === undefined || current.mode === mode)) {
    rememberWritten(path, target, text, current.bytes, current.mode);
    return { path, created: false };
  }
  if (current !== null) await assertWritable(path, target, current.mode);

  const folder = dirname(target);
  await io(path, 'write', () => mkdirSync(folder, { recursive: true, ...(options.secret ? { mode: SECRET_DIR_MODE } : {}) }));
  await removeLeftovers(folder, basename(target));
  // The new bytes and the backup of the old ones are written (and synced) at the same time: on a large file
  // the two syncs are most of the run. The rename waits for both.
  const [written, backedUp] = await Promise.allSettled([
    writeTempFile(path, folder, basename(target), data, mode, current),
    current === null || options.backupDir === null ? Promise.resolve(undefined) : writeBackup(path, current.bytes, options.backupDir),
  ]);
  const temp = written.status === 'fulfilled' ? written.value : undefined;
  const backup = backedUp.status === 'fulfilled' ? backedUp.value : undefined;
  try {
    if (written.status === 'rejected') throw written.reason;
    if (backedUp.status === 'rejected') throw backedUp.reason;
    await io(path, 'write', () => renameReplacing(written.value, target));
  } catch (error) {
    if (temp !== undefined) await removeQuietly(temp);
    if (backup !== undefined) await removeQuietly(backup);
    throw error;
  }
  await syncFolder(folder);
  rememberWritten(path, target, text, data, mode);
  if (backup === undefined) return { path, created: current === null };
  if (options.backupDir !== null) await pruneBackups(options.backupDir, path, backup);
  return { path, backup, created: current === null };
}

/** Deletes a config file we created, after a backup like writeConfigFile's (returned). A symlink itself is
 * removed, its target kept. Absent file: nothing happens. `expected`, when given, must match the content. */
export function deleteConfigFile(path: string, options: { backupDir: string; expected?: string | null }): Promise<{ backup?: string }> {
  return underWay(deleteFile(path, options));
}

async function deleteFile(path: string, options: { backupDir: string; expected?: string | null }): Promise<{ backup?: string }> {
  const target = await resolveTarget(path);
  const last = reads.get(target);
  reads.delete(target);
  const current = await readCurrent(path, target, last?.bytes);
  if (options.expected !== undefined) assertUnchanged(path, current, options.expected, knownBytes(last, options.expected));
  if (current === null) return {};
  await assertWritable(path, target, current.mode);
  await removeLeftovers(dirname(target), basename(target));
  const backup = await writeBackup(path, current.bytes, options.backupDir);
  try {
    await io(path, 'delete', () => unlinkSync(path));
  } catch (error) {
    await removeQuietly(backup);
    throw error;
  }
  await syncFolder(dirname(path));
  await pruneBackups(options.backupDir, path, backup);
  return { backup };
}

/** The writes and deletes of config files this process has under way, and who waits for there to be none. */
let underWayCount = 0;
let waitingForNone: Array<() => void> = [];

function underWay<T>(work: Promise<T>): Promise<T> {
  underWayCount++;
  return work.finally(() => {
    if (--underWayCount > 0) return;
    const waiting = waitingForNone;
    waitingForNone = [];
    for (const resolve of waiting) resolve();
  });
}

/** Resolves once this process has no write or delete of a config file under way and a turn of the event loop
 * has passed since, in which those writes' callers carry on. The state file's writer waits for it, so that the
 * tools whose files are written side by side note their changes in one write of the state. */
export async function configWritesSettled(): Promise<void> {
  do {
    if (underWayCount > 0) await new Promise<void>((resolve) => waitingForNone.push(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } while (underWayCount > 0);
}

/** The backup file name for `path` at `date`: a sortable timestamp, then the whole path flattened so the file
 * can be matched to where it came from (`2025-01-02T03-04-05.678Z_home_u_.cursor_mcp.json`). */
export function backupFileName(path: string, date: Date): string {
  return `${date.toISOString().replace(/:/g, '-')}_${flattenedPath(path)}`;
}

/** The part of a backup's name that says which file it is of. */
function flattenedPath(path: string): string {
  const flat = resolve(path).replace(/[\\/:]+/g, '_').replace(/^_+/, '');
  // Stay well under the 255-byte name limit; the end of the path (the file name) is what matters most.
  return flat.length > 180 ? flat.slice(-180) : flat;
}

/** `<stamp>[-<n>]_<flattened path>`, as backupFileName and writeBackup make them. */
const BACKUP_NAME = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z)(?:-(\d+))?_(.+)$/;
/** A temp file of ours: `.<name>.<12 hex>.tmp`. */
const TEMP_NAME = /^\.(.+)\.[0-9a-f]{12}\.tmp$/;

// ---------------------------------------------------------------------------------------------------------

/** The file a write must land in: realpath for existing files; links followed by hand when the final target
 * does not exist yet (a dangling link gets its target created, not replaced by a plain file). */
async function resolveTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
    try {
      // The platform's realpath(3), as fs.promises.realpath uses (not Node's JavaScript walk).
      return realpathSync.native(current);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw toSetupError(error, path, 'read');
    }
    let link: string;
    try {
      link = readlinkSync(current);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'EINVAL' || code === 'ENOTDIR') return current;
      throw toSetupError(error, path, 'read');
    }
    current = resolve(dirname(current), link);
  }
  throw new SetupError('CONFIG_IO', `${path} is a symlink loop`, { hint: 'Fix the symlink by hand, then run again.' });
}

/** The file's bytes and ownership as they are on disk now (never from the run's cache); `known`, the bytes
 * this run read last, is what they are compared with (readAgain) and handed back as when they are the same. */
async function readCurrent(path: string, target: string, known?: Buffer): Promise<CurrentFile | null> {
  const stats = await statCurrent(path, target);
  if (stats === null) return null;
  const bytes = await io(path, 'read', () => (known === undefined ? fs.readFile(target) : readAgain(target, known)));
  return { bytes, mode: Number(stats.mode) & 0o7777, uid: Number(stats.uid), gid: Number(stats.gid) };
}

/** The stat of a regular file at `target`, null when there is none; anything else in its place is an error. */
async function statCurrent(path: string, target: string) {
  let stats;
  try {
    stats = statSync(target);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw toSetupError(error, path, 'read');
  }
  if (stats.isDirectory()) throw folderInTheWay(path);
  if (!stats.isFile()) {
    throw new SetupError('CONFIG_IO', `${path} is not a regular file`, { hint: 'Move it aside, then run again.' });
  }
  return stats;
}

function decodeText(path: string, bytes: Buffer): string {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new SetupError('CONFIG_PARSE', `${path} is saved as UTF-16; only UTF-8 can be edited safely`, {
      hint: 'Save it as UTF-8 in an editor (e.g. VS Code: "Save with Encoding"), then run again.',
    });
  }
  // isUtf8 + toString (a BOM kept as U+FEFF) is the fast way through a large file.
  if (!isUtf8(bytes)) {
    throw new SetupError('CONFIG_PARSE', `${path} is not valid UTF-8 text`, {
      hint: 'Save it as UTF-8 in an editor, then run again; nothing was written to it.',
    });
  }
  return bytes.toString('utf8');
}

/** `known`: the bytes this run last read of the file, when they decode to `expected` (knownBytes). */
function assertUnchanged(path: string, current: CurrentFile | null, expected: string | null, known?: Buffer): void {
  // readCurrent hands back `known` itself for unchanged bytes: no compare needed then.
  const same = expected === null ? current === null : current !== null && (current.bytes === known || current.bytes.equals(known ?? Buffer.from(expected, 'utf8')));
  if (!same) throw changedWhileRunning(path);
}

/** CONFIG_IO: `path` no longer holds the bytes a plan was made from, and nothing was written to it. */
export function changedWhileRunning(path: string): SetupError {
  return new SetupError('CONFIG_IO', `${path} changed while the setup was running — run again`, {
    hint: 'Another program (perhaps the tool itself) wrote to it after it was read; nothing was written.',
  });
}

/** A file whose permissions allow nobody to write is read-only by intent, even for root, and even though a
 * rename in a writable folder could replace it. */
async function assertWritable(path: string, target: string, mode: number): Promise<void> {
  if ((mode & 0o222) === 0) throw readOnly(path, 'its permissions allow no writes');
  try {
    accessSync(target, constants.W_OK);
  } catch (error) {
    throw toSetupError(error, path, 'write');
  }
}

async function writeTempFile(
  path: string,
  folder: string,
  name: string,
  data: Buffer,
  mode: number | undefined,
  current: CurrentFile | null,
): Promise<string> {
  const temp = join(folder, `.${name}.${uniqueSuffix()}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', mode ?? NEW_FILE_MODE);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    // open() applies the umask; a kept or secret mode must be exact.
    if (mode !== undefined) chmodSync(temp, mode);
    if (current !== null) await keepOwner(temp, current);
    return temp;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await removeQuietly(temp);
    throw toSetupError(error, path, 'write');
  }
}

/** Under sudo, a user's config must not become root's. Only root can chown; anyone else already owns it. */
async function keepOwner(file: string, current: CurrentFile): Promise<void> {
  if (process.getuid?.() !== 0 || (current.uid === 0 && current.gid === 0)) return;
  try {
    chownSync(file, current.uid, current.gid);
  } catch {
    // Best effort: the file stays ours.
  }
}

/** Copies `bytes` into a new 0600 backup of `path`, written like any file (temp file, fsync, rename), so a
 * backup under its final name is never empty or partial. Under the file's lock no other run of ours backs up
 * the same file, so the first free name stays free until the rename. */
async function writeBackup(path: string, bytes: Buffer, backupDir: string): Promise<string> {
  try {
    mkdirSync(backupDir, { recursive: true, mode: SECRET_DIR_MODE });
    const name = backupFileName(path, new Date());
    const temp = join(backupDir, `.${name}.${uniqueSuffix()}.tmp`);
    try {
      const handle = await fs.open(temp, 'wx', SECRET_FILE_MODE);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      chmodSync(temp, SECRET_FILE_MODE);
      const file = await freeBackupName(backupDir, name);
      await renameReplacing(temp, file);
      return file;
    } catch (error) {
      await removeQuietly(temp);
      throw error;
    }
  } catch (error) {
    throw new SetupError('CONFIG_IO', `could not back up ${path} into ${backupDir} (${describeCode(error)})`, {
      hint: `Nothing was changed. Make ${backupDir} writable (or free some disk space), then run again.`,
      cause: error,
    });
  }
}

/** `name`, or `name` with `-1`, `-2`, … after its time stamp when a backup of that millisecond exists. */
async function freeBackupName(backupDir: string, name: string): Promise<string> {
  for (let attempt = 0; attempt <= 100; attempt++) {
    const file = join(backupDir, attempt === 0 ? name : name.replace('_', `-${attempt}_`));
    try {
      lstatSync(file);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return file;
      throw error;
    }
  }
  throw Object.assign(new Error('too many backups in one millisecond'), { code: 'EEXIST' });
}

/** Keeps the newest KEPT_BACKUPS backups of `path` (always `newest`, the one just made), and removes temp
 * files a killed run left while backing up this file. Backups of other files are not looked at. Failures
 * are ignored: the write itself has succeeded. */
async function pruneBackups(backupDir: string, path: string, newest: string): Promise<void> {
  const flat = flattenedPath(path);
  let names: string[];
  try {
    names = readdirSync(backupDir);
  } catch {
    return;
  }
  const backups: Array<{ name: string; stamp: string; attempt: number }> = [];
  for (const name of names) {
    const leftover = TEMP_NAME.exec(name);
    if (leftover) {
      if (BACKUP_NAME.exec(leftover[1] ?? '')?.[3] === flat) await removeQuietly(join(backupDir, name));
      continue;
    }
    const match = BACKUP_NAME.exec(name);
    if (match?.[3] === flat && join(backupDir, name) !== newest) backups.push({ name, stamp: match[1] ?? '', attempt: Number(match[2] ?? 0) });
  }
  backups.sort((a, b) => (a.stamp === b.stamp ? b.attempt - a.attempt : a.stamp < b.stamp ? 1 : -1));
  for (const old of backups.slice(KEPT_BACKUPS - 1)) await removeQuietly(join(backupDir, old.name));
}

/** Removes the temp files (`.<name>.<hex>.tmp`) that a run killed mid-write left beside `name`; one can hold
 * a token. Only called under the file's lock, so no live run of ours is writing one. */
async function removeLeftovers(folder: string, name: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const entry of names) if (TEMP_NAME.exec(entry)?.[1] === name) await removeQuietly(join(folder, entry));
}

/** On Windows a rename over a file another program (editor, virus scanner) briefly holds fails with
 * EPERM/EACCES/EBUSY; retrying for a moment is the usual cure. */
async function renameReplacing(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      const code = errorCode(error);
      const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
      if (!transient || attempt >= 10) throw error;
      await new Promise((done) => setTimeout(done, 50 * (attempt + 1)));
    }
  }
}

/** Makes the rename itself durable where the platform allows it; a failure here changes nothing. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await fs.open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on folders; the data itself was already synced.
  }
}

async function removeQuietly(file: string): Promise<void> {
  try {
    rmSync(file, { force: true });
  } catch {
    // Nothing more to do: a leftover temp file is removed by the next run.
  }
}

async function io<T>(path: string, operation: 'read' | 'write' | 'delete', run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toSetupError(error, path, operation);
  }
}

function toSetupError(error: unknown, path: string, operation: 'read' | 'write' | 'delete'): SetupError {
  if (error instanceof SetupError) return error;
  const code = errorCode(error);
  const options = { cause: error };
  if (code === 'EISDIR') return folderInTheWay(path);
  if (code === 'ENOTDIR') {
    return new SetupError('CONFIG_IO', `a parent of ${path} is a file, not a folder`, {
      ...options,
      hint: 'Move that file aside, then run again.',
    });
  }
  if (code === 'ELOOP') {
    return new SetupError('CONFIG_IO', `${path} is a symlink loop`, { ...options, hint: 'Fix the symlink by hand, then run again.' });
  }
  if (operation === 'read') {
    if (code === 'EACCES' || code === 'EPERM') {
      return new SetupError('CONFIG_IO', `cannot read ${path}: permission denied`, {
        ...options,
        hint: 'Check who owns the file and its folder and their permissions, then run again.',
      });
    }
  } else {
    if (code === 'EROFS') return readOnly(path, 'the file system is read-only', error);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EBUSY') {
      return readOnly(path, code === 'EBUSY' ? 'it is locked by another program' : 'permission denied', error);
    }
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return new SetupError('CONFIG_IO', `no space left to write ${path}`, {
        ...options,
        hint: 'Free some disk space, then run again; the file was not changed.',
      });
    }
  }
  return new SetupError('CONFIG_IO', `could not ${operation} ${path} (${describeCode(error)})`, {
    ...options,
    hint: 'Check the file and its folder, then run again; the file was not changed.',
  });
}

function readOnly(path: string, why: string, cause?: unknown): SetupError {
  return new SetupError('CONFIG_READ_ONLY', `${path} is read-only (${why})`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'Make the file and its folder writable for your user, or make the change by hand (--dry-run shows it).',
  });
}

function folderInTheWay(path: string): SetupError {
  return new SetupError('CONFIG_IO', `${path} is a folder, not a file`, {
    hint: 'Move the folder aside (the tool expects a file there), then run again.',
  });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function describeCode(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error ? error.message : 'unknown error');
}
