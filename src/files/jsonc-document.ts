/** Reading and surgically editing JSON / JSONC config text. An edit changes only the bytes of the value it
 * replaces (or inserts, or removes) plus the separators around it: comments, trailing commas, key order,
 * indentation, line endings, a BOM and the final newline of the rest of the file stay exactly as they were.
 *
 * jsonc-parser's `modify` is deliberately not used: its formatter re-formats whole lines around an insertion
 * (touching a neighbour's spacing or comments), so edits are computed here from the parse tree and scanner. */
import { createScanner, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError, ParseErrorCode } from 'jsonc-parser';
import { SetupError } from '../errors.js';
import { noteSplices } from './text-splices.js';

export type JsonFormat = 'json' | 'jsonc';
export type JsonKeyPath = readonly (string | number)[];

/** The layout conventions of a file, as new text must follow them. */
export interface JsonFormatting {
  /** One indentation level: a tab or N spaces. */
  indent: string;
  insertSpaces: boolean;
  tabSize: number;
  eol: '\n' | '\r\n';
  bom: boolean;
  finalNewline: boolean;
}

const BOM = '\uFEFF';
const DEFAULT_INDENT = '  ';

// jsonc-parser declares these as ambient const enums, which isolatedModules cannot inline.
const Token = { comma: 5, lineComment: 12, blockComment: 13, lineBreak: 14, trivia: 15, eof: 17 } as const;
const ErrorCode = { propertyNameExpected: 3, valueExpected: 4, invalidComment: 10 } as const;

const PARSE_HINT = 'Fix the file at that position in an editor (or move it aside) and run again; nothing was written to it.';

/** The text an edit works on, with its line index. */
interface Source {
  /** The text without its BOM; every offset below refers to it. */
  body: string;
  readonly lines: LineIndex;
}

interface Document extends Source {
  bom: string;
  root: Node | undefined;
  /** The text the lazy tree reads: valid JSON, or valid JSONC (then not `strict`: the tree steps over
   * comments and trailing commas itself, so a large JSONC file is not copied to blank them); undefined when
   * `root` is jsonc-parser's own tree. */
  clean: string | undefined;
  /** The parsed value of `root`; shared by every caller that parses the same text, so never mutated. */
  readonly value: unknown;
  /** Whether `value` is at hand (an edited text's is parsed only when asked for). */
  readonly valueReady: boolean;
  /** The body is plain JSON as JSON.parse reads it (no comments, no trailing commas). */
  readonly strict: boolean;
  /** Where the containers of `clean` end, when known (a lazy tree over validated or edited text). */
  readonly ends?: ContainerEnds | undefined;
}

interface Edit {
  offset: number;
  length: number;
  content: string;
}

/** Parses config text. Empty, whitespace-only (and, for JSONC, comment-only) text is `undefined`: no content
 * yet. A leading BOM is ignored. 'json' rejects comments and trailing commas, as the tool reading the file
 * would; 'jsonc' allows them. Throws SetupError CONFIG_PARSE "<path>:<line>:<col>: <what>" (1-based) for
 * invalid text or a top level that is not an object. The same text is parsed once per run (the last few texts
 * are remembered), so the returned object is shared between callers: never mutate it. */
export function parseJsonDocument(text: string, path: string, format: JsonFormat): Record<string, unknown> | undefined {
  const doc = checkedDocument(text, path, format);
  return doc.root === undefined ? undefined : (doc.value as Record<string, unknown>);
}

/** Checks `text` as parseJsonDocument does (the same errors) without building its value, which for a large
 * file is most of the cost; pair it with getJsonValue / selectJsonMembers for the parts needed. */
export function checkJsonDocument(text: string, path: string, format: JsonFormat): void {
  checkedDocument(text, path, format);
}

function checkedDocument(text: string, path: string, format: JsonFormat): Document {
  const doc = loadDocument(text, path, format);
  if (doc.root === undefined) return doc;
  if (doc.root.type !== 'object') {
    throw parseError(path, doc.body, doc.root.offset, `expected an object at the top level, found ${describeNode(doc.root)}`);
  }
  if (format === 'json' && !doc.strict) assertStrictJson(doc.body, path);
  return doc;
}

/** One member of an object, as selectJsonMembers returns it. */
export interface JsonMember {
  key: string;
  value: unknown;
}

/** The members of the object at `keyPath` that `select` picks — by key, or by the text of their value
 * as written, comments included — with their parsed values, in file order and with every duplicate key. Only the
 * picked members are parsed: a map of thousands of servers is read for the few that matter. 'absent' when
 * there is no object there (missing, null, or a parent on the path is no object), 'not-an-object' when a
 * value of another type is. Throws SetupError CONFIG_PARSE for unparseable text. */
export function selectJsonMembers(
  text: string,
  keyPath: JsonKeyPath,
  select: (key: string, valueText: string) => boolean,
): JsonMember[] | 'absent' | 'not-an-object' {
  const doc = loadDocument(text, 'JSON text', 'jsonc');
  if (doc.root === undefined) return 'absent';
  const located = locate(doc.root, keyPath);
  if (located.kind !== 'found' || located.value.type === 'null') return 'absent';
  if (located.value.type !== 'object') return 'not-an-object';
  const members: JsonMember[] = [];
  const { clean } = doc;
  const object = located.value;
  if (clean !== undefined && object instanceof LazyNode) {
    // Member by member from the text, without a node for each: a map of tens of thousands of servers is
    // looked through for the few that matter, and building (and collecting) its nodes was most of the cost.
    object.forEachMember((keyStart, keyEnd, valueStart, valueEnd) => {
      const name = decodeKey(clean, keyStart, keyEnd);
      const valueText = clean.slice(valueStart, valueEnd);
      if (!select(name, valueText)) return;
      const parsedValue = tryJsonParse(valueText);
      members.push({ key: name, value: parsedValue.ok ? parsedValue.value : valueBetween(doc, valueStart, valueEnd) });
    });
    return members;
  }
  const source = clean ?? doc.body;
  for (const property of object.children ?? []) {
    const [key, value] = property.children ?? [];
    if (key === undefined || value === undefined) continue;
    const name = key.value as string;
    const valueText = source.slice(value.offset, end(value));
    if (!select(name, valueText)) continue;
    const parsedValue = clean === undefined ? undefined : tryJsonParse(valueText);
    members.push({ key: name, value: parsedValue?.ok ? parsedValue.value : valueOf(doc, property) });
  }
  return members;
}

/** The key whose string runs over [start, stop) of clean text, decoded. */
function decodeKey(source: string, start: number, stop: number): string {
  const raw = source.slice(start + 1, stop - 1);
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}

/** The text of the value at `keyPath` as written (comments included), undefined when there is none: one
 * search through it can tell that none of its members matter, where selectJsonMembers looks at each. Throws
 * SetupError CONFIG_PARSE for unparseable text. */
export function jsonValueText(text: string, keyPath: JsonKeyPath): string | undefined {
  const doc = loadDocument(text, 'JSON text', 'jsonc');
  const located = doc.root === undefined ? undefined : locate(doc.root, keyPath);
  return located?.kind === 'found' ? doc.body.slice(located.value.offset, end(located.value)) : undefined;
}

/** A member's value the slow way: from jsonc-parser's node, or blanked again (an edited text may keep a
 * trailing comma inside it). */
function valueOf(doc: Document, property: Node): unknown {
  const value = property.children?.[1];
  if (value === undefined) return undefined;
  if (!(value instanceof LazyNode)) return getNodeValue(value) as unknown;
  return valueBetween(doc, value.offset, end(value));
}

