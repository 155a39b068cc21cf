import { findNodeAtLocation, parse as parseJsonc, parseTree } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { SetupError } from '../../src/errors.js';
import {
  detectFormatting,
  getJsonValue,
  keepLastJsonMember,
  parseJsonDocument,
  removeJsonValue,
  renderKeyPath,
  selectJsonMembers,
  setJsonValue,
} from '../../src/files/jsonc-document.js';

const ENTRY = { type: 'http', url: 'https://mcp.mittwald.de/mcp', headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } };
const PATH = ['mcpServers', 'mittwald'] as const;

/** The text range of the value at keyPath, found independently of the module under test. */
function valueRange(text: string, keyPath: readonly (string | number)[]): { start: number; end: number } {
  const bom = text.startsWith('\uFEFF') ? 1 : 0;
  const root = parseTree(text.slice(bom), [], { allowTrailingComma: true });
  const node = root && findNodeAtLocation(root, [...keyPath]);
  if (node === undefined) throw new Error(`no value at ${keyPath.join('.')}`);
  return { start: node.offset + bom, end: node.offset + node.length + bom };
}

/** Asserts that only the value at keyPath differs between the two texts. */
function expectOnlyValueChanged(before: string, after: string, keyPath: readonly (string | number)[]): void {
  const a = valueRange(before, keyPath);
  const b = valueRange(after, keyPath);
  expect(after.slice(0, b.start)).toBe(before.slice(0, a.start));
  expect(after.slice(b.end)).toBe(before.slice(a.end));
}

/** set → the entry reads back, the file still parses strictly as `format`, setting again changes nothing, and
 * removing what was added (the entry, or the first parent that set created) gives back the original bytes. */
function expectCleanRoundTrip(original: string, format: 'json' | 'jsonc', keyPath: readonly (string | number)[] = PATH): string {
  const edited = setJsonValue(original, keyPath, ENTRY);
  expect(getJsonValue(edited, keyPath)).toEqual(ENTRY);
  expect(() => parseJsonDocument(edited, 'f.json', format)).not.toThrow();
  expect(setJsonValue(edited, keyPath, ENTRY)).toBe(edited);
  const firstCreated = keyPath.findIndex((_, i) => getJsonValue(original, keyPath.slice(0, i + 1)) === undefined);
  expect(removeJsonValue(edited, keyPath.slice(0, firstCreated + 1))).toBe(original);
  return edited;
}

function parseFailure(text: string, format: 'json' | 'jsonc'): SetupError {
  try {
    parseJsonDocument(text, '/home/u/.cursor/mcp.json', format);
  } catch (error) {
    expect(error).toBeInstanceOf(SetupError);
    return error as SetupError;
  }
  throw new Error('expected a parse failure');
}

