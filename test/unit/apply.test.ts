/** applyPlan: a tool is either fully configured or left as it was. */
import { vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyPlan, fileChange, planChanges } from '../../src/apply.js';
import type { FileStep, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', async () => (await import('memfs')).fs.promises);

const BACKUPS = '/home/u/.mittwald-mcp-setup/backups';
const A = '/home/u/a.json';
const B = '/home/u/b.json';

function plan(steps: ToolPlan['steps']): ToolPlan {
  return { tool: 'cursor', target: 'Cursor (user)', steps, stale: [], staleKept: [], nextSteps: [], warnings: [] };
}
const file = (path: string, before: string | null, after: string | null): FileStep => ({ kind: 'file', path, before, after, secret: false });
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
    // The last step was planned from bytes B no longer has, so it fails after the first two were written.
    const steps = [file(A, 'a-before', 'a-after'), file('/home/u/new.json', null, 'new'), file(B, 'b-planned-from', 'b-after')];
    await expect(applyPlan(plan(steps), { backupDir: BACKUPS })).rejects.toMatchObject({ code: 'CONFIG_IO' });
    expect(read(A)).toBe('a-before');
    expect(read('/home/u/new.json')).toBeNull();
    expect(read(B)).toBe('b-before');
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
    expect(planChanges(plan([file(A, 'x', 'x'), file(B, null, 'y')]))).toBe(true);
  });
});
