/** Comment-preserving edits of one key in a YAML document (such as an agent tool's YAML config).
 *
 * Re-serialising a YAML document reflows it (quotes, indentation, long lines), so we edit the TEXT, as for
 * JSONC and TOML: the `yaml` library parses the document and tells where the map we edit and its keys are;
 * the lines of our key's pair (its key line and every deeper-indented line after it) are cut out and a freshly
 * rendered block pair is put in their place (or after the map's last pair), and every other byte stays as it
 * was. The document is parsed before (an unparseable file is refused) and after (the result must hold exactly
 * our value and nothing else may have changed) every edit.
 *
 * Only block maps are edited: a parent written inline (`{ … }`) cannot be extended without rewriting it, and
 * is refused with a hint. Files of several documents are refused too. */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, parseAllDocuments, stringify, type Document, type Pair, type YAMLMap } from 'yaml';
import { SetupError } from '../errors.js';

/** Which YAML the tool reads: 1.1 (PyYAML and most Python tools: `yes`/`on` are booleans) or 1.2. */
export type YamlVersion = '1.1' | '1.2';

export interface YamlOptions {
  version?: YamlVersion;
  /** Names the file in error messages. */
  path?: string;
}

export type YamlKeyPath = readonly string[];

interface Loaded {
  /** Undefined for an empty document (no content, only comments). */
  document: Document.Parsed | undefined;
  root: YAMLMap | undefined;
  value: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseError(path: string, message: string, cause?: unknown): SetupError {
  return new SetupError('CONFIG_PARSE', `${path}: ${message}`, { hint: `Fix the YAML in ${path} (it was not changed), then run the setup again.`, ...(cause === undefined ? {} : { cause }) });
}

function load(text: string, { version = '1.2', path = 'the YAML document' }: YamlOptions): Loaded {
  const documents = parseAllDocuments(text, { version, uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [];
  if (list.length > 1) throw parseError(path, 'it holds several YAML documents (---); setup edits a single one.');
  const document = list[0];
  const error = document?.errors[0];
  if (error) {
    const where = error.linePos ? `${error.linePos[0].line}:${error.linePos[0].col}: ` : '';
    throw parseError(path, `${where}${error.message.split('\n', 1)[0] ?? error.message}`.replace(/^(\S+): \1/, '$1'), error);
  }
  const contents = document?.contents ?? null;
  if (contents === null || (isScalar(contents) && contents.value === null)) return { document, root: undefined, value: {} };
  if (!isMap(contents)) throw parseError(path, 'the document is not a map of keys.');
  let value: unknown;
  try {
    value = document!.toJS({ maxAliasCount: 1000 });
  } catch (cause) {
    throw parseError(path, cause instanceof Error ? cause.message : String(cause), cause);
  }
  if (!isObject(value)) throw parseError(path, 'the document is not a map of keys.');
  return { document, root: contents, value };
}

/** The document as plain data (`{}` when empty); maps become objects.
 * @throws SetupError('CONFIG_PARSE', "<path>: <line>:<col>: <reason>") when it does not parse, holds several
 *   documents, or is no map. */
export function parseYamlDocument(text: string, options: YamlOptions = {}): Record<string, unknown> {
  return load(text, options).value;
}

/** The value at `keyPath` of plain data, undefined when a step is missing. */
export function valueAt(value: unknown, keyPath: YamlKeyPath): unknown {
  let current = value;
  for (const key of keyPath) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

function withValue(value: Record<string, unknown>, keyPath: YamlKeyPath, next: unknown): Record<string, unknown> {
  const [key, ...rest] = keyPath;
  if (key === undefined) return value;
  const copy = { ...value };
  if (rest.length === 0) {
    if (next === undefined) delete copy[key];
    else copy[key] = next;
  } else {
    copy[key] = withValue(isObject(value[key]) ? value[key] : {}, rest, next);
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------------------
// Lines

const lineStart = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;

/** Offset just after the line that holds `offset` (after its line break, or the end of the text). */
function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

function indentOf(line: string): number | undefined {
  const content = line.replace(/\r?\n$/, '');
  const trimmed = content.trimStart();
  return trimmed === '' ? undefined : content.length - trimmed.length;
}

const detectNewline = (text: string): string => (/\r\n/.test(text) ? '\r\n' : '\n');

function keyName(pair: Pair): string | undefined {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => keyName(pair) === key);
}

/** Where a pair's key starts (the offset), and its column. The key must start its line (a block map). */
function keyPosition(text: string, pair: Pair, path: string): { start: number; indent: number } {
  const key = pair.key;
  const offset = isScalar(key) ? key.range?.[0] : undefined;
  if (offset === undefined) throw parseError(path, 'a key could not be located.');
  const start = lineStart(text, offset);
  if (!/^[ ]*$/.test(text.slice(start, offset))) {
    throw new SetupError('CONFIG_PARSE', `${path}: the key "${keyName(pair)}" does not start its line (an anchor, tag or inline map); setup cannot edit it safely.`, {
      hint: `Write it as a plain block map in ${path} (the file was not changed), then run the setup again.`,
    });
  }
  return { start, indent: offset - start };
}

/** The lines of a pair: its key line and every following line that is blank or deeper-indented, without the
 * blank lines at its end (they separate it from what follows). */
function pairRegion(text: string, pair: Pair, path: string): { start: number; end: number; indent: number } {
  const { start, indent } = keyPosition(text, pair, path);
  let end = lineEnd(text, start);
  let contentEnd = end;
  while (end < text.length) {
    const next = lineEnd(text, end);
    const lineIndent = indentOf(text.slice(end, next));
    if (lineIndent !== undefined && lineIndent <= indent) break;
    if (lineIndent !== undefined) contentEnd = next;
    end = next;
  }
  return { start, end: contentEnd, indent };
}

/** Our pair rendered as block YAML lines at `indent`, children `step` deeper. */
function renderPair(key: string, value: unknown, indent: number, step: number, version: YamlVersion, newline: string): string {
  const rendered = stringify({ [key]: value }, { version, indent: step, lineWidth: 0, minContentWidth: 0 }).replace(/\n$/, '');
  return rendered
    .split('\n')
    .map((line) => (line === '' ? line : ' '.repeat(indent) + line))
    .join(newline);
}

const nest = (keyPath: YamlKeyPath, value: unknown): unknown => keyPath.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);

/** Inserts `lines` (no line break at their end) at `offset`, which is a line start or the end of the text. */
function insertLines(text: string, offset: number, lines: string, newline: string): string {
  if (offset >= text.length && text !== '' && !text.endsWith('\n')) return `${text}${newline}${lines}`;
  return `${text.slice(0, offset)}${lines}${newline}${text.slice(offset)}`;
}

/** Removes the lines [start, end); at the end of a text without a final line break, the break before them
 * goes too (it was added with them). */
function removeLines(text: string, start: number, end: number): string {
  if (end >= text.length && !text.endsWith('\n') && start > 0) {
    const cut = text[start - 2] === '\r' ? start - 2 : start - 1;
    return text.slice(0, cut);
  }
  return text.slice(0, start) + text.slice(end);
}

/** The indentation step of the document: the first nested block map's, else 2. */
function indentStep(text: string, root: YAMLMap | undefined, path: string): number {
  for (const pair of root?.items ?? []) {
    if (isMap(pair.value) && !pair.value.flow && pair.value.items[0]) {
      try {
        const outer = keyPosition(text, pair, path).indent;
        const inner = keyPosition(text, pair.value.items[0], path).indent;
        if (inner > outer) return inner - outer;
      } catch {
        // a key that does not start its line tells nothing about the step
      }
    }
  }
  return 2;
}

function inlineMap(path: string, keyPath: YamlKeyPath): SetupError {
  return new SetupError('CONFIG_PARSE', `${path}: ${keyPath.length ? `"${keyPath.join('.')}"` : 'the document'} is written inline ({ … }); setup cannot edit it without rewriting it.`, {
    hint: `Write it as a block map (one key per line) in ${path}, then run the setup again.`,
  });
}

function verify(before: Record<string, unknown>, result: string, keyPath: YamlKeyPath, value: unknown, options: YamlOptions, expected = withValue(before, keyPath, value)): void {
  const path = options.path ?? 'the YAML document';
  let after: Record<string, unknown>;
  try {
    after = load(result, options).value;
  } catch (cause) {
    throw new SetupError('CONFIG_PARSE', `${path}: the edit would not parse back; nothing was changed.`, { hint: `Edit "${keyPath.join('.')}" in ${path} by hand.`, cause });
  }
  if (!isDeepStrictEqual(after, expected)) {
    throw new SetupError('CONFIG_PARSE', `${path}: the edit would change more than "${keyPath.join('.')}" (an alias or an unusual layout); nothing was changed.`, {
      hint: `Edit "${keyPath.join('.')}" in ${path} by hand.`,
    });
  }
}

/** Sets the value at `keyPath` (e.g. `['mcp_servers', 'mittwald']`), replacing the pair there whole, or adds
 * it after the last pair of its map (creating missing parent maps); returns the text unchanged when it already
 * holds exactly `value`. Line endings follow the file; all other bytes are kept.
 * @throws SetupError('CONFIG_PARSE') when the text does not parse, when a parent is written inline or is no
 *   map, or when the edited text would not parse back to the original with `value` at `keyPath`. */
export function setYamlValue(text: string, keyPath: YamlKeyPath, value: unknown, options: YamlOptions = {}): string {
  const path = options.path ?? 'the YAML document';
  const version = options.version ?? '1.2';
  if (keyPath.length === 0) throw new TypeError('setYamlValue needs a key path');
  const loaded = load(text, options);
  if (isDeepStrictEqual(valueAt(loaded.value, keyPath), value)) return text;
  const newline = detectNewline(text);
  const step = indentStep(text, loaded.root, path);

  let map = loaded.root;
  if (map?.flow) throw inlineMap(path, []);
  let mapIndent = 0;
  let parentLineEnd = text.length;
  for (let depth = 0; depth < keyPath.length; depth++) {
    const key = keyPath[depth]!;
    const pair = map ? findPair(map, key) : undefined;
    if (!map || !pair) {
      const lines = renderPair(key, nest(keyPath.slice(depth + 1), value), map?.items[0] ? keyPosition(text, map.items[0], path).indent : mapIndent, step, version, newline);
      const last = map?.items.at(-1);
      const at = last ? pairRegion(text, last, path).end : parentLineEnd;
      const result = insertLines(text, at, lines, newline);
      verify(loaded.value, result, keyPath, value, options);
      return result;
    }
    const region = pairRegion(text, pair, path);
    if (depth === keyPath.length - 1) {
      const lines = renderPair(key, value, region.indent, step, version, newline);
      const terminated = text.slice(region.start, region.end).endsWith('\n');
      const result = text.slice(0, region.start) + lines + (terminated ? newline : '') + text.slice(region.end);
      verify(loaded.value, result, keyPath, value, options);
      return result;
    }
    const child = pair.value;
    if (child === null || (isScalar(child) && child.value === null && (child.source === undefined || child.source === ''))) {
      // `key:` with nothing after it: its entries go on the lines below.
      map = undefined;
      mapIndent = region.indent + step;
      parentLineEnd = lineEnd(text, region.start);
      continue;
    }
    if (!isMap(child) || child.flow) {
      throw new SetupError('CONFIG_PARSE', `${path}: "${keyPath.slice(0, depth + 1).join('.')}" is ${isMap(child) ? 'written inline ({ … })' : 'not a map'}; setup cannot add to it without rewriting it.`, {
        hint: `Write it as a block map (one key per line) in ${path}, or fix it by hand, then run the setup again.`,
      });
    }
    map = child;
    mapIndent = region.indent + step;
  }
  throw new Error('unreachable');
}

/** Removes the pair at `keyPath` (its key line and every deeper line after it); returns the identical string
 * when there is none. A pair added at the end of a text without a final line break goes with the break before
 * it, so that setup then remove gives back the original bytes.
 * @throws SetupError('CONFIG_PARSE') as for {@link setYamlValue}. */
export function removeYamlValue(text: string, keyPath: YamlKeyPath, options: YamlOptions = {}): string {
  const path = options.path ?? 'the YAML document';
  const loaded = load(text, options);
  if (valueAt(loaded.value, keyPath) === undefined && !hasYamlKey(loaded.value, keyPath)) return text;
  let map = loaded.root;
  let pair: Pair | undefined;
  for (const key of keyPath) {
    if (map?.flow) throw inlineMap(path, keyPath);
    pair = map ? findPair(map, key) : undefined;
    if (!pair) return text;
    map = isMap(pair.value) ? pair.value : undefined;
  }
  const region = pairRegion(text, pair!, path);
  const result = removeLines(text, region.start, region.end);
  // A block map whose last pair went is left as `key:`, which reads as null.
  let expected = withValue(loaded.value, keyPath, undefined);
  const parentPath = keyPath.slice(0, -1);
  const parent = valueAt(expected, parentPath);
  if (parentPath.length > 0 && isObject(parent) && Object.keys(parent).length === 0) expected = withValue(expected, parentPath, null);
  verify(loaded.value, result, keyPath, undefined, options, expected);
  return result;
}

function hasYamlKey(value: unknown, keyPath: YamlKeyPath): boolean {
  const parent = valueAt(value, keyPath.slice(0, -1));
  return isObject(parent) && Object.hasOwn(parent, keyPath.at(-1) ?? '');
}