describe('parseJsonDocument', () => {
  it('reads an object, ignoring a BOM', () => {
    expect(parseJsonDocument('\uFEFF{"a": 1}', 'f.json', 'json')).toEqual({ a: 1 });
  });

  it('treats empty and whitespace-only text as no content', () => {
    expect(parseJsonDocument('', 'f.json', 'json')).toBeUndefined();
    expect(parseJsonDocument(' \r\n\t\n', 'f.json', 'json')).toBeUndefined();
    expect(parseJsonDocument('\uFEFF', 'f.json', 'json')).toBeUndefined();
  });

  it('accepts comments and trailing commas as JSONC', () => {
    const text = '// servers\n{\n  /* block */ "a": [1, 2,],\n  "b": {"c": true,}, // end\n}\n';
    expect(parseJsonDocument(text, 'f.json', 'jsonc')).toEqual({ a: [1, 2], b: { c: true } });
  });

  it('rejects a comment in plain JSON with its 1-based position', () => {
    const error = parseFailure('{\n  "a": 1 // no\n}', 'json');
    expect(error.code).toBe('CONFIG_PARSE');
    expect(error.message).toBe('/home/u/.cursor/mcp.json:2:10: comments are not allowed in plain JSON');
    expect(error.hint).toMatch(/nothing was written/);
  });

  it('rejects a trailing comma in plain JSON, pointing at the comma', () => {
    const error = parseFailure('{\r\n  "a": 1,\r\n}\r\n', 'json');
    expect(error.message).toBe('/home/u/.cursor/mcp.json:2:9: trailing comma (plain JSON does not allow one)');
  });

  it('reports a syntax error with line and column, counting CRLF as one line break', () => {
    const error = parseFailure('{\r\n  "a": 1,\r\n  "b" 2\r\n}', 'jsonc');
    expect(error.code).toBe('CONFIG_PARSE');
    expect(error.message).toBe("/home/u/.cursor/mcp.json:3:7: expected ':' after the property name");
  });

  it('does not count a BOM as a column', () => {
    expect(parseFailure('\uFEFF{"a" 1}', 'jsonc').message).toMatch(/:1:6: /);
  });

  it('reports an unterminated string and a missing brace', () => {
    expect(parseFailure('{"a": "x', 'jsonc').message).toMatch(/:1:7: string is never closed$/);
    expect(parseFailure('{\n  "a": 1\n', 'jsonc').message).toMatch(/:3:1: expected '}'$/);
  });

  it('rejects a top-level array or scalar', () => {
    expect(parseFailure('\n  [1, 2]', 'json').message).toBe(
      '/home/u/.cursor/mcp.json:2:3: expected an object at the top level, found an array',
    );
    expect(parseFailure('"x"', 'jsonc').message).toMatch(/found a string$/);
  });

  it('never quotes file content (which may be a secret) in the message', () => {
    const error = parseFailure('{"token": "sk-secret-value" "more": 1}', 'json');
    expect(error.message).not.toContain('sk-secret');
  });
});

