/** Comment-preserving edits of one table in a TOML document (such as an agent tool's TOML config).
 *
 * Codex's own `codex mcp add` rewrites the whole file and drops the user's comments, so we edit the TEXT:
 * a small scanner splits the document into line statements (blank, comment, header, key/value — the last
 * may span lines through multi-line strings, arrays and inline tables), we cut out the statements that
 * define our table and put a freshly formatted table in their place (or at the end), and every other byte
 * stays as it was. smol-toml parses the document before (an unparseable file is refused) and after (the
 * result must hold exactly our value and nothing else may have changed) every edit. */
import { parse, TomlError } from 'smol-toml';
import { SetupError } from '../errors.js';

/** The last few texts parsed: the planner, the other layer's scan and inspect() read the same files. */
const parsedTexts = new Map<string, Record<string, unknown>>();

/** Parses a TOML document. Empty text gives `{}`. The same text is parsed once per run, so the returned
 * document is shared between callers: never mutate it.
 * @throws SetupError('CONFIG_PARSE', "<path>:<line>:<col>: <message>") when the text is not valid TOML
 *   (1-based line and column). */
export function parseTomlDocument(text: string, path: string): Record<string, unknown> {
  const known = parsedTexts.get(text);
  if (known !== undefined) return known;
  try {
    const document = parse(text) as Record<string, unknown>;
    parsedTexts.set(text, document);
    if (parsedTexts.size > 4) parsedTexts.delete(parsedTexts.keys().next().value as string);
    return document;
  } catch (error) {
    if (error instanceof TomlError) {
      // smol-toml's message is "Invalid TOML document: <reason>\n\n<code excerpt>"; keep the reason only.
      const firstLine = error.message.split('\n', 1)[0] ?? error.message;
      const reason = firstLine.replace(/^Invalid TOML document:\s*/, '');
      throw new SetupError('CONFIG_PARSE', `${path}:${error.line}:${error.column}: ${reason}`, {
        hint: `Fix the TOML syntax in ${path} (it was not changed), then run the setup again.`,
        cause: error,
      });
    }
    throw error;
  }
}

/** Replaces the table at `tablePath` (e.g. `['mcp_servers', 'mittwald']`) whole — its header, keys and every
 * sub-table, or the same entry written as dotted keys or an inline table under a parent — with `value`, or
 * appends it at the end of the document (after a blank line) when it is absent. All other bytes, comments
 * and blank lines are kept; line endings (LF/CRLF) and the final-newline convention follow the file. When
 * the table already holds exactly `value` the text is returned unchanged.
 *
 * `value` holds strings, finite or special numbers, booleans, arrays and nested plain objects (written as
 * inline tables); `undefined` properties are left out. `path` only names the file in error messages.
 * @throws SetupError('CONFIG_PARSE') when the text does not parse, when a parent of `tablePath` is written
 *   as an inline value (it cannot be extended by text edits), or when the edited text would not parse back
 *   to the original document with `value` at `tablePath` (the text is then never returned).
 * @throws TypeError for values TOML cannot hold (null, functions, lone surrogates, …). */
export function setTomlTable(
  text: string,
  tablePath: readonly string[],
  value: Readonly<Record<string, unknown>>,
  path = 'the TOML document',
): string {
  assertTablePath(tablePath);
  const before = parseTomlDocument(text, path);
  const expected = withoutUndefined(value);
  if (deepEqual(valueAt(before, tablePath), expected)) return text;

  const statements = scanStatements(text);
  const { regions, site } = locateTable(statements, tablePath, path);
  const newline = detectNewline(text);
  const block = formatTableBlock(tablePath, value, newline);

  const edits: TextEdit[] = regions.map((region, index) =>
    index === site ? replacementEdit(text, statements, region, block, newline) : removalEdit(text, statements, region),
  );
  let result = applyEdits(text, edits);
  if (site === -1) result = appendBlock(result, block, newline, endsWithNewline(text) || text === '');

  verifyEdit(before, result, tablePath, expected, path);
  return result;
}

/** Removes the table at `tablePath` with all its sub-tables (and any dotted-key or inline form of it);
 * comments outside the removed table and blank-line structure elsewhere are kept. Returns the identical
 * string when the document has no such table.
 * @throws SetupError('CONFIG_PARSE') as for {@link setTomlTable}. */
export function removeTomlTable(text: string, tablePath: readonly string[], path = 'the TOML document'): string {
  assertTablePath(tablePath);
  const before = parseTomlDocument(text, path);
  if (valueAt(before, tablePath) === undefined) return text;

  const statements = scanStatements(text);
  const { regions } = locateTable(statements, tablePath, path);
  const result = applyEdits(
    text,
    regions.map((region) => removalEdit(text, statements, region)),
  );
  verifyEdit(before, result, tablePath, undefined, path);
  return result;
}

