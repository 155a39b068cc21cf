/** applyPlan: a tool is either fully configured or left as it was. */
import { vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyPlan, fileChange, planChanges } from '../../src/apply.js';
import type { CommandStep, FileStep, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', async () => (await import('memfs')).fs.promises);

const BACKUPS = '/home/u/.mittwald-mcp-setup/backups';
const A = '/home/u/a.json';
const B = '/home/u/b.json';

function plan(steps: ToolPlan['steps']): ToolPlan {
  return { tool: 'cursor', target: 'Cursor (user)', steps, stale: [], staleKept: [], nextSteps: [], warnings: [] };
}
const file = (path: string, before: string | null, after: string | null): FileStep => ({ kind: 'file', path, before, after, secret: false });
const command = (display: string, extra: Partial<CommandStep> = {}): CommandStep => ({ kind: 'command', argv: ['tool', display], display, purpose: display, ...extra });
const read = (path: string) => (vol.existsSync(path) ? (vol.readFileSync(path, 'utf8') as string) : null);

beforeEach(() => {
  vol.reset();
  vol.fromJSON({ [A]: 'a-before', [B]: 'b-before' });
});

describe('applyPlan', () => {
  it('writes changed files, skips unchanged ones and reports backups', async () => {
    const result = await applyPlan(plan([file(A, 'a-before', 'a-after'), file(B, 'b-before', 'b-before')]), { backupDir: BACKUPS });
    expect(read(A)).toBe('a-after');
    expect(result.files.map((entry) => entry.change)).toEqual(['modified', 'unchanged']);
    expect(read(result.files[0]!.backup!)).toBe('a-before');
  });

  it('puts earlier files back when a later step fails', async () => {
    const steps = [file(A, 'a-before', 'a-after'), file('/home/u/new.json', null, 'new'), command('boom')];
    await expect(applyPlan(plan(steps), { backupDir: BACKUPS, runCommand: async () => ({ exitCode: 3, output: 'it broke' }) })).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      message: expect.stringContaining('it broke'),
    });
    expect(read(A)).toBe('a-before');
    expect(read('/home/u/new.json')).toBeNull();
  });

  it('puts back a file that a command changed when a later command fails', async () => {
    // The first command stands for `claude mcp remove`: it changes the file itself.
    const runCommand = async (step: CommandStep) => {
      if (step.display === 'remove') {
        vol.writeFileSync(A, 'a-without-entry');
        return { exitCode: 0, output: '' };
      }
      return { exitCode: 1, output: 'add failed' };
    };
    const rollback = { path: A, before: 'a-before' };
    await expect(applyPlan(plan([command('remove', { rollback }), command('add', { rollback })]), { backupDir: BACKUPS, runCommand })).rejects.toThrow(/add failed/);
    expect(read(A)).toBe('a-before');
  });

  it('accepts a failing command marked mayFail', async () => {
    const result = await applyPlan(plan([command('remove-absent', { mayFail: true })]), { backupDir: BACKUPS, runCommand: async () => ({ exitCode: 1, output: '' }) });
    expect(result.commands).toEqual([{ command: 'remove-absent', exitCode: 1 }]);
  });

  it('refuses to overwrite a file that changed since it was planned', async () => {
    vol.writeFileSync(A, 'edited meanwhile');
    await expect(applyPlan(plan([file(A, 'a-before', 'a-after')]), { backupDir: BACKUPS })).rejects.toMatchObject({ code: 'CONFIG_IO' });
    expect(read(A)).toBe('edited meanwhile');
  });
});

describe('fileChange and planChanges', () => {
  it('names each kind of change', () => {
    expect(fileChange(file(A, null, 'x'))).toBe('created');
    expect(fileChange(file(A, 'x', 'y'))).toBe('modified');
    expect(fileChange(file(A, 'x', null))).toBe('deleted');
    expect(fileChange(file(A, 'x', 'x'))).toBe('unchanged');
    expect(planChanges(plan([file(A, 'x', 'x')]))).toBe(false);
    expect(planChanges(plan([command('c')]))).toBe(true);
  });
});
