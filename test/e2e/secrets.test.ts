/** A project file is shared through git, so it never holds a literal secret — for every tool with a project
 * scope, present and future — and a run says what git makes of each project file it changes. The built CLI,
 * a project folder that is a real git repository, the local mittwald stand-in. */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { availableTools, loadAdapter } from '../../adapters/index.js';
import { PATH_WITHOUT_PACKAGES, runCli, useCliFixture } from '../support/cli.js';

const fixture = useCliFixture();
const { token, urls } = fixture;
/** Tools with a project scope, from the registry: a tool added later is covered without touching this file. */
const PROJECT_ADAPTERS = (await Promise.all(availableTools().map(loadAdapter))).filter((adapter) => adapter.scopes.includes('project'));
const PROJECT_TOOLS = PROJECT_ADAPTERS.map((adapter) => adapter.id);
/** Those that can refer to a token (the rest, such as Zed, take none in a project file). */
const REFERENCING_PROJECT_TOOLS = PROJECT_ADAPTERS.filter((adapter) => adapter.secretReference !== 'none').map((adapter) => adapter.id);
const LITERAL_ONLY_PROJECT_TOOLS = PROJECT_ADAPTERS.filter((adapter) => adapter.secretReference === 'none').map((adapter) => adapter.id);

let project: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.test', ...args], { cwd: project, env: { ...process.env, HOME: fixture.home }, stdio: 'pipe' });
beforeEach(async () => {
  project = path.join(fixture.home, 'shop');
  await mkdir(project);
  git('init', '-q');
});

/** The CLI run in the project folder; PATH without node_modules/.bin so that no real tool CLI takes part. */
const cli = (args: string[], options: { input?: string; env?: Record<string, string | undefined> } = {}) =>
  runCli([...urls(), ...args], { home: fixture.home, cwd: project, env: { PATH: PATH_WITHOUT_PACKAGES, ...options.env }, ...(options.input === undefined ? {} : { input: options.input }) });

/** Every file under `dir` (outside `.git`) with its bytes. */
async function filesUnder(dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.relative(dir, file).split(path.sep)[0] === '.git') continue;
    found[path.relative(dir, file)] = await readFile(file, 'utf8');
  }
  return found;
}

describe('a token in project scope', () => {
  it('--tool cursor --scope project --token-stdin writes ${env:MITTWALD_API_TOKEN}, never the token, and says why', async () => {
    const run = await cli(['--tool', 'cursor', '--scope', 'project', '--token-stdin'], { input: `${token}\n` });
    expect(run.exitCode).toBe(0);
    const text = await readFile(path.join(project, '.cursor', 'mcp.json'), 'utf8');
    expect(text).not.toContain(token);
    expect(JSON.parse(text).mcpServers.mittwald.headers.Authorization).toBe('Bearer ${env:MITTWALD_API_TOKEN}');
    expect(run.stdout).toContain(`${path.join(project, '.cursor', 'mcp.json')} is shared through git, so it names the MITTWALD_API_TOKEN variable instead of holding the token.`);
    expect(run.stdout + run.stderr).not.toContain(token);
  });

  it.each(LITERAL_ONLY_PROJECT_TOOLS)('%s (no references): a project-scope token setup is refused and writes nothing', async (tool) => {
    const run = await cli(['--tool', tool, '--scope', 'project', '--token-stdin', '--json'], { input: token });
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).tools[0].error).toMatchObject({ code: 'SECRET_IN_SHARED_FILE' });
    expect(await filesUnder(project)).toEqual({});
  });

  it.each(REFERENCING_PROJECT_TOOLS)('%s: a project-scope token setup puts the token bytes into no file of the project', async (tool) => {
    const run = await cli(['--tool', tool, '--scope', 'project', '--token-stdin', '--json'], { input: token });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const written = await filesUnder(project);
    // Something was written there: the check below is not vacuous.
    expect(Object.keys(written).length).toBeGreaterThan(0);
    for (const [file, text] of Object.entries(written)) expect(text, file).not.toContain(token);
    const result = JSON.parse(run.stdout);
    expect(result.tools.every((entry: { files: Array<{ git?: string }> }) => entry.files.every((file) => file.git === 'untracked'))).toBe(true);
  });

  it.each(PROJECT_TOOLS)('%s --scope project --secret literal is a usage error that says why, and writes nothing', async (tool) => {
    const run = await cli(['--tool', tool, '--scope', 'project', '--secret', 'literal', '--token-stdin'], { input: token });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--secret literal cannot go with --scope project: the project file is shared through git/);
    expect(run.stderr).toMatch(/Drop --secret literal .*, or use --scope user\./);
    expect(run.stderr.trim().split('\n')).toHaveLength(2);
    expect(run.stdout).toBe('');
    expect(await filesUnder(project)).toEqual({});
    // No file but the error, kept for the next support report, without the token.
    expect((await readdir(fixture.home)).sort()).toEqual(['.mittwald-mcp-setup', 'shop']);
    expect(await readdir(path.join(fixture.home, '.mittwald-mcp-setup'))).toEqual(['errors.json']);
    expect(await readFile(path.join(fixture.home, '.mittwald-mcp-setup', 'errors.json'), 'utf8')).not.toContain(token);
  });
});

