/** writeConfigFile on a real file system: what memfs cannot show (umask, inodes, real symlinks, the kernel's
 * own permission checks). Runs as root in CI, where the kernel ignores write-permission bits: the read-only
 * FOLDER case is then skipped (the unit test covers it with memfs, which enforces the bits); the read-only
 * FILE case holds for root too, because writeConfigFile checks the bits itself. */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfigFile, writeConfigFile } from '../../src/files/config-file.js';
import { SetupError } from '../../src/errors.js';

const isRoot = process.getuid?.() === 0;
const posix = process.platform !== 'win32';

let dir: string;
let backupDir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-setup-config-'));
  backupDir = join(dir, 'backups');
});

afterEach(async () => {
  await chmod(dir, 0o700).catch(() => undefined);
  for (const name of await readdir(dir)) await chmod(join(dir, name), 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<SetupError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SetupError);
    return error as SetupError;
  }
  throw new Error('expected a SetupError');
}

async function leftovers(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.endsWith('.tmp'));
}

describe('writeConfigFile on disk', () => {
  it('replaces the file by rename (new inode), leaving no temp file', async () => {
    const file = join(dir, 'mcp.json');
    await writeFile(file, '{}');
    const before = await stat(file);
    const result = await writeConfigFile(file, '{"a": 1}', { secret: false, backupDir });
    expect(await readFile(file, 'utf8')).toBe('{"a": 1}');
    expect((await stat(file)).ino).not.toBe(before.ino);
    expect(await readFile(result.backup ?? '', 'utf8')).toBe('{}');
    expect(await leftovers(dir)).toEqual([]);
  });

  it.runIf(posix)('keeps an existing mode exactly, whatever the umask', async () => {
    const file = join(dir, 'shared.json');
    await writeFile(file, '{}');
    await chmod(file, 0o664);
    const previous = process.umask(0o022);
    try {
      await writeConfigFile(file, '{"a": 1}', { secret: false, backupDir });
    } finally {
      process.umask(previous);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o664);
  });

  it.runIf(posix)('makes secrets 0600 and backups 0600 in a 0700 folder', async () => {
    const file = join(dir, 'config.toml');
    await writeFile(file, 'a = 1\n');
    await chmod(file, 0o644);
    const result = await writeConfigFile(file, 'a = 2\n', { secret: true, backupDir });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(result.backup ?? '')).mode & 0o777).toBe(0o600);
    expect((await stat(backupDir)).mode & 0o777).toBe(0o700);
  });

  it.runIf(posix)('writes a symlink target and keeps the link (relative link too)', async () => {
    await mkdir(join(dir, 'dotfiles'));
    await writeFile(join(dir, 'dotfiles', 'mcp.json'), '{}');
    const link = join(dir, 'mcp.json');
    await symlink('dotfiles/mcp.json', link);
    expect((await readConfigFile(link)).realPath).toBe(join(dir, 'dotfiles', 'mcp.json'));
    await writeConfigFile(link, '{"a": 1}', { secret: false, backupDir });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('dotfiles/mcp.json');
    expect(await readFile(join(dir, 'dotfiles', 'mcp.json'), 'utf8')).toBe('{"a": 1}');
    expect(await leftovers(join(dir, 'dotfiles'))).toEqual([]);
  });

  it('refuses a file without write bits (for root too) and leaves it unchanged', async () => {
    const file = join(dir, 'locked.json');
    await writeFile(file, '{}');
    await chmod(file, 0o444);
    const error = await failure(writeConfigFile(file, '{"a": 1}', { secret: false, backupDir }));
    expect(error.code).toBe('CONFIG_READ_ONLY');
    expect(await readFile(file, 'utf8')).toBe('{}');
    expect(await leftovers(dir)).toEqual([]);
  });

  it.skipIf(isRoot || !posix)('refuses a read-only folder (kernel check; skipped as root, which bypasses it)', async () => {
    const folder = join(dir, 'ro');
    await mkdir(folder);
    const file = join(folder, 'mcp.json');
    await writeFile(file, '{}');
    await chmod(folder, 0o555);
    const error = await failure(writeConfigFile(file, '{"a": 1}', { secret: false, backupDir }));
    expect(error.code).toBe('CONFIG_READ_ONLY');
    expect(await readFile(file, 'utf8')).toBe('{}');
    expect(await leftovers(folder)).toEqual([]);
  });
});