/** Serialises one value as TOML: basic strings with the spec's escapes, integers and floats (`inf`, `nan`),
 * booleans, arrays `[a, b]` and inline tables `{ key = value }` (keys quoted where they are not bare).
 * `undefined` properties of objects are left out.
 * Dates (as smol-toml parses them) print as TOML dates and times.
 * @throws TypeError for null, undefined, bigint, functions, symbols, non-plain objects and strings holding
 *   lone surrogates, none of which TOML can represent. */
export function formatTomlValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return formatBasicString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return formatNumber(value);
    case 'object': {
      if (value === null) break;
      // smol-toml's dates print themselves as TOML (local date, local time or offset date-time).
      if (value instanceof Date) return value.toISOString();
      if (Array.isArray(value)) return `[${value.map((item) => formatTomlValue(item)).join(', ')}]`;
      if (!isPlainObject(value)) break;
      const entries = Object.entries(value).filter(([, item]) => item !== undefined);
      if (entries.length === 0) return '{}';
      return `{ ${entries.map(([key, item]) => `${formatTomlKey(key)} = ${formatTomlValue(item)}`).join(', ')} }`;
    }
    default:
      break;
  }
  throw new TypeError(`TOML cannot represent ${value === null ? 'null' : typeof value} values`);
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function formatTomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : formatBasicString(key);
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\f': '\\f',
  '\r': '\\r',
};