describe('setJsonValue: inserting our entry', () => {
  it('creates a new document from empty or whitespace-only text, with a final newline', () => {
    const expected = '{\n  "mcpServers": {\n    "mittwald": {\n      "type": "http",\n      "url": "u"\n    }\n  }\n}\n';
    expect(setJsonValue('', PATH, { type: 'http', url: 'u' })).toBe(expected);
    expect(setJsonValue('\n\n', PATH, { type: 'http', url: 'u' })).toBe(expected);
    expect(setJsonValue('\r\n', PATH, { type: 'http', url: 'u' })).toBe(expected.replace(/\n/g, '\r\n'));
  });

  it('fills "{}" and keeps its missing final newline', () => {
    const edited = expectCleanRoundTrip('{}', 'json');
    expect(edited.startsWith('{\n  "mcpServers": {\n    "mittwald": {\n      "type": "http",')).toBe(true);
    expect(edited.endsWith('\n}')).toBe(true);
  });

  it('fills an empty servers map in place and leaves it empty again on removal', () => {
    const original = '{"mcpServers": {}}\n';
    const edited = expectCleanRoundTrip(original, 'json');
    expect(edited).toBe(`{"mcpServers": {\n  "mittwald": ${JSON.stringify(ENTRY, null, 2).replace(/\n/g, '\n  ')}\n}}\n`);
  });

  it('appends after other servers, indented like them, leaving their bytes untouched', () => {
    const original = [
      '{',
      '  "theme": "dark",',
      '  "mcpServers": {',
      '    "github": {',
      '      "url": "https://api.githubcopilot.com/mcp/"',
      '    }',
      '  },',
      '  "zzz": [1, 2, 3]',
      '}',
      '',
    ].join('\n');
    const edited = expectCleanRoundTrip(original, 'json');
    expect(edited).toContain('    },\n    "mittwald": {\n      "type": "http",\n');
    expect(edited).toContain('      "headers": {\n        "Authorization": "Bearer ${MITTWALD_API_TOKEN}"\n      }\n    }\n  },\n  "zzz"');
    expect(getJsonValue(edited, ['mcpServers', 'github'])).toEqual({ url: 'https://api.githubcopilot.com/mcp/' });
    expect(Object.keys(getJsonValue(edited, ['mcpServers']) as object)).toEqual(['github', 'mittwald']);
  });

  it('keeps line comments, block comments and trailing commas before, inside and after the servers map', () => {
    const original = [
      '// VS Code MCP config',
      '{',
      '  /* servers we use */',
      '  "servers": { // inline note',
      '    "github": {',
      '      "url": "https://example.test/mcp", // why',
      '    }, // after github',
      '    // "old": {"url": "x"},',
      '  },',
      '  "inputs": [],',
      '}',
      '/* trailing block */',
      '',
    ].join('\n');
    const edited = expectCleanRoundTrip(original, 'jsonc', ['servers', 'mittwald']);
    // The file keeps trailing commas, so the new member gets one too; the neighbour's comment stays with it.
    expect(edited).toContain('    }, // after github\n    "mittwald": {');
    expect(edited).toMatch(/\n {4}},\n {4}\/\/ "old"/);
    expect(() => parseJsonDocument(edited, 'mcp.json', 'json')).toThrow(SetupError);
  });

  it('puts the comma before a neighbour\'s line comment, not inside it', () => {
    const original = '{\n  "mcpServers": {\n    "a": {"url": "x"} // keep me\n  }\n}\n';
    const edited = expectCleanRoundTrip(original, 'jsonc');
    expect(edited).toContain('"a": {"url": "x"}, // keep me\n    "mittwald": {');
  });

  it('inserts into a servers map that holds only a comment', () => {
    const original = '{\n  "mcpServers": {\n    // add servers here\n  }\n}\n';
    const edited = expectCleanRoundTrip(original, 'jsonc');
    expect(edited).toContain('    // add servers here\n    "mittwald": {\n');
  });

  it('keeps CRLF line endings', () => {
    const original = '{\r\n  "mcpServers": {\r\n    "other": {"url": "x"}\r\n  }\r\n}\r\n';
    const edited = expectCleanRoundTrip(original, 'json');
    expect(edited.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(edited).toContain('\r\n    "mittwald": {\r\n      "type": "http",\r\n');
  });

  it('keeps a BOM', () => {
    const original = '\uFEFF{\n  "mcpServers": {}\n}\n';
    const edited = expectCleanRoundTrip(original, 'json');
    expect(edited.startsWith('\uFEFF{\n')).toBe(true);
    expect(edited.indexOf('\uFEFF', 1)).toBe(-1);
  });

  it('indents with tabs in a tab-indented file', () => {
    const original = '{\n\t"mcpServers": {\n\t\t"other": {\n\t\t\t"url": "x"\n\t\t}\n\t}\n}';
    const edited = expectCleanRoundTrip(original, 'json');
    expect(edited).toContain('\n\t\t"mittwald": {\n\t\t\t"type": "http",\n\t\t\t"url"');
    expect(edited).toContain('\t\t\t"headers": {\n\t\t\t\t"Authorization"');
    expect(edited.endsWith('\n}')).toBe(true);
  });

  it('indents with 4 spaces in a 4-space file, also for a new parent object', () => {
    const original = '{\n    "theme": "dark"\n}\n';
    const edited = expectCleanRoundTrip(original, 'json');
    expect(edited).toBe(
      '{\n    "theme": "dark",\n    "mcpServers": {\n        "mittwald": {\n            "type": "http",\n' +
        '            "url": "https://mcp.mittwald.de/mcp",\n            "headers": {\n' +
        '                "Authorization": "Bearer ${MITTWALD_API_TOKEN}"\n            }\n        }\n    }\n}\n',
    );
  });

  it('keeps a missing final newline', () => {
    const original = '{\n  "mcpServers": {\n    "x": {"url": "y"}\n  }\n}';
    expect(expectCleanRoundTrip(original, 'json').endsWith('}\n}')).toBe(true);
  });

  it('writes one line into a minified file', () => {
    const original = '{"a":1,"mcpServers":{"x":{"url":"y"}}}';
    const edited = expectCleanRoundTrip(original, 'json');
    expect(edited).toBe(
      '{"a":1,"mcpServers":{"x":{"url":"y"},"mittwald":{"type":"http","url":"https://mcp.mittwald.de/mcp","headers":{"Authorization":"Bearer ${MITTWALD_API_TOKEN}"}}}}',
    );
  });

  it('writes into a one-line servers map on one line, with the file\'s spacing', () => {
    const original = '{\n  "mcpServers": { "x": { "url": "y" } }\n}\n';
    const edited = expectCleanRoundTrip(original, 'json');
    expect(edited).toContain('{ "x": { "url": "y" }, "mittwald": {"type": "http", "url": ');
  });

  it('creates nested parents under keys with dots and slashes', () => {
    const original = '{\n  "numStartups": 3,\n  "projects": {\n    "/home/a/b.c": {\n      "allowedTools": []\n    }\n  }\n}\n';
    const keyPath = ['projects', '/home/a/b.c', 'mcpServers', 'mittwald'];
    const edited = expectCleanRoundTrip(original, 'json', keyPath);
    expect(getJsonValue(edited, ['projects', '/home/a/b.c', 'allowedTools'])).toEqual([]);
    expect(edited).toContain('"allowedTools": [],\n      "mcpServers": {\n        "mittwald": {\n          "type": "http"');
    // A dotted string is a single key, never a path.
    const dotted = setJsonValue('{}', ['a.b'], 1);
    expect(getJsonValue(dotted, ['a.b'])).toBe(1);
    expect(getJsonValue(dotted, ['a', 'b'])).toBeUndefined();
  });

  it('creates a project entry that does not exist yet', () => {
    const original = '{\n  "projects": {\n    "/other": {}\n  }\n}\n';
    const keyPath = ['projects', '/home/u/repo', 'mcpServers', 'mittwald'];
    const edited = expectCleanRoundTrip(original, 'json', keyPath);
    expect(getJsonValue(edited, ['projects', '/other'])).toEqual({});
    // Removing only the entry leaves the parents set created, emptied, for the caller to judge.
    expect(removeJsonValue(edited, keyPath)).toBe(
      '{\n  "projects": {\n    "/other": {},\n    "/home/u/repo": {\n      "mcpServers": {}\n    }\n  }\n}\n',
    );
  });

  it('appends to an array and starts a new one at index 0', () => {
    const input = { id: 'mittwald-token', type: 'promptString', password: true };
    const original = '{\n  "inputs": [\n    {"id": "other"}\n  ],\n  "servers": {}\n}\n';
    const edited = setJsonValue(original, ['inputs', 1], input);
    expect(getJsonValue(edited, ['inputs'])).toEqual([{ id: 'other' }, input]);
    expect(removeJsonValue(edited, ['inputs', 1])).toBe(original);
    const fresh = setJsonValue('{\n  "servers": {}\n}\n', ['inputs', 0], input);
    expect(getJsonValue(fresh, ['inputs'])).toEqual([input]);
    expect(() => setJsonValue(original, ['inputs', 5], input)).toThrow(/past the end/);
  });
});