/** The value over [start, stop) of the body, its comments and trailing commas blanked again. */
function valueBetween(doc: Document, start: number, stop: number): unknown {
  const clean = blankCommentsAndTrailingCommas(doc.body.slice(start, stop));
  const parsedValue = clean === undefined ? undefined : tryJsonParse(clean);
  if (parsedValue?.ok) return parsedValue.value;
  throw new Error('unreachable: a member of a checked document does not parse');
}

/** Returns `text` with the value at `keyPath` replaced whole (never merged) or inserted, creating missing
 * parent objects (or a one-element array for an index 0). Only that value's text and the separators next to
 * it change; earlier duplicates of the key go, so that every reader sees the one value. A new member is
 * indented like its siblings; layout of new text follows `detectFormatting`. Empty text becomes a new
 * document (2-space indent, final newline). Throws SetupError CONFIG_PARSE for unparseable text or when a
 * parent on the path is not an object/array. `value` must be JSON-serialisable. */
export function setJsonValue(text: string, keyPath: JsonKeyPath, value: unknown): string {
  if (value === undefined) throw new TypeError('setJsonValue: value is undefined; use removeJsonValue');
  const doc = loadDocument(keepLastJsonMember(text, keyPath), 'JSON text', 'jsonc');
  const formatting = formattingOf(doc);
  const normalized: unknown = JSON.parse(JSON.stringify(value));

  if (doc.root === undefined) {
    const block = blockJson(wrapInParents(keyPath, normalized, keyPath), formatting, '');
    if (/^\s*$/.test(doc.body)) return `${doc.bom}${block}${formatting.eol}`;
    // Comment-only JSONC: keep the comments, the document follows them.
    const separator = /[\r\n]$/.test(doc.body) ? '' : formatting.eol;
    return `${doc.bom}${doc.body}${separator}${block}${formatting.finalNewline ? formatting.eol : ''}`;
  }

  const style = layoutStyle(doc, formatting);
  const located = locate(doc.root, keyPath);
  let edits: Edit[];
  if (located.kind === 'found') {
    edits = [replaceEdit(doc, located.value, located.container, normalized, style)];
  } else if (located.kind === 'missing') {
    const key = keyPath[located.depth];
    if (key === undefined) throw new Error('unreachable: missing segment beyond the key path');
    const memberValue = wrapInParents(keyPath.slice(located.depth + 1), normalized, keyPath);
    if (located.container.type === 'array' && key !== (located.container.children ?? []).length) {
      throw new SetupError('CONFIG_PARSE', `cannot set ${renderKeyPath(keyPath)}: index ${String(key)} is past the end of the array`, {
        hint: 'Append at the index equal to the array length, or replace an existing element.',
      });
    }
    edits = insertEdits(doc, located.container, key, memberValue, style);
  } else {
    throw notAContainer(keyPath, located);
  }
  return edited(doc, edits);
}

/** Returns `text` without the member at `keyPath` (every duplicate of it) and the separator that belonged to
 * it; the same string when it is absent. An emptied parent stays, collapsed to `{}` / `[]` when nothing but
 * whitespace is left in it. Removing what `setJsonValue` inserted restores the original bytes (except that an
 * originally blank-but-not-empty `{ }` comes back as `{}`). */
export function removeJsonValue(text: string, keyPath: JsonKeyPath): string {
  if (keyPath.length === 0) throw new TypeError('removeJsonValue: cannot remove the document itself');
  let doc = loadDocument(text, 'JSON text', 'jsonc');
  let result = text;
  // Duplicate keys: JSON readers take the last one, so removing only that one would resurrect an earlier one.
  for (;;) {
    if (doc.root === undefined) return result;
    const located = locate(doc.root, keyPath);
    if (located.kind !== 'found' || located.member === undefined || located.container === undefined) return result;
    const more = sameKeyCount(located.container, keyPath[keyPath.length - 1]) > 1;
    result = edited(doc, removeEdits(doc, located.container, located.member));
    if (!more) return result;
    doc = loadDocument(result, 'JSON text', 'jsonc');
  }
}

/** Returns `text` with every member at `keyPath` but the last removed (JSON readers take the last of
 * duplicate keys, some tools the first); the same string when there is at most one. */
export function keepLastJsonMember(text: string, keyPath: JsonKeyPath): string {
  let result = text;
  for (;;) {
    const doc = loadDocument(result, 'JSON text', 'jsonc');
    if (doc.root === undefined || keyPath.length === 0) return result;
    const located = locate(doc.root, keyPath.slice(0, -1));
    const key = keyPath[keyPath.length - 1];
    if (located.kind !== 'found' || located.value.type !== 'object' || typeof key !== 'string') return result;
    const matches = (located.value.children ?? []).filter((property) => {
      const name = property.children?.[0];
      return name !== undefined && keyIs(name, key);
    });
    const first = matches[0];
    if (matches.length < 2 || first === undefined) return result;
    result = edited(doc, removeEdits(doc, located.value, first));
  }
}

/** How many members of an object carry `key` (1 for an array element). */
function sameKeyCount(container: Node, key: string | number | undefined): number {
  if (container.type !== 'object') return 1;
  return (container.children ?? []).filter((property) => {
    const name = property.children?.[0];
    return name !== undefined && typeof key === 'string' && keyIs(name, key);
  }).length;
}

/** The value at `keyPath`, or undefined when it (or a parent) is absent. With duplicate keys the last one
 * counts, as in JSON.parse. Throws SetupError CONFIG_PARSE for unparseable text. The value is shared with
 * other readers of the same text: never mutate it. */
export function getJsonValue(text: string, keyPath: JsonKeyPath): unknown {
  const doc = loadDocument(text, 'JSON text', 'jsonc');
  if (!doc.valueReady && doc.root !== undefined && doc.clean !== undefined) {
    // An edited text: read just the value asked for rather than parse the whole text again.
    const located = locate(doc.root, keyPath);
    if (located.kind !== 'found') return undefined;
    const slice = doc.clean.slice(located.value.offset, end(located.value));
    const value = tryJsonParse(slice);
    if (value.ok) return value.value;
    const blanked = doc.strict ? undefined : blankCommentsAndTrailingCommas(slice);
    const again = blanked === undefined ? undefined : tryJsonParse(blanked);
    if (again?.ok) return again.value;
  }
  let value = doc.value;
  for (const segment of keyPath) {
    if (typeof segment === 'string' && isPlainObject(value) && Object.hasOwn(value, segment)) value = value[segment];
    else if (typeof segment === 'number' && Array.isArray(value) && Number.isInteger(segment) && segment >= 0 && segment < value.length) value = value[segment] as unknown;
    else return undefined;
  }
  return value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The file's conventions: indentation unit (from the first block container whose members start their own
 * lines; 2 spaces when none), the first line break's style (LF when none), BOM, final newline. */
export function detectFormatting(text: string): JsonFormatting {
  let doc: Document;
  try {
    doc = loadDocument(text, 'JSON text', 'jsonc');
  } catch {
    // Unparseable text still has conventions: read them from whatever tree jsonc-parser recovers.
    const bom = text.startsWith(BOM) ? BOM : '';
    const body = text.slice(bom.length);
    doc = makeDocument(bom, body, parseTree(body, [], { allowTrailingComma: true, allowEmptyContent: true }), undefined, false);
  }
  return formattingOf(doc);
}

