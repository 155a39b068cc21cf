import { fs as memfsFs, vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Credential, Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { default: claudeCode, claudeState, judgeMcpGet } = await import('../../adapters/claude-code.js');
const { planTools } = await import('../../src/flow/setup-steps.js');

const HOME = '/home/ada';
const REPO = '/home/ada/work/shop';
const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const TOKEN = '1b9c7a0e-3f7d-4c1e-9a53-0d8e5f2b7c41:test-0123456789abcdef0123456789abcdef:mittwald_a';

function environment(overrides: { env?: Record<string, string>; cwd?: string } = {}): Environment {
  return { platform: 'linux', home: HOME, cwd: overrides.cwd ?? REPO, env: { HOME, PATH: '/usr/bin:/bin', ...overrides.env } };
}

function request(overrides: Partial<SetupRequest> = {}): SetupRequest {
  return { serverUrl: SERVER_URL, name: 'mittwald', scope: 'user', credential: { kind: 'oauth' }, replaceStale: true, ...overrides };
}

const tokenRef: Credential = { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' };
const tokenLiteral: Credential = { kind: 'token', token: TOKEN, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' };

/** Shaped like a real, long-used `~/.claude.json`: Claude writes it with JSON.stringify(…, null, 2) and no
 * final newline. */
function bigClaudeJson(): string {
  const project = (n: number) => ({
    allowedTools: ['Bash(npm test:*)', `Edit(src/${n}/**)`],
    history: Array.from({ length: 5 }, (_, i) => ({ display: `fix the build #${n}.${i} — “quotes” & ümlauts`, pastedContents: {} })),
    mcpContextUris: [],
    mcpServers: n === 1 ? { mittwald: { type: 'http', url: 'https://mcp.mittwald.de/mcp', headers: { Authorization: 'Bearer ${OLD_TOKEN}' } } } : {},
    enabledMcpjsonServers: [],
    disabledMcpjsonServers: [],
    hasTrustDialogAccepted: n % 2 === 0,
    projectOnboardingSeenCount: n,
    lastCost: 0.1234 * n,
    lastDuration: 98765 + n,
    exampleFiles: ['package.json', 'src/index.ts'],
  });
  return JSON.stringify(
    {
      numStartups: 214,
      installMethod: 'npm-global',
      autoUpdates: true,
      tipsHistory: { 'new-user-warmup': 7, 'memory-command': 41, 'theme-command': 12 },
      firstStartTime: '2025-03-02T09:14:22.581Z',
      userID: 'c0ffee'.repeat(10),
      projects: {
        '/home/ada': project(0),
        '/home/ada/work/shop': project(1),
        '/home/ada/work/blog': project(2),
        '/srv/with space/and\\backslash': project(3),
      },
      oauthAccount: { accountUuid: 'e3b0c442-98fc-1c14-9afb-f4c8996fb924', emailAddress: 'ada@example.test', organizationRole: 'admin' },
      mcpServers: { github: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: {} } },
      hasCompletedOnboarding: true,
      lastOnboardingVersion: '2.1.197',
      cachedChangelog: '# Changelog\n\n## 2.1.197\n- Line one\n- Line "two"\n',
    },
    null,
    2,
  );
}

function fileStep(plan: ToolPlan): FileStep {
  expect(plan.steps).toHaveLength(1);
  const [step] = plan.steps;
  if (step?.kind !== 'file') throw new Error(`expected a file step, got ${JSON.stringify(step)}`);
  return step;
}

/** What applyPlan does for a file step, without backups: the adapter is under test here, not the writer. */
function write(step: FileStep): void {
  if (step.after === null) vol.unlinkSync(step.path);
  else vol.writeFileSync(step.path, step.after);
}

function read(path: string): string {
  return vol.readFileSync(path, 'utf8') as string;
}

/** Asserts that `after` is `before` with one block inserted, and returns that block. */
function insertedText(before: string, after: string): string {
  let start = 0;
  while (start < before.length && before[start] === after[start]) start++;
  const tail = before.slice(start);
  expect(after.endsWith(tail)).toBe(true);
  return after.slice(start, after.length - tail.length);
}

async function planOne(env: Environment, req: SetupRequest): Promise<ToolPlan> {
  const plans = await claudeCode.plan(env, req);
  expect(plans).toHaveLength(1);
  return plans[0] as ToolPlan;
}

beforeEach(() => {
  vol.reset();
  vol.mkdirSync(`${REPO}/.git`, { recursive: true });
  vol.mkdirSync('/usr/bin', { recursive: true });
});

describe('Claude Code user scope without the claude CLI (file edits)', () => {
  beforeEach(() => {
    vol.writeFileSync(`${HOME}/.claude.json`, bigClaudeJson());
  });

  it('adds the entry to the top-level mcpServers and leaves every other byte identical', async () => {
    const original = bigClaudeJson();
    // Without replaceStale: the local-scope "mittwald" of the project is reported, not touched.
    const plan = await planOne(environment(), request({ credential: tokenRef, replaceStale: false }));
    const step = fileStep(plan);
    expect(step.path).toBe(`${HOME}/.claude.json`);
    expect(step.before).toBe(original);
    expect(step.secret).toBe(false);

    const inserted = insertedText(original, step.after ?? '');
    expect(inserted).toContain('"mittwald"');
    expect(inserted).not.toContain('github');
    const parsed = JSON.parse(step.after ?? '') as Record<string, unknown>;
    const expected = JSON.parse(original) as { mcpServers: Record<string, unknown> };
    expected.mcpServers.mittwald = { type: 'http', url: SERVER_URL, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } };
    expect(parsed).toEqual(expected);
    expect(plan.target).toBe('Claude Code (user)');
    expect(plan.nextSteps.join('\n')).toContain('MITTWALD_API_TOKEN');
    expect(plan.nextSteps.join('\n')).not.toContain(TOKEN);
  });

  it('is unchanged when the same entry is planned again, and removing restores the original bytes', async () => {
    const original = bigClaudeJson();
    write(fileStep(await planOne(environment(), request({ credential: tokenRef, replaceStale: false }))));

    const again = fileStep(await planOne(environment(), request({ credential: tokenRef, replaceStale: false })));
    expect(again.after).toBe(again.before);

    const removal = await claudeCode.planRemove(environment(), { name: 'mittwald', scope: 'user' });
    write(fileStep(removal[0] as ToolPlan));
    expect(read(`${HOME}/.claude.json`)).toBe(original);

    const nothingLeft = fileStep((await claudeCode.planRemove(environment(), { name: 'mittwald', scope: 'user' }))[0] as ToolPlan);
    expect(nothingLeft.after).toBe(nothingLeft.before);
  });

  it('replaces our entry whole when the credential changes, marking a literal token as secret', async () => {
    write(fileStep(await planOne(environment(), request({ credential: { kind: 'oauth', scopes: ['user:read', 'project:read'] } }))));
    expect(JSON.parse(read(`${HOME}/.claude.json`)).mcpServers.mittwald).toEqual({ type: 'http', url: SERVER_URL, oauth: { scopes: 'user:read project:read' } });

    const step = fileStep(await planOne(environment(), request({ credential: tokenLiteral })));
    expect(step.secret).toBe(true);
    expect(JSON.parse(step.after ?? '').mcpServers.mittwald).toEqual({ type: 'http', url: SERVER_URL, headers: { Authorization: `Bearer ${TOKEN}` } });
  });

  it('reports the local-scope entries of every project with a mittwald entry, as scope local with their project', async () => {
    const original = JSON.parse(bigClaudeJson());
    original.projects['/home/ada/work/blog'].mcpServers = { 'mw-old': { type: 'sse', url: 'https://mcp.mittwald.de/sse' }, notes: { type: 'http', url: 'https://notes.example/mcp' } };
    original.mcpServers.mittwald = { type: 'http', url: SERVER_URL };
    vol.writeFileSync(`${HOME}/.claude.json`, JSON.stringify(original, null, 2));

    const entries = await claudeCode.inspect(environment({ env: { OLD_TOKEN: 'old-secret-value' } }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries).toEqual([
      {
        tool: 'claude-code',
        scope: 'user',
        file: `${HOME}/.claude.json`,
        name: 'mittwald',
        url: SERVER_URL,
        auth: 'oauth',
        unresolved: [],
        // In this project Claude uses the local entry instead (observed: local over project over user).
        activation: { state: 'overridden', step: expect.stringContaining(`claude mcp remove mittwald --scope local\` in ${REPO}`) },
      },
      { tool: 'claude-code', scope: 'local', project: REPO, file: `${HOME}/.claude.json`, name: 'mittwald', url: SERVER_URL, auth: 'token-ref', authorization: 'Bearer old-secret-value', unresolved: [] },
      { tool: 'claude-code', scope: 'local', project: '/home/ada/work/blog', file: `${HOME}/.claude.json`, name: 'mw-old', url: 'https://mcp.mittwald.de/sse', auth: 'oauth', unresolved: [] },
    ]);
    // In the blog, nothing of our name wins over the user entry.
    const fromBlog = await claudeCode.inspect(environment({ cwd: '/home/ada/work/blog' }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(fromBlog.find((entry) => entry.scope === 'user')).not.toHaveProperty('activation');
  });

  it('reads the local scope of thousands of projects in one pass: the last of duplicate project keys counts, as Claude reads the file', async () => {
    const projects: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const servers = i % 3 === 0 ? { mittwald: { type: 'http', url: SERVER_URL } } : i % 3 === 1 ? { other: { type: 'http', url: 'https://example.test/mcp' } } : {};
      projects.push(`${JSON.stringify(`/home/ada/p${i}`)}: ${JSON.stringify({ history: [{ display: `project ${i}` }], mcpServers: servers })}`);
    }
    // A duplicate key: Claude (JSON.parse) reads the last one.
    projects.push(`${JSON.stringify('/home/ada/p0')}: ${JSON.stringify({ mcpServers: { 'mw-old': { type: 'sse', url: 'https://mcp.mittwald.de/sse' } } })}`);
    vol.writeFileSync(`${HOME}/.claude.json`, `{"projects": {${projects.join(',\n')}}, "mcpServers": {}}`);

    const local = (await claudeCode.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL })).filter((entry) => entry.scope === 'local');
    expect(local).toHaveLength(1000);
    expect(local[0]).toEqual({ tool: 'claude-code', scope: 'local', project: '/home/ada/p0', file: `${HOME}/.claude.json`, name: 'mw-old', url: 'https://mcp.mittwald.de/sse', auth: 'oauth', unresolved: [] });
    expect(local.slice(1).map((entry) => [entry.project, entry.name])).toEqual(Array.from({ length: 999 }, (_, k) => [`/home/ada/p${3 * (k + 1)}`, 'mittwald']));
  });

  it('refuses a project whose local servers are not a map, like any servers map that is not one', async () => {
    vol.writeFileSync(`${HOME}/.claude.json`, JSON.stringify({ projects: { [REPO]: { mcpServers: ['mittwald'] } }, mcpServers: {} }));
    await expect(claudeCode.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL })).rejects.toMatchObject({ code: 'CONFIG_PARSE', message: expect.stringContaining(`"projects.${REPO}.mcpServers" is not an object`) });
  });

  it('reports local-scope entries that override the user entry or are stale, and takes them out with replaceStale', async () => {
    const original = JSON.parse(bigClaudeJson());
    original.projects['/home/ada/work/blog'].mcpServers = { 'mw-old': { type: 'sse', url: 'https://mcp.mittwald.de/sse' }, notes: { type: 'http', url: 'https://notes.example/mcp' } };
    const text = JSON.stringify(original, null, 2);
    vol.writeFileSync(`${HOME}/.claude.json`, text);

    const kept = await planOne(environment(), request({ replaceStale: false }));
    expect(kept.stale).toEqual([]);
    expect(kept.staleKept).toEqual([
      { name: 'mittwald', url: SERVER_URL, file: `${HOME}/.claude.json`, reason: 'overrides', project: REPO },
      { name: 'mw-old', url: 'https://mcp.mittwald.de/sse', file: `${HOME}/.claude.json`, reason: 'legacy-sse', project: '/home/ada/work/blog' },
    ]);
    expect(JSON.parse(fileStep(kept).after ?? '').projects).toEqual(original.projects);

    const replaced = await planOne(environment(), request({ replaceStale: true }));
    expect(replaced.stale.map((entry) => [entry.name, entry.project])).toEqual([
      ['mittwald', REPO],
      ['mw-old', '/home/ada/work/blog'],
    ]);
    expect(replaced.staleKept).toEqual([]);
    const after = JSON.parse(fileStep(replaced).after ?? '');
    const expected = structuredClone(original);
    expected.projects[REPO].mcpServers = {};
    expected.projects['/home/ada/work/blog'].mcpServers = { notes: { type: 'http', url: 'https://notes.example/mcp' } };
    expected.mcpServers.mittwald = { type: 'http', url: SERVER_URL };
    expect(after).toEqual(expected);
    write(fileStep(replaced));
    const entries = await claudeCode.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries).toEqual([expect.objectContaining({ scope: 'user', name: 'mittwald' })]);
    expect(entries[0]).not.toHaveProperty('activation');
  });

  it('a project-scope plan takes out only this project\'s local-scope entry, in a second step on the global file', async () => {
    const original = JSON.parse(bigClaudeJson());
    original.projects['/home/ada/work/blog'].mcpServers = { mittwald: { type: 'http', url: SERVER_URL } };
    vol.writeFileSync(`${HOME}/.claude.json`, JSON.stringify(original, null, 2));
    const kept = await planOne(environment(), request({ scope: 'project', replaceStale: false }));
    expect(kept.steps.map((step) => step.kind === 'file' && step.path)).toEqual([`${REPO}/.mcp.json`]);
    expect(kept.staleKept).toEqual([{ name: 'mittwald', url: SERVER_URL, file: `${HOME}/.claude.json`, reason: 'overrides', project: REPO }]);

    const replaced = await planOne(environment(), request({ scope: 'project', replaceStale: true }));
    expect(replaced.steps.map((step) => step.kind === 'file' && step.path)).toEqual([`${REPO}/.mcp.json`, `${HOME}/.claude.json`]);
    const global = replaced.steps[1]!;
    if (global.kind !== 'file') throw new Error('expected a file step');
    expect(global.secret).toBe(false);
    const expected = structuredClone(original);
    expected.projects[REPO].mcpServers = {};
    expect(JSON.parse(global.after ?? '')).toEqual(expected);
    // The global file is not needed for a project-scope plan when it cannot be read.
    vol.writeFileSync(`${HOME}/.claude.json`, '{ not json');
    expect((await planOne(environment(), request({ scope: 'project' }))).steps).toHaveLength(1);
  });

  it('replaces a stale /sse entry under another name when replaceStale, and keeps it otherwise', async () => {
    const withStale = JSON.stringify(
      { numStartups: 3, mcpServers: { 'mittwald-old': { type: 'sse', url: 'https://mcp.mittwald.de/sse' }, other: { type: 'http', url: 'https://example.test/mcp' } } },
      null,
      2,
    );
    vol.writeFileSync(`${HOME}/.claude.json`, withStale);

    const replaced = await planOne(environment(), request({ replaceStale: true }));
    expect(replaced.stale).toEqual([{ name: 'mittwald-old', url: 'https://mcp.mittwald.de/sse', file: `${HOME}/.claude.json`, reason: 'legacy-sse' }]);
    expect(Object.keys(JSON.parse(fileStep(replaced).after ?? '').mcpServers)).toEqual(['other', 'mittwald']);

    const kept = await planOne(environment(), request({ replaceStale: false }));
    expect(kept.stale).toEqual([]);
    expect(kept.staleKept.map((entry) => entry.name)).toEqual(['mittwald-old']);
    expect(Object.keys(JSON.parse(fileStep(kept).after ?? '').mcpServers)).toEqual(['mittwald-old', 'other', 'mittwald']);
  });

  it('refuses to edit a file that is not strict JSON, but a project-scope plan does not depend on it', async () => {
    vol.writeFileSync(`${HOME}/.claude.json`, '{\n  // a comment Claude cannot read\n  "numStartups": 1\n}');
    await expect(claudeCode.plan(environment(), request())).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
    expect(fileStep(await planOne(environment(), request({ scope: 'project' }))).path).toBe(`${REPO}/.mcp.json`);
  });
});

