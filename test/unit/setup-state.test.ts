/** The setup state: what setup did to each file, noted after a write, read by the removal planners. */
import { fs as memfsFs, vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Environment, FileRecordChange, FileStep, ToolPlan } from '../../src/model.js';

// A file under a folder in `slowFolders` takes a while to open (a slow disk, a large file being written).
const slowFolders = vi.hoisted(() => new Set<string>());
vi.mock('node:fs/promises', () => {
  const open = async (...args: Parameters<typeof memfsFs.promises.open>) => {
    if ([...slowFolders].some((folder) => String(args[0]).startsWith(folder))) await new Promise((resolve) => setTimeout(resolve, 30));
    return memfsFs.promises.open(...args);
  };
  const promises = { ...memfsFs.promises, open };
  return { ...promises, default: promises };
});
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too. Its
// renames are noted: each write of a file ends in one.
const renamedTo = vi.hoisted(() => [] as string[]);
vi.mock('node:fs', () => {
  const renameSync = (from: string, to: string) => {
    renamedTo.push(String(to));
    memfsFs.renameSync(from, to);
  };
  return { ...memfsFs, renameSync, default: { ...memfsFs, renameSync } };
});

const { applyPlan } = await import('../../src/flow/apply.js');
const { applyChange, readFileRecord, recordFileChange, restoreOnRemoval, setupChange } = await import('../../src/files/setup-state.js');
const { loadAdapter } = await import('../../adapters/index.js');

const HOME = '/home/ada';
const STATE = `${HOME}/.mittwald-mcp-setup/state.json`;
const BACKUPS = `${HOME}/.mittwald-mcp-setup/backups`;
const FILE = `${HOME}/.cursor/mcp.json`;
const environment: Environment = { platform: 'linux', home: HOME, cwd: HOME, env: { HOME, PATH: '/nowhere' } };

const setup = (overrides: Partial<Extract<FileRecordChange, { kind: 'setup' }>> = {}): FileRecordChange => ({
  kind: 'setup',
  realPath: FILE,
  entry: 'mittwald',
  secret: false,
  created: false,
  added: [],
  ...overrides,
});
const removal = (overrides: Partial<Extract<FileRecordChange, { kind: 'remove' }>> = {}): FileRecordChange => ({
  kind: 'remove',
  realPath: FILE,
  entry: 'mittwald',
  removed: [],
  modeRestored: false,
  deleted: false,
  ...overrides,
});

beforeEach(() => {
  vol.reset();
});

describe('applyChange', () => {
  it('keeps the first mode, whether the first setup created the file, and every path ever added', () => {
    const first = applyChange(undefined, setup({ created: true, added: [['mcpServers']] }));
    expect(first).toEqual({ created: true, added: [['mcpServers']], entries: ['mittwald'], secrets: [] });
    const second = applyChange(first, setup({ secret: true, mode: 0o600, added: [['mcpServers'], ['inputs']] }));
    expect(second).toEqual({ mode: 0o600, created: true, added: [['mcpServers'], ['inputs']], entries: ['mittwald'], secrets: ['mittwald'] });
    expect(applyChange(applyChange(undefined, setup({ secret: true, mode: 0o644 })), setup({ secret: true, mode: 0o600 }))?.mode).toBe(0o644);
  });

  it('keeps a record for a setup that added nothing (so everything there was there before), until remove', () => {
    const literal = applyChange(undefined, setup({ secret: true, mode: 0o644 }));
    expect(applyChange(literal, setup({ secret: false }))).toEqual({ mode: 0o644, added: [], entries: ['mittwald'], secrets: [] });
    expect(applyChange(undefined, setup())).toEqual({ added: [], entries: ['mittwald'], secrets: [] });
    expect(applyChange(literal, removal({ modeRestored: true }))).toBeUndefined();
    expect(applyChange({ created: true, added: [['mcpServers']], entries: ['mittwald', 'beta'], secrets: [] }, removal({ deleted: true }))).toBeUndefined();
    expect(applyChange(undefined, removal())).toBeUndefined();
  });

  it('keeps what another entry still needs after a removal', () => {
    const both = applyChange(applyChange(undefined, setup({ secret: true, mode: 0o644, added: [['mcpServers']] })), setup({ entry: 'beta', secret: true }));
    expect(applyChange(both, removal())).toEqual({ mode: 0o644, added: [['mcpServers']], entries: ['beta'], secrets: ['beta'] });
    expect(restoreOnRemoval(both, 'mittwald', false)).toEqual({ deleted: false });
    expect(restoreOnRemoval(both, 'beta', false)).toEqual({ deleted: false });
    expect(restoreOnRemoval(applyChange(both, removal()), 'beta', false)).toEqual({ deleted: false, mode: 0o644 });
  });

  it('remembers a mode only when setup tightens a file that existed', () => {
    expect(setupChange({ realPath: FILE, text: '{}', mode: 0o644 }, 'mittwald', true, [])).toMatchObject({ mode: 0o644, created: false });
    expect(setupChange({ realPath: FILE, text: '{}', mode: 0o600 }, 'mittwald', true, [])).not.toHaveProperty('mode');
    expect(setupChange({ realPath: FILE, text: '{}', mode: 0o644 }, 'mittwald', false, [])).not.toHaveProperty('mode');
    expect(setupChange({ realPath: FILE, text: null }, 'mittwald', true, [])).toMatchObject({ created: true });
  });
});

