/** The shared machinery for tools that keep MCP servers as a map in a config file, whatever its format
 * (servers-document.ts has a backend per format: JSON, JSONC, TOML). An adapter describes the file and its
 * entry shape; this module reads, plans the edit (our entry's keys set, stale mittwald entries handled,
 * nothing else touched) and inspects what the tool will read. */
import { isDeepStrictEqual } from 'node:util';
import { readConfigFile } from '../files/config-file.js';
import { SetupError } from '../errors.js';
import { renderKeyPath, type JsonKeyPath, type JsonMember } from '../files/jsonc-document.js';
import { serversDocument, type DocumentFormat, type ServersDocument } from '../files/servers-document.js';
import type { AuthMode, Environment, FileStep, InstalledEntry, Scope, SetupRequest, StaleEntry, ToolId } from '../model.js';
import { entryWarnings, updateEntry, type EntryKeys } from './entry-keys.js';
import { hasReference, resolveReferences, type ReferenceSyntax } from './references.js';
import { readFileRecord, restoreOnRemoval, setupChange, setupStateFile } from '../files/setup-state.js';
import { bridgedUrl, classifyServerUrl, findStaleEntries, mayNameMittwald } from './server-url.js';

export interface ServersFile {
  tool: ToolId;
  scope: Scope;
  host?: string;
  path: string;
  format: DocumentFormat;
  /** Key path of the servers map, e.g. ['mcpServers'] or ['projects', '/abs/path', 'mcpServers']. */
  serversPath: readonly string[];
  /** Keys beside the servers map that the tool's extra edit may add (VS Code's `inputs`). */
  companions?: readonly JsonKeyPath[];
}

/** How one tool spells a remote server entry. */
export interface EntryShape {
  build(request: SetupRequest): Record<string, unknown>;
  /** The URL and the raw Authorization header value of any entry found in the map. */
  read(entry: unknown): { url?: string; authorization?: string };
  syntax: ReferenceSyntax;
  /** The keys of the entry that setup owns; the user's other keys on it are kept. */
  keys: EntryKeys;
}

/** A text transformation applied after our entry is set or removed (e.g. VS Code's `inputs`). */
export type ExtraEdit = (text: string, request: { name: string; credential?: SetupRequest['credential'] }) => string;

export interface ServersFilePlan {
  step: FileStep;
  stale: StaleEntry[];
  staleKept: StaleEntry[];
  /** What the plan does to the user's own settings (duplicates removed, keys dropped), to show before it. */
  warnings: string[];
}

/** The error for a servers map that is not one (a string, an array, …). */
export function notAServersMap(file: ServersFile): SetupError {
  return new SetupError('CONFIG_PARSE', `${file.path}: "${file.serversPath.join('.')}" is not ${file.format === 'toml' ? 'a table' : 'an object'}.`, {
    hint: 'Fix that key by hand (it must map server names to entries), then run again.',
  });
}

/** Entries of the file's servers map that `wanted` picks (by name, or by their JSON text), with every
 * duplicate name; only those are parsed. */
function serversEntries(document: ServersDocument, text: string, file: ServersFile, wanted: (name: string, entryText: string) => boolean): JsonMember[] {
  const members = document.select(text, file.serversPath, wanted, file.path);
  if (members === 'not-a-map') throw notAServersMap(file);
  return members === 'absent' ? [] : members;
}

/** The entries that can matter to us: ours by name, and any whose text may point at mittwald or at the
 * server (the others are never stale, and reading thousands of them would cost a large file dearly). */
function relevantEntries(document: ServersDocument, text: string, file: ServersFile, name: string, serverUrl: string): JsonMember[] {
  // A map whose text holds neither our name nor anything that can name mittwald has no entry that matters:
  // one search through it instead of one per entry (most large files never mentioned mittwald).
  const mapText = document.mapText?.(text, file.serversPath, file.path);
  if (mapText !== undefined && mapText.startsWith('{') && !mentions(mapText, name, serverUrl)) return [];
  return serversEntries(document, text, file, (entryName, entryText) => entryName === name || mayNameMittwald(entryText, serverUrl));
}

/** Whether JSON text can hold a key `name` or name mittwald or the server. Never false when it does: a name
 * of letters, digits, - and _ is spelt otherwise only with a \u escape, which mayNameMittwald looks into; for
 * any other name it is always true. */
