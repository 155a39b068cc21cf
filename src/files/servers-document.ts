/** One interface over the document formats agent tools keep their servers map in, so that one planner
 * (kit/json-servers.ts) serves them all: JSON/JSONC (jsonc-document.ts), TOML (toml-document.ts) and YAML
 * (yaml-document.ts, read as YAML 1.1 like the Python tools that use it; its library loads only for a YAML file). A backend
 * edits text and keeps every byte it does not have to change; each edit is checked to parse back. */
import { isDeepStrictEqual } from 'node:util';
import { isJsonObject } from './json-object.js';
import {
  checkJsonDocument,
  hasJsonValue,
  jsonMemberCount,
  jsonValueText,
  keepLastJsonMember,
  removeJsonValue,
  selectJsonMembers,
  setJsonValue,
  type JsonFormat,
  type JsonKeyPath,
  type JsonMember,
} from './jsonc-document.js';
import { formatTomlValue, parseTomlDocument, removeTomlTable, setTomlTable } from './toml-document.js';

export type DocumentFormat = JsonFormat | 'toml' | 'yaml';

export interface ServersDocument {
  /** @throws SetupError('CONFIG_PARSE') naming `path` when `text` does not parse (empty text does). */
  check(text: string, path: string): void;
  /** The members of the map at `mapPath` that `wanted` picks (by name, or by a text of their value), with
   * every duplicate name, in file order; 'absent' when there is no map there, 'not-a-map' when another value is. */
  select(text: string, mapPath: readonly string[], wanted: (name: string, valueText: string) => boolean, path: string): JsonMember[] | 'absent' | 'not-a-map';
  /** The map at `mapPath` as written, when the format can hand it out cheaply (JSON/JSONC); undefined
   * otherwise, or when there is no value there. */
  mapText?(text: string, mapPath: readonly string[], path: string): string | undefined;
  /** Turns the value at `keyPath` from `before` (undefined: absent) into `after` with the fewest edits. */
  write(text: string, keyPath: readonly string[], before: unknown, after: unknown, path: string): string;
  /** Takes the value at `keyPath` out; the same text when it is absent. */
  remove(text: string, keyPath: JsonKeyPath, path: string): string;
  /** Leaves only the last of duplicate keys at `keyPath` (formats that cannot hold duplicates return `text`). */
  keepLast(text: string, keyPath: readonly string[]): string;
  has(text: string, keyPath: JsonKeyPath, path: string): boolean;
  /** Members of the map at `keyPath`; undefined when there is no map. */
  memberCount(text: string, keyPath: JsonKeyPath, path: string): number | undefined;
  /** A key and its value as the format spells them, for warnings. */
  show(key: string, value: unknown): string;
  /** Whether a document holds nothing at all any more (a file setup created then goes). */
  isEmpty(text: string): boolean;
}

/** Turns `before` into `after` at `keyPath` key by key: keys that differ are set (replaced whole) or
 * removed, objects on both sides are compared member by member, and everything equal keeps its bytes (the
 * user's comments and layout in our entry included). */
function writeJsonValue(text: string, keyPath: readonly string[], before: unknown, after: unknown): string {
  if (isDeepStrictEqual(before, after)) return text;
  if (!isJsonObject(before) || !isJsonObject(after)) return setJsonValue(text, keyPath, after);
  let out = text;
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) out = removeJsonValue(out, [...keyPath, key]);
  for (const [key, value] of Object.entries(after)) {
    out = Object.hasOwn(before, key) ? writeJsonValue(out, [...keyPath, key], before[key], value) : setJsonValue(out, [...keyPath, key], value);
  }
  return out;
}

function jsonDocument(format: JsonFormat): ServersDocument {
  return {
    check: (text, path) => checkJsonDocument(text, path, format),
    select(text, mapPath, wanted, path) {
      checkJsonDocument(text, path, format);
      const members = selectJsonMembers(text, mapPath, wanted);
      return members === 'not-an-object' ? 'not-a-map' : members;
    },
    mapText(text, mapPath, path) {
      checkJsonDocument(text, path, format);
      return jsonValueText(text, mapPath);
    },
    write: (text, keyPath, before, after) => writeJsonValue(text, keyPath, before, after),
    remove: (text, keyPath) => (hasJsonValue(text, keyPath) ? removeJsonValue(text, keyPath) : text),
    keepLast: (text, keyPath) => keepLastJsonMember(text, keyPath),
    has: (text, keyPath) => hasJsonValue(text, keyPath),
    memberCount: (text, keyPath) => jsonMemberCount(text, keyPath),
    show: (key, value) => `"${key}": ${JSON.stringify(value)}`,
    isEmpty: (text) => /^\uFEFF?\s*\{\s*\}\s*$/.test(text),
  };
}

