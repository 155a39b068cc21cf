/** The writer builds an edited file's bytes from the bytes it read and the edits (text-splices.ts) instead of
 * encoding the whole new text; the bytes written are exactly the new text's, in every case it falls back too. */
import { vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfigFile, writeConfigFile } from '../../src/files/config-file.js';
import { removeJsonValue, setJsonValue } from '../../src/files/jsonc-document.js';
import { noteSplices, splicedBytes } from '../../src/files/text-splices.js';

vi.mock('node:fs/promises', async () => (await import('memfs')).fs.promises);
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', async () => (await import('memfs')).fs);

const FILE = '/home/ada/.claude.json';
const BACKUPS = '/home/ada/.mittwald-mcp-setup/backups';
const ENTRY = { type: 'http', url: 'https://mcp.mittwald.de/mcp' };

beforeEach(() => {
  vol.reset();
  vol.mkdirSync('/home/ada', { recursive: true });
});

describe('splicedBytes', () => {
  it('splices the edits into the bytes of an ASCII base, and gives up on anything else', () => {
    const base = '{"a": 1, "b": [2, 3]}';
    const result = `${base.slice(0, 6)}"ü"${base.slice(7, 13)}${base.slice(20)}`;
    noteSplices(result, base, [
      { offset: 6, length: 1, content: '"ü"' },
      { offset: 13, length: 7, content: '' },
    ]);
    expect(splicedBytes(result, base, Buffer.from(base))).toEqual(Buffer.from(result, 'utf8'));
    // Another base, a text not noted, a base that is not ASCII: no bytes.
    expect(splicedBytes(result, '{"a": 2, "b": [2, 3]}', Buffer.from(base))).toBeUndefined();
    expect(splicedBytes('{"c": 1}', base, Buffer.from(base))).toBeUndefined();
    const unicode = '{"ä": 1}';
    const edited = `${unicode.slice(0, 6)}2}`;
    noteSplices(edited, unicode, [{ offset: 6, length: 1, content: '2' }]);
    expect(splicedBytes(edited, unicode, Buffer.from(unicode))).toBeUndefined();
    // A text edited from an edited text is not noted (the writer knows the bytes of what it read only).
    const again = `${result}\n`;
    noteSplices(again, result, [{ offset: result.length, length: 0, content: '\n' }]);
    expect(splicedBytes(again, result, Buffer.from(result))).toBeUndefined();
  });
});

describe('writing an edited config file', () => {
  const cases: Array<[string, string, (text: string) => string]> = [
    ['an entry added to an ASCII file', '{\n  "mcpServers": {\n    "other": { "url": "https://example.test/mcp" }\n  }\n}\n', (text) => setJsonValue(text, ['mcpServers', 'mittwald'], ENTRY)],
    ['an entry removed', '{"mcpServers": {"mittwald": {"url": "x"}, "other": {}}}', (text) => removeJsonValue(text, ['mcpServers', 'mittwald'])],
    ['a file with non-ASCII text', '{"mcpServers": {"über": {"url": "https://example.test/✓"}}}', (text) => setJsonValue(text, ['mcpServers', 'mittwald'], ENTRY)],
    ['a file with a BOM', '\uFEFF{"mcpServers": {}}\r\n', (text) => setJsonValue(text, ['mcpServers', 'mittwald'], ENTRY)],
    ['two edits in a row', '{"mcpServers": {"mittwald": {"url": "old", "x": 1}}}', (text) => setJsonValue(removeJsonValue(text, ['mcpServers', 'mittwald', 'x']), ['mcpServers', 'mittwald', 'url'], 'https://mcp.mittwald.de/mcp')],
  ];
  for (const [name, original, edit] of cases) {
    it(`writes exactly the new text: ${name}`, async () => {
      vol.writeFileSync(FILE, original);
      const { text } = await readConfigFile(FILE);
      const after = edit(text ?? '');
      expect(after).not.toBe(original);
      await writeConfigFile(FILE, after, { secret: false, backupDir: BACKUPS, expected: text });
      expect(vol.readFileSync(FILE)).toEqual(Buffer.from(after, 'utf8'));
    });
  }
});
