import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { SetupError } from '../../src/errors.js';
import { formatTomlValue, parseTomlDocument, removeTomlTable, setTomlTable } from '../../src/files/toml-document.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/toml/${name}`, import.meta.url), 'utf8');

const WITH_MITTWALD = fixture('codex-with-mittwald.toml');
const WITHOUT_MITTWALD = fixture('codex-without-mittwald.toml');

const TABLE = ['mcp_servers', 'mittwald'] as const;
const ENTRY = { url: 'https://mcp.mittwald.de/mcp', bearer_token_env_var: 'MITTWALD_API_TOKEN' };
const BLOCK = [
  '[mcp_servers.mittwald]',
  'url = "https://mcp.mittwald.de/mcp"',
  'bearer_token_env_var = "MITTWALD_API_TOKEN"',
].join('\n');
const OTHER_ENTRY = { url: 'https://mcp.mittwald.de/mcp', http_headers: { Authorization: 'Bearer abc' } };

const crlf = (text: string): string => text.replace(/\n/g, '\r\n');
const withoutFinalNewline = (text: string): string => text.replace(/\r?\n$/, '');
const mittwaldOf = (text: string): unknown =>
  (parse(text) as { mcp_servers?: Record<string, unknown> }).mcp_servers?.['mittwald'];

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('parseTomlDocument', () => {
  it('parses a Codex config and gives {} for an empty file', () => {
    const document = parseTomlDocument(WITH_MITTWALD, '/home/u/.codex/config.toml');
    expect(document['model']).toBe('o3');
    expect((document['mcp_servers'] as Record<string, unknown>)['mittwald']).toEqual({
      url: 'https://mcp.mittwald.de/sse',
      bearer_token_env_var: 'MITTWALD_API_TOKEN',
      env_http_headers: { 'X-Project': 'MITTWALD_PROJECT_ID' },
    });
    expect(parseTomlDocument('', 'x.toml')).toEqual({});
  });

  it('reports a syntax error as CONFIG_PARSE with path, 1-based line and column, and a hint', () => {
    const error = catchError(() => parseTomlDocument('model = "o3"\napproval_policy = "never"\nmodel = "o4"\n', '/h/config.toml'));
    expect(error).toBeInstanceOf(SetupError);
    expect((error as SetupError).code).toBe('CONFIG_PARSE');
    expect((error as SetupError).message).toBe('/h/config.toml:3:1: trying to redefine an already defined table or value');
    expect((error as SetupError).hint).toContain('/h/config.toml');

    const header = catchError(() => parseTomlDocument('model = "o3"\n\n[mcp_servers.mittwald\nurl = "x"\n', 'c.toml'));
    expect((header as SetupError).message).toMatch(/^c\.toml:3:22: /);
  });
});

