/** Each config file is read once per run: the plan, its warnings and the check after writing share one read,
 * and a change by another program is still seen. */
import { fs as memfs, vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import claudeCode from '../../adapters/claude-code.js';
import { readConfigFile, writeConfigFile } from '../../src/files/config-file.js';
import type { Environment, SetupRequest } from '../../src/model.js';

vi.mock('node:fs/promises', async () => (await import('memfs')).fs.promises);
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', async () => (await import('memfs')).fs);

const HOME = '/home/ada';
const REPO = '/home/ada/work/shop';
const CLAUDE_JSON = `${HOME}/.claude.json`;
const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const environment: Environment = { platform: 'linux', home: HOME, cwd: REPO, env: { HOME, PATH: '/nowhere' } };
const request = (overrides: Partial<SetupRequest> = {}): SetupRequest => ({ serverUrl: SERVER_URL, name: 'mittwald', scope: 'user', credential: { kind: 'oauth' }, replaceStale: false, ...overrides });

/** A file as a tool left it a while ago (a file changed within the last seconds is read again each time). */
function writeOld(path: string, text: string): void {
  vol.writeFileSync(path, text);
  const old = new Date(Date.now() - 60 * 60_000);
  vol.utimesSync(path, old, old);
}

/** Reads of a file: whole (readFile) or again into a buffer of ours (open for reading). */
function countReads(): (path: string) => number {
  const whole = vi.spyOn(memfs.promises, 'readFile');
  const opened = vi.spyOn(memfs.promises, 'open');
  return (path) =>
    whole.mock.calls.filter(([file]) => String(file) === path).length +
    opened.mock.calls.filter(([file, flags]) => String(file) === path && (flags === undefined || flags === 'r')).length;
}

const claudeJson = JSON.stringify(
  {
    numStartups: 9,
    projects: { [REPO]: { mcpServers: { mittwald: { type: 'http', url: SERVER_URL } } } },
    mcpServers: { other: { type: 'http', url: 'https://example.test/mcp' } },
  },
  null,
  2,
);

beforeEach(() => {
  vi.restoreAllMocks();
  vol.reset();
  vol.mkdirSync(`${REPO}/.git`, { recursive: true });
});

describe('one read per config file', () => {
  it('Claude Code: plan (with the local-scope entry it reports) and inspect of user + local read ~/.claude.json once', async () => {
    writeOld(CLAUDE_JSON, claudeJson);
    const reads = countReads();
    const [plan] = await claudeCode.plan(environment, request());
    expect(plan?.staleKept.map((entry) => entry.project)).toEqual([REPO]);
    const entries = await claudeCode.inspect(environment, { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries.map((entry) => entry.scope)).toEqual(['local']);
    expect(reads(CLAUDE_JSON)).toBe(1);

    // A project-scope plan reads the global file (for the local-scope entries) from the same read.
    await claudeCode.plan(environment, request({ scope: 'project' }));
    expect(reads(CLAUDE_JSON)).toBe(1);
  });

  it('sees a file another program replaced (new inode) or rewrote (new size), whatever its times say', async () => {
    writeOld(CLAUDE_JSON, '{"a": 1}');
    expect((await readConfigFile(CLAUDE_JSON)).text).toBe('{"a": 1}');

    // Replaced by rename, same size, its mtime set back to the old one.
    const { mtime } = vol.statSync(CLAUDE_JSON);
    vol.writeFileSync(`${HOME}/.new`, '{"b": 2}');
    vol.utimesSync(`${HOME}/.new`, mtime, mtime);
    vol.renameSync(`${HOME}/.new`, CLAUDE_JSON);
    expect((await readConfigFile(CLAUDE_JSON)).text).toBe('{"b": 2}');

    // Rewritten in place with a different size, mtime set back as well.
    vol.writeFileSync(CLAUDE_JSON, '{"b": 22}');
    vol.utimesSync(CLAUDE_JSON, mtime, mtime);
    expect((await readConfigFile(CLAUDE_JSON)).text).toBe('{"b": 22}');

    vol.unlinkSync(CLAUDE_JSON);
    expect((await readConfigFile(CLAUDE_JSON)).text).toBeNull();
  });

  it('reads a recently modified file again each time, handing back the same text while the bytes stay', async () => {
    vol.writeFileSync(CLAUDE_JSON, claudeJson);
    const reads = countReads();
    const first = await readConfigFile(CLAUDE_JSON);
    const second = await readConfigFile(CLAUDE_JSON);
    expect(reads(CLAUDE_JSON)).toBe(2);
    expect(second).toBe(first);
  });

  it('sees any change when it reads a file again, across the chunks it compares in', async () => {
    // Over 2 MB, so that the comparison runs over several chunks.
    const text = `{"a": "${'x'.repeat(2_500_000)}"}`;
    vol.writeFileSync(CLAUDE_JSON, text);
    const first = await readConfigFile(CLAUDE_JSON);
    expect(await readConfigFile(CLAUDE_JSON, { fresh: true })).toBe(first);
    const variants = [
      `${text.slice(0, 1_500_000)}y${text.slice(1_500_001)}`, // one byte in the second chunk
      `${text} `, // one byte longer
      text.slice(0, -1), // one byte shorter
      `${text.slice(0, 2_097_152)}${text.slice(2_097_152)}`, // the same bytes again
    ];
    let last = first;
    for (const variant of variants) {
      vol.writeFileSync(CLAUDE_JSON, variant);
      const again = await readConfigFile(CLAUDE_JSON, { fresh: true });
      expect(again.text).toBe(variant);
      if (variant === last.text) expect(again).toBe(last);
      last = again;
    }
  });

  it('after our own write, hands back the text written while the file holds it, and sees a change made after it', async () => {
    writeOld(CLAUDE_JSON, '{"a": 1}');
    await readConfigFile(CLAUDE_JSON);
    const written = '{"a": 2}';
    await writeConfigFile(CLAUDE_JSON, written, { secret: false, backupDir: `${HOME}/.mittwald-mcp-setup/backups` });
    const readBack = await readConfigFile(CLAUDE_JSON);
    expect(readBack.text).toBe(written);
    expect(await readConfigFile(CLAUDE_JSON)).toBe(readBack);
    // Another program writes the same size right after us, its times set back: still seen.
    const { mtime } = vol.statSync(CLAUDE_JSON);
    vol.writeFileSync(CLAUDE_JSON, '{"a": 3}');
    vol.utimesSync(CLAUDE_JSON, mtime, mtime);
    expect((await readConfigFile(CLAUDE_JSON)).text).toBe('{"a": 3}');
  });

  it('reads from disk when asked for a fresh read, and after our own write', async () => {
    writeOld(CLAUDE_JSON, '{"a": 1}');
    const reads = countReads();
    await readConfigFile(CLAUDE_JSON);
    await readConfigFile(CLAUDE_JSON, { fresh: true });
    expect(reads(CLAUDE_JSON)).toBe(2);

    await writeConfigFile(CLAUDE_JSON, '{"a": 2}', { secret: false, backupDir: `${HOME}/.mittwald-mcp-setup/backups` });
    expect((await readConfigFile(CLAUDE_JSON)).text).toBe('{"a": 2}');
  });

  it('follows a symlink to the one file it shares a read with', async () => {
    vol.mkdirSync(`${HOME}/dotfiles`);
    writeOld(`${HOME}/dotfiles/claude.json`, claudeJson);
    vol.symlinkSync(`${HOME}/dotfiles/claude.json`, CLAUDE_JSON);
    const reads = countReads();
    const viaLink = await readConfigFile(CLAUDE_JSON);
    const direct = await readConfigFile(`${HOME}/dotfiles/claude.json`);
    expect([viaLink.path, direct.path]).toEqual([CLAUDE_JSON, `${HOME}/dotfiles/claude.json`]);
    expect(direct.text).toBe(viaLink.text);
    expect(reads(`${HOME}/dotfiles/claude.json`)).toBe(1);
  });
});