function formattingOf(doc: Document): JsonFormatting {
  const { body } = doc;
  const firstLf = body.indexOf('\n');
  const eol = firstLf > 0 && body[firstLf - 1] === '\r' ? '\r\n' : '\n';
  const indent = detectIndent(doc);
  const insertSpaces = !indent.includes('\t');
  const last = body.charCodeAt(body.length - 1);
  return {
    indent,
    insertSpaces,
    tabSize: insertSpaces ? indent.length : 4,
    eol,
    bom: doc.bom !== '',
    finalNewline: last === 10 || last === 13,
  };
}

/** Whether a value exists at `keyPath` (found without parsing it). Throws SetupError CONFIG_PARSE for
 * unparseable text. */
export function hasJsonValue(text: string, keyPath: JsonKeyPath): boolean {
  const doc = loadDocument(text, 'JSON text', 'jsonc');
  return doc.root !== undefined && locate(doc.root, keyPath).kind === 'found';
}

/** How many members the object or array at `keyPath` has; undefined when there is none there. */
export function jsonMemberCount(text: string, keyPath: JsonKeyPath): number | undefined {
  const doc = loadDocument(text, 'JSON text', 'jsonc');
  const located = doc.root === undefined ? undefined : locate(doc.root, keyPath);
  if (located?.kind !== 'found' || (located.value.type !== 'object' && located.value.type !== 'array')) return undefined;
  return (located.value.children ?? []).length;
}

/** `mcpServers.mittwald`, `projects["/home/a"].mcpServers`, `inputs[0]`: how messages name a key path. */
export function renderKeyPath(keyPath: JsonKeyPath): string {
  let out = '';
  for (const segment of keyPath) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(top level)' : out;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing and errors

/** The last few texts parsed, so that the planner, the scans of other scopes and inspect() — which all read
 * the same file — parse it once per run. */
const CACHE_SIZE = 4;
const parsed = new Map<string, Document>();

/** The parsed document for `text`, from the cache when it was parsed before (a document that passed as
 * 'json' also passes as 'jsonc'). Throws SetupError CONFIG_PARSE as parseJsonDocument describes. */
function loadDocument(text: string, label: string, format: JsonFormat): Document {
  const cached = parsed.get(text);
  if (cached !== undefined) {
    parsed.delete(text);
    parsed.set(text, cached);
    // Not plain JSON: only the slow parser can say what a 'json' reader objects to.
    if (format === 'json' && !cached.strict) parseWithJsoncParser(cached.body, label, format);
    return cached;
  }
  const doc = parseDocument(text, label, format);
  remember(text, doc);
  return doc;
}

function remember(text: string, doc: Document): void {
  parsed.delete(text);
  parsed.set(text, doc);
  if (parsed.size > CACHE_SIZE) parsed.delete(parsed.keys().next().value as string);
}

/** A linear validator decides for almost every valid text, without building its value: the text as it is,
 * or — for JSONC — with comments and trailing commas blanked out (same offsets, same line breaks). The tree
 * for edits is then built lazily on that clean text, and the value parsed only when asked for. Anything the
 * validator refuses goes to JSON.parse and then jsonc-parser, which accept the same texts as each other and
 * put an error into words. */
function parseDocument(text: string, label: string, format: JsonFormat): Document {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  if (isJsonBlank(body)) return makeDocument(bom, body, undefined, undefined, true);
  // Room for about one large container per INDEXED_LENGTH * 2 characters, so that it rarely grows.
  const ends = new ContainerEnds(Math.max(256, Math.ceil(body.length / (INDEXED_LENGTH * 2))));
  // JSONC is validated in one pass that steps over its comments and trailing commas, and the tree reads it
  // as it is.
  const jsonc = format === 'jsonc' ? { extras: false } : undefined;
  if (isValidJson(body, ends, jsonc)) {
    const strict = jsonc === undefined || !jsonc.extras;
    return lazyDocument(bom, body, body, () => strict, ends);
  }
  const clean = format === 'jsonc' ? blankCommentsAndTrailingCommas(body) : undefined;
  if (clean !== undefined) {
    if (isJsonBlank(clean)) return makeDocument(bom, body, undefined, undefined, false);
    const cleanEnds = new ContainerEnds();
    if (isValidJson(clean, cleanEnds)) return lazyDocument(bom, body, clean, () => false, cleanEnds);
  }
  const strictValue = tryJsonParse(body);
  if (strictValue.ok) return makeDocument(bom, body, rootNode(body, undefined), strictValue.value, true, body);
  const cleanValue = clean === undefined ? undefined : tryJsonParse(clean);
  if (clean !== undefined && cleanValue?.ok) return makeDocument(bom, body, rootNode(clean, undefined), cleanValue.value, false, clean);
  const root = parseWithJsoncParser(body, label, format);
  return makeDocument(bom, body, root, root === undefined ? undefined : getNodeValue(root), false);
}

/** jsonc-parser's verdict: throws its first error in words, else returns its tree. */
function parseWithJsoncParser(body: string, label: string, format: JsonFormat): Node | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, {
    allowTrailingComma: format === 'jsonc',
    disallowComments: format === 'json',
    allowEmptyContent: true,
  });
  const first = errors[0];
  if (first !== undefined) {
    const { offset, what } = explainParseError(body, first, format);
    throw parseError(label, body, offset, what);
  }
  return root;
}

function makeDocument(bom: string, body: string, root: Node | undefined, value: unknown, strict: boolean, clean?: string): Document {
  let lines: LineIndex | undefined;
  return {
    bom,
    body,
    root,
    clean,
    value,
    valueReady: true,
    strict,
    get lines() {
      return (lines ??= new LineIndex(body));
    },
  };
}

/** A document over valid JSON or JSONC text (`clean`) whose tree and value are built when first asked for;
 * `ends`, where its large containers end, when known. Should the value not parse (only an edit gone wrong
 * could cause that), the full parser reports where. */
function lazyDocument(bom: string, body: string, clean: string, strict: () => boolean, ends: ContainerEnds | undefined): Document {
  let lines: LineIndex | undefined;
  let root: Node | undefined;
  let value: { value: unknown } | undefined;
  let isStrict: boolean | undefined;
  return {
    bom,
    body,
    clean,
    ends,
    get root() {
      return (root ??= rootNode(clean, ends));
    },
    get value() {
      if (value !== undefined) return value.value;
      // Text with comments or trailing commas is blanked first; should that not parse either (only an edit
      // gone wrong could cause it), jsonc-parser says where.
      const direct = tryJsonParse(clean);
      const blanked = direct.ok ? undefined : blankCommentsAndTrailingCommas(clean);
      const parsedValue = direct.ok ? direct : blanked === undefined ? direct : tryJsonParse(blanked);
      if (!parsedValue.ok) {
        parseWithJsoncParser(body, 'JSON text', 'jsonc');
        throw new Error('unreachable: a checked document does not parse');
      }
      value = { value: parsedValue.value };
      return value.value;
    },
    get valueReady() {
      return value !== undefined;
    },
    get strict() {
      return (isStrict ??= strict());
    },
    get lines() {
      return (lines ??= new LineIndex(body));
    },
  };
}

/** The text `edits` make of `doc`, remembered as parsed: an edit of a valid document computed from its tree
 * yields a valid document, and its lazy tree is the old clean text with the same edits. */