describe('what git makes of a project file', () => {
  const cursorFile = () => path.join(project, '.cursor', 'mcp.json');
  const OTHER = '{\n  "mcpServers": {\n    "github": { "url": "https://api.githubcopilot.com/mcp/" }\n  }\n}\n';
  const setup = (...args: string[]) => cli(['--tool', 'cursor', '--scope', 'project', '--oauth', '--no-verify', ...args]);
  const gitOf = (stdout: string) => JSON.parse(stdout).tools[0].files.map((file: { git?: string }) => file.git);

  it('a tracked file: a commit will carry the change (setup, dry run, and remove)', async () => {
    await mkdir(path.dirname(cursorFile()));
    await writeFile(cursorFile(), OTHER);
    git('add', '.cursor/mcp.json');
    git('commit', '-q', '-m', 'cursor');
    const line = '  .cursor/mcp.json is tracked by git: a commit will carry this change';

    const dry = await setup('--dry-run');
    expect(dry.stdout.split('\n')).toContain(line);
    expect(await readFile(cursorFile(), 'utf8')).toBe(OTHER);
    expect(gitOf((await setup('--dry-run', '--json')).stdout)).toEqual(['tracked']);

    const run = await setup();
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')).toContain(line);
    expect(gitOf((await cli(['remove', '--tool', 'cursor', '--scope', 'project', '--dry-run', '--json'])).stdout)).toEqual(['tracked']);
    const removed = await cli(['remove', '--tool', 'cursor', '--scope', 'project']);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout.split('\n')).toContain(line);
    expect(await readFile(cursorFile(), 'utf8')).toBe(OTHER);
  });

  it('an ignored file: names the rule file', async () => {
    await writeFile(path.join(project, '.gitignore'), '.cursor/\n');
    expect(gitOf((await setup('--dry-run', '--json')).stdout)).toEqual(['ignored']);
    const run = await setup();
    expect(run.stdout.split('\n')).toContain('  .cursor/mcp.json is ignored by git (.gitignore)');
  });

  it('an untracked file that is not ignored: `git add` would include it', async () => {
    const run = await setup('--dry-run');
    expect(run.stdout.split('\n')).toContain('  .cursor/mcp.json is not ignored by git: `git add` would include it');
  });

  it('says nothing about a user file, an unchanged file, or without git on PATH', async () => {
    const user = await cli(['--tool', 'cursor', '--oauth', '--no-verify', '--json']);
    expect(JSON.parse(user.stdout).tools[0].files).toEqual([{ path: path.join(fixture.home, '.cursor', 'mcp.json'), change: 'created' }]);
    expect((await setup()).stdout).toContain('is not ignored by git');
    const unchanged = await setup();
    expect(unchanged.stdout).toContain('unchanged');
    expect(unchanged.stdout).not.toContain('by git');
    await writeFile(cursorFile(), OTHER);
    const noGit = await cli(['--tool', 'cursor', '--scope', 'project', '--oauth', '--no-verify'], { env: { PATH: path.join(fixture.home, 'no-such-bin') } });
    expect(noGit.exitCode).toBe(0);
    expect(noGit.stdout).toContain(`modified  ${cursorFile()}`);
    expect(noGit.stdout).not.toContain('by git');
  });
});
