/** What setup did to each config file, so that `remove` can give the file back as it was: the mode it had
 * before setup made it 0600 for a literal secret, whether setup created it, and the key paths (a servers
 * map, VS Code's `inputs`) it added. Kept per real path (symlinks resolved) in
 * `~/.mittwald-mcp-setup/state.json` (0600, written atomically by the config-file writer). A file with no
 * record — set up by an older version — is removed from as before: nothing is guessed. */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { configWritesSettled, readConfigFile, withConfigFileLock, writeConfigFile } from './config-file.js';
import { isJsonObject } from './json-object.js';
import type { JsonKeyPath } from './jsonc-document.js';
import type { Environment, FileRecordChange } from '../model.js';

/** What is known about one file. */
export interface FileRecord {
  /** Permission bits before setup first tightened the file to 0600. */
  mode?: number;
  /** Setup created the file. */
  created?: boolean;
  /** Key paths that were absent before setup added them (a record without one: all were there). */
  added: JsonKeyPath[];
  /** Entries setup wrote into the file and `remove` has not taken out yet. */
  entries: string[];
  /** Those of them that hold a literal secret. */
  secrets: string[];
}

/** The state file as written by this version, or undefined: a state of another shape is no state. Checked
 * by hand, so that a setup run loads no schema library. */
function readStateValue(value: unknown): State | undefined {
  if (!isJsonObject(value) || value.version !== 1 || !isJsonObject(value.files)) return undefined;
  const files: Record<string, FileRecord> = {};
  for (const [realPath, raw] of Object.entries(value.files)) {
    const record = readFileRecordValue(raw);
    if (record === undefined) return undefined;
    files[realPath] = record;
  }
  return { version: 1, files };
}

function readFileRecordValue(value: unknown): FileRecord | undefined {
  if (!isJsonObject(value)) return undefined;
  const { mode, created } = value;
  if (mode !== undefined && !(Number.isInteger(mode) && (mode as number) >= 0 && (mode as number) <= 0o7777)) return undefined;
  if (created !== undefined && typeof created !== 'boolean') return undefined;
  const added = listOf(value.added, isKeyPath);
  const entries = listOf(value.entries, (item): item is string => typeof item === 'string');
  const secrets = listOf(value.secrets, (item): item is string => typeof item === 'string');
  if (added === undefined || entries === undefined || secrets === undefined) return undefined;
  return { ...(mode === undefined ? {} : { mode: mode as number }), ...(created === undefined ? {} : { created }), added, entries, secrets };
}

/** An absent list is empty; a list with one item of another kind is no list. */
function listOf<T>(value: unknown, is: (item: unknown) => item is T): T[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) && value.every(is) ? [...value] : undefined;
}

function isKeyPath(value: unknown): value is JsonKeyPath {
  return Array.isArray(value) && value.every((part) => typeof part === 'string' || typeof part === 'number');
}

interface State {
  version: 1;
  files: Record<string, FileRecord>;
}

export function setupStateFile(environment: Environment): string {
  return path.join(environment.home, '.mittwald-mcp-setup', 'state.json');
}

/** The record of the file at `realPath`, if setup has one. A missing or unreadable state is no record. */
export async function readFileRecord(stateFile: string, realPath: string): Promise<FileRecord | undefined> {
  return (await readState(stateFile)).state.files[realPath];
}

/** Notes what a written step did, on top of what is known (a record is created, extended, or dropped once
 * nothing is left to give back). Settles once the state file holds it. Under the state file's lock, so that
 * other runs note their changes in turn; the changes this run notes while one is being written are written
 * together next, and the first write waits for the files this process writes at the same time, so tools
 * written side by side cost one write of the state, not one each. The state is this CLI's own note: it gets no
 * backup. */
export function recordFileChange(stateFile: string, change: FileRecordChange): Promise<void> {
  return new Promise((resolve, reject) => {
    let queue = queues.get(stateFile);
    if (queue === undefined) {
      queue = [];
      queues.set(stateFile, queue);
      void writeQueued(stateFile, queue);
    }
    queue.push({ change, resolve, reject });
  });
}