function edited(doc: Document, edits: readonly Edit[]): string {
  const ordered = inTextOrder(edits);
  const body = applyEditList(doc.body, ordered);
  const text = doc.bom + body;
  // Without a BOM the body is the text itself: the writer can build the new bytes from the old ones.
  if (doc.bom === '') noteSplices(text, doc.body, ordered);
  if (doc.clean === undefined || doc.root === undefined) return text;
  const plain = doc.clean === doc.body;
  const clean = plain ? body : applyEditList(doc.clean, edits);
  remember(text, lazyDocument(doc.bom, body, clean, () => plain && doc.strict && isValidJson(body), doc.ends?.shifted(edits)));
  return text;
}

function tryJsonParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Where the containers of a text end (the offset after the closing bracket), by where they start, as the
 * validator found them: the lazy tree skips a large container by looking it up instead of scanning all of it
 * again. Only containers of at least INDEXED_LENGTH characters are kept (a shorter one is scanned faster than
 * looked up); typed arrays sorted by start, because a large file has tens of thousands of them. */
const INDEXED_LENGTH = 64;

class ContainerEnds {
  private starts: Int32Array<ArrayBuffer>;
  private stops: Int32Array<ArrayBuffer>;
  private count = 0;

  /** Room for `capacity` containers to start with (it grows as needed). */
  constructor(capacity = 256) {
    this.starts = new Int32Array(capacity);
    this.stops = new Int32Array(capacity);
  }

  /** Notes a container opening at `start`; returns its slot for close(). Containers open in text order, so
   * the starts stay sorted. */
  open(start: number): number {
    if (this.count === this.starts.length) {
      this.starts = grow(this.starts);
      this.stops = grow(this.stops);
    }
    this.starts[this.count] = start;
    return this.count++;
  }

  /** The container in `slot` ends before `stop`. A short one is dropped with everything opened after it: all
   * of that is inside it, so shorter still. */
  close(slot: number, stop: number): void {
    if (stop - (this.starts[slot] as number) < INDEXED_LENGTH) this.count = slot;
    else this.stops[slot] = stop;
  }

  get(start: number): number | undefined {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.starts[middle] as number) < start) low = middle + 1;
      else high = middle;
    }
    return low < this.count && this.starts[low] === start ? this.stops[low] : undefined;
  }

  /** The ends after `edits` (of the same text): a container the edits leave alone (before, after, or wholly
   * inside it) moves by what they inserted or removed before its brackets; one an edit touches is left out
   * (scanned when asked for), and so are the new ones an edit brought. Positions outside the edits keep their
   * order, so the starts stay sorted. */
  shifted(edits: readonly Edit[]): ContainerEnds {
    const out = new ContainerEnds(Math.max(this.count, 1));
    const offsets = edits.map((edit) => edit.offset);
    const edge = edits.map((edit) => edit.offset + edit.length);
    const deltas = edits.map((edit) => edit.content.length - edit.length);
    for (let index = 0; index < this.count; index++) {
      const start = this.starts[index] as number;
      const stop = this.stops[index] as number;
      let newStart = start;
      let newStop = stop;
      let kept = true;
      for (let e = 0; e < offsets.length; e++) {
        const offset = offsets[e] as number;
        const delta = deltas[e] as number;
        if ((edge[e] as number) <= start) {
          newStart += delta;
          newStop += delta;
        } else if (offset > start && (edge[e] as number) < stop) {
          newStop += delta;
        } else if (offset < stop) {
          kept = false;
          break;
        }
      }
      if (!kept) continue;
      out.starts[out.count] = newStart;
      out.stops[out.count++] = newStop;
    }
    return out;
  }
}

function grow(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}

/** Whether `text` is exactly one JSON value, with JSON's whitespace around it: what JSON.parse accepts (and
 * jsonc-parser too), checked in one pass without building anything. May only err on the side of "no".
 * `ends`, when given, is filled with where the text's containers end (meaningful only when it is valid).
 * With `jsonc`, JSONC: comments and trailing commas are allowed too (what jsonc-parser accepts with
 * trailing commas allowed), and `jsonc.extras` says whether there were any. */
export function isValidJson(text: string, ends?: ContainerEnds, jsonc?: { extras: boolean }): boolean {
  const n = text.length;
  // One entry per open container: 1 object, 2 array; and its slot in `ends`.
  let stack = new Uint8Array(64);
  let slots = new Int32Array(64);
  let depth = 0;
  let i = skipIn(text, 0, jsonc);
  for (;;) {
    // A value starts at i.
    const code = text.charCodeAt(i);
    if (code === 123 || code === 91) {
      if (depth === stack.length) {
        const grown = new Uint8Array(depth * 2);
        grown.set(stack);
        stack = grown;
        slots = grow(slots);
      }
      if (ends !== undefined) slots[depth] = ends.open(i);
      stack[depth++] = code === 123 ? 1 : 2;
      i = skipIn(text, i + 1, jsonc);
      const close = text.charCodeAt(i);
      if (close === (code === 123 ? 125 : 93)) {
        depth--;
        i++;
        ends?.close(slots[depth] as number, i);
      } else if (code === 123) {
        i = validKey(text, i, jsonc);
        if (i < 0) return false;
        continue;
      } else {
        continue;
      }
    } else if (code === 34) {
      i = validString(text, i);
      if (i < 0) return false;
    } else if (code === 116) {
      if (!text.startsWith('true', i)) return false;
      i += 4;
    } else if (code === 102) {
      if (!text.startsWith('false', i)) return false;
      i += 5;
    } else if (code === 110) {
      if (!text.startsWith('null', i)) return false;
      i += 4;
    } else {
      i = validNumber(text, i);
      if (i < 0) return false;
    }
    // After a value: close containers, or a comma and the next member.
    for (;;) {
      i = skipIn(text, i, jsonc);
      if (depth === 0) return i === n;
      const next = text.charCodeAt(i);
      const inObject = stack[depth - 1] === 1;
      if (next === (inObject ? 125 : 93)) {
        depth--;
        i++;
        ends?.close(slots[depth] as number, i);
        continue;
      }
      if (next !== 44) return false;
      i = skipIn(text, i + 1, jsonc);
      if (jsonc !== undefined && text.charCodeAt(i) === (inObject ? 125 : 93)) {
        // A trailing comma.
        jsonc.extras = true;
        continue;
      }
      if (inObject) {
        i = validKey(text, i, jsonc);
        if (i < 0) return false;
      }
      break;
    }
  }
}

/** A key, its colon and the blanks after it; the offset of the value, or -1. */
function validKey(text: string, start: number, jsonc: { extras: boolean } | undefined): number {
  if (text.charCodeAt(start) !== 34) return -1;
  const end = validString(text, start);
  if (end < 0) return -1;
  const colon = skipIn(text, end, jsonc);
  return text.charCodeAt(colon) === 58 ? skipIn(text, colon + 1, jsonc) : -1;
}

/** Past what may stand between tokens: JSON's blanks, and for JSONC (`jsonc` given) comments too. */
function skipIn(text: string, from: number, jsonc: { extras: boolean } | undefined): number {
  const i = skipBlanks(text, from);
  return jsonc === undefined || text.charCodeAt(i) !== 47 ? i : skipTrivia(text, i, jsonc);
}

/** Past blanks and comments (noting that there were); -1 for a block comment that is never closed. */
function skipTrivia(text: string, from: number, jsonc: { extras: boolean }): number {
  let i = skipBlanks(text, from);
  while (text.charCodeAt(i) === 47) {
    const next = text.charCodeAt(i + 1);
    if (next !== 47 && next !== 42) return i;
    if (next === 42 && text.indexOf('*/', i + 2) < 0) return -1;
    jsonc.extras = true;
    i = skipBlanks(text, commentEnd(text, i));
  }
  return i;
}

