/** applyPlan: a tool is either fully configured or left as it was. */
import { parse as parseJsonc } from 'jsonc-parser';
import { vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import cursor from '../../adapters/cursor.js';
import { applyPlan, MAX_REPLANS } from '../../src/flow/apply.js';
import { fileChange, planChanges } from '../../src/kit/plan.js';
import type { Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';
import { samePlan } from '../../src/flow/setup-steps.js';

vi.mock('node:fs/promises', async () => (await import('memfs')).fs.promises);
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', async () => (await import('memfs')).fs);

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

describe('applyPlan when another writer changed the file after it was planned', () => {
  const CURSOR = '/home/u/.cursor/mcp.json';
  const environment: Environment = { platform: 'linux', home: '/home/u', cwd: '/home/u', env: { PATH: '/nowhere' } };
  const request = (name: string): SetupRequest => ({ serverUrl: 'https://mcp.mittwald.de/mcp', name, scope: 'user', credential: { kind: 'oauth' }, replaceStale: false });
  const servers = () => Object.keys(parseJsonc(read(CURSOR) ?? '{}').mcpServers ?? {});

  async function cursorPlan(name: string): Promise<{ plan: ToolPlan; replan: ReturnType<typeof vi.fn<() => Promise<ToolPlan>>> }> {
    const [planned] = await cursor.plan(environment, request(name));
    const replan = vi.fn(async () => samePlan(planned!, await cursor.plan(environment, request(name))));
    return { plan: planned!, replan };
  }

  beforeEach(() => {
    vol.mkdirSync('/home/u/.cursor', { recursive: true });
    vol.writeFileSync(CURSOR, '{\n  "mcpServers": {}\n}\n');
  });

  it('plans again from the new bytes under the lock and keeps the other change', async () => {
    const { plan: planned, replan } = await cursorPlan('alpha');
    // Another run (or Cursor itself) adds its entry between our plan and our write.
    vol.writeFileSync(CURSOR, '{\n  // theirs\n  "mcpServers": { "beta": { "url": "https://example.test/mcp" } }\n}\n');
    const applied = await applyPlan(planned, { backupDir: BACKUPS, replan });
    expect(replan).toHaveBeenCalledTimes(1);
    expect(servers()).toEqual(['beta', 'alpha']);
    expect(read(CURSOR)).toContain('// theirs');
    expect(applied.plan.steps[0]?.before).toContain('"beta"');
    expect(read(applied.files[0]!.backup!)).toContain('"beta"');
    expect(vol.existsSync('/home/u/.cursor/.mcp.json.mittwald-mcp-setup.lock')).toBe(false);
  });

  it('writes nothing when the new bytes already hold the entry', async () => {
    const { plan: planned, replan } = await cursorPlan('alpha');
    vol.writeFileSync(CURSOR, JSON.stringify({ mcpServers: { alpha: { url: 'https://mcp.mittwald.de/mcp' } } }));
    const applied = await applyPlan(planned, { backupDir: BACKUPS, replan });
    expect(planChanges(applied.plan)).toBe(false);
    expect(applied.files).toEqual([{ path: CURSOR, change: 'unchanged' }]);
    expect(vol.existsSync(BACKUPS)).toBe(false);
  });

  it('gives up with CONFIG_IO when the file keeps changing, and never overwrites it', async () => {
    const { plan: planned } = await cursorPlan('alpha');
    let writes = 0;
    const keepWriting = () => vol.writeFileSync(CURSOR, JSON.stringify({ mcpServers: { [`other-${++writes}`]: { url: 'https://example.test/mcp' } } }));
    keepWriting();
    const replan = vi.fn(async () => {
      const again = samePlan(planned, await cursor.plan(environment, request('alpha')));
      keepWriting();
      return again;
    });
    await expect(applyPlan(planned, { backupDir: BACKUPS, replan })).rejects.toMatchObject({
      code: 'CONFIG_IO',
      message: `${CURSOR} kept changing while the setup was running (planned again ${MAX_REPLANS} times); nothing was written to it`,
    });
    expect(replan).toHaveBeenCalledTimes(MAX_REPLANS);
    expect(servers()).toEqual([`other-${writes}`]);
    expect(vol.existsSync(BACKUPS)).toBe(false);
  });
});