interface QueuedChange {
  change: FileRecordChange;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The changes waiting to be written, per state file; a state file has a queue while its writer runs. */
const queues = new Map<string, QueuedChange[]>();

async function writeQueued(stateFile: string, queue: QueuedChange[]): Promise<void> {
  // Let the changes of the files this process writes side by side join the first write.
  await configWritesSettled();
  while (queue.length > 0) {
    const batch = queue.splice(0);
    try {
      await writeChanges(stateFile, batch.map((queued) => queued.change));
      for (const queued of batch) queued.resolve();
    } catch (error) {
      for (const queued of batch) queued.reject(error);
    }
  }
  queues.delete(stateFile);
}

async function writeChanges(stateFile: string, changes: readonly FileRecordChange[]): Promise<void> {
  await withConfigFileLock(stateFile, { secret: true }, async () => {
    const { text, state } = await readState(stateFile);
    const files: Record<string, FileRecord> = { ...state.files };
    for (const change of changes) {
      const next = applyChange(files[change.realPath], change);
      if (next === undefined) delete files[change.realPath];
      else files[change.realPath] = next;
    }
    if (isDeepStrictEqual(files, state.files)) return;
    await writeConfigFile(stateFile, `${JSON.stringify({ version: 1, files }, null, 2)}\n`, { secret: true, backupDir: null, expected: text });
  });
}

/** A record after `change`. A record exists from the first setup of an entry until `remove` has taken out
 * every entry setup wrote: while it does, a key path it does not list was there before setup. */
export function applyChange(record: FileRecord | undefined, change: FileRecordChange): FileRecord | undefined {
  const current: FileRecord = record ?? { added: [], entries: [], secrets: [] };
  const others = (names: readonly string[]) => names.filter((name) => name !== change.entry);
  if (change.kind === 'setup') {
    return {
      ...(current.mode !== undefined ? { mode: current.mode } : change.mode !== undefined ? { mode: change.mode } : {}),
      ...((record === undefined ? change.created : current.created) ? { created: true } : {}),
      added: [...current.added, ...change.added.filter((added) => !current.added.some((known) => isDeepStrictEqual(known, added)))],
      entries: [...others(current.entries), change.entry],
      secrets: change.secret ? [...others(current.secrets), change.entry] : others(current.secrets),
    };
  }
  const entries = others(current.entries);
  if (change.deleted || record === undefined || entries.length === 0) return undefined;
  return {
    ...(current.mode !== undefined && !change.modeRestored ? { mode: current.mode } : {}),
    ...(current.created ? { created: true } : {}),
    added: current.added.filter((added) => !change.removed.some((removed) => isDeepStrictEqual(removed, added))),
    entries,
    secrets: others(current.secrets),
  };
}

async function readState(stateFile: string): Promise<{ text: string | null; state: State }> {
  const empty: State = { version: 1, files: {} };
  let text: string | null;
  try {
    text = (await readConfigFile(stateFile)).text;
  } catch {
    return { text: null, state: empty };
  }
  if (text === null) return { text, state: empty };
  try {
    return { text, state: readStateValue(JSON.parse(text)) ?? empty };
  } catch {
    return { text, state: empty };
  }
}

/** What a setup step of entry `entry` notes about its file, as it was read before the step. */
export function setupChange(
  snapshot: { realPath: string; text: string | null; mode?: number },
  entry: string,
  secret: boolean,
  added: readonly JsonKeyPath[],
): FileRecordChange {
  // writeConfigFile makes a secret's file 0600: remember what it was, to give it back.
  const tightened = secret && snapshot.text !== null && snapshot.mode !== undefined && snapshot.mode !== 0o600;
  return { kind: 'setup', realPath: snapshot.realPath, entry, secret, created: snapshot.text === null, ...(tightened ? { mode: snapshot.mode } : {}), added };
}

/** How removing `entry` gives its file back: the mode setup tightened (once no literal secret of ours is left
 * in it), and whether a file setup created goes again (`emptied`: nothing is left in it). */
export function restoreOnRemoval(record: FileRecord | undefined, entry: string, emptied: boolean): { mode?: number; deleted: boolean } {
  const deleted = record?.created === true && emptied;
  const secretsLeft = (record?.secrets ?? []).some((name) => name !== entry);
  return { deleted, ...(record?.mode !== undefined && !secretsLeft && !deleted ? { mode: record.mode } : {}) };
}