describe('Claude Code config locations', () => {
  it('honours CLAUDE_CONFIG_DIR and leaves ~/.claude.json alone', async () => {
    vol.writeFileSync(`${HOME}/.claude.json`, bigClaudeJson());
    const env = environment({ env: { CLAUDE_CONFIG_DIR: '/cfg/claude' } });
    const step = fileStep(await planOne(env, request()));
    expect(step.path).toBe('/cfg/claude/.claude.json');
    expect(step.before).toBeNull();
    expect(JSON.parse(step.after ?? '')).toEqual({ mcpServers: { mittwald: { type: 'http', url: SERVER_URL } } });
    vol.mkdirSync('/cfg/claude', { recursive: true });
    write(step);
    expect(read(`${HOME}/.claude.json`)).toBe(bigClaudeJson());
    expect((await claudeCode.inspect(env, { name: 'mittwald', serverUrl: SERVER_URL })).map((entry) => entry.file)).toEqual(['/cfg/claude/.claude.json']);
    const project = await planOne(env, request({ scope: 'project' }));
    expect(project.nextSteps.join('\n')).toContain('"enabledMcpjsonServers" in /cfg/claude/settings.json');
  });

  it('follows a legacy <config dir>/.config.json while it exists, as Claude does', async () => {
    vol.mkdirSync(`${HOME}/.claude`, { recursive: true });
    vol.writeFileSync(`${HOME}/.claude/.config.json`, '{}');
    vol.writeFileSync(`${HOME}/.claude.json`, '{}');
    expect(fileStep(await planOne(environment(), request())).path).toBe(`${HOME}/.claude/.config.json`);
  });

  it('detects claude on PATH as installed, and ~/.claude as config evidence', async () => {
    expect((await claudeCode.detect(environment())).state).toBe('not-installed');
    vol.mkdirSync(`${HOME}/.claude`, { recursive: true });
    expect(await claudeCode.detect(environment())).toEqual({ tool: 'claude-code', state: 'config-found', hosts: [], evidence: [`${HOME}/.claude`] });
    vol.writeFileSync('/usr/bin/claude', '#!/bin/sh\n');
    expect((await claudeCode.detect(environment())).state).toBe('installed');
  });
});

