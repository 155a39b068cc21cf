import { fs as memfs, vol } from 'memfs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backupFileName, deleteConfigFile, KEPT_BACKUPS, readConfigFile, writeConfigFile } from '../../src/files/config-file.js';
import { SetupError } from '../../src/errors.js';

vi.mock('node:fs/promises', async () => (await import('memfs')).fs.promises);
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', async () => (await import('memfs')).fs);

const BACKUPS = '/home/u/.mittwald-mcp-setup/backups';
const FILE = '/home/u/.cursor/mcp.json';
const OLD = '{\n  // mine\n  "mcpServers": {}\n}\n';
const NEW = '{\n  // mine\n  "mcpServers": {"mittwald": {"url": "u"}}\n}\n';

function mode(path: string): number {
  return Number(vol.statSync(path).mode) & 0o777;
}

function read(path: string): string {
  return vol.readFileSync(path, 'utf8') as string;
}

function tempFiles(folder: string): string[] {
  return (vol.readdirSync(folder) as string[]).filter((name) => name.endsWith('.tmp'));
}

function backups(): string[] {
  return vol.existsSync(BACKUPS) ? (vol.readdirSync(BACKUPS) as string[]) : [];
}

async function failure(promise: Promise<unknown>): Promise<SetupError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SetupError);
    return error as SetupError;
  }
  throw new Error('expected a SetupError');
}

function withCode(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

beforeEach(() => {
  vol.reset();
  vol.mkdirSync('/home/u', { recursive: true });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('readConfigFile', () => {
  it('reports a missing file as null text', async () => {
    expect(await readConfigFile(FILE)).toEqual({ path: FILE, realPath: FILE, text: null });
  });

  it('reads text (BOM kept) and the permission bits', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, '\uFEFF{}', { mode: 0o640 });
    expect(await readConfigFile(FILE)).toEqual({ path: FILE, realPath: FILE, text: '\uFEFF{}', mode: 0o640 });
  });

  it('follows a symlink and names its target', async () => {
    vol.mkdirSync('/home/u/dotfiles');
    vol.writeFileSync('/home/u/dotfiles/cursor.json', OLD);
    vol.mkdirSync('/home/u/.cursor');
    vol.symlinkSync('/home/u/dotfiles/cursor.json', FILE);
    const snapshot = await readConfigFile(FILE);
    expect(snapshot.realPath).toBe('/home/u/dotfiles/cursor.json');
    expect(snapshot.text).toBe(OLD);
  });

  it('rejects a folder where the file should be', async () => {
    vol.mkdirSync(FILE, { recursive: true });
    const error = await failure(readConfigFile(FILE));
    expect(error.code).toBe('CONFIG_IO');
    expect(error.message).toBe(`${FILE} is a folder, not a file`);
    expect(error.hint).toBeTruthy();
  });

  it('reports an unreadable file as CONFIG_IO (memfs enforces permission bits)', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    vol.chmodSync(FILE, 0o000);
    const error = await failure(readConfigFile(FILE));
    expect(error.code).toBe('CONFIG_IO');
    expect(error.message).toContain('permission denied');
  });

  it('refuses UTF-16 and invalid UTF-8 rather than corrupting them later', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, Buffer.from('\uFEFF{}', 'utf16le'));
    expect((await failure(readConfigFile(FILE))).message).toMatch(/UTF-16/);
    vol.writeFileSync(FILE, Buffer.from([0x7b, 0xff, 0x7d]));
    expect((await failure(readConfigFile(FILE))).code).toBe('CONFIG_PARSE');
  });
});