describe('setJsonValue: replacing our entry', () => {
  it('replaces a stale entry whole, with no keys left from the old one, and nothing else changes', () => {
    const original = [
      '{',
      '  // keep',
      '  "mcpServers": {',
      '    "mittwald": {',
      '      "url": "https://mittwald-mcp.fly.dev/sse", // old',
      '      "transport": "sse",',
      '      "headers": {"X-Old": "1"}',
      '    },',
      '    "other": {"url": "z"},',
      '  },',
      '}',
    ].join('\n');
    const edited = setJsonValue(original, PATH, ENTRY);
    expect(getJsonValue(edited, PATH)).toEqual(ENTRY);
    expect(edited).not.toContain('transport');
    expect(edited).not.toContain('X-Old');
    expect(edited).not.toContain('// old');
    expectOnlyValueChanged(original, edited, PATH);
    expect(setJsonValue(edited, PATH, ENTRY)).toBe(edited);
  });

  it('replaces a scalar in place', () => {
    const original = '{\n  "a": 1, /* c */ "b": 2\n}';
    const edited = setJsonValue(original, ['a'], 'x');
    expect(edited).toBe('{\n  "a": "x", /* c */ "b": 2\n}');
  });

  it('replaces our entry in a one-line map on one line', () => {
    const original = '{"mcpServers": {"mittwald": {"url": "old", "x": 1}, "b": {}}}';
    const edited = setJsonValue(original, PATH, { url: 'new' });
    expect(edited).toBe('{"mcpServers": {"mittwald": {"url": "new"}, "b": {}}}');
  });

  it('replaces the last of duplicate keys, the one JSON readers use, and removes the others (some tools read the first)', () => {
    const original = '{"mcpServers": {"mittwald": {"url": "a"}, "other": {}, "mittwald": {"url": "b"}}}';
    const edited = setJsonValue(original, PATH, { url: 'c' });
    expect(edited).toBe('{"mcpServers": {"other": {}, "mittwald": {"url": "c"}}}');
    const pretty = '{\n  "mcpServers": {\n    "mittwald": {"url": "a"},\n    "mittwald": {"url": "b"},\n    "mittwald": {"url": "d"}\n  }\n}\n';
    expect(setJsonValue(pretty, PATH, { url: 'c' })).toBe('{\n  "mcpServers": {\n    "mittwald": {\n      "url": "c"\n    }\n  }\n}\n');
    expect(keepLastJsonMember(pretty, PATH)).toBe('{\n  "mcpServers": {\n    "mittwald": {"url": "d"}\n  }\n}\n');
    expect(keepLastJsonMember(original, ['mcpServers', 'other'])).toBe(original);
  });

  it('refuses to overwrite a parent that is not an object', () => {
    for (const text of ['{"mcpServers": "oops"}', '{"mcpServers": null}', '{"mcpServers": [1]}']) {
      const attempt = (): string => setJsonValue(text, PATH, ENTRY);
      expect(attempt).toThrow(SetupError);
      expect(attempt).toThrow(/cannot set mcpServers\.mittwald: mcpServers is/);
    }
  });

  it('refuses unparseable text instead of guessing', () => {
    expect(() => setJsonValue('{"a": 1,, }', PATH, ENTRY)).toThrow(SetupError);
    expect(() => removeJsonValue('{"a": ', PATH)).toThrow(SetupError);
  });
});