export function mentions(jsonText: string, name: string, serverUrl: string): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) return true;
  return jsonText.includes(JSON.stringify(name)) || mayNameMittwald(jsonText, serverUrl);
}

export async function planServersFile(
  file: ServersFile,
  shape: EntryShape,
  request: SetupRequest,
  extraEdit?: ExtraEdit,
): Promise<ServersFilePlan> {
  const document = await serversDocument(file.format);
  const snapshot = await readConfigFile(file.path);
  const before = snapshot.text;
  const servers = relevantEntries(document, before ?? '', file, request.name, request.serverUrl);
  const found = servers.map(({ key: name, value: entry }) => ({ name, url: shape.read(entry).url ?? bridgedUrl(entry) }));
  const stale = findStaleEntries(found, request.name, request.serverUrl, file.path);

  const entry = shape.build(request);
  const ours = servers.filter((server) => server.key === request.name);
  const current = ours[ours.length - 1]?.value;
  const warnings: string[] = [];
  let text = before ?? '';
  if (ours.length > 1) {
    // Tools differ in which duplicate they read: only one may stay, and it is ours.
    text = document.keepLast(text, [...file.serversPath, request.name]);
    warnings.push(`${file.path} had ${ours.length} "${request.name}" entries under ${renderKeyPath(file.serversPath)}; the ${ours.length - 1} extra ${ours.length === 2 ? 'one was' : 'ones were'} removed.`);
  }
  const updated = updateEntry(current, entry, shape.keys);
  text = document.write(text, [...file.serversPath, request.name], current, updated.entry, file.path);
  warnings.push(...entryWarnings(file.path, request.name, updated, document.show));
  if (request.replaceStale) {
    for (const old of stale) text = document.remove(text, [...file.serversPath, old.name], file.path);
  }
  if (extraEdit) text = extraEdit(text, { name: request.name, credential: request.credential });
  const secret = request.credential.kind === 'token' && request.credential.storage === 'literal';
  const after = text === (before ?? '') ? before : text;
  // What the file lacked before: `remove` takes out again what setup added, and nothing else.
  const added = after === before ? [] : containers(file).filter((path) => !(before !== null && document.has(before, path, file.path)) && document.has(text, path, file.path));
  return {
    step: {
      kind: 'file',
      path: file.path,
      before,
      after,
      secret,
      ...(after === before ? {} : { record: setupChange(snapshot, request.name, secret, added) }),
    },
    stale: request.replaceStale ? stale : [],
    staleKept: request.replaceStale ? [] : stale,
    warnings,
  };
}

/** The containers of a file that setup may create: the servers map with its parents (innermost first), and
 * the companions. */
function containers(file: ServersFile): JsonKeyPath[] {
  const parents = file.serversPath.map((_, index) => file.serversPath.slice(0, file.serversPath.length - index));
  return [...(file.companions ?? []), ...parents];
}

/** Plans taking our entry out (every duplicate of it); the step's `after` equals `before` when there is
 * nothing to remove. With the setup state of `environment`, the file is given back as it was: containers
 * setup added go once empty (those that were there stay, even empty), a file setup created goes once empty,
 * and the mode setup tightened for a literal secret comes back. A file set up by an older version (no record)
 * keeps its emptied servers map. */
export async function planServersFileRemoval(file: ServersFile, name: string, extraEdit?: ExtraEdit, environment?: Environment): Promise<FileStep> {
  const document = await serversDocument(file.format);
  const snapshot = await readConfigFile(file.path);
  const before = snapshot.text;
  if (before === null) return { kind: 'file', path: file.path, before, after: before, secret: false };
  document.check(before, file.path);
  let text = document.remove(before, [...file.serversPath, name], file.path);
  if (extraEdit) text = extraEdit(text, { name });
  if (text === before) return { kind: 'file', path: file.path, before, after: before, secret: false };

  const record = environment === undefined ? undefined : await readFileRecord(setupStateFile(environment), snapshot.realPath);
  const removed: JsonKeyPath[] = [];
  for (const path of containers(file)) {
    if (document.memberCount(text, path, file.path) !== 0) continue;
    // Without a record, as before: a companion we emptied goes, the servers map stays.
    const companion = (file.companions ?? []).some((candidate) => isDeepStrictEqual(candidate, path));
    const added = record ? record.added.some((candidate) => isDeepStrictEqual(candidate, path)) : companion && document.memberCount(before, path, file.path) !== 0;
    if (!added) continue;
    text = document.remove(text, path, file.path);
    removed.push(path);
  }
  const { mode, deleted } = restoreOnRemoval(record, name, document.isEmpty(text));
  return {
    kind: 'file',
    path: file.path,
    before,
    after: deleted ? null : text,
    secret: false,
    ...(mode === undefined ? {} : { mode }),
    record: { kind: 'remove', realPath: snapshot.realPath, entry: name, removed, modeRestored: mode !== undefined, deleted },
  };
}