describe('writeConfigFile', () => {
  it('creates a new file and its parent folders, without a backup', async () => {
    const result = await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(result).toEqual({ path: FILE, created: true });
    expect(read(FILE)).toBe(NEW);
    expect(mode(FILE)).toBe(0o644);
    expect(backups()).toEqual([]);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
  });

  it('creates a secret file 0600 in new folders 0700', async () => {
    await writeConfigFile('/home/u/.codex/deep/config.toml', 'x = 1\n', { secret: true, backupDir: BACKUPS });
    expect(mode('/home/u/.codex/deep/config.toml')).toBe(0o600);
    expect(mode('/home/u/.codex')).toBe(0o700);
    expect(mode('/home/u/.codex/deep')).toBe(0o700);
  });

  it('backs up the previous bytes to a 0600 file named after the time and the original path', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-04T05:06:07.089Z'));
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    const result = await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(result.created).toBe(false);
    expect(result.backup).toBe(`${BACKUPS}/2025-03-04T05-06-07.089Z_home_u_.cursor_mcp.json`);
    expect(read(result.backup ?? '')).toBe(OLD);
    expect(mode(result.backup ?? '')).toBe(0o600);
    expect(mode(BACKUPS)).toBe(0o700);
    expect(read(FILE)).toBe(NEW);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
  });

  it('keeps every backup when two writes happen in the same millisecond', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-04T05:06:07.089Z'));
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, 'one');
    const first = await writeConfigFile(FILE, 'two', { secret: false, backupDir: BACKUPS });
    const second = await writeConfigFile(FILE, 'three', { secret: false, backupDir: BACKUPS });
    expect(first.backup).not.toBe(second.backup);
    expect(read(first.backup ?? '')).toBe('one');
    expect(read(second.backup ?? '')).toBe('two');
  });

  it('writes through a symlink: the link stays a link, its target gets the content', async () => {
    vol.mkdirSync('/home/u/dotfiles');
    vol.writeFileSync('/home/u/dotfiles/cursor.json', OLD);
    vol.mkdirSync('/home/u/.cursor');
    vol.symlinkSync('/home/u/dotfiles/cursor.json', FILE);
    const result = await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(vol.lstatSync(FILE).isSymbolicLink()).toBe(true);
    expect(vol.readlinkSync(FILE)).toBe('/home/u/dotfiles/cursor.json');
    expect(read('/home/u/dotfiles/cursor.json')).toBe(NEW);
    expect(read(result.backup ?? '')).toBe(OLD);
    expect(tempFiles('/home/u/dotfiles')).toEqual([]);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
  });

  it('creates the target of a dangling symlink instead of replacing the link', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.symlinkSync('/home/u/dotfiles/cursor.json', FILE);
    const result = await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(result.created).toBe(true);
    expect(vol.lstatSync(FILE).isSymbolicLink()).toBe(true);
    expect(read('/home/u/dotfiles/cursor.json')).toBe(NEW);
  });

  it('keeps the existing mode, including 0600, when the content is not secret', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD, { mode: 0o640 });
    await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(mode(FILE)).toBe(0o640);
    vol.chmodSync(FILE, 0o600);
    await writeConfigFile(FILE, OLD, { secret: false, backupDir: BACKUPS });
    expect(mode(FILE)).toBe(0o600);
  });

  it('tightens an existing file to 0600 when it now holds a secret', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD, { mode: 0o644 });
    await writeConfigFile(FILE, NEW, { secret: true, backupDir: BACKUPS });
    expect(mode(FILE)).toBe(0o600);
  });

  it('changes nothing and makes no backup when the content is already there', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, NEW, { mode: 0o600 });
    const result = await writeConfigFile(FILE, NEW, { secret: true, backupDir: BACKUPS });
    expect(result).toEqual({ path: FILE, created: false });
    expect(backups()).toEqual([]);
  });

  it('refuses a file whose permissions allow no writes, leaving it as it was', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    vol.chmodSync(FILE, 0o444);
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS }));
    expect(error.code).toBe('CONFIG_READ_ONLY');
    expect(error.message).toBe(`${FILE} is read-only (its permissions allow no writes)`);
    expect(error.hint).toBeTruthy();
    expect(read(FILE)).toBe(OLD);
    expect(mode(FILE)).toBe(0o444);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
    expect(backups()).toEqual([]);
  });

  it('refuses a read-only folder (memfs enforces folder permission bits), leaving no temp file or backup', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    vol.chmodSync('/home/u/.cursor', 0o555);
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS }));
    expect(error.code).toBe('CONFIG_READ_ONLY');
    expect(error.message).toMatch(new RegExp(`^${FILE} is read-only`));
    expect(read(FILE)).toBe(OLD);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
    expect(backups()).toEqual([]);
  });

  it('maps a read-only file system at rename time to CONFIG_READ_ONLY and cleans up', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    const rename = memfs.renameSync.bind(memfs);
    // The backup's own rename goes through; the file's fails.
    vi.spyOn(memfs, 'renameSync').mockImplementation((from, to) => {
      if (String(to) === FILE) throw withCode('EROFS');
      rename(from, to);
    });
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS }));
    expect(error.code).toBe('CONFIG_READ_ONLY');
    expect(error.message).toBe(`${FILE} is read-only (the file system is read-only)`);
    expect(read(FILE)).toBe(OLD);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
    expect(backups()).toEqual([]);
  });

  it('removes the temp file when writing it fails midway (disk full)', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    const open = memfs.promises.open.bind(memfs.promises);
    vi.spyOn(memfs.promises, 'open').mockImplementation(async (...args: Parameters<typeof open>) => {
      const handle = await open(...args);
      if (String(args[0]).endsWith('.tmp')) {
        // memfs's handle type differs from node's; only sync() is replaced.
        (handle as unknown as { sync: () => Promise<void> }).sync = () => Promise.reject(withCode('ENOSPC'));
      }
      return handle;
    });
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS }));
    expect(error.code).toBe('CONFIG_IO');
    expect(error.message).toBe(`no space left to write ${FILE}`);
    expect(read(FILE)).toBe(OLD);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
  });

  it('writes nothing when the file changed since it was read', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, `${OLD} `);
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS, expected: OLD }));
    expect(error.code).toBe('CONFIG_IO');
    expect(error.message).toBe(`${FILE} changed while the setup was running — run again`);
    expect(read(FILE)).toBe(`${OLD} `);
    expect(backups()).toEqual([]);
  });

  it('writes nothing when a file appeared that was absent when read', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS, expected: null }));
    expect(error.code).toBe('CONFIG_IO');
    expect(read(FILE)).toBe(OLD);
  });

  it('writes when the file still matches what was read', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS, expected: OLD });
    expect(read(FILE)).toBe(NEW);
    await writeConfigFile('/home/u/new.json', '{}', { secret: false, backupDir: BACKUPS, expected: null });
    expect(read('/home/u/new.json')).toBe('{}');
  });

  it('refuses a folder where the file should be', async () => {
    vol.mkdirSync(FILE, { recursive: true });
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS }));
    expect(error.code).toBe('CONFIG_IO');
    expect(vol.statSync(FILE).isDirectory()).toBe(true);
  });

  it('leaves the file alone when the backup cannot be written', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    vol.writeFileSync('/home/u/blocker', '');
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: '/home/u/blocker/backups' }));
    expect(error.code).toBe('CONFIG_IO');
    expect(error.message).toMatch(/^could not back up /);
    expect(read(FILE)).toBe(OLD);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
  });
});

