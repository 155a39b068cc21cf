/** The next step that makes a token variable visible to a tool, per platform and shell. */
import { describe, expect, it } from 'vitest';
import type { Environment } from '../../src/model.js';
import { exportVariableSteps } from '../../src/kit/next-steps.js';

const on = (platform: Environment['platform'], env: Record<string, string> = {}): Environment => ({
  platform,
  home: platform === 'win32' ? 'C:\\Users\\ada' : '/home/ada',
  cwd: platform === 'win32' ? 'C:\\Users\\ada' : '/home/ada',
  env,
});

describe('exportVariableSteps', () => {
  it('on Windows: setx (Command Prompt or PowerShell), a new terminal, never export or a shell profile', () => {
    const [step, ...rest] = exportVariableSteps(on('win32', { SHELL: '/usr/bin/bash' }), 'MITTWALD_API_TOKEN', 'Cursor');
    expect(rest).toEqual([]);
    expect(step).toBe(
      'Cursor reads the token from the MITTWALD_API_TOKEN environment variable, which is not set yet: run `setx MITTWALD_API_TOKEN "<your token>"` (in Command Prompt or PowerShell), then start Cursor again from a new terminal or the Start menu (setx does not change terminals or programs already running).',
    );
    expect(step).not.toMatch(/export |~\/\.|bashrc/);
  });

  it('on Windows says when the variable is set in this terminal only', () => {
    const [step] = exportVariableSteps(on('win32', { MITTWALD_API_TOKEN: 'fake-token-0123456789' }), 'MITTWALD_API_TOKEN', 'Codex CLI');
    expect(step).toContain('environment variable (set in this terminal only): run `setx MITTWALD_API_TOKEN');
    expect(step).not.toContain('fake-token');
  });

  it.each([
    ['linux', {}, "add `export MITTWALD_API_TOKEN='<your token>'` to ~/.bashrc"],
    ['linux', { SHELL: '/usr/bin/zsh' }, "add `export MITTWALD_API_TOKEN='<your token>'` to ~/.zshrc"],
    ['linux', { SHELL: '/usr/bin/fish' }, "add `set -gx MITTWALD_API_TOKEN '<your token>'` to ~/.config/fish/config.fish"],
    ['darwin', {}, "add `export MITTWALD_API_TOKEN='<your token>'` to ~/.zshrc"],
  ] as const)('on %s with %j: %s', (platform, env, expected) => {
    const [step] = exportVariableSteps(on(platform, env), 'MITTWALD_API_TOKEN', 'Cursor');
    expect(step).toContain(expected);
    expect(step).not.toContain('setx');
  });
});
