import { vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Environment } from '../../src/model.js';

vi.mock('node:fs/promises', async () => {
  const { fs } = await import('memfs');
  return { ...fs.promises, default: fs.promises };
});
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', async () => {
  const { fs } = await import('memfs');
  return { ...fs, default: fs };
});
// The process boundary (src/system/child-process.ts, tested on real processes in test/integration): here only
// what it is asked to start, and with what, matters.
const runProgram = vi.fn();
vi.mock('../../src/system/child-process.js', () => ({ runProgram }));

const { clipboardCommand, copyToClipboard } = await import('../../src/system/clipboard.js');

function environment(platform: Environment['platform'], env: Record<string, string> = {}): Environment {
  return { platform, home: '/home/ann', cwd: '/home/ann', env: { PATH: '/usr/local/bin:/usr/bin', ...env } };
}

/** Puts the named programs into /usr/bin. */
function install(...programs: string[]): void {
  vol.fromJSON(Object.fromEntries(programs.map((program) => [`/usr/bin/${program}`, '#!/bin/sh\n'])));
}

beforeEach(() => {
  vol.reset();
  runProgram.mockReset();
});

describe('clipboardCommand', () => {
  it('uses pbcopy on macOS', async () => {
    install('pbcopy');
    expect(await clipboardCommand(environment('darwin'))).toEqual({ command: '/usr/bin/pbcopy', args: [] });
  });

  it('uses clip on Windows, found through PATHEXT', async () => {
    // findOnPath joins Windows paths; on this POSIX memfs that name is one file relative to the cwd.
    const system32 = 'C:\\Windows\\System32';
    vol.fromJSON({ [`${system32}\\clip.exe`]: '' });
    const env = { PATH: `C:\\nowhere;${system32}`, PATHEXT: '.COM;.EXE' };
    expect(await clipboardCommand({ ...environment('win32'), env })).toEqual({ command: `${system32}\\clip.exe`, args: [] });
  });

  it('prefers wl-copy in a Wayland session', async () => {
    install('wl-copy', 'xclip', 'xsel');
    expect(await clipboardCommand(environment('linux', { WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' }))).toEqual({ command: '/usr/bin/wl-copy', args: [] });
  });

  it('falls back to xclip, then xsel, in an X11 session', async () => {
    install('xclip', 'xsel');
    expect(await clipboardCommand(environment('linux', { WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' }))).toEqual({
      command: '/usr/bin/xclip',
      args: ['-selection', 'clipboard'],
    });
    vol.reset();
    install('xsel');
    expect(await clipboardCommand(environment('linux', { DISPLAY: ':0' }))).toEqual({ command: '/usr/bin/xsel', args: ['--clipboard', '--input'] });
  });

  it('offers none without a display, or without a tool', async () => {
    install('wl-copy', 'xclip', 'xsel');
    expect(await clipboardCommand(environment('linux'))).toBeUndefined();
    vol.reset();
    expect(await clipboardCommand(environment('linux', { DISPLAY: ':0' }))).toBeUndefined();
    expect(await clipboardCommand(environment('darwin'))).toBeUndefined();
  });

  it('does not take pbcopy on Linux', async () => {
    install('pbcopy');
    expect(await clipboardCommand(environment('linux', { DISPLAY: ':0' }))).toBeUndefined();
  });
});

describe('copyToClipboard', () => {
  it('pipes the text to the tool, without a shell, and reports success', async () => {
    install('xclip');
    runProgram.mockResolvedValue({ exitCode: 0, stdout: '', output: '' });
    const env = environment('linux', { DISPLAY: ':0' });
    expect(await copyToClipboard('https://mcp.mittwald.de/mcp', env)).toBe(true);
    expect(runProgram).toHaveBeenCalledTimes(1);
    const [command, args, options] = runProgram.mock.calls[0]!;
    expect(command).toBe('/usr/bin/xclip');
    expect(args).toEqual(['-selection', 'clipboard']);
    expect(options).toMatchObject({ io: { input: 'https://mcp.mittwald.de/mcp' }, env: env.env });
    expect(options.shell).toBeUndefined();
  });

  it('reports failure when the tool fails or cannot start', async () => {
    install('pbcopy');
    runProgram.mockResolvedValueOnce({ exitCode: 1, stdout: '', output: '' });
    expect(await copyToClipboard('x', environment('darwin'))).toBe(false);
    runProgram.mockResolvedValueOnce({ exitCode: undefined, stdout: '', output: '' });
    expect(await copyToClipboard('x', environment('darwin'))).toBe(false);
  });

  it('reports failure without running anything when there is no tool', async () => {
    expect(await copyToClipboard('x', environment('linux', { DISPLAY: ':0' }))).toBe(false);
    expect(runProgram).not.toHaveBeenCalled();
  });
});
