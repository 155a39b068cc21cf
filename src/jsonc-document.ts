/** Reading and surgically editing JSON / JSONC config text. An edit changes only the bytes of the value it
 * replaces (or inserts, or removes) plus the separators around it: comments, trailing commas, key order,
 * indentation, line endings, a BOM and the final newline of the rest of the file stay exactly as they were.
 *
 * jsonc-parser's `modify` is deliberately not used: its formatter re-formats whole lines around an insertion
 * (touching a neighbour's spacing or comments), so edits are computed here from the parse tree and scanner. */
import { createScanner, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError, ParseErrorCode } from 'jsonc-parser';
import { SetupError } from './errors.js';

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

interface Document {
  bom: string;
  /** The text without its BOM; every offset below refers to it. */
  body: string;
  root: Node | undefined;
}

interface Edit {
  offset: number;
  length: number;
  content: string;
}

/** Parses config text. Empty, whitespace-only (and, for JSONC, comment-only) text is `undefined`: no content
 * yet. A leading BOM is ignored. 'json' rejects comments and trailing commas, as the tool reading the file
 * would; 'jsonc' allows them. Throws SetupError CONFIG_PARSE "<path>:<line>:<col>: <what>" (1-based) for
 * invalid text or a top level that is not an object. */
export function parseJsonDocument(text: string, path: string, format: JsonFormat): Record<string, unknown> | undefined {
  const doc = loadDocument(text, path, format);
  if (doc.root === undefined) return undefined;
  if (doc.root.type !== 'object') {
    throw parseError(path, doc.body, doc.root.offset, `expected an object at the top level, found ${describeNode(doc.root)}`);
  }
  if (format === 'json') assertStrictJson(doc.body, path);
  return getNodeValue(doc.root) as Record<string, unknown>;
}

/** Returns `text` with the value at `keyPath` replaced whole (never merged) or inserted, creating missing
 * parent objects (or a one-element array for an index 0). Only that value's text and the separators next to
 * it change. A new member is indented like its siblings; layout of new text follows `detectFormatting`.
 * Empty text becomes a new document (2-space indent, final newline). Throws SetupError CONFIG_PARSE for
 * unparseable text or when a parent on the path is not an object/array. `value` must be JSON-serialisable. */
export function setJsonValue(text: string, keyPath: JsonKeyPath, value: unknown): string {
  if (value === undefined) throw new TypeError('setJsonValue: value is undefined; use removeJsonValue');
  const doc = loadDocument(text, 'JSON text', 'jsonc');
  const formatting = detectFormatting(text);
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
    edits = [replaceEdit(doc.body, located.value, located.container, normalized, style)];
  } else if (located.kind === 'missing') {
    const key = keyPath[located.depth];
    if (key === undefined) throw new Error('unreachable: missing segment beyond the key path');
    const memberValue = wrapInParents(keyPath.slice(located.depth + 1), normalized, keyPath);
    if (located.container.type === 'array' && key !== (located.container.children ?? []).length) {
      throw new SetupError('CONFIG_PARSE', `cannot set ${renderKeyPath(keyPath)}: index ${String(key)} is past the end of the array`, {
        hint: 'Append at the index equal to the array length, or replace an existing element.',
      });
    }
    edits = insertEdits(doc.body, located.container, key, memberValue, style);
  } else {
    throw notAContainer(keyPath, located);
  }
  return doc.bom + applyEditList(doc.body, edits);
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
    result = doc.bom + applyEditList(doc.body, removeEdits(doc.body, located.container, located.member));
    doc = loadDocument(result, 'JSON text', 'jsonc');
  }
}

/** The value at `keyPath`, or undefined when it (or a parent) is absent. With duplicate keys the last one
 * counts, as in JSON.parse. Throws SetupError CONFIG_PARSE for unparseable text. */
export function getJsonValue(text: string, keyPath: JsonKeyPath): unknown {
  const doc = loadDocument(text, 'JSON text', 'jsonc');
  if (doc.root === undefined) return undefined;
  const located = locate(doc.root, keyPath);
  return located.kind === 'found' ? (getNodeValue(located.value) as unknown) : undefined;
}

/** The file's conventions: indentation unit (from the first block container whose members start their own
 * lines; 2 spaces when none), the first line break's style (LF when none), BOM, final newline. */