/** The offset after a valid JSON string opening at `start`, or -1: no raw control character, only JSON's
 * escapes. */
function validString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) return i + 1;
    if (code < 32) return -1;
    if (code === 92) {
      const escape = text.charCodeAt(++i);
      if (escape === 117) {
        for (let k = 1; k <= 4; k++) if (!isHex(text.charCodeAt(i + k))) return -1;
        i += 4;
      } else if (!(escape === 34 || escape === 92 || escape === 47 || escape === 98 || escape === 102 || escape === 110 || escape === 114 || escape === 116)) {
        return -1;
      }
    }
  }
  return -1;
}

const isHex = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
const isDigitCode = (code: number): boolean => code >= 48 && code <= 57;

/** The offset after a JSON number at `start` (-? (0|[1-9]d*) (.d+)? ([eE][+-]?d+)?), or -1. */
function validNumber(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 45) i++;
  if (text.charCodeAt(i) === 48) i++;
  else if (isDigitCode(text.charCodeAt(i))) while (isDigitCode(text.charCodeAt(i))) i++;
  else return -1;
  if (text.charCodeAt(i) === 46) {
    i++;
    if (!isDigitCode(text.charCodeAt(i))) return -1;
    while (isDigitCode(text.charCodeAt(i))) i++;
  }
  const exponent = text.charCodeAt(i);
  if (exponent === 101 || exponent === 69) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 43 || sign === 45) i++;
    if (!isDigitCode(text.charCodeAt(i))) return -1;
    while (isDigitCode(text.charCodeAt(i))) i++;
  }
  return i;
}

/** Only JSON's (and jsonc-parser's) whitespace: space, tab, CR, LF. */
function isJsonBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}

const isBlankCode = (code: number): boolean => code === 32 || code === 9 || code === 10 || code === 13;

/** `text` with every comment and every trailing comma (a comma after a value, before `}` or `]`) replaced by
 * spaces, line breaks kept, so offsets and lines stay the same; `text` itself when it has neither. Undefined
 * for an unterminated string or block comment (the text is invalid; the slow parser says why). Strings are
 * delimited as JSON delimits them, so whenever JSON.parse accepts the result it read the same strings. */
function blankCommentsAndTrailingCommas(text: string): string | undefined {
  const blanks: Array<{ start: number; end: number }> = [];
  let last = -1;
  let beforeLast = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) {
      const close = stringEnd(text, i);
      if (close < 0) return undefined;
      beforeLast = last;
      last = close - 1;
      i = close - 1;
      continue;
    }
    if (code === 47) {
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        let stop = i + 2;
        while (stop < text.length && text.charCodeAt(stop) !== 10 && text.charCodeAt(stop) !== 13) stop++;
        blanks.push({ start: i, end: stop });
        i = stop - 1;
        continue;
      }
      if (next === 42) {
        const close = text.indexOf('*/', i + 2);
        if (close < 0) return undefined;
        blanks.push({ start: i, end: close + 2 });
        i = close + 1;
        continue;
      }
    }
    if (isBlankCode(code)) continue;
    if ((code === 125 || code === 93) && last >= 0 && text.charCodeAt(last) === 44 && beforeLast >= 0 && endsValue(text.charCodeAt(beforeLast))) {
      blanks.push({ start: last, end: last + 1 });
    }
    beforeLast = last;
    last = i;
  }
  if (blanks.length === 0) return text;
  blanks.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let copied = 0;
  for (const { start, end } of blanks) {
    parts.push(text.slice(copied, start), text.slice(start, end).replace(/[^\r\n]/g, ' '));
    copied = end;
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

/** Whether a character can be the last one of a JSON value (so a comma after it separates members). */
function endsValue(code: number): boolean {
  return code !== 123 && code !== 91 && code !== 44 && code !== 58;
}

/** The offset after the closing quote of the string opening at `start`, or -1 when it is never closed. */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function explainParseError(body: string, error: ParseError, format: JsonFormat): { offset: number; what: string } {
  const code = error.error as number;
  if (code === ErrorCode.invalidComment) {
    return { offset: error.offset, what: 'comments are not allowed in plain JSON' };
  }
  if (code === ErrorCode.propertyNameExpected || code === ErrorCode.valueExpected) {
    const trailing = /,\s*$/.exec(body.slice(0, error.offset));
    const closer = body[error.offset];
    if (trailing !== null && (closer === '}' || closer === ']')) {
      const what = format === 'json' ? 'trailing comma (plain JSON does not allow one)' : 'expected a value after the comma';
      return { offset: trailing.index, what };
    }
  }
  return { offset: error.offset, what: describeErrorCode(error.error) };
}

function describeErrorCode(code: ParseErrorCode): string {
  const name = printParseErrorCode(code);
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    ColonExpected: "expected ':' after the property name",
    CommaExpected: "expected ',' between entries",
    CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'",
    EndOfFileExpected: 'unexpected text after the end of the document',
    InvalidCommentToken: 'comments are not allowed in plain JSON',
    UnexpectedEndOfComment: 'comment is never closed',
    UnexpectedEndOfString: 'string is never closed',
    UnexpectedEndOfNumber: 'incomplete number',
    InvalidUnicode: 'invalid \\u escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in a string',
  };
  return words[name] ?? name;
}

/** A safety net behind jsonc-parser: a plain-JSON file must also satisfy JSON.parse, the parser tools use.
 * Only V8's "<what> in JSON at position N" wording is reused: its other wording quotes the file's text,
 * which may hold a secret. */
function assertStrictJson(body: string, path: string): void {
  try {
    JSON.parse(body);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const positioned = /^(.*) in JSON at position (\d+)/.exec(message);
    const what = positioned?.[1] === undefined ? 'not valid plain JSON' : positioned[1].toLowerCase();
    throw parseError(path, body, Number(positioned?.[2] ?? 0), what);
  }
}

function parseError(label: string, body: string, offset: number, what: string): SetupError {
  const { line, column } = lineAndColumn(body, offset);
  return new SetupError('CONFIG_PARSE', `${label}:${line}:${column}: ${what}`, { hint: PARSE_HINT });
}