function formatBasicString(text: string): string {
  // With the u flag a surrogate pair is one code point, so \p{Cs} only matches lone halves.
  if (/\p{Cs}/u.test(text)) throw new TypeError('TOML strings cannot hold lone UTF-16 surrogates');
  // Control characters other than tab are not allowed raw in a basic string.
  const escaped = text.replace(/["\\\u0000-\u001f\u007f]/g, (char) => {
    const named = NAMED_ESCAPES[char];
    return named ?? `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  if (Number.isSafeInteger(value)) return String(value);
  // A float that happens to be integral beyond 2^53 must stay a float: TOML integers are 64-bit and
  // smol-toml refuses integers it cannot hold losslessly.
  if (Number.isInteger(value)) return value.toExponential();
  return String(value); // e.g. "0.5", "1e-7": both valid TOML floats
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function formatTableBlock(tablePath: readonly string[], value: Readonly<Record<string, unknown>>, newline: string): string {
  const lines = [`[${tablePath.map(formatTomlKey).join('.')}]`];
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) lines.push(`${formatTomlKey(key)} = ${formatTomlValue(item)}`);
  }
  return lines.join(newline);
}

// ---------------------------------------------------------------------------------------------------------
// Scanning: the document as a list of line statements

type StatementKind = 'blank' | 'comment' | 'table' | 'array-table' | 'keyval';

interface Statement {
  kind: StatementKind;
  /** Offset of the first character of the statement's first line (0 for the first line, even after a BOM). */
  start: number;
  /** Offset just after the statement's last line terminator (or the end of the text). */
  end: number;
  /** Whether the statement's last line ends with a line terminator. */
  terminated: boolean;
  /** Header path for tables, the (dotted) key for key/values, unquoted; empty otherwise. */
  key: readonly string[];
}

/** Splits valid TOML into statements. It is only run on text smol-toml has accepted, so anything it does not
 * understand means the scanner is wrong, not the file: it throws rather than guess. */
function scanStatements(text: string): Statement[] {
  const scanner = new Scanner(text);
  const statements: Statement[] = [];
  let lineStart = 0;
  while (lineStart < text.length) {
    scanner.pos = lineStart === 0 && text.charCodeAt(0) === 0xfeff ? 1 : lineStart;
    scanner.skipBlanks();
    const char = scanner.peek();
    let kind: StatementKind;
    let key: readonly string[] = [];
    if (scanner.atLineEnd()) {
      kind = 'blank';
    } else if (char === '#') {
      kind = 'comment';
    } else if (char === '[') {
      const array = text[scanner.pos + 1] === '[';
      kind = array ? 'array-table' : 'table';
      scanner.pos += array ? 2 : 1;
      key = scanner.readKey();
      scanner.skipBlanks();
      scanner.expect(array ? ']]' : ']');
    } else {
      kind = 'keyval';
      key = scanner.readKey();
      scanner.skipBlanks();
      scanner.expect('=');
      scanner.skipValue();
    }
    const { end, terminated } = scanner.finishLine();
    statements.push({ kind, start: lineStart, end, terminated, key });
    lineStart = end;
  }
  return statements;
}

const BARE_KEY_AT = /[A-Za-z0-9_-]+/y;

class Scanner {
  pos = 0;

  constructor(private readonly text: string) {}

  peek(): string | undefined {
    return this.text[this.pos];
  }

  skipBlanks(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }

  atLineEnd(): boolean {
    const char = this.text[this.pos];
    return char === undefined || char === '\n' || (char === '\r' && this.text[this.pos + 1] === '\n');
  }

  expect(token: string): void {
    if (!this.text.startsWith(token, this.pos)) this.fail(`expected "${token}"`);
    this.pos += token.length;
  }

  /** After a statement: blanks, an optional comment, then the line terminator or the end of the text. */
  finishLine(): { end: number; terminated: boolean } {
    this.skipBlanks();
    if (this.peek() === '#') {
      const newline = this.text.indexOf('\n', this.pos);
      this.pos = newline === -1 ? this.text.length : newline;
    }
    if (this.pos >= this.text.length) return { end: this.text.length, terminated: false };
    if (this.text[this.pos] === '\r') this.pos++;
    if (this.text[this.pos] !== '\n') this.fail('expected the end of the line');
    return { end: this.pos + 1, terminated: true };
  }

  /** A dotted key such as `mcp_servers . "mittwald"`, returned unquoted. */
  readKey(): string[] {
    const segments: string[] = [];
    for (;;) {
      this.skipBlanks();
      const char = this.peek();
      if (char === '"') {
        const start = this.pos;
        this.skipSingleLineBasic();
        segments.push(decodeBasicString(this.text.slice(start + 1, this.pos - 1)));
      } else if (char === "'") {
        const close = this.text.indexOf("'", this.pos + 1);
        if (close === -1) this.fail('unterminated literal key');
        segments.push(this.text.slice(this.pos + 1, close));
        this.pos = close + 1;
      } else {
        BARE_KEY_AT.lastIndex = this.pos;
        const match = BARE_KEY_AT.exec(this.text);
        if (!match) this.fail('expected a key');
        segments.push(match[0]);
        this.pos += match[0].length;
      }
      this.skipBlanks();
      if (this.peek() !== '.') return segments;
      this.pos++;
    }
  }

  /** Skips one value, which may span lines inside multi-line strings, arrays and inline tables. Stops before
   * the trailing comment or line terminator. */
  skipValue(): void {
    let depth = 0;
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '"' || char === "'") {
        this.skipString();
      } else if (char === '[' || char === '{') {
        depth++;
        this.pos++;
      } else if (char === ']' || char === '}') {
        depth--;
        if (depth < 0) this.fail('unbalanced brackets');
        this.pos++;
      } else if (char === '#') {
        if (depth === 0) return;
        // A comment inside a multi-line array or inline table runs to the end of its line.
        const newline = this.text.indexOf('\n', this.pos);
        this.pos = newline === -1 ? this.text.length : newline;
      } else if ((char === '\n' || char === '\r') && depth === 0) {
        return;
      } else {
        this.pos++;
      }
    }
    if (depth !== 0) this.fail('unterminated array or inline table');
  }

  private skipString(): void {
    const { text } = this;
    if (text.startsWith('"""', this.pos) || text.startsWith("'''", this.pos)) {
      const quote = text.charAt(this.pos);
      const escapes = quote === '"';
      this.pos += 3;
      while (this.pos < text.length) {
        if (escapes && text[this.pos] === '\\') {
          this.pos += 2;
        } else if (text.startsWith(quote.repeat(3), this.pos)) {
          this.pos += 3;
          // Up to two quotes may sit right before the closing delimiter: `"""a""""` is `a"`.
          for (let extra = 0; extra < 2 && text[this.pos] === quote; extra++) this.pos++;
          return;
        } else {
          this.pos++;
        }
      }
      this.fail('unterminated multi-line string');
    }
    if (text[this.pos] === '"') {
      this.skipSingleLineBasic();
      return;
    }
    const close = text.indexOf("'", this.pos + 1);
    if (close === -1) this.fail('unterminated literal string');
    this.pos = close + 1;
  }

  private skipSingleLineBasic(): void {
    this.pos++;
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '\\') this.pos += 2;
      else if (char === '"') {
        this.pos++;
        return;
      } else if (char === '\n') break;
      else this.pos++;
    }
    this.fail('unterminated string');
  }

  private fail(reason: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new SetupError('CONFIG_PARSE', `Could not edit the TOML text at ${line}:${column}: ${reason}.`, {
      hint: 'The file is valid TOML but uses a form this editor does not handle; edit it by hand.',
    });
  }
}

/** Decodes the escapes of a basic string's content (TOML 1.1, as smol-toml accepts them). */
function decodeBasicString(raw: string): string {
  const simple: Readonly<Record<string, string>> = {
    b: '\b',
    t: '\t',
    n: '\n',
    f: '\f',
    r: '\r',
    e: '\u001b',
    '"': '"',
    '\\': '\\',
  };
  return raw.replace(/\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_match, escape: string) => {
    if (escape.length > 1) return String.fromCodePoint(Number.parseInt(escape.slice(1), 16));
    return simple[escape] ?? escape;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Locating the table's statements

/** A run of statements (indices, inclusive) that all belong to the table, possibly with comments and blank
 * lines between them. */
interface Region {
  first: number;
  last: number;
  /** Holds a `[table]` header of the table or one of its sub-tables: the new table can be written in its place. */
  hasHeader: boolean;
  /** Holds the `[table]` header of `tablePath` itself. */
  hasOwnHeader: boolean;
}

/** Finds every statement that defines the table: its header and sub-table headers with their key/values,
 * and key/values under other headers whose full key lies inside the table (dotted keys, inline tables).
 * Comments and blank lines count as the table's only when they lie between two of its statements; comments
 * above its header or after its last key are left alone. `site` is the region the new table replaces
 * (the one with the table's own header, else the first with any of its headers), or -1. */
function locateTable(
  statements: readonly Statement[],
  tablePath: readonly string[],
  path: string,
): { regions: Region[]; site: number } {
  const regions: Region[] = [];
  let open: Region | undefined;
  let sectionPath: readonly string[] = [];
  let sectionOurs = false;
  let sectionArray = false;

  statements.forEach((statement, index) => {
    let ours: boolean;
    if (statement.kind === 'table' || statement.kind === 'array-table') {
      sectionPath = statement.key;
      sectionArray = statement.kind === 'array-table';
      sectionOurs = startsWith(statement.key, tablePath);
      if (sectionArray && isStrictPrefix(statement.key, tablePath)) throw inlineParentError(statement.key, tablePath, path);
      ours = sectionOurs;
    } else if (statement.kind === 'keyval') {
      if (sectionOurs) ours = true;
      else if (sectionArray) ours = false;
      else {
        const fullKey = [...sectionPath, ...statement.key];
        if (isStrictPrefix(fullKey, tablePath)) throw inlineParentError(fullKey, tablePath, path);
        ours = startsWith(fullKey, tablePath);
      }
    } else {
      return; // comments and blank lines take no side
    }
    if (!ours) {
      open = undefined;
      return;
    }
    if (open === undefined) {
      open = { first: index, last: index, hasHeader: false, hasOwnHeader: false };
      regions.push(open);
    }
    open.last = index;
    if (statement.kind === 'table') {
      open.hasHeader = true;
      if (statement.key.length === tablePath.length) open.hasOwnHeader = true;
    }
  });

  const own = regions.findIndex((region) => region.hasOwnHeader);
  return { regions, site: own !== -1 ? own : regions.findIndex((region) => region.hasHeader) };
}

function inlineParentError(parentKey: readonly string[], tablePath: readonly string[], path: string): SetupError {
  const parent = parentKey.map(formatTomlKey).join('.');
  return new SetupError(
    'CONFIG_PARSE',
    `${path}: cannot edit [${tablePath.map(formatTomlKey).join('.')}] because "${parent}" is written as a single value (an inline table or array).`,
    { hint: `Rewrite "${parent}" as [${parent}.<name>] tables in ${path}, then run the setup again.` },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Editing the text

interface TextEdit {
  start: number;
  end: number;
  replacement: string;
}

/** Cuts a region out, tidying the blank lines around it so the rest of the file keeps its shape: a region
 * between two blank runs takes the run after it; a region that ends the file takes the trailing blank
 * lines and the one blank line that separated it (what {@link appendBlock} added), and a file that did not
 * end with a newline still does not. */
function removalEdit(text: string, statements: readonly Statement[], region: Region): TextEdit {
  let start = statementStart(text, statements, region.first);
  let end = statements[region.last]!.end;
  let next = region.last + 1;
  while (next < statements.length && statements[next]!.kind === 'blank') next++;
  const previous = statements[region.first - 1];

  if (next === statements.length) {
    end = text.length;
    if (previous?.kind === 'blank') start = statementStart(text, statements, region.first - 1);
    if (!endsWithNewline(text) && start > 0 && text[start - 1] === '\n') {
      start -= text[start - 2] === '\r' ? 2 : 1;
    }
  } else if (next > region.last + 1 && (previous === undefined || previous.kind === 'blank')) {
    end = statements[next - 1]!.end;
  }
  return { start, end, replacement: '' };
}

function replacementEdit(
  text: string,
  statements: readonly Statement[],
  region: Region,
  block: string,
  newline: string,
): TextEdit {
  const last = statements[region.last]!;
  return {
    start: statementStart(text, statements, region.first),
    end: last.end,
    replacement: last.terminated ? block + newline : block,
  };
}

/** A statement's start, but never before a byte-order mark, which stays with the file. */
function statementStart(text: string, statements: readonly Statement[], index: number): number {
  const start = statements[index]!.start;
  return start === 0 && text.charCodeAt(0) === 0xfeff ? 1 : start;
}

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    result = result.slice(0, edit.start) + edit.replacement + result.slice(edit.end);
  }
  return result;
}

/** Appends a complete table (with its header, so nothing lands in the file's last table by accident) after a
 * blank line. */
function appendBlock(text: string, block: string, newline: string, finalNewline: boolean): string {
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  if (text.length === bom.length) return bom + block + (finalNewline ? newline : '');
  if (endsWithNewline(text)) return text + newline + block + newline;
  return text + newline + newline + block;
}

function endsWithNewline(text: string): boolean {
  return text.endsWith('\n');
}

/** The file's line ending: that of its first line, LF for a file with none. */
function detectNewline(text: string): string {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

// ---------------------------------------------------------------------------------------------------------
// Checking the result

/** Guards the text editing: the result must parse, hold `expected` at `tablePath` (`undefined`: nothing),
 * and equal the original everywhere else. */
function verifyEdit(
  before: Record<string, unknown>,
  resultText: string,
  tablePath: readonly string[],
  expected: unknown,
  path: string,
): void {
  const where = `[${tablePath.map(formatTomlKey).join('.')}]`;
  const hint = `${path} was left unchanged. Please report this, and edit the file by hand meanwhile.`;
  let after: Record<string, unknown>;
  try {
    after = parse(resultText) as Record<string, unknown>;
  } catch (error) {
    throw new SetupError('CONFIG_PARSE', `${path}: editing ${where} would have produced invalid TOML.`, {
      hint,
      cause: error,
    });
  }
  if (!deepEqual(valueAt(after, tablePath), expected)) {
    throw new SetupError('CONFIG_PARSE', `${path}: editing ${where} did not give the expected entry.`, { hint });
  }
  if (!deepEqual(withoutTable(before, tablePath), withoutTable(after, tablePath))) {
    throw new SetupError('CONFIG_PARSE', `${path}: editing ${where} would have changed other settings.`, { hint });
  }
}

function valueAt(document: Record<string, unknown>, tablePath: readonly string[]): unknown {
  let current: unknown = document;
  for (const segment of tablePath) {
    if (!isTable(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** A copy of the document without `tablePath`, and without the parent tables that leaves empty: whether an
 * empty `mcp_servers` survives the removal of its last entry is not a change worth refusing an edit for. */
function withoutTable(document: Record<string, unknown>, tablePath: readonly string[]): Record<string, unknown> {
  const strip = (table: Record<string, unknown>, depth: number): Record<string, unknown> => {
    const segment = tablePath[depth]!;
    const copy: Record<string, unknown> = { ...table };
    const child = copy[segment];
    if (!Object.hasOwn(copy, segment)) return copy;
    if (depth === tablePath.length - 1) {
      delete copy[segment];
    } else if (isTable(child)) {
      const stripped = strip(child, depth + 1);
      if (Object.keys(stripped).length === 0) delete copy[segment];
      else copy[segment] = stripped;
    }
    return copy;
  };
  return strip(document, 0);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (isTable(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [key, withoutUndefined(item)]),
    );
  }
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.toISOString() === b.toISOString();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => deepEqual(item, b[index]))
    );
  }
  if (isTable(a) && isTable(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------

function assertTablePath(tablePath: readonly string[]): void {
  if (tablePath.length === 0) throw new TypeError('tablePath must name a table');
}

function startsWith(key: readonly string[], prefix: readonly string[]): boolean {
  return key.length >= prefix.length && prefix.every((segment, index) => key[index] === segment);
}

function isStrictPrefix(key: readonly string[], of: readonly string[]): boolean {
  return key.length < of.length && startsWith(of, key);
}