describe('Claude Code project scope (.mcp.json)', () => {
  it('writes <repo>/.mcp.json with a reference when the core is asked for a literal token, and says so', async () => {
    const env = environment({ cwd: `${REPO}/src/deep` });
    vol.mkdirSync(`${REPO}/src/deep`, { recursive: true });
    const [planned, ...rest] = await planTools([claudeCode], env, () => request({ scope: 'project', credential: tokenLiteral }));
    expect(rest).toEqual([]);
    const plan = planned!.plan!;
    const step = fileStep(plan);
    expect(step.path).toBe(`${REPO}/.mcp.json`);
    expect(step.before).toBeNull();
    expect(step.secret).toBe(false);
    expect(step.after).not.toContain(TOKEN);
    expect(JSON.parse(step.after ?? '')).toEqual({
      mcpServers: { mittwald: { type: 'http', url: SERVER_URL, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } } },
    });
    expect(plan.warnings.join('\n')).toContain('shared through git');
    const next = plan.nextSteps.join('\n');
    expect(next).toContain('enabledMcpjsonServers');
    expect(next).toContain('/mcp');
    expect(next).toContain('export MITTWALD_API_TOKEN=');
    expect(next).not.toContain(TOKEN);
  });

  it('keeps a reference as it is, and asks for approval and an OAuth login for an OAuth entry', async () => {
    const byRef = await planOne(environment(), request({ scope: 'project', credential: tokenRef }));
    expect(byRef.warnings).toEqual([]);
    const oauth = await planOne(environment(), request({ scope: 'project' }));
    expect(oauth.nextSteps.join('\n')).toMatch(/approve "mittwald"[\s\S]*claude mcp login mittwald/);
  });

  it('reports .mcp.json entries as scope project, resolving ${VAR} from the environment', async () => {
    write(fileStep(await planOne(environment(), request({ scope: 'project', credential: tokenRef }))));
    const [unset] = await claudeCode.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(unset).toMatchObject({ scope: 'project', file: `${REPO}/.mcp.json`, auth: 'token-ref', unresolved: ['MITTWALD_API_TOKEN'] });
    expect(unset).not.toHaveProperty('authorization');
    const [set] = await claudeCode.inspect(environment({ env: { MITTWALD_API_TOKEN: TOKEN } }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(set).toMatchObject({ authorization: `Bearer ${TOKEN}`, unresolved: [] });
  });
});

describe('Claude Code with the claude CLI on PATH', () => {
  beforeEach(() => {
    vol.writeFileSync('/usr/bin/claude', '#!/bin/sh\n');
    vol.writeFileSync(`${HOME}/.claude.json`, bigClaudeJson());
  });

  it('still plans a file edit, so the token never becomes an argument of `claude`', async () => {
    const step = fileStep(await planOne(environment(), request({ credential: tokenLiteral, replaceStale: false })));
    expect(step).toMatchObject({ kind: 'file', path: `${HOME}/.claude.json`, before: bigClaudeJson(), secret: true });
    expect(JSON.parse(step.after ?? '').mcpServers.mittwald.headers.Authorization).toBe(`Bearer ${TOKEN}`);

    const project = fileStep(await planOne(environment(), request({ scope: 'project', credential: tokenLiteral, replaceStale: false })));
    expect(project.path).toBe(`${REPO}/.mcp.json`);
  });

  it('replaces stale entries and removes ours by editing the file', async () => {
    vol.writeFileSync(
      `${HOME}/.claude.json`,
      JSON.stringify({ mcpServers: { 'mittwald-sse': { type: 'sse', url: 'https://mcp.mittwald.de/sse' }, mittwald: { type: 'http', url: SERVER_URL } } }, null, 2),
    );
    const step = fileStep(await planOne(environment(), request({ credential: tokenRef })));
    expect(Object.keys(JSON.parse(step.after ?? '').mcpServers)).toEqual(['mittwald']);
    write(step);

    const [removal] = await claudeCode.planRemove(environment(), { name: 'mittwald', scope: 'user' });
    expect(JSON.parse(fileStep(removal as ToolPlan).after ?? '')).toEqual({ mcpServers: {} });
  });
});

describe('Claude Code approval of .mcp.json servers (the rules 2.1.332 applies, settled in the contract suite)', () => {
  const SETTINGS = `${HOME}/.claude/settings.json`;
  const LOCAL_SETTINGS = `${REPO}/.claude/settings.local.json`;
  const PROJECT_SETTINGS = `${REPO}/.claude/settings.json`;

  beforeEach(() => {
    vol.mkdirSync(`${HOME}/.claude`, { recursive: true });
    vol.mkdirSync(`${REPO}/.claude`, { recursive: true });
    vol.writeFileSync(`${REPO}/.mcp.json`, JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: SERVER_URL } } }));
  });

  const globalFile = (project: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    vol.writeFileSync(`${HOME}/.claude.json`, JSON.stringify({ ...extra, projects: { [REPO]: project } }, null, 2));
  async function projectActivation(): Promise<unknown> {
    const entries = await claudeCode.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    return entries.find((entry) => entry.scope === 'project')?.activation;
  }

  it('is pending until approved, with the step that approves it', async () => {
    expect(await projectActivation()).toEqual({ state: 'pending-approval', step: expect.stringContaining(`start \`claude\` in ${REPO} and accept "mittwald"`) });
    expect(await projectActivation()).toMatchObject({ step: expect.stringContaining(`"enabledMcpjsonServers" in ${SETTINGS}`) });
  });

  it('is approved by the user settings in any project, trusted or not', async () => {
    vol.writeFileSync(SETTINGS, JSON.stringify({ enabledMcpjsonServers: ['mittwald'] }));
    expect(await projectActivation()).toEqual({ state: 'active' });
    vol.writeFileSync(SETTINGS, JSON.stringify({ enableAllProjectMcpServers: true }));
    expect(await projectActivation()).toEqual({ state: 'active' });
    vol.writeFileSync(SETTINGS, JSON.stringify({ enabledMcpjsonServers: ['other'] }));
    expect(await projectActivation()).toMatchObject({ state: 'pending-approval' });
  });

  it('counts the project\'s own approvals only once the folder is trusted', async () => {
    for (const [file, write] of [
      ['projects entry', (values: Record<string, unknown>, trusted: boolean) => globalFile({ ...values, hasTrustDialogAccepted: trusted })],
      ['settings.local.json', (values: Record<string, unknown>, trusted: boolean) => (vol.writeFileSync(LOCAL_SETTINGS, JSON.stringify(values)), globalFile({ hasTrustDialogAccepted: trusted }))],
      ['settings.json', (values: Record<string, unknown>, trusted: boolean) => (vol.writeFileSync(PROJECT_SETTINGS, JSON.stringify(values)), globalFile({ hasTrustDialogAccepted: trusted }))],
    ] as const) {
      for (const values of [{ enabledMcpjsonServers: ['mittwald'] }, { enableAllProjectMcpServers: true }]) {
        write(values, false);
        expect(await projectActivation(), `${file} untrusted`).toMatchObject({ state: 'pending-approval' });
        write(values, true);
        expect(await projectActivation(), `${file} trusted`).toEqual({ state: 'active' });
      }
      vol.rmSync(LOCAL_SETTINGS, { force: true });
      vol.rmSync(PROJECT_SETTINGS, { force: true });
    }
    // A trusted parent folder does not count.
    vol.writeFileSync(`${HOME}/.claude.json`, JSON.stringify({ projects: { '/home/ada/work': { hasTrustDialogAccepted: true, enabledMcpjsonServers: ['mittwald'] } } }));
    vol.writeFileSync(PROJECT_SETTINGS, JSON.stringify({ enabledMcpjsonServers: ['mittwald'] }));
    expect(await projectActivation()).toMatchObject({ state: 'pending-approval' });
  });

  it('is rejected by disabledMcpjsonServers anywhere, over every approval, and says where', async () => {
    vol.writeFileSync(SETTINGS, JSON.stringify({ enableAllProjectMcpServers: true }));
    vol.writeFileSync(LOCAL_SETTINGS, JSON.stringify({ disabledMcpjsonServers: ['mittwald'] }));
    expect(await projectActivation()).toEqual({ state: 'disabled', step: expect.stringContaining(`"disabledMcpjsonServers" in ${LOCAL_SETTINGS}`) });
    vol.rmSync(LOCAL_SETTINGS);
    globalFile({ disabledMcpjsonServers: ['mittwald'] });
    expect(await projectActivation()).toMatchObject({ state: 'disabled', step: expect.stringContaining(`${HOME}/.claude.json (projects["${REPO}"])`) });
  });

  it('ignores settings files it cannot read, as Claude does', async () => {
    vol.writeFileSync(SETTINGS, '{ "enabledMcpjsonServers": [');
    vol.writeFileSync(PROJECT_SETTINGS, '["mittwald"]');
    expect(await projectActivation()).toMatchObject({ state: 'pending-approval' });
  });

  it('an approved .mcp.json entry wins over the user entry in the project; a pending one does not', async () => {
    globalFile({}, { mcpServers: { mittwald: { type: 'http', url: SERVER_URL } } });
    const pending = await claudeCode.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(pending.find((entry) => entry.scope === 'user')).not.toHaveProperty('activation');
    vol.writeFileSync(SETTINGS, JSON.stringify({ enabledMcpjsonServers: ['mittwald'] }));
    const approved = await claudeCode.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(approved.find((entry) => entry.scope === 'user')?.activation).toEqual({ state: 'overridden', step: expect.stringContaining(`${REPO}/.mcp.json`) });
    expect(approved.find((entry) => entry.scope === 'project')?.activation).toEqual({ state: 'active' });
  });
});