describe('removeJsonValue', () => {
  it('returns the same string when the entry is absent', () => {
    for (const text of ['', '{}', '{"mcpServers": {}}', '{"mcpServers": 3}', '// only a comment\n']) {
      expect(removeJsonValue(text, PATH)).toBe(text);
    }
  });

  it('removes a middle entry with its line, keeping its neighbours and their comments', () => {
    const original = '{\n  "mcpServers": {\n    "a": 1, // a\n    "mittwald": {\n      "url": "x"\n    },\n    "b": 2 // b\n  }\n}\n';
    expect(removeJsonValue(original, PATH)).toBe('{\n  "mcpServers": {\n    "a": 1, // a\n    "b": 2 // b\n  }\n}\n');
  });

  it('removes the first entry on a one-line map', () => {
    expect(removeJsonValue('{"mcpServers": {"mittwald": {}, "b": 2}}', PATH)).toBe('{"mcpServers": {"b": 2}}');
  });

  it('leaves an emptied parent in place', () => {
    expect(removeJsonValue('{\n  "mcpServers": {\n    "mittwald": {"url": "x"}\n  }\n}\n', PATH)).toBe('{\n  "mcpServers": {}\n}\n');
    expect(removeJsonValue('{\n  "mcpServers": {\n    "mittwald": {"url": "x"},\n  }\n}\n', PATH)).toBe('{\n  "mcpServers": {}\n}\n');
  });

  it('keeps a comment that is the only other thing in the parent', () => {
    const original = '{\n  "mcpServers": {\n    // note\n    "mittwald": {}\n  }\n}';
    expect(removeJsonValue(original, PATH)).toBe('{\n  "mcpServers": {\n    // note\n  }\n}');
  });

  it('keeps the previous entry valid when a comment sits between it and ours', () => {
    const original = '{\n  "a": 1, // note\n  /* ours: */\n  "mittwald": 2\n}\n';
    const edited = removeJsonValue(original, ['mittwald']);
    expect(edited).toBe('{\n  "a": 1 // note\n  /* ours: */\n}\n');
    expect(parseJsonDocument(edited, 'f', 'jsonc')).toEqual({ a: 1 });
  });

  it('removes every duplicate of the key', () => {
    const edited = removeJsonValue('{"mcpServers": {"mittwald": 1, "x": 0, "mittwald": 2}}', PATH);
    expect(edited).toBe('{"mcpServers": {"x": 0}}');
  });

  it('keeps CRLF and a BOM', () => {
    const original = '\uFEFF{\r\n  "a": 1,\r\n  "mittwald": 2\r\n}\r\n';
    expect(removeJsonValue(original, ['mittwald'])).toBe('\uFEFF{\r\n  "a": 1\r\n}\r\n');
  });
});

