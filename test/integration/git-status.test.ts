/** What git makes of a project file (src/files/git-status.ts), asked of the real git in temp repositories. */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/model.js';
import { gitLine, gitStates, projectFiles } from '../../src/files/git-status.js';
import { tempHome } from '../support/cli.js';

let temp: Awaited<ReturnType<typeof tempHome>>;
let repo: string;
beforeEach(async () => {
  temp = await tempHome('mms-git-');
  repo = path.join(temp.dir, 'shop');
  await mkdir(repo);
});
afterEach(() => temp.cleanup());

const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.test', ...args], { cwd: repo, env: { ...process.env, HOME: temp.dir }, stdio: 'pipe' });
const environment = (overrides: Partial<Environment> = {}): Environment => ({
  platform: 'linux',
  home: temp.dir,
  cwd: path.join(repo, 'src'),
  env: { PATH: process.env.PATH, HOME: temp.dir },
  ...overrides,
});
const file = (relative: string) => path.join(repo, relative);

async function write(relative: string, text: string): Promise<void> {
  await mkdir(path.dirname(file(relative)), { recursive: true });
  await writeFile(file(relative), text);
}

describe('gitStates', () => {
  beforeEach(async () => {
    git('init', '-q');
    await mkdir(path.join(repo, 'src'));
  });

  it('tells tracked, ignored (naming the rule file) and untracked files apart, created or not', async () => {
    await write('.mcp.json', '{}\n');
    await write('.gitignore', '.cursor/\n');
    await write('.git/info/exclude', '.vscode/\n');
    git('add', '.mcp.json', '.gitignore');
    git('commit', '-q', '-m', 'init');
    const states = await gitStates(environment(), [file('.mcp.json'), file('.cursor/mcp.json'), file('.vscode/mcp.json'), file('.codex/config.toml')]);
    expect(Object.fromEntries(states)).toEqual({
      [file('.mcp.json')]: { state: 'tracked', display: '.mcp.json' },
      [file('.cursor/mcp.json')]: { state: 'ignored', display: '.cursor/mcp.json', source: '.gitignore' },
      [file('.vscode/mcp.json')]: { state: 'ignored', display: '.vscode/mcp.json', source: '.git/info/exclude' },
      [file('.codex/config.toml')]: { state: 'untracked', display: '.codex/config.toml' },
    });
    expect([...states.values()].map(gitLine)).toEqual([
      '.mcp.json is tracked by git: a commit will carry this change',
      '.cursor/mcp.json is ignored by git (.gitignore)',
      '.vscode/mcp.json is ignored by git (.git/info/exclude)',
      '.codex/config.toml is not ignored by git: `git add` would include it',
    ]);
  });

  it('counts a file re-included by a negated rule as not ignored', async () => {
    await write('.gitignore', '*.json\n!.cursor/mcp.json\n');
    const states = await gitStates(environment(), [file('.cursor/mcp.json'), file('other.json')]);
    expect(states.get(file('.cursor/mcp.json'))?.state).toBe('untracked');
    expect(states.get(file('other.json'))?.state).toBe('ignored');
  });

  it('says nothing about a file outside the repository', async () => {
    expect((await gitStates(environment(), [path.join(temp.dir, '.cursor', 'mcp.json')])).size).toBe(0);
  });

  it('says nothing without git on PATH', async () => {
    expect((await gitStates(environment({ env: { PATH: temp.dir, HOME: temp.dir } }), [file('.mcp.json')])).size).toBe(0);
  });
});

it('says nothing in a folder that only looks like a repository (git answers 128)', async () => {
  await mkdir(path.join(repo, '.git'));
  await mkdir(path.join(repo, 'src'));
  expect((await gitStates(environment(), [file('.mcp.json')])).size).toBe(0);
});

it('says nothing outside any repository, without running git', async () => {
  const calls: unknown[] = [];
  const states = await gitStates(environment({ cwd: repo }), [file('.mcp.json')], async (argv) => {
    calls.push(argv);
    return { exitCode: 0, stdout: '', output: '' };
  });
  expect(states.size).toBe(0);
  expect(calls).toEqual([]);
});

describe('projectFiles', () => {
  const step = (filePath: string, before: string | null, after: string | null) => ({ kind: 'file' as const, path: filePath, before, after, secret: false });
  const plan = (steps: ReturnType<typeof step>[]) => ({ tool: 'cursor' as const, target: 'T', steps, stale: [], staleKept: [], nextSteps: [], warnings: [] });

  it('lists the files project-scope plans create or change, once each, from the scope alone', () => {
    expect(
      projectFiles([
        { scope: 'project', plan: plan([step('/r/a', null, 'x'), step('/r/b', 'same', 'same'), step('/r/a', 'x', 'y')]) },
        { scope: 'user', plan: plan([step('/home/u', null, 'x')]) },
      ]),
    ).toEqual(['/r/a']);
  });
});