/** 1-based; CRLF, LF and a lone CR each end a line. */
function lineAndColumn(body: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < body.length; i++) {
    const ch = body[i];
    if (ch === '\n' || (ch === '\r' && body[i + 1] !== '\n')) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function describeNode(node: Node): string {
  switch (node.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    default:
      return node.type;
  }
}

// ---------------------------------------------------------------------------------------------------------
// A lazy tree over valid JSON

/** A node of jsonc-parser's shape whose children are only scanned when asked for. It is built on text that
 * JSON.parse accepted (comments and trailing commas blanked), so scanning it needs no error handling: an edit
 * touches a few containers of a large file, and only those are ever scanned. */
class LazyNode implements Node {
  private members: Node[] | undefined;

  constructor(
    private readonly source: string,
    private readonly ends: ContainerEnds | undefined,
    readonly type: Node['type'],
    readonly offset: number,
    readonly length: number,
    members?: Node[],
  ) {
    this.members = members;
  }

  /** A string's decoded value (what keys are compared by); undefined for other nodes. */
  get value(): unknown {
    if (this.type !== 'string') return undefined;
    const raw = this.source.slice(this.offset + 1, this.offset + this.length - 1);
    return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  /** Whether this string node holds exactly `text`; only a string with escapes is decoded to tell. */
  is(text: string): boolean {
    const rawLength = this.length - 2;
    if (this.type !== 'string' || rawLength < text.length) return false;
    const start = this.offset + 1;
    for (let i = 0; i < rawLength; i++) {
      const code = this.source.charCodeAt(start + i);
      if (code === 92) return this.value === text;
      // Without escapes the raw text is the key itself.
      if (rawLength > text.length) continue;
      if (code !== text.charCodeAt(i)) return false;
    }
    return rawLength === text.length;
  }

  get children(): Node[] | undefined {
    if (this.type !== 'object' && this.type !== 'array' && this.type !== 'property') return undefined;
    return (this.members ??= scanMembers(this.source, this.ends, this));
  }

  /** Calls `visit` with where each member of this object's key string and value run, in text order; from
   * its nodes when built, else from the text without building any. */
  forEachMember(visit: (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number) => void): void {
    if (this.members !== undefined) {
      for (const property of this.members) {
        const [key, value] = property.children ?? [];
        if (key !== undefined && value !== undefined) visit(key.offset, end(key), value.offset, end(value));
      }
      return;
    }
    const { source, ends } = this;
    const close = this.offset + this.length - 1;
    let i = skipGap(source, this.offset + 1);
    while (i < close) {
      const keyEnd = stringEnd(source, i);
      const valueStart = skipGap(source, skipGap(source, keyEnd) + 1); // past the colon
      const valueEnd = valueEndAt(source, ends, valueStart);
      visit(i, keyEnd, valueStart, valueEnd);
      i = skipGap(source, valueEnd);
      if (source.charCodeAt(i) === 44) i = skipGap(source, i + 1);
    }
  }
}

/** The top-level value: it runs from the first to the last non-blank character, so even a large root is
 * not skipped through to find its end. */
function rootNode(source: string, ends: ContainerEnds | undefined): Node {
  const start = skipGap(source, 0);
  const code = source.charCodeAt(start);
  if ((code === 123 || code === 91) && ends === undefined) {
    // Plain JSON (no index at hand): the root ends at the last non-blank character.
    let stop = source.length;
    while (isBlankCode(source.charCodeAt(stop - 1))) stop--;
    return new LazyNode(source, ends, code === 123 ? 'object' : 'array', start, stop - start);
  }
  return nodeAt(source, ends, start);
}

/** The value starting at `start`, its extent found by skipping it (strings by their quotes, containers by
 * bracket depth). */
function nodeAt(source: string, ends: ContainerEnds | undefined, start: number): Node {
  const code = source.charCodeAt(start);
  if (code === 123 || code === 91) return new LazyNode(source, ends, code === 123 ? 'object' : 'array', start, containerEnd(source, ends, start) - start);
  if (code === 34) return new LazyNode(source, ends, 'string', start, stringEnd(source, start) - start);
  if (code === 116) return new LazyNode(source, ends, 'boolean', start, 4);
  if (code === 102) return new LazyNode(source, ends, 'boolean', start, 5);
  if (code === 110) return new LazyNode(source, ends, 'null', start, 4);
  let end = start + 1;
  while (end < source.length && isNumberCode(source.charCodeAt(end))) end++;
  return new LazyNode(source, ends, 'number', start, end - start);
}

/** Where the value starting at `start` ends, as nodeAt would find it. */
function valueEndAt(source: string, ends: ContainerEnds | undefined, start: number): number {
  const code = source.charCodeAt(start);
  if (code === 123 || code === 91) return containerEnd(source, ends, start);
  if (code === 34) return stringEnd(source, start);
  if (code === 116 || code === 110) return start + 4;
  if (code === 102) return start + 5;
  let stop = start + 1;
  while (stop < source.length && isNumberCode(source.charCodeAt(stop))) stop++;
  return stop;
}

const isNumberCode = (code: number): boolean => (code >= 48 && code <= 57) || code === 45 || code === 43 || code === 46 || code === 101 || code === 69;

function containerEnd(source: string, ends: ContainerEnds | undefined, start: number): number {
  const known = ends?.get(start);
  if (known !== undefined) return known;
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code === 34) i = stringEnd(source, i) - 1;
    else if (code === 47) i = commentEnd(source, i) - 1;
    else if (code === 123 || code === 91) depth++;
    else if ((code === 125 || code === 93) && --depth === 0) return i + 1;
  }
  throw new Error('unreachable: unbalanced brackets in text JSON.parse accepted');
}

/** The members of a container: properties (key node, value node) of an object, elements of an array. */
function scanMembers(source: string, ends: ContainerEnds | undefined, container: Node): Node[] {
  const members: Node[] = [];
  const close = container.offset + container.length - 1;
  let i = skipGap(source, container.offset + 1);
  while (i < close) {
    if (container.type === 'object') {
      const key = nodeAt(source, ends, i);
      i = skipGap(source, key.offset + key.length) + 1; // past the colon
      const value = nodeAt(source, ends, skipGap(source, i));
      members.push(new LazyNode(source, ends, 'property', key.offset, value.offset + value.length - key.offset, [key, value]));
      i = value.offset + value.length;
    } else {
      const element = nodeAt(source, ends, i);
      members.push(element);
      i = element.offset + element.length;
    }
    i = skipGap(source, i);
    if (source.charCodeAt(i) === 44) i = skipGap(source, i + 1);
  }
  return members;
}

/** Past blanks and comments, in valid JSON or JSONC: outside a string a `/` can only start a comment. */
function skipGap(source: string, from: number): number {
  let i = skipBlanks(source, from);
  while (source.charCodeAt(i) === 47) {
    i = commentEnd(source, i);
    i = skipBlanks(source, i);
  }
  return i;
}

/** The offset after the comment starting at `start` (valid JSONC: it is closed). */
function commentEnd(source: string, start: number): number {
  if (source.charCodeAt(start + 1) === 42) return source.indexOf('*/', start + 2) + 2;
  let stop = start + 2;
  while (stop < source.length && source.charCodeAt(stop) !== 10 && source.charCodeAt(stop) !== 13) stop++;
  return stop;
}

function skipBlanks(source: string, from: number): number {
  let i = from;
  while (isBlankCode(source.charCodeAt(i))) i++;
  return i;
}

/** Line boundaries of a text. Most lookups are answered from the 256 characters around the offset (lines of
 * a pretty-printed file are short); a long line (a minified file) falls back to an index of every CR and LF,
 * built once, so that any lookup is a binary search: walking back to the line start for every node was
 * quadratic on a one-line file. */
const LINE_WINDOW = 256;

class LineIndex {
  private index: number[] | undefined;

  constructor(private readonly body: string) {}

  /** The offset where the line holding `offset` starts (just after a CR or LF, or 0). */
  lineStart(offset: number): number {
    const from = Math.max(0, offset - LINE_WINDOW);
    const window = this.body.slice(from, offset);
    const near = Math.max(window.lastIndexOf('\n'), window.lastIndexOf('\r'));
    if (near >= 0) return from + near + 1;
    if (from === 0) return 0;
    const breaks = this.breaks();
    const index = firstAtOrAfter(breaks, offset) - 1;
    return index < 0 ? 0 : (breaks[index] as number) + 1;
  }