describe('formatTomlValue', () => {
  it('writes basic strings with the spec escapes', () => {
    expect(formatTomlValue('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(formatTomlValue('tab\tnl\ncr\r\u0001\u007f')).toBe('"tab\\tnl\\ncr\\r\\u0001\\u007F"');
    expect(formatTomlValue('ünïcødé ✓ 😀')).toBe('"ünïcødé ✓ 😀"');
  });

  it('round-trips awkward strings through smol-toml', () => {
    const samples = [
      'say "hi" \\ back\\slash \\u0041',
      'ünïcødé ✓ 😀 \u2028',
      '\u0000\u0008\u001b\u001f\u007f',
      '"""',
      "'''",
      '# not a comment [mcp_servers.x]',
      '',
    ];
    for (const sample of samples) {
      expect(parse(`v = ${formatTomlValue(sample)}`)['v']).toBe(sample);
    }
  });

  it('writes numbers, booleans, arrays and inline tables with quoted keys where needed', () => {
    expect(formatTomlValue(3)).toBe('3');
    expect(formatTomlValue(0.5)).toBe('0.5');
    expect(formatTomlValue(true)).toBe('true');
    expect(formatTomlValue(['read', 'write'])).toBe('["read", "write"]');
    expect(formatTomlValue([])).toBe('[]');
    expect(formatTomlValue({})).toBe('{}');
    expect(formatTomlValue({ Authorization: 'Bearer x', 'X-Id': 1, 'a.b': { 'with space': false } })).toBe(
      '{ Authorization = "Bearer x", X-Id = 1, "a.b" = { "with space" = false } }',
    );
    expect(formatTomlValue({ kept: 'yes', dropped: undefined })).toBe('{ kept = "yes" }');
    const numbers = [NaN, Infinity, -Infinity, -0, 2 ** 60, 1e-7, -12];
    for (const number of numbers) expect(parse(`v = ${formatTomlValue(number)}`)['v']).toBe(number);
  });

  it('refuses what TOML cannot hold', () => {
    for (const value of [null, undefined, 1n, () => 1, '\ud800 lone', new Map(), [null]]) {
      expect(() => formatTomlValue(value)).toThrow(TypeError);
    }
  });
});

describe('setTomlTable', () => {
  const intro = '# mittwald, added by hand last year\n';
  const prefix = WITH_MITTWALD.slice(0, WITH_MITTWALD.indexOf(intro) + intro.length);
  const suffix = WITH_MITTWALD.slice(WITH_MITTWALD.indexOf('\n# Tools come last.'));

  it('replaces a stale table and its sub-table in place, leaving every other byte alone', () => {
    const result = setTomlTable(WITH_MITTWALD, TABLE, ENTRY);
    expect(result).toBe(`${prefix}${BLOCK}\n${suffix}`);
    expect(mittwaldOf(result)).toEqual(ENTRY);
  });

  it('keeps CRLF line endings when replacing', () => {
    const result = setTomlTable(crlf(WITH_MITTWALD), TABLE, ENTRY);
    expect(result).toBe(crlf(`${prefix}${BLOCK}\n${suffix}`));
  });

  it('does not take a header inside a multi-line string or a multi-line array for a table', () => {
    // Both fixtures hold "[mcp_servers.mittwald]" inside strings; a scanner fooled by them would cut there.
    const result = setTomlTable(WITHOUT_MITTWALD, TABLE, ENTRY);
    expect(result).toBe(`${WITHOUT_MITTWALD}\n${BLOCK}\n`);
    expect(removeTomlTable(WITHOUT_MITTWALD, TABLE)).toBe(WITHOUT_MITTWALD);
  });

  it('is not fooled by escaped or extra closing quotes, brackets in strings, or comments in arrays', () => {
    const tricky = [
      '[profiles.tricky]',
      'a = """one quote before the end""""',
      "b = '''two quotes before the end'''''",
      'c = """escaped \\""" still inside',
      '[mcp_servers.mittwald]',
      'url = "not a key"',
      '"""',
      'd = "a # not a comment [mcp_servers.mittwald]"',
      "e = 'C:\\path\\'",
      'f = [ "]", \'[\', { x = "}" }, # a comment ]',
      '  [1, 2],',
      ']',
      'g = [\'x\']',
      'h = ["\\"]", 1]',
      '',
    ].join('\n');
    expect(parse(tricky)['profiles']).toHaveProperty('tricky.c', 'escaped """ still inside\n[mcp_servers.mittwald]\nurl = "not a key"\n');
    const text = `${tricky}\n[mcp_servers.mittwald]\nurl = "old"\n`;
    expect(setTomlTable(text, TABLE, ENTRY)).toBe(`${tricky}\n${BLOCK}\n`);
    expect(removeTomlTable(text, TABLE)).toBe(tricky);
    expect(setTomlTable(tricky, TABLE, ENTRY)).toBe(`${tricky}\n${BLOCK}\n`);
  });

  it('writes the table where its own header was, even when a sub-table comes first', () => {
    const text = '[mcp_servers.mittwald.env]\nA = "b"\n\n[profiles.x]\nmodel = "o3"\n\n[mcp_servers.mittwald]\nurl = "old"\n\n[z]\n';
    expect(setTomlTable(text, TABLE, ENTRY)).toBe(`[profiles.x]\nmodel = "o3"\n\n${BLOCK}\n\n[z]\n`);
  });

  it('writes nested objects as inline tables and string arrays as arrays', () => {
    const value = { url: 'https://mcp.mittwald.de/mcp', http_headers: { Authorization: 'Bearer abc' }, scopes: ['a', 'b'] };
    const result = setTomlTable('model = "o3"\n', TABLE, value);
    expect(result).toBe(
      'model = "o3"\n\n[mcp_servers.mittwald]\nurl = "https://mcp.mittwald.de/mcp"\n' +
        'http_headers = { Authorization = "Bearer abc" }\nscopes = ["a", "b"]\n',
    );
    expect(mittwaldOf(result)).toEqual(value);
  });

  it('escapes quotes, backslashes and unicode in values and quotes keys with dots or spaces', () => {
    const value = {
      url: 'https://example.com/mcp?q="x"&p=C:\\path',
      'header with space': 'ünïcødé ✓ 😀\n"quoted"',
      nested: { 'X-Key.Dotted': '\\\\server\\share', '': 'empty key' },
    };
    const table = ['mcp_servers', 'mittwald.dev'];
    const result = setTomlTable('# top\n', table, value);
    expect(result).toContain('[mcp_servers."mittwald.dev"]\n');
    expect((parse(result) as { mcp_servers: Record<string, unknown> }).mcp_servers['mittwald.dev']).toEqual(value);
    expect(removeTomlTable(result, table)).toBe('# top\n');
  });

  it('replaces a table written with quoted or spaced headers', () => {
    const headers = [
      '[mcp_servers."mittwald"]',
      "[ mcp_servers . 'mittwald' ]  # ours",
      '["mcp_servers".mittwald]',
      '[mcp_servers."mitt\\u0077ald"]',
    ];
    for (const header of headers) {
      const text = `model = "o3"\n\n${header}\nurl = "https://mcp.mittwald.de/sse"\n\n[profiles.x]\nmodel = "o3"\n`;
      expect(setTomlTable(text, TABLE, ENTRY)).toBe(`model = "o3"\n\n${BLOCK}\n\n[profiles.x]\nmodel = "o3"\n`);
      expect(removeTomlTable(text, TABLE)).toBe('model = "o3"\n\n[profiles.x]\nmodel = "o3"\n');
    }
  });

  it('replaces the dotted-key form under [mcp_servers] and appends a complete table', () => {
    const text = [
      '[mcp_servers]',
      'other = { url = "https://example.com/mcp" }',
      'mittwald.url = "https://mcp.mittwald.de/sse"  # old',
      'mittwald.env_http_headers.X-Project = "P"',
      '# keep me',
      'zeta.url = "https://zeta.example/mcp"',
      '',
    ].join('\n');
    const kept = '[mcp_servers]\nother = { url = "https://example.com/mcp" }\n# keep me\nzeta.url = "https://zeta.example/mcp"\n';
    expect(setTomlTable(text, TABLE, ENTRY)).toBe(`${kept}\n${BLOCK}\n`);
    expect(removeTomlTable(text, TABLE)).toBe(kept);
  });

  it('replaces the inline-table form (single- and multi-line) and root dotted keys', () => {
    const cases = [
      {
        text: '[mcp_servers]\nmittwald = { url = "https://mcp.mittwald.de/sse", http_headers = { A = "b" } }\nother = { url = "https://o" }\n',
        kept: '[mcp_servers]\nother = { url = "https://o" }\n',
      },
      {
        text: '[mcp_servers]\nmittwald = {\n  url = "https://mcp.mittwald.de/sse", # old\n}\nother.url = "https://o"\n',
        kept: '[mcp_servers]\nother.url = "https://o"\n',
      },
      {
        text: 'model = "o3"\nmcp_servers.mittwald.url = "https://mcp.mittwald.de/sse"\nmcp_servers.other.url = "https://o"\n\n[profiles.x]\nmodel = "o3"\n',
        kept: 'model = "o3"\nmcp_servers.other.url = "https://o"\n\n[profiles.x]\nmodel = "o3"\n',
      },
    ];
    for (const { text, kept } of cases) {
      expect(setTomlTable(text, TABLE, ENTRY)).toBe(`${kept}\n${BLOCK}\n`);
      expect(removeTomlTable(text, TABLE)).toBe(kept);
    }
  });

  it('puts the table where its only sub-table was, and drops a sub-table found further down', () => {
    expect(setTomlTable('a = 1\n\n[mcp_servers.mittwald.env]\nA = "b"\n\n[b]\nc = 2\n', TABLE, ENTRY)).toBe(
      `a = 1\n\n${BLOCK}\n\n[b]\nc = 2\n`,
    );
    const split = '[mcp_servers.mittwald]\nurl = "old"\n\n[profiles.x]\nmodel = "o3"\n\n[mcp_servers.mittwald.env_http_headers]\nX = "Y"\n';
    expect(setTomlTable(split, TABLE, ENTRY)).toBe(`${BLOCK}\n\n[profiles.x]\nmodel = "o3"\n`);
    expect(removeTomlTable(split, TABLE)).toBe('[profiles.x]\nmodel = "o3"\n');
  });

  it('keeps the missing final newline when replacing the last table', () => {
    expect(setTomlTable('model = "o3"\n\n[mcp_servers.mittwald]\nurl = "old"', TABLE, ENTRY)).toBe(`model = "o3"\n\n${BLOCK}`);
  });

  it('keeps a byte-order mark', () => {
    const text = '\ufeff[mcp_servers.mittwald]\nurl = "old"\n\n[b]\nc = 1\n';
    expect(setTomlTable(text, TABLE, ENTRY)).toBe(`\ufeff${BLOCK}\n\n[b]\nc = 1\n`);
    expect(removeTomlTable(text, TABLE)).toBe('\ufeff[b]\nc = 1\n');
  });

  it('returns the text unchanged when the table already holds the value, however it is written', () => {
    const text = '[mcp_servers]\n# mine\nmittwald = { bearer_token_env_var = "MITTWALD_API_TOKEN", url = "https://mcp.mittwald.de/mcp" }\n';
    expect(setTomlTable(text, TABLE, ENTRY)).toBe(text);
  });

  it('extends a parent defined by root dotted keys with a [table] header', () => {
    const text = 'mcp_servers.other.url = "https://o"\n';
    const result = setTomlTable(text, TABLE, ENTRY);
    expect(result).toBe(`${text}\n${BLOCK}\n`);
    expect(parse(result)).toEqual({ mcp_servers: { other: { url: 'https://o' }, mittwald: ENTRY } });
  });

  it('refuses an unparseable file with CONFIG_PARSE and the position', () => {
    const error = catchError(() => setTomlTable('model = "o3"\nmodel = "o4"\n', TABLE, ENTRY, '/h/.codex/config.toml'));
    expect((error as SetupError).code).toBe('CONFIG_PARSE');
    expect((error as SetupError).message).toMatch(/^\/h\/\.codex\/config\.toml:2:1: /);
    expect((catchError(() => removeTomlTable('[a\n', TABLE)) as SetupError).code).toBe('CONFIG_PARSE');
  });

  it('refuses to edit when a parent is an inline value, instead of writing invalid TOML', () => {
    for (const text of [
      'mcp_servers = { other = { url = "https://o" } }\n',
      '[[mcp_servers]]\nname = "x"\n',
    ]) {
      const error = catchError(() => setTomlTable(text, TABLE, ENTRY));
      expect((error as SetupError).code).toBe('CONFIG_PARSE');
      expect((error as SetupError).hint).toMatch(/Rewrite "mcp_servers"/);
    }
    const inline = 'mcp_servers = { mittwald = { url = "https://o" } }\n';
    expect((catchError(() => removeTomlTable(inline, TABLE)) as SetupError).code).toBe('CONFIG_PARSE');
  });
});

describe('removeTomlTable', () => {
  it('removes the table and its sub-tables and keeps every comment outside them', () => {
    const intro = '# mittwald, added by hand last year\n';
    const expected =
      WITH_MITTWALD.slice(0, WITH_MITTWALD.indexOf(intro) + intro.length) +
      WITH_MITTWALD.slice(WITH_MITTWALD.indexOf('\n# Tools come last.'));
    const result = removeTomlTable(WITH_MITTWALD, TABLE);
    expect(result).toBe(expected);
    expect(mittwaldOf(result)).toBeUndefined();
    expect(removeTomlTable(crlf(WITH_MITTWALD), TABLE)).toBe(crlf(expected));
  });

  it('leaves other servers whose names share a prefix alone', () => {
    const text = '[mcp_servers.mittwald-old]\nurl = "a"\n\n[mcp_servers.mittwald]\nurl = "b"\n\n[mcp_servers.mittwaldx.env]\nA = "c"\n';
    expect(removeTomlTable(text, TABLE)).toBe('[mcp_servers.mittwald-old]\nurl = "a"\n\n[mcp_servers.mittwaldx.env]\nA = "c"\n');
  });

  it('is a no-op returning the identical string when the table is absent', () => {
    for (const text of ['', '# only a comment', WITHOUT_MITTWALD, crlf(WITHOUT_MITTWALD)]) {
      expect(removeTomlTable(text, TABLE)).toBe(text);
    }
  });
});

describe('round trips', () => {
  const variants: Record<string, string> = {
    'a realistic config': WITHOUT_MITTWALD,
    'CRLF': crlf(WITHOUT_MITTWALD),
    'no final newline': withoutFinalNewline(WITHOUT_MITTWALD),
    'CRLF without final newline': withoutFinalNewline(crlf(WITHOUT_MITTWALD)),
    'an empty file': '',
    'only comments': '# nothing configured yet\n# really\n',
    'a trailing blank line': 'model = "o3"\n\n',
    'a last table ending in a comment without newline': '[profiles.x]\nmodel = "o3" # end',
    'a byte-order mark': '\ufeffmodel = "o3"\n',
  };

  for (const [name, original] of Object.entries(variants)) {
    it(`adds, replaces and removes byte-exactly on ${name}`, () => {
      const added = setTomlTable(original, TABLE, ENTRY);
      expect(mittwaldOf(added)).toEqual(ENTRY);
      expect(added.startsWith(original)).toBe(true);
      expect(removeTomlTable(added, TABLE)).toBe(original);

      // Replacing with something else and back again lands on the very same bytes as adding once.
      const changed = setTomlTable(added, TABLE, OTHER_ENTRY);
      expect(mittwaldOf(changed)).toEqual(OTHER_ENTRY);
      expect(setTomlTable(changed, TABLE, ENTRY)).toBe(added);
      expect(setTomlTable(added, TABLE, ENTRY)).toBe(added);

      if (original.includes('\r\n')) expect(added.replace(/\r\n/g, '')).not.toContain('\n');
      expect(added.endsWith('\n')).toBe(original === '' || original.endsWith('\n'));
    });
  }

  it('replacing changes only the bytes of our table', () => {
    const changed = setTomlTable(WITH_MITTWALD, TABLE, OTHER_ENTRY);
    const start = WITH_MITTWALD.lastIndexOf('[mcp_servers.mittwald]');
    const end = WITH_MITTWALD.indexOf('\n# Tools come last.');
    expect(changed.slice(0, start)).toBe(WITH_MITTWALD.slice(0, start));
    expect(changed.slice(changed.length - (WITH_MITTWALD.length - end))).toBe(WITH_MITTWALD.slice(end));
  });
});