describe('getJsonValue', () => {
  it('reads nested values, by array keyPath, undefined when absent', () => {
    const text = '// c\n{"projects": {"/a/b": {"mcpServers": {"m": {"url": "u"}}}}, "list": [1, {"x": 2}]}';
    expect(getJsonValue(text, ['projects', '/a/b', 'mcpServers', 'm', 'url'])).toBe('u');
    expect(getJsonValue(text, ['list', 1, 'x'])).toBe(2);
    expect(getJsonValue(text, ['projects', '/a'])).toBeUndefined();
    expect(getJsonValue(text, ['list', 'x'])).toBeUndefined();
    expect(getJsonValue('', ['a'])).toBeUndefined();
    expect(getJsonValue(text, [])).toEqual(JSON.parse(text.slice(4)));
  });
});

describe('detectFormatting', () => {
  it('detects indentation, line endings, BOM and final newline', () => {
    expect(detectFormatting('{\n\t"a": 1\n}')).toMatchObject({ indent: '\t', insertSpaces: false, eol: '\n', finalNewline: false });
    expect(detectFormatting('\uFEFF{\r\n    "a": {\r\n        "b": 1\r\n    }\r\n}\r\n')).toMatchObject({
      indent: '    ',
      insertSpaces: true,
      tabSize: 4,
      eol: '\r\n',
      bom: true,
      finalNewline: true,
    });
    expect(detectFormatting('{"a": 1}')).toMatchObject({ indent: '  ', eol: '\n' });
  });

  it('measures the indent step, not the first line\'s depth', () => {
    expect(detectFormatting('{"a": {\n    "b": 1\n  },\n  "c": 2\n}').indent).toBe('  ');
  });
});

describe('renderKeyPath', () => {
  it('names paths the way people read them', () => {
    expect(renderKeyPath(['projects', '/home/a', 'mcpServers', 'mittwald'])).toBe('projects["/home/a"].mcpServers.mittwald');
    expect(renderKeyPath(['inputs', 0])).toBe('inputs[0]');
  });
});