  /** The offset of the first CR or LF at or after `offset`, or the text's length. */
  lineEnd(offset: number): number {
    const to = Math.min(this.body.length, offset + LINE_WINDOW);
    const window = this.body.slice(offset, to);
    const lf = window.indexOf('\n');
    const cr = window.indexOf('\r');
    if (lf >= 0 || cr >= 0) return offset + (lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr));
    if (to === this.body.length) return to;
    const breaks = this.breaks();
    const index = firstAtOrAfter(breaks, offset);
    return index < breaks.length ? (breaks[index] as number) : this.body.length;
  }

  /** Whether [start, end) holds a line break. */
  hasBreak(start: number, end: number): boolean {
    const range = this.body.slice(start, end);
    return range.includes('\n') || range.includes('\r');
  }

  private breaks(): number[] {
    if (this.index !== undefined) return this.index;
    const breaks: number[] = [];
    const { body } = this;
    let lf = body.indexOf('\n');
    let cr = body.indexOf('\r');
    while (lf >= 0 || cr >= 0) {
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        breaks.push(cr);
        cr = body.indexOf('\r', cr + 1);
      } else {
        breaks.push(lf);
        lf = body.indexOf('\n', lf + 1);
      }
    }
    return (this.index = breaks);
  }
}

function firstAtOrAfter(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ---------------------------------------------------------------------------------------------------------
// Navigation

type Located =
  /** `member` is the property (object) or the element itself (array); both undefined for the root. */
  | { kind: 'found'; value: Node; member: Node | undefined; container: Node | undefined }
  /** keyPath[depth] is absent from `container`. */
  | { kind: 'missing'; container: Node; depth: number }
  /** keyPath[depth] cannot be looked up in `node` (a scalar, or an object indexed by number, …). */
  | { kind: 'blocked'; node: Node; depth: number };

function locate(root: Node, keyPath: JsonKeyPath): Located {
  let value = root;
  let member: Node | undefined;
  let container: Node | undefined;
  for (let depth = 0; depth < keyPath.length; depth++) {
    const segment = keyPath[depth];
    if (segment === undefined) break;
    const found = findMember(value, segment);
    if (found === 'blocked') return { kind: 'blocked', node: value, depth };
    if (found === undefined) return { kind: 'missing', container: value, depth };
    container = value;
    member = found.member;
    value = found.value;
  }
  return { kind: 'found', value, member, container };
}

function findMember(node: Node, segment: string | number): { member: Node; value: Node } | undefined | 'blocked' {
  const children = node.children ?? [];
  if (node.type === 'object' && typeof segment === 'string') {
    let match: { member: Node; value: Node } | undefined;
    for (const property of children) {
      const [key, value] = property.children ?? [];
      if (key !== undefined && value !== undefined && keyIs(key, segment)) match = { member: property, value };
    }
    return match;
  }
  if (node.type === 'array' && typeof segment === 'number' && Number.isInteger(segment) && segment >= 0) {
    const element = children[segment];
    return element === undefined ? undefined : { member: element, value: element };
  }
  return 'blocked';
}

/** Whether a key node holds `segment`, compared in place for a lazy node (no copy of every key of a large
 * object). */
function keyIs(key: Node, segment: string): boolean {
  return key instanceof LazyNode ? key.is(segment) : key.value === segment;
}

function notAContainer(keyPath: JsonKeyPath, located: { node: Node; depth: number }): SetupError {
  const parent = renderKeyPath(keyPath.slice(0, located.depth));
  const segment = keyPath[located.depth];
  const expected = typeof segment === 'number' ? 'an array' : 'an object';
  return new SetupError(
    'CONFIG_PARSE',
    `cannot set ${renderKeyPath(keyPath)}: ${parent} is ${describeNode(located.node)}, not ${expected}`,
    { hint: `Fix or remove ${parent} in the file by hand, then run again.` },
  );
}

/** The value to insert under a missing key, with the rest of the path built around it. */
function wrapInParents(rest: JsonKeyPath, value: unknown, fullPath: JsonKeyPath): unknown {
  let out = value;
  for (let i = rest.length - 1; i >= 0; i--) {
    const segment = rest[i];
    if (typeof segment === 'string') out = { [segment]: out };
    else if (segment === 0) out = [out];
    else {
      throw new SetupError('CONFIG_PARSE', `cannot set ${renderKeyPath(fullPath)}: index ${String(segment)} of an array that does not exist yet`, {
        hint: 'A new array can only be started at index 0.',
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Layout

interface LayoutStyle extends JsonFormatting {
  /** The document is one line of content: new members are written on one line too. */
  minified: boolean;
  /** Separators for one-line objects, copied from the file (`": "` vs `":"`). */
  colon: string;
  comma: string;
}

function layoutStyle(doc: Document, formatting: JsonFormatting): LayoutStyle {
  const root = doc.root;
  const minified = root !== undefined && !doc.lines.hasBreak(0, doc.body.length) && (root.children ?? []).length > 0;
  let colon = ': ';
  const property = root === undefined ? undefined : firstProperty(root);
  const [key, value] = property?.children ?? [];
  if (key !== undefined && value !== undefined) {
    const between = doc.body.slice(key.offset + key.length, value.offset);
    if (/^[ \t]*:[ \t]*$/.test(between)) colon = between.trimStart();
  }
  return { ...formatting, minified, colon, comma: colon.endsWith(' ') ? ' ' : '' };
}

function firstProperty(node: Node): Node | undefined {
  if (node.type === 'property') return node;
  for (const child of node.children ?? []) {
    const found = firstProperty(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Breadth first, so the outermost block container decides. A container on one line has no member starting a
 * line, nor has anything inside it: it is passed over unscanned, which keeps a minified file linear. */
function detectIndent(doc: Document): string {
  const queue: Node[] = doc.root === undefined ? [] : [doc.root];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as Node;
    if (node.type === 'property') {
      const value = node.children?.[1];
      if (value !== undefined) queue.push(value);
      continue;
    }
    if ((node.type !== 'object' && node.type !== 'array') || !isMultiline(doc, node)) continue;
    const outer = indentOfLine(doc, node.offset);
    const members = node.children ?? [];
    for (const member of members) {
      if (!startsLine(doc, member.offset)) continue;
      const inner = indentOfLine(doc, member.offset);
      if (inner.length > outer.length && inner.startsWith(outer)) return inner.slice(outer.length);
    }
    for (const member of members) queue.push(member);
  }
  const indented = /^([ \t]+)\S/m.exec(doc.body)?.[1];
  if (indented !== undefined) return indented.startsWith('\t') ? '\t' : indented.slice(0, 8);
  return DEFAULT_INDENT;
}

function blockJson(value: unknown, style: JsonFormatting, baseIndent: string): string {
  const text = JSON.stringify(value, null, style.indent);
  return text.replace(/\n/g, style.eol + baseIndent);
}

function inlineJson(value: unknown, style: LayoutStyle): string {
  if (Array.isArray(value)) return `[${value.map((v: unknown) => inlineJson(v, style)).join(`,${style.comma}`)}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${style.colon}${inlineJson(v, style)}`);
    return `{${members.join(`,${style.comma}`)}}`;
  }
  return JSON.stringify(value);
}

function memberText(container: Node, key: string | number, value: string, style: LayoutStyle): string {
  return container.type === 'object' ? `${JSON.stringify(key)}${style.colon}${value}` : value;
}

// ---------------------------------------------------------------------------------------------------------
// Edits

function replaceEdit(src: Source, value: Node, container: Node | undefined, newValue: unknown, style: LayoutStyle): Edit {
  const inline = container === undefined ? style.minified : !isMultiline(src, container);
  const content = inline ? inlineJson(newValue, style) : blockJson(newValue, style, indentOfLine(src, value.offset));
  return { offset: value.offset, length: value.length, content };
}

function insertEdits(src: Source, container: Node, key: string | number, value: unknown, style: LayoutStyle): Edit[] {
  const { body } = src;
  const members = container.children ?? [];
  const open = container.offset;
  const close = container.offset + container.length - 1;
  const parentIndent = indentOfLine(src, open);
  const last = members[members.length - 1];

  if (!isMultiline(src, container) && (last !== undefined || style.minified)) {
    const text = memberText(container, key, inlineJson(value, style), style);
    if (last === undefined) return [{ offset: open + 1, length: close - open - 1, content: text }];
    const trailing = commaAfter(body, last);
    if (trailing !== undefined) return [{ offset: trailing + 1, length: 0, content: `${style.comma}${text},` }];
    return [{ offset: end(last), length: 0, content: `,${style.comma}${text}` }];
  }

  if (last === undefined) {
    const childIndent = parentIndent + style.indent;
    const text = memberText(container, key, blockJson(value, style, childIndent), style);
    const inner = body.slice(open + 1, close);
    if (/^[ \t]*$/.test(inner)) {
      return [{ offset: open + 1, length: inner.length, content: `${style.eol}${childIndent}${text}${style.eol}${parentIndent}` }];
    }
    if (startsLine(src, close)) {
      return [{ offset: lineStart(src, close), length: 0, content: `${childIndent}${text}${style.eol}` }];
    }
    return [{ offset: close, length: 0, content: `${style.eol}${childIndent}${text}${style.eol}${parentIndent}` }];
  }

  const childIndent = startsLine(src, last.offset) ? indentOfLine(src, last.offset) : parentIndent + style.indent;
  const text = memberText(container, key, blockJson(value, style, childIndent), style);
  const trailing = commaAfter(body, last);
  const anchor = trailing === undefined ? end(last) : trailing + 1;
  // After the rest of the last member's line (its comment, trailing spaces) so that nothing of it moves.
  const at = endOfLineContent(body, anchor);
  const edits: Edit[] = [];
  if (trailing === undefined) edits.push({ offset: end(last), length: 0, content: ',' });
  edits.push({ offset: at, length: 0, content: `${style.eol}${childIndent}${text}${trailing === undefined ? '' : ','}` });
  return edits;
}

function removeEdits(src: Source, container: Node, member: Node): Edit[] {
  const { body } = src;
  const members = container.children ?? [];
  const index = members.indexOf(member);
  const open = container.offset;
  const close = container.offset + container.length - 1;
  const comma = commaAfter(body, member);
  const stop = comma === undefined ? end(member) : comma + 1;

  if (members.length === 1 && /^\s*$/.test(body.slice(open + 1, member.offset) + body.slice(stop, close))) {
    return [{ offset: open + 1, length: close - open - 1, content: '' }];
  }
  const previous = index > 0 ? members[index - 1] : undefined;
  if (comma === undefined && previous !== undefined) {
    // The last member goes with the comma before it, unless the file keeps trailing commas.
    const previousComma = commaAfter(body, previous);
    if (previousComma === undefined) throw new Error('unreachable: members without a comma between them');
    if (/^\s*$/.test(body.slice(previousComma + 1, member.offset))) {
      return [{ offset: previousComma, length: end(member) - previousComma, content: '' }];
    }
    return [{ offset: previousComma, length: 1, content: '' }, removeRange(src, member.offset, stop)];
  }
  if (comma !== undefined && previous !== undefined && index === members.length - 1 && /^\s*$/.test(body.slice(stop, close))) {
    // The last member, with a trailing comma: the blanks before it go with it (`[1, X,]` was `[1,]` before X
    // was inserted), and the comma before it becomes the trailing one.
    const previousComma = commaAfter(body, previous);
    if (previousComma !== undefined && /^\s*$/.test(body.slice(previousComma + 1, member.offset))) {
      return [{ offset: previousComma + 1, length: stop - previousComma - 1, content: '' }];
    }
  }
  return [removeRange(src, member.offset, stop)];
}

/** Removes [start, stop): the whole line when the member has it to itself, else the text and the blanks
 * after it. */
function removeRange(src: Source, start: number, stop: number): Edit {
  const { body } = src;
  const lineEnd = lineEndOf(src, stop);
  if (startsLine(src, start) && /^[ \t]*$/.test(body.slice(stop, lineEnd))) {
    const begin = lineStart(src, start);
    const breakStart = begin >= 2 && body.slice(begin - 2, begin) === '\r\n' ? begin - 2 : begin - 1;
    if (breakStart >= 0) return { offset: breakStart, length: lineEnd - breakStart, content: '' };
  }
  let after = stop;
  while (body[after] === ' ' || body[after] === '\t') after++;
  return { offset: start, length: after - start, content: '' };
}

/** The edits sorted by offset, those at one offset in the order given. */
function inTextOrder(edits: readonly Edit[]): Edit[] {
  return edits
    .map((edit, order) => ({ edit, order }))
    .sort((a, b) => a.edit.offset - b.edit.offset || a.order - b.order)
    .map(({ edit }) => edit);
}

function applyEditList(body: string, edits: readonly Edit[]): string {
  let out = '';
  let cursor = 0;
  for (const edit of inTextOrder(edits)) {
    if (edit.offset < cursor) throw new Error('overlapping JSON edits');
    out += body.slice(cursor, edit.offset) + edit.content;
    cursor = edit.offset + edit.length;
  }
  return out + body.slice(cursor);
}

// ---------------------------------------------------------------------------------------------------------
// Text positions

function end(node: Node): number {
  return node.offset + node.length;
}

/** The offset of the comma that follows `member` (comments and blanks may sit between), if any. */
function commaAfter(body: string, member: Node): number | undefined {
  const scanner = createScanner(body, false);
  scanner.setPosition(end(member));
  for (;;) {
    const kind = scanner.scan() as number;
    if (kind === Token.trivia || kind === Token.lineBreak || kind === Token.lineComment || kind === Token.blockComment) continue;
    return kind === Token.comma ? scanner.getTokenOffset() : undefined;
  }
}

/** From `offset`, past blanks and comments on the same line: the start of the line break, or (when more
 * content follows on this line) the end of the last comment. */
function endOfLineContent(body: string, offset: number): number {
  const scanner = createScanner(body, false);
  scanner.setPosition(offset);
  let contentEnd = offset;
  for (;;) {
    const kind = scanner.scan() as number;
    if (kind === Token.lineBreak || kind === Token.eof) return kind === Token.eof ? contentEnd : scanner.getTokenOffset();
    if (kind === Token.trivia) continue;
    if (kind === Token.lineComment || kind === Token.blockComment) {
      contentEnd = scanner.getTokenOffset() + scanner.getTokenLength();
      continue;
    }
    return contentEnd;
  }
}

function isMultiline(src: Source, node: Node): boolean {
  return src.lines.hasBreak(node.offset, end(node));
}

function lineStart(src: Source, offset: number): number {
  return src.lines.lineStart(offset);
}

function lineEndOf(src: Source, offset: number): number {
  return src.lines.lineEnd(offset);
}

function startsLine(src: Source, offset: number): boolean {
  return indentEnd(src, offset) === offset;
}

function indentOfLine(src: Source, offset: number): string {
  return src.body.slice(lineStart(src, offset), indentEnd(src, offset));
}

/** Where the blanks at the start of `offset`'s line end (at most `offset`). */
function indentEnd(src: Source, offset: number): number {
  let i = lineStart(src, offset);
  while (i < offset && (src.body[i] === ' ' || src.body[i] === '\t')) i++;
  return i;
}
