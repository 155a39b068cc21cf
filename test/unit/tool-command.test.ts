/** How a tool's CLI is started on each platform: a Windows `.cmd`/`.bat` (npm's shims) through cmd.exe with its
 * path quoted and only plain arguments; everything else as given. (Run for real under Wine: test/windows/.) */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spawnArguments } from '../../src/kit/tool-command.js';

const SHIM = 'C:\\Users\\Ada Lovelace (x86)\\AppData\\Roaming\\npm\\claude.cmd';
const COMSPEC = 'C:\\Windows\\system32\\cmd.exe';

describe('spawnArguments', () => {
  it('starts a .cmd shim on Windows as cmd.exe /d /s /c with the path quoted, arguments verbatim', () => {
    expect(spawnArguments([SHIM, 'mcp', 'get', 'mittwald'], 'win32', COMSPEC)).toEqual({
      file: COMSPEC,
      args: ['/d', '/s', '/c', `""${SHIM}" mcp get mittwald"`],
      verbatim: true,
    });
    expect(spawnArguments(['C:\\tools\\CODEX.BAT', 'mcp', 'login', 'mittwald', '--scopes', 'project:read,app:write'], 'win32', undefined)).toEqual({
      file: 'cmd.exe',
      args: ['/d', '/s', '/c', '""C:\\tools\\CODEX.BAT" mcp login mittwald --scopes project:read,app:write"'],
      verbatim: true,
    });
  });

  it('passes everything else on as it is: an .exe on Windows, any file elsewhere, a bare name', () => {
    expect(spawnArguments(['C:\\git\\git.exe', 'status', 'a b'], 'win32', COMSPEC)).toEqual({ file: 'C:\\git\\git.exe', args: ['status', 'a b'], verbatim: false });
    expect(spawnArguments(['/usr/bin/claude.cmd', 'a&b'], 'linux', undefined)).toEqual({ file: '/usr/bin/claude.cmd', args: ['a&b'], verbatim: false });
    expect(spawnArguments(['claude', 'mcp', 'list'], 'win32', COMSPEC)).toEqual({ file: 'claude', args: ['mcp', 'list'], verbatim: false });
  });

  it.each(['a&calc', '%PATH%', 'x"y', 'a b', '^', 'a|b', '(x)', '!x!', '<in', '>out', '', 'tab\there', 'new\nline'])('refuses to hand %j to cmd.exe', (argument) => {
    const spawn = spawnArguments([SHIM, 'mcp', 'get', argument], 'win32', COMSPEC);
    expect(spawn).toEqual({ refused: expect.stringContaining('cmd.exe would interpret') });
  });

  it('refuses a shim path cmd.exe would read even quoted (%, "), and takes one with & or parentheses', () => {
    expect(spawnArguments(['C:\\100%\\claude.cmd', 'mcp'], 'win32', COMSPEC)).toHaveProperty('refused');
    expect(spawnArguments(['C:\\Tom & Jerry\\claude.cmd', 'mcp'], 'win32', COMSPEC)).toHaveProperty('verbatim', true);
  });

  it('takes every entry name --name accepts', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), (name) => {
        expect(spawnArguments([SHIM, 'mcp', 'get', name], 'win32', COMSPEC)).toHaveProperty('verbatim', true);
      }),
    );
  });
});