describe('large documents', () => {
  // Before lines were indexed, finding each node's indentation walked back to its line start: on one long line
  // that is quadratic (0.42 MB took 10 s, 2 MB would take minutes). These finish in well under a second.
  const servers = Object.fromEntries(Array.from({ length: 21_000 }, (_, i) => [`server-${i}`, { type: 'http', url: `https://mcp-${i}.example.com/mcp`, headers: { 'X-Client': 'x' } }]));

  it('sets and removes our entry in a 2 MB minified file', () => {
    const original = JSON.stringify({ servers, inputs: [] });
    expect(original.length).toBeGreaterThan(2_000_000);
    const edited = setJsonValue(original, ['servers', 'mittwald'], ENTRY);
    expect(edited).toBe(`${original.slice(0, -14)},"mittwald":${JSON.stringify(ENTRY)}},"inputs":[]}`);
    expect(removeJsonValue(edited, ['servers', 'mittwald'])).toBe(original);
  }, 20_000);

  it('stays fast when a long line of members is followed by a line break', () => {
    const original = `${JSON.stringify(servers).slice(0, -1)}\n}\n`;
    const edited = setJsonValue(original, ['mittwald'], ENTRY);
    expect(getJsonValue(edited, ['mittwald'])).toEqual(ENTRY);
    expect(removeJsonValue(edited, ['mittwald'])).toBe(original);
  }, 20_000);
});

describe('the lazy tree over a large text', () => {
  // The validator notes where each large container ends, and an edited text takes those ends over, moved by
  // the edits; a container an edit touched is scanned again. Every lookup must land where the text now is.
  const big = (i: number) => ({ type: 'http', url: `https://mcp-${i}.example.com/mcp`, headers: { 'X-Client': `client "${i}" {[` } });

  it('finds every container where it is after a chain of edits that grow and shrink the text before it', () => {
    const servers = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`server-${i}`, big(i)]));
    let text = `// servers\n${JSON.stringify({ first: { list: [big(100), big(101)] }, servers, last: { more: [big(200)] } }, null, 2).replace('"server-3": {', '/* a comment { */ "server-3": {').replace(/\n\}$/, ',\n}')}\n`;
    const steps: Array<(current: string) => string> = [
      (current) => setJsonValue(current, ['first', 'list', 0], { short: 1 }),
      (current) => removeJsonValue(current, ['servers', 'server-5']),
      (current) => setJsonValue(current, ['servers', 'server-20', 'headers', 'X-Client'], 'a much longer value than before, with { and ['),
      (current) => setJsonValue(current, ['servers', 'mittwald'], ENTRY),
      (current) => removeJsonValue(current, ['first']),
      (current) => setJsonValue(current, ['last', 'more', 1], big(201)),
    ];
    for (const step of steps) {
      text = step(text);
      const expected = parseJsonc(text, [], { allowTrailingComma: true }) as Record<string, unknown>;
      for (const key of ['first', 'servers', 'last']) expect(getJsonValue(text, [key])).toEqual(expected[key]);
      const picked = selectJsonMembers(text, ['servers'], (name) => /^server-(1|2[0-9]|39)$/.test(name) || name === 'mittwald');
      const servers = expected.servers as Record<string, unknown>;
      expect(picked).toEqual(Object.keys(servers).filter((name) => /^server-(1|2[0-9]|39)$/.test(name) || name === 'mittwald').map((key) => ({ key, value: servers[key] })));
    }
    expect(getJsonValue(text, ['servers', 'mittwald'])).toEqual(ENTRY);
    expect(getJsonValue(text, ['last', 'more', 1])).toEqual(big(201));
  });

  it('selects members from the text as the tree reads them: escaped keys, duplicates, brackets and quotes in strings', () => {
    const text = `{"servers": {"a\\"b": {"url": "x}"}, "dup": 1, "\\u006dittwald": {"args": ["[", "{", "\\\""]}, "dup": {"n": [1, {"deep": true}]}, "z": null}}`;
    expect(selectJsonMembers(text, ['servers'], () => true)).toEqual([
      { key: 'a"b', value: { url: 'x}' } },
      { key: 'dup', value: 1 },
      { key: 'mittwald', value: { args: ['[', '{', '"'] } },
      { key: 'dup', value: { n: [1, { deep: true }] } },
      { key: 'z', value: null },
    ]);
    const texts: string[] = [];
    selectJsonMembers(text, ['servers'], (_, valueText) => texts.push(valueText) < 0);
    expect(texts).toEqual(['{"url": "x}"}', '1', '{"args": ["[", "{", "\\""]}', '{"n": [1, {"deep": true}]}', 'null']);
  });
});