describe('deleteConfigFile', () => {
  it('deletes the file after backing it up', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    const { backup } = await deleteConfigFile(FILE, { backupDir: BACKUPS });
    expect(vol.existsSync(FILE)).toBe(false);
    expect(read(backup ?? '')).toBe(OLD);
    expect(mode(backup ?? '')).toBe(0o600);
  });

  it('does nothing for a file that is not there', async () => {
    expect(await deleteConfigFile(FILE, { backupDir: BACKUPS })).toEqual({});
    expect(backups()).toEqual([]);
  });

  it('removes a symlink itself and keeps its target', async () => {
    vol.mkdirSync('/home/u/dotfiles');
    vol.writeFileSync('/home/u/dotfiles/cursor.json', OLD);
    vol.mkdirSync('/home/u/.cursor');
    vol.symlinkSync('/home/u/dotfiles/cursor.json', FILE);
    await deleteConfigFile(FILE, { backupDir: BACKUPS });
    expect(vol.existsSync(FILE)).toBe(false);
    expect(read('/home/u/dotfiles/cursor.json')).toBe(OLD);
  });

  it('refuses a read-only file or a changed one and keeps it', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    vol.chmodSync(FILE, 0o444);
    expect((await failure(deleteConfigFile(FILE, { backupDir: BACKUPS }))).code).toBe('CONFIG_READ_ONLY');
    vol.chmodSync(FILE, 0o644);
    expect((await failure(deleteConfigFile(FILE, { backupDir: BACKUPS, expected: NEW }))).code).toBe('CONFIG_IO');
    expect(read(FILE)).toBe(OLD);
    expect(backups()).toEqual([]);
  });
});