export function detectFormatting(text: string): JsonFormatting {
  const bom = text.startsWith(BOM);
  const body = bom ? text.slice(1) : text;
  const firstLf = body.indexOf('\n');
  const eol = firstLf > 0 && body[firstLf - 1] === '\r' ? '\r\n' : '\n';
  const indent = detectIndent(body);
  const insertSpaces = !indent.includes('\t');
  return {
    indent,
    insertSpaces,
    tabSize: insertSpaces ? indent.length : 4,
    eol,
    bom,
    finalNewline: /[\r\n]$/.test(body),
  };
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

function loadDocument(text: string, label: string, format: JsonFormat): Document {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
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
  return { bom, body, root };
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
      if (key?.value === segment && value !== undefined) match = { member: property, value };
    }
    return match;
  }
  if (node.type === 'array' && typeof segment === 'number' && Number.isInteger(segment) && segment >= 0) {
    const element = children[segment];
    return element === undefined ? undefined : { member: element, value: element };
  }
  return 'blocked';
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
  const minified = root !== undefined && !/[\r\n]/.test(doc.body) && (root.children ?? []).length > 0;
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

function detectIndent(body: string): string {
  const root = parseTree(body, [], { allowTrailingComma: true, allowEmptyContent: true });
  const queue: Node[] = root === undefined ? [] : [root];
  while (queue.length > 0) {
    const node = queue.shift();
    if (node === undefined) break;
    if (node.type !== 'object' && node.type !== 'array') {
      if (node.type === 'property') queue.push(...(node.children ?? []).slice(1));
      continue;
    }
    const outer = indentOfLine(body, node.offset);
    for (const member of node.children ?? []) {
      if (!startsLine(body, member.offset)) continue;
      const inner = indentOfLine(body, member.offset);
      if (inner.length > outer.length && inner.startsWith(outer)) return inner.slice(outer.length);
    }
    queue.push(...(node.children ?? []));
  }
  const indented = /^([ \t]+)\S/m.exec(body)?.[1];
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

function replaceEdit(body: string, value: Node, container: Node | undefined, newValue: unknown, style: LayoutStyle): Edit {
  const inline = container === undefined ? style.minified : !isMultiline(body, container);
  const content = inline ? inlineJson(newValue, style) : blockJson(newValue, style, indentOfLine(body, value.offset));
  return { offset: value.offset, length: value.length, content };
}

function insertEdits(body: string, container: Node, key: string | number, value: unknown, style: LayoutStyle): Edit[] {
  const members = container.children ?? [];
  const open = container.offset;
  const close = container.offset + container.length - 1;
  const parentIndent = indentOfLine(body, open);
  const last = members[members.length - 1];

  if (!isMultiline(body, container) && (last !== undefined || style.minified)) {
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
    if (startsLine(body, close)) {
      return [{ offset: lineStart(body, close), length: 0, content: `${childIndent}${text}${style.eol}` }];
    }
    return [{ offset: close, length: 0, content: `${style.eol}${childIndent}${text}${style.eol}${parentIndent}` }];
  }

  const childIndent = startsLine(body, last.offset) ? indentOfLine(body, last.offset) : parentIndent + style.indent;
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

function removeEdits(body: string, container: Node, member: Node): Edit[] {
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
    return [{ offset: previousComma, length: 1, content: '' }, removeRange(body, member.offset, stop)];
  }
  return [removeRange(body, member.offset, stop)];
}

/** Removes [start, stop): the whole line when the member has it to itself, else the text and the blanks
 * after it. */
function removeRange(body: string, start: number, stop: number): Edit {
  const lineEnd = lineEndOf(body, stop);
  if (startsLine(body, start) && /^[ \t]*$/.test(body.slice(stop, lineEnd))) {
    const begin = lineStart(body, start);
    const breakStart = begin >= 2 && body.slice(begin - 2, begin) === '\r\n' ? begin - 2 : begin - 1;
    if (breakStart >= 0) return { offset: breakStart, length: lineEnd - breakStart, content: '' };
  }
  let after = stop;
  while (body[after] === ' ' || body[after] === '\t') after++;
  return { offset: start, length: after - start, content: '' };
}

function applyEditList(body: string, edits: readonly Edit[]): string {
  const ordered = edits.map((edit, order) => ({ edit, order })).sort((a, b) => a.edit.offset - b.edit.offset || a.order - b.order);
  let out = '';
  let cursor = 0;
  for (const { edit } of ordered) {
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

function isMultiline(body: string, node: Node): boolean {
  return /[\r\n]/.test(body.slice(node.offset, end(node)));
}

function lineStart(body: string, offset: number): number {
  let i = offset;
  while (i > 0 && body[i - 1] !== '\n' && body[i - 1] !== '\r') i--;
  return i;
}

function lineEndOf(body: string, offset: number): number {
  let i = offset;
  while (i < body.length && body[i] !== '\n' && body[i] !== '\r') i++;
  return i;
}

function startsLine(body: string, offset: number): boolean {
  return /^[ \t]*$/.test(body.slice(lineStart(body, offset), offset));
}

function indentOfLine(body: string, offset: number): string {
  const start = lineStart(body, offset);
  return /^[ \t]*/.exec(body.slice(start, offset))?.[0] ?? '';
}