describe('the state file', () => {
  it('is written 0600 and merged change by change; a broken one counts as empty', async () => {
    await recordFileChange(STATE, setup({ secret: true, mode: 0o644 }));
    expect(vol.statSync(STATE).mode & 0o777).toBe(0o600);
    await recordFileChange(STATE, { ...setup({ added: [['servers']] }), realPath: '/other' });
    expect(await readFileRecord(STATE, FILE)).toEqual({ mode: 0o644, added: [], entries: ['mittwald'], secrets: ['mittwald'] });
    expect(await readFileRecord(STATE, '/other')).toEqual({ added: [['servers']], entries: ['mittwald'], secrets: [] });
    vol.writeFileSync(STATE, '{ not json');
    expect(await readFileRecord(STATE, FILE)).toBeUndefined();
    vol.writeFileSync(STATE, JSON.stringify({ version: 1, files: { [FILE]: { mode: 'rw' } } }));
    expect(await readFileRecord(STATE, FILE)).toBeUndefined();
  });

  it('takes changes noted at the same time one after another, all of them, with no backup of itself', async () => {
    const files = ['/a/one.json', '/b/two.json', '/c/three.json', '/d/four.json'];
    await Promise.all(files.map((realPath, index) => recordFileChange(STATE, { ...setup({ added: [['servers', index]] }), realPath })));
    for (const [index, realPath] of files.entries()) expect(await readFileRecord(STATE, realPath)).toEqual({ added: [['servers', index]], entries: ['mittwald'], secrets: [] });
    await Promise.all([recordFileChange(STATE, { ...removal(), realPath: files[0]! }), recordFileChange(STATE, { ...setup({ entry: 'beta' }), realPath: files[1]! })]);
    expect(await readFileRecord(STATE, files[0]!)).toBeUndefined();
    expect((await readFileRecord(STATE, files[1]!))?.entries).toEqual(['mittwald', 'beta']);
    expect(vol.existsSync(BACKUPS)).toBe(false);
  });

  it('is written once for the tools whose files are written side by side', async () => {
    const files = ['/a/one.json', '/b/two.json', '/c/three.json', '/d/four.json'];
    const plan = (path: string): ToolPlan => ({
      tool: 'cursor',
      target: path,
      steps: [{ kind: 'file', path, before: null, after: '{}\n', secret: false, record: { ...setup({ created: true }), realPath: path } }],
      stale: [],
      staleKept: [],
      nextSteps: [],
      warnings: [],
    });
    renamedTo.length = 0;
    // One of them finishes well after the others.
    slowFolders.add('/d/');
    try {
      await Promise.all(files.map((path) => applyPlan(plan(path), { backupDir: BACKUPS, stateFile: STATE })));
    } finally {
      slowFolders.clear();
    }
    expect(renamedTo.filter((to) => to === STATE)).toHaveLength(1);
    for (const realPath of files) expect(await readFileRecord(STATE, realPath)).toMatchObject({ created: true, entries: ['mittwald'] });
  });

  it('is noted by applyPlan only for a step that was written', async () => {
    const step = (after: string, record: FileRecordChange): FileStep => ({ kind: 'file', path: FILE, before: null, after, secret: false, record });
    const plan = (steps: FileStep[]): ToolPlan => ({ tool: 'cursor', target: 'Cursor (user)', steps, stale: [], staleKept: [], nextSteps: [], warnings: [] });
    await applyPlan(plan([step('{}', setup({ created: true }))]), { backupDir: BACKUPS, stateFile: STATE });
    expect(await readFileRecord(STATE, FILE)).toEqual({ created: true, added: [], entries: ['mittwald'], secrets: [] });
    // The file no longer matches what the plan read: nothing is written, nothing noted.
    await expect(applyPlan(plan([step('{"a": 1}', setup({ entry: 'beta', secret: true }))]), { backupDir: BACKUPS, stateFile: STATE })).rejects.toMatchObject({ code: 'CONFIG_IO' });
    expect(await readFileRecord(STATE, FILE)).toEqual({ created: true, added: [], entries: ['mittwald'], secrets: [] });
  });
});

describe('removal with and without a record', () => {
  const cursor = async () => (await loadAdapter('cursor')).planRemove(environment, { name: 'mittwald', scope: 'user' });
  const entry = '{"mcpServers": {"mittwald": {"url": "https://mcp.mittwald.de/mcp"}}}\n';

  it('keeps the emptied servers map of a file set up by an older version, and its mode', async () => {
    vol.mkdirSync(`${HOME}/.cursor`, { recursive: true });
    vol.writeFileSync(FILE, entry, { mode: 0o600 });
    const [plan] = await cursor();
    expect(plan?.steps[0]).toMatchObject({ after: '{"mcpServers": {}}\n' });
    expect(plan?.steps[0]).not.toHaveProperty('mode');
  });

  it('deletes a file setup created once nothing else is in it, and keeps it when something is', async () => {
    vol.mkdirSync(`${HOME}/.cursor`, { recursive: true });
    vol.writeFileSync(FILE, entry);
    await recordFileChange(STATE, setup({ created: true, secret: true, added: [['mcpServers']] }));
    expect((await cursor())[0]?.steps[0]).toMatchObject({ before: entry, after: null, record: { kind: 'remove', deleted: true, removed: [['mcpServers']] } });
    vol.writeFileSync(FILE, '{"theme": "dark", "mcpServers": {"mittwald": {"url": "https://mcp.mittwald.de/mcp"}}}\n');
    expect((await cursor())[0]?.steps[0]).toMatchObject({ after: '{"theme": "dark"}\n', record: { deleted: false } });
  });

  it('gives back the mode setup tightened, once our secret is gone', async () => {
    vol.mkdirSync(`${HOME}/.cursor`, { recursive: true });
    vol.writeFileSync(FILE, entry, { mode: 0o600 });
    await recordFileChange(STATE, setup({ secret: true, mode: 0o644 }));
    expect((await cursor())[0]?.steps[0]).toMatchObject({ after: '{"mcpServers": {}}\n', mode: 0o644, record: { modeRestored: true } });
  });
});