describe('Claude Code state lines', () => {
  const where = { environment: environment(), projectDir: REPO, projectFile: `${REPO}/.mcp.json` };
  /** `claude mcp get mittwald` as 2.1.332 prints it. */
  const got = (scope: string, status: string, url = SERVER_URL) =>
    `mittwald:\n  Scope: ${scope}\n  Status: ${status}\n  Type: http\n  URL: ${url}\n\nTo remove this server, run: claude mcp remove mittwald -s user\n`;
  const USER = 'User config (available in all your projects)';
  const PROJECT = 'Project config (shared via .mcp.json)';
  const LOCAL = 'Local config (private to you in this project)';

  it('reads the state from the start of the text, whatever symbol and reason come with it', () => {
    expect(claudeState('✔ Connected')).toBe('connected');
    expect(claudeState('✓ Connected')).toBe('connected');
    expect(claudeState('! Needs authentication')).toBe('needs-auth');
    expect(claudeState('⏸ Pending approval (run `claude` to approve)')).toBe('pending-approval');
    expect(claudeState('✘ Failed to connect — ECONNREFUSED')).toBe('failed');
    expect(claudeState('✗ Failed to connect')).toBe('failed');
    expect(claudeState('✘ Rejected (see disabledMcpjsonServers in settings)')).toBe('rejected');
    expect(claudeState('Connecting…')).toBeUndefined();
    expect(claudeState('✔ Not Connected')).toBeUndefined();
    expect(claudeState('')).toBeUndefined();
  });

  it('passes a connected entry, and an OAuth entry that needs its login', () => {
    expect(judgeMcpGet(got(USER, '✔ Connected'), request({ credential: tokenLiteral }), where)).toMatchObject({ ok: true, activation: { state: 'active' } });
    expect(judgeMcpGet(got(USER, '! Needs authentication'), request(), where)).toMatchObject({ ok: true, activation: { state: 'active' } });
  });

  it('gives no word on use where Claude prints no state it is known to print', () => {
    const shown = judgeMcpGet(`mittwald:\n  URL: ${SERVER_URL}\n`, request(), where);
    expect(shown).toEqual({ ok: true, detail: '`claude mcp get mittwald` shows it' });
    expect(judgeMcpGet(got(USER, '◌ Warming up'), request(), where)).not.toHaveProperty('activation');
  });

  it('fails where Claude shows the entry failing, or a token entry asking for a login, or no entry', () => {
    const failed = judgeMcpGet(`${got(USER, '✘ Failed to connect')}  Issue: ECONNREFUSED\n`, request({ credential: tokenLiteral }), where);
    expect(failed).toMatchObject({ ok: false, detail: expect.stringContaining('Failed to connect') });
    expect(judgeMcpGet(got(USER, '! Needs authentication'), request({ credential: tokenLiteral }), where).ok).toBe(false);
    expect(judgeMcpGet(undefined, request(), where)).toMatchObject({ ok: false, detail: expect.stringContaining('does not show it') });
    expect(judgeMcpGet(got(USER, '✔ Connected', 'https://elsewhere.example/mcp'), request(), where).ok).toBe(false);
  });

  it('lets a reference to an unset variable fail in Claude as in our check, which names the variable', () => {
    expect(judgeMcpGet(got(USER, '✘ Failed to connect'), request({ credential: tokenRef }), where).ok).toBe(true);
    const set = { ...where, environment: environment({ env: { MITTWALD_API_TOKEN: TOKEN } }) };
    expect(judgeMcpGet(got(USER, '✘ Failed to connect'), request({ credential: tokenRef }), set).ok).toBe(false);
  });

  it('says "not active yet" with the step for a pending, rejected or overridden entry', () => {
    expect(judgeMcpGet(got(PROJECT, '⏸ Pending approval (run `claude` to approve)'), request({ scope: 'project' }), where)).toMatchObject({
      ok: true,
      activation: { state: 'pending-approval', step: expect.stringContaining('accept "mittwald"') },
    });
    expect(judgeMcpGet(got(PROJECT, '✘ Rejected (see disabledMcpjsonServers in settings)'), request({ scope: 'project' }), where)).toMatchObject({ ok: true, activation: { state: 'disabled' } });
    // A local entry wins, whatever URL it has.
    expect(judgeMcpGet(got(LOCAL, '✔ Connected', 'https://mcp.mittwald.de/sse'), request(), where)).toMatchObject({
      ok: true,
      activation: { state: 'overridden', step: expect.stringContaining('claude mcp remove mittwald --scope local') },
    });
    expect(judgeMcpGet(got(PROJECT, '✔ Connected'), request(), where)).toMatchObject({ activation: { state: 'overridden', step: expect.stringContaining('.mcp.json') } });
    // A project entry Claude does not use yet: it answers with the user's entry.
    expect(judgeMcpGet(got(USER, '✔ Connected'), request({ scope: 'project' }), where)).toMatchObject({ activation: { state: 'pending-approval' } });
    const rejected = { state: 'disabled' as const, step: 'take it out of there' };
    expect(judgeMcpGet(got(USER, '✔ Connected'), request({ scope: 'project' }), { ...where, unused: rejected })).toMatchObject({ activation: rejected });
  });
});