/** TOML tables are parsed whole (smol-toml), so `select` passes each value's JSON text to `wanted`. */
const isTomlTable = (value: unknown): value is Record<string, unknown> => isJsonObject(value) && !(value instanceof Date);

function tomlValueAt(text: string, keyPath: JsonKeyPath, path: string): unknown {
  let value: unknown = parseTomlDocument(text, path);
  for (const key of keyPath) {
    if (!isTomlTable(value)) return undefined;
    value = value[String(key)];
  }
  return value;
}

const tomlDocument: ServersDocument = {
  check: (text, path) => void parseTomlDocument(text, path),
  select(text, mapPath, wanted, path) {
    const map = tomlValueAt(text, mapPath, path);
    if (map === undefined) return 'absent';
    if (!isTomlTable(map)) return 'not-a-map';
    return Object.entries(map)
      .filter(([name, value]) => wanted(name, JSON.stringify(value) ?? ''))
      .map(([key, value]) => ({ key, value }));
  },
  write(text, keyPath, before, after, path) {
    if (isDeepStrictEqual(before, after)) return text;
    if (!isTomlTable(after)) throw new TypeError(`A TOML servers entry must be a table (${keyPath.join('.')})`);
    return setTomlTable(text, keyPath, after, path);
  },
  remove: (text, keyPath, path) => removeTomlTable(text, keyPath.map(String), path),
  keepLast: (text) => text,
  has: (text, keyPath, path) => tomlValueAt(text, keyPath, path) !== undefined,
  memberCount(text, keyPath, path) {
    const value = tomlValueAt(text, keyPath, path);
    return isTomlTable(value) ? Object.keys(value).length : undefined;
  },
  show: (key, value) => `${key} = ${formatTomlValue(value)}`,
  isEmpty: (text) => /^\uFEFF?\s*$/.test(text),
};

/** YAML maps parse whole (the `yaml` library); an empty block map (`key:` with nothing under it) reads as
 * null and counts as an empty map. */
function yamlDocument(editor: typeof import('./yaml-document.js')): ServersDocument {
  const { parseYamlDocument, removeYamlValue, setYamlValue } = editor;
  const options = (path: string) => ({ version: '1.1' as const, path });
  /** The value at `keyPath`: undefined when a key is missing, null for an empty map. */
  const at = (text: string, keyPath: JsonKeyPath, path: string): unknown => {
    let value: unknown = parseYamlDocument(text, options(path));
    for (const key of keyPath) {
      if (!isJsonObject(value) || !Object.hasOwn(value, String(key))) return undefined;
      value = value[String(key)];
    }
    return value;
  };
  return {
    check: (text, path) => void parseYamlDocument(text, options(path)),
    select(text, mapPath, wanted, path) {
      const map = at(text, mapPath, path);
      if (map === undefined || map === null) return 'absent';
      if (!isJsonObject(map)) return 'not-a-map';
      return Object.entries(map)
        .filter(([name, value]) => wanted(name, JSON.stringify(value) ?? ''))
        .map(([key, value]) => ({ key, value }));
    },
    write: (text, keyPath, before, after, path) => (isDeepStrictEqual(before, after) ? text : setYamlValue(text, keyPath, after, options(path))),
    remove: (text, keyPath, path) => removeYamlValue(text, keyPath.map(String), options(path)),
    keepLast: (text) => text,
    has: (text, keyPath, path) => at(text, keyPath, path) !== undefined,
    memberCount(text, keyPath, path) {
      const value = at(text, keyPath, path);
      if (value === null) return 0;
      return isJsonObject(value) ? Object.keys(value).length : undefined;
    },
    show: (key, value) => `${key}: ${JSON.stringify(value)}`,
    isEmpty: (text) => text.replace(/^\uFEFF/, '').trim() === '',
  };
}

const JSON_DOCUMENT = jsonDocument('json');
const JSONC_DOCUMENT = jsonDocument('jsonc');

/** The backend for a file format. */
export async function serversDocument(format: DocumentFormat): Promise<ServersDocument> {
  switch (format) {
    case 'json':
      return JSON_DOCUMENT;
    case 'jsonc':
      return JSONC_DOCUMENT;
    case 'toml':
      return tomlDocument;
    case 'yaml':
      return yamlDocument(await import('./yaml-document.js'));
  }
}