describe('backups', () => {
  const FLAT = 'home_u_.cursor_mcp.json';
  beforeEach(() => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
  });

  it('are written like any file: nothing under the final name until its bytes are synced', async () => {
    const seen: string[][] = [];
    const open = memfs.promises.open.bind(memfs.promises);
    vi.spyOn(memfs.promises, 'open').mockImplementation(async (...args: Parameters<typeof open>) => {
      const handle = await open(...args);
      if (String(args[0]).startsWith(`${BACKUPS}/`)) {
        const synced = handle as unknown as { sync: () => Promise<void> };
        const sync = synced.sync.bind(handle);
        // What another program (or a crash) would find in the backup folder while the bytes go to disk.
        synced.sync = async () => {
          seen.push(backups().filter((name) => !name.startsWith('.')));
          await sync();
        };
      }
      return handle;
    });
    const { backup } = await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(seen).toEqual([[]]);
    expect(backups()).toEqual([backup?.slice(BACKUPS.length + 1)]);
    expect(read(backup ?? '')).toBe(OLD);
    expect(mode(backup ?? '')).toBe(0o600);
  });

  it('leave neither a backup nor its temp file when the backup cannot be completed, and the file untouched', async () => {
    const rename = memfs.renameSync.bind(memfs);
    vi.spyOn(memfs, 'renameSync').mockImplementation((from, to) => {
      if (String(to).startsWith(`${BACKUPS}/`)) throw withCode('EIO');
      rename(from, to);
    });
    const error = await failure(writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS }));
    expect(error.code).toBe('CONFIG_IO');
    expect(error.message).toBe(`could not back up ${FILE} into ${BACKUPS} (EIO)`);
    expect(backups()).toEqual([]);
    expect(read(FILE)).toBe(OLD);
    expect(tempFiles('/home/u/.cursor')).toEqual([]);
  });

  it(`are pruned to the newest ${KEPT_BACKUPS} of each file; other files' backups and other files stay`, async () => {
    vol.mkdirSync(BACKUPS, { recursive: true });
    // Oldest first; with the new one that makes 7. The pair of one millisecond sits on the boundary: the `-1`
    // was written later, though it sorts first by name.
    const existing = [
      '2025-01-02T00-00-00.000Z',
      '2025-01-03T00-00-00.000Z',
      '2025-01-03T00-00-00.000Z-1',
      '2025-01-04T00-00-00.000Z',
      '2025-01-05T00-00-00.000Z',
      '2025-01-06T00-00-00.000Z',
    ].map((stamp) => `${stamp}_${FLAT}`);
    const others = ['2024-01-01T00-00-00.000Z_home_u_.claude.json', '2024-01-02T00-00-00.000Z_home_u_.claude.json', 'notes.txt'];
    for (const name of [...existing, ...others]) vol.writeFileSync(`${BACKUPS}/${name}`, name);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-02-01T00:00:00.000Z'));

    const { backup } = await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(backups().sort()).toEqual(
      [...others, `2025-02-01T00-00-00.000Z_${FLAT}`, ...existing.slice(-4)].sort(),
    );
    expect(backup).toBe(`${BACKUPS}/2025-02-01T00-00-00.000Z_${FLAT}`);
  });

  it('keep the one just made even when the clock went back', async () => {
    vol.mkdirSync(BACKUPS, { recursive: true });
    for (let day = 1; day <= 6; day++) vol.writeFileSync(`${BACKUPS}/2030-01-0${day}T00-00-00.000Z_${FLAT}`, 'future');
    const { backup } = await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(read(backup ?? '')).toBe(OLD);
    expect(backups()).toHaveLength(KEPT_BACKUPS);
  });

  it('are pruned after a delete too', async () => {
    vol.mkdirSync(BACKUPS, { recursive: true });
    for (let day = 1; day <= 7; day++) vol.writeFileSync(`${BACKUPS}/2025-01-0${day}T00-00-00.000Z_${FLAT}`, 'old');
    const { backup } = await deleteConfigFile(FILE, { backupDir: BACKUPS });
    expect(backups()).toHaveLength(KEPT_BACKUPS);
    expect(read(backup ?? '')).toBe(OLD);
  });
});

describe('leftover temp files of a killed run', () => {
  it('are removed beside the file and in the backup folder when the file is written, and only ours', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, OLD);
    vol.mkdirSync(BACKUPS, { recursive: true });
    const leftovers = ['.mcp.json.0123456789ab.tmp', '.mcp.json.ffffffffffff.tmp'];
    const kept = ['.other.json.0123456789ab.tmp', '.mcp.json.not-hex-at-all.tmp', 'mcp.json.0123456789ab.tmp', '.mcp.json.bak'];
    for (const name of [...leftovers, ...kept]) vol.writeFileSync(`/home/u/.cursor/${name}`, 'Bearer secret-from-a-killed-run');
    vol.writeFileSync(`${BACKUPS}/.2025-01-01T00-00-00.000Z_home_u_.cursor_mcp.json.0123456789ab.tmp`, 'half a backup');
    vol.writeFileSync(`${BACKUPS}/.2025-01-01T00-00-00.000Z_home_u_.claude.json.0123456789ab.tmp`, 'another file');

    const { backup } = await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect((vol.readdirSync('/home/u/.cursor') as string[]).sort()).toEqual([...kept, 'mcp.json'].sort());
    expect(backups().sort()).toEqual(['.2025-01-01T00-00-00.000Z_home_u_.claude.json.0123456789ab.tmp', backup?.slice(BACKUPS.length + 1)].sort());
  });

  it('stay when nothing is written', async () => {
    vol.mkdirSync('/home/u/.cursor');
    vol.writeFileSync(FILE, NEW);
    vol.writeFileSync('/home/u/.cursor/.mcp.json.0123456789ab.tmp', 'x');
    await writeConfigFile(FILE, NEW, { secret: false, backupDir: BACKUPS });
    expect(tempFiles('/home/u/.cursor')).toEqual(['.mcp.json.0123456789ab.tmp']);
  });
});

describe('backupFileName', () => {
  it('flattens the path after a sortable timestamp', () => {
    expect(backupFileName('/home/u/.claude.json', new Date('2025-01-02T03:04:05.006Z'))).toBe(
      '2025-01-02T03-04-05.006Z_home_u_.claude.json',
    );
  });
});