/** Entries named `name`, or pointing at mittwald (current or retired URL), as the tool will read them. */
export async function inspectServersFile(
  file: ServersFile,
  shape: EntryShape,
  environment: Environment,
  options: { name: string; serverUrl: string },
): Promise<InstalledEntry[]> {
  const snapshot = await readConfigFile(file.path);
  if (snapshot.text === null) return [];
  return inspectServers(file, shape, environment, options, relevantEntries(await serversDocument(file.format), snapshot.text, file, options.name, options.serverUrl));
}

/** inspectServersFile for members of the file's servers map already read (in file order, with duplicates):
 * for a scan that read many maps of one file at once. */
export function inspectServers(
  file: ServersFile,
  shape: EntryShape,
  environment: Environment,
  options: { name: string; serverUrl: string },
  members: readonly JsonMember[],
): InstalledEntry[] {
  // The last of duplicate names is the one the tool reads.
  const servers = new Map(members.map(({ key, value }) => [key, value]));
  const entries: InstalledEntry[] = [];
  for (const [name, raw] of servers) {
    const { url: direct, authorization } = shape.read(raw);
    const url = direct ?? bridgedUrl(raw);
    if (url === undefined) continue;
    if (name !== options.name && classifyServerUrl(url, options.serverUrl) === 'other') continue;
    entries.push({
      tool: file.tool,
      scope: file.scope,
      ...(file.host === undefined ? {} : { host: file.host }),
      file: file.path,
      name,
      url,
      ...describeAuthorization(authorization, shape.syntax, environment),
    });
  }
  return entries;
}

/** Classifies an Authorization header value and resolves its references against the environment. */
export function describeAuthorization(
  authorization: string | undefined,
  syntax: ReferenceSyntax,
  environment: Environment,
): { auth: AuthMode; authorization?: string; unresolved: string[]; prompts?: string[] } {
  if (authorization === undefined) return { auth: 'oauth', unresolved: [] };
  if (!hasReference(authorization, syntax)) return { auth: 'token-literal', authorization, unresolved: [] };
  const resolved = resolveReferences(authorization, syntax, environment.env);
  return {
    auth: 'token-ref',
    ...(resolved.value === undefined ? {} : { authorization: resolved.value }),
    unresolved: resolved.unresolved,
    ...(resolved.prompts.length ? { prompts: resolved.prompts } : {}),
  };
}

/** Reads `headers.Authorization` (any case) from a plain entry object. */
export function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name.toLowerCase() && typeof value === 'string') return value;
  }
  return undefined;
}

/** Reads `url` and the Authorization header of a remote entry; `headersOf` finds the headers object
 * (top-level `headers` by default; Copilot for JetBrains/Xcode keeps them under `requestInit`). */
export function readRemoteEntry(entry: unknown, headersOf: (entry: Record<string, unknown>) => unknown = (object) => object.headers): { url?: string; authorization?: string } {
  const object = entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>) : {};
  const authorization = headerOf(headersOf(object), 'authorization');
  // Built without spreads: it runs for every entry of a file that may hold thousands.
  const read: { url?: string; authorization?: string } = {};
  if (typeof object.url === 'string') read.url = object.url;
  if (authorization !== undefined) read.authorization = authorization;
  return read;
}

/** The header value our entry stores for a token credential, given the tool's reference spelling. */
export function bearerValue(credential: SetupRequest['credential'], reference: (envVar: string) => string): string | undefined {
  if (credential.kind !== 'token') return undefined;
  return `Bearer ${credential.storage === 'ref' ? reference(credential.envVar) : credential.token}`;
}
