/** `ci github|gitlab` on the built CLI: the pipeline it prints parses as YAML (js-yaml, the parser in
 * node_modules), references the CI secret and never holds a token; the setup line in it really sets the tools
 * up on a "runner" (a shell with the secret in its environment, against the local stand-in); --write goes
 * through the file writer (diff, --yes, backups, unchanged on a second run, read-only folders); bad input is a
 * one-line usage error. */
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CLI, cleanEnv, PATH_WITHOUT_PACKAGES, runCli, useCliFixture } from '../support/cli.js';
import { KEYS, spawnCli } from '../support/pty.js';

const fixture = useCliFixture();
const FAKE_TOKEN = 'ci-test-token-never-printed-0000';

function ci(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  return runCli(['ci', ...args], { home: fixture.home, ...options });
}

/** A git repository (just a `.git` folder) under HOME. */
async function repository(): Promise<string> {
  const root = path.join(fixture.home, 'site');
  await mkdir(path.join(root, '.git'), { recursive: true });
  return root;
}

type Yaml = Record<string, unknown>;
const parse = (text: string): Yaml => load(text) as Yaml;

interface WorkflowStep {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

function workflowSteps(workflow: Yaml): WorkflowStep[] {
  return ((workflow.jobs as Yaml).agent as { steps: WorkflowStep[] }).steps;
}

describe('ci github', () => {
  it('prints a workflow that parses, is started by hand, takes the token from the secret and installs each tool first', async () => {
    const run = await ci(['github', '--tool', 'claude-code,codex'], { env: { MITTWALD_API_TOKEN: FAKE_TOKEN } });
    expect(run.exitCode, run.stderr).toBe(0);
    const workflow = parse(run.stdout);
    expect(workflow.on).toEqual({ workflow_dispatch: null });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const job = (workflow.jobs as Yaml).agent as Yaml;
    expect(job.env).toEqual({ MITTWALD_API_TOKEN: '${{ secrets.MITTWALD_API_TOKEN }}' });
    const steps = workflowSteps(workflow);
    expect(steps.map((step) => step.name ?? step.uses)).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'Install Claude Code',
      'Install Codex CLI',
      'Connect to the mittwald MCP server',
    ]);
    expect(steps[2]?.run).toBe('npm install -g @anthropic-ai/claude-code');
    const connect = steps.at(-1)!.run!;
    expect(connect).toMatch(/^test -n "\$MITTWALD_API_TOKEN" \|\| \{ echo .*; exit 1; \}\n/);
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(connect).toContain(`npx --yes mittwald-mcp-setup@${pkg.version} --tool claude-code,codex --yes\n`);
    // The agent step is an example in comments: each tool's command line and the key it needs itself.
    expect(run.stdout).toContain("#   run: claude -p 'List my mittwald projects' --allowedTools mcp__mittwald");
    expect(run.stdout).toContain('#     CODEX_API_KEY: ${{ secrets.CODEX_API_KEY }}');
    // stdout is the file; the advice is on stderr. No token anywhere, though one is set here.
    expect(run.stderr).toContain('Save this as .github/workflows/mittwald-mcp.yml');
    expect(run.stderr).toContain('Settings → Secrets and variables → Actions');
    expect(run.stdout + run.stderr).not.toContain(FAKE_TOKEN);
    // No Copilot selected: no cloud-agent configuration.
    expect(run.stderr).not.toContain('Copilot cloud agent');
  });

  it('with Copilot: the cloud agent configuration, referring to a COPILOT_MCP_ secret in the Agents store', async () => {
    const run = await ci(['github', '--tool', 'copilot', '--json'], { env: { MITTWALD_API_TOKEN: FAKE_TOKEN } });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: true, command: 'ci', provider: 'github', tools: ['copilot'], pipeline: { path: '.github/workflows/mittwald-mcp.yml' }, files: [] });
    expect(workflowSteps(parse(result.pipeline.text)).map((step) => step.run ?? '')).toContain('npm install -g @github/copilot');
    const [hosted] = result.hosted;
    expect(hosted.secret).toBe('COPILOT_MCP_MITTWALD_API_TOKEN');
    expect(JSON.parse(hosted.configuration)).toEqual({
      mcpServers: { mittwald: { type: 'http', url: 'https://mcp.mittwald.de/mcp', headers: { Authorization: 'Bearer ${COPILOT_MCP_MITTWALD_API_TOKEN}' }, tools: ['*'] } },
    });
    expect(hosted.steps.join('\n')).toMatch(/Settings → Copilot → Cloud agent/);
    expect(hosted.steps.join('\n')).toMatch(/Secrets and variables → Agents/);
    expect(run.stdout).not.toContain(FAKE_TOKEN);
  });

  it('without --tool: every tool that runs in CI, and the Copilot cloud agent', async () => {
    const run = await ci(['github']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/--tool claude-code,codex,copilot --yes/);
    expect(run.stderr).toContain('GitHub Copilot cloud agent');
    expect(run.stderr).toContain('"Authorization": "Bearer ${COPILOT_MCP_MITTWALD_API_TOKEN}"');
  });

  it('passes a non-default entry name and server on, quoted for the shell and for YAML', async () => {
    const run = await ci(['github', '--tool', 'codex', '--name', 'mw-staging', '--server-url', 'https://staging.example.test/mcp?x=1&y=#z']);
    expect(run.exitCode).toBe(0);
    const connect = workflowSteps(parse(run.stdout)).at(-1)!.run!;
    expect(connect).toContain("--tool codex --name mw-staging --server-url 'https://staging.example.test/mcp?x=1&y=#z' --yes");
  });

  it('the setup line works on a runner: the tools are set up with a reference to the secret; without the secret it stops with the fix', async () => {
    const run = await ci(['github', '--tool', 'codex,claude-code', ...fixture.urls()]);
    const script = workflowSteps(parse(run.stdout)).at(-1)!.run!;
    // The runner's `npx --yes mittwald-mcp-setup@<version>` is this build.
    const bin = path.join(fixture.home, 'runner-bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'npx'), `#!/bin/sh\nshift 2\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    await chmod(path.join(bin, 'npx'), 0o755);
    const runner = (token: string) =>
      execa('sh', ['-c', script], {
        cwd: fixture.home,
        env: cleanEnv(fixture.home, { PATH: `${bin}${path.delimiter}${PATH_WITHOUT_PACKAGES}`, MITTWALD_API_TOKEN: token }),
        extendEnv: false,
        reject: false,
      });

    const missing = await runner('');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('::error::Add the MITTWALD_API_TOKEN secret');
    await expect(stat(path.join(fixture.home, '.codex'))).rejects.toThrow();

    const done = await runner(fixture.token);
    expect(done.exitCode, done.stdout + done.stderr).toBe(0);
    expect(await readFile(path.join(fixture.home, '.codex', 'config.toml'), 'utf8')).toContain('bearer_token_env_var = "MITTWALD_API_TOKEN"');
    const claude = JSON.parse(await readFile(path.join(fixture.home, '.claude.json'), 'utf8'));
    expect(claude.mcpServers.mittwald.headers).toEqual({ Authorization: 'Bearer ${MITTWALD_API_TOKEN}' });
    expect(done.stdout + done.stderr).not.toContain(fixture.token);
  });

  it('--write shows the diff and writes .github/workflows/mittwald-mcp.yml with --yes; a second run changes nothing', async () => {
    const root = await repository();
    const cwd = path.join(root, 'src');
    await mkdir(cwd);
    const first = await ci(['github', '--tool', 'claude-code', '--write', '--yes'], { cwd });
    expect(first.exitCode, first.stderr).toBe(0);
    const file = path.join(root, '.github', 'workflows', 'mittwald-mcp.yml');
    expect(first.stdout).toContain(`new  ${file}`);
    expect(first.stdout).toContain('+name: mittwald MCP');
    expect(first.stdout).toContain(`✓ ${file}: created`);
    expect(first.stdout).toMatch(/Next steps\n  1\. Add your mittwald API token as the MITTWALD_API_TOKEN secret/);
    const text = await readFile(file, 'utf8');
    expect(parse(text).name).toBe('mittwald MCP');
    const { mtimeMs } = await stat(file);

    const second = await ci(['github', '--tool', 'claude-code', '--write', '--yes', '--json'], { cwd });
    expect(second.exitCode).toBe(0);
    expect(JSON.parse(second.stdout).files).toEqual([{ path: file, change: 'unchanged' }]);
    expect((await stat(file)).mtimeMs).toBe(mtimeMs);
    // No lock file or temp file is left beside it.
    expect(await readdir(path.dirname(file))).toEqual(['mittwald-mcp.yml']);
  });

  it('--write over a workflow you changed: the diff, then a backup of yours', async () => {
    const root = await repository();
    const file = path.join(root, '.github', 'workflows', 'mittwald-mcp.yml');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'name: mine\n');
    const run = await ci(['github', '--tool', 'codex', '--write', '--yes', '--json'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    const [written] = JSON.parse(run.stdout).files;
    expect(written).toMatchObject({ path: file, change: 'modified' });
    expect(await readFile(written.backup, 'utf8')).toBe('name: mine\n');
    expect(parse(await readFile(file, 'utf8')).name).toBe('mittwald MCP');
  });

  it('--write outside a git repository writes under the current folder and says so', async () => {
    const folder = path.join(fixture.home, 'plain');
    await mkdir(folder);
    const run = await ci(['github', '--tool', 'codex', '--write', '--yes'], { cwd: folder });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${folder} is not inside a git repository; the files go there`);
    expect(parse(await readFile(path.join(folder, '.github', 'workflows', 'mittwald-mcp.yml'), 'utf8')).name).toBe('mittwald MCP');
  });

  it('--write without --yes and without a terminal shows the diff and writes nothing (exit 2)', async () => {
    const root = await repository();
    const run = await ci(['github', '--tool', 'codex', '--write'], { cwd: root });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toContain('+name: mittwald MCP');
    expect(run.stderr).toMatch(/Nothing was written: there is no terminal to ask\. Pass --yes/);
    await expect(stat(path.join(root, '.github'))).rejects.toThrow();
  });

  it('--write --dry-run shows the diff and writes nothing', async () => {
    const root = await repository();
    const run = await ci(['github', '--tool', 'codex', '--write', '--dry-run'], { cwd: root });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('+name: mittwald MCP');
    expect(run.stdout).toMatch(/would be created \(dry run\)/);
    await expect(stat(path.join(root, '.github'))).rejects.toThrow();
  });

  it('--write on a read-only folder fails with CONFIG_READ_ONLY and leaves nothing behind', async () => {
    const root = await repository();
    await chmod(root, 0o555);
    // Root ignores permissions: the run is then made as nobody (who cannot write a folder owned by root).
    const asNobody = process.getuid?.() === 0;
    if (asNobody) await chmod(fixture.home, 0o755);
    const args = [CLI, 'ci', 'github', '--tool', 'codex', '--write', '--yes', '--json'];
    const run = await execa(asNobody ? 'setpriv' : process.execPath, asNobody ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args] : args, {
      cwd: root,
      env: cleanEnv(fixture.home),
      extendEnv: false,
      reject: false,
    });
    await chmod(root, 0o755);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, command: 'ci', error: { code: 'CONFIG_READ_ONLY' } });
    expect(await readdir(root)).toEqual(['.git']);
  });
});

describe('ci github --write at a terminal', () => {
  const file = (root: string) => path.join(root, '.github', 'workflows', 'mittwald-mcp.yml');

  it('asks after the diff; yes writes it', async () => {
    const root = await repository();
    const session = spawnCli(['ci', 'github', '--tool', 'codex', '--write'], { home: fixture.home, cwd: root });
    try {
      await session.expect('+name: mittwald MCP');
      await session.expect('Write this file? [y/N]');
      await session.send(`y${KEYS.enter}`);
      await session.expect(`${file(root)}: created`);
      expect((await session.waitForExit()).exitCode).toBe(0);
    } finally {
      session.kill();
    }
    expect(parse(await readFile(file(root), 'utf8')).name).toBe('mittwald MCP');
  });

  it.each([
    ['Enter (the default, no)', KEYS.enter],
    ['Ctrl-C', KEYS.ctrlC],
  ])('%s cancels: exit 130, nothing written', async (_label, key) => {
    const root = await repository();
    const session = spawnCli(['ci', 'github', '--tool', 'codex', '--write'], { home: fixture.home, cwd: root });
    try {
      await session.expect('Write this file? [y/N]');
      await session.send(key);
      await session.expect('Cancelled — nothing was changed');
      expect((await session.waitForExit()).exitCode).toBe(130);
    } finally {
      session.kill();
    }
    await expect(stat(path.join(root, '.github'))).rejects.toThrow();
  });

  it('a workflow edited while the question waits is kept: CONFIG_IO, nothing overwritten', async () => {
    const root = await repository();
    await mkdir(path.dirname(file(root)), { recursive: true });
    await writeFile(file(root), 'name: mine\n');
    const session = spawnCli(['ci', 'github', '--tool', 'codex', '--write'], { home: fixture.home, cwd: root });
    try {
      await session.expect('Write this file? [y/N]');
      await writeFile(file(root), 'name: mine, edited meanwhile\n');
      await session.send(`yes${KEYS.enter}`);
      await session.expect('changed while the setup was running');
      expect((await session.waitForExit()).exitCode).toBe(1);
    } finally {
      session.kill();
    }
    expect(await readFile(file(root), 'utf8')).toBe('name: mine, edited meanwhile\n');
  });
});

describe('ci gitlab', () => {
  it('prints a job that parses, runs on a pipeline started by hand and stops without the variable', async () => {
    const run = await ci(['gitlab', '--tool', 'claude-code']);
    expect(run.exitCode).toBe(0);
    const job = parse(run.stdout)['mittwald-mcp'] as { image: string; rules: unknown; script: string[] };
    expect(job.image).toBe('node:22');
    expect(job.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "web"' }]);
    expect(job.script[0]).toMatch(/^test -n "\$MITTWALD_API_TOKEN" \|\| \{ echo 'Add the MITTWALD_API_TOKEN CI\/CD variable: .*' >&2; exit 1; \}$/);
    expect(job.script.slice(1)).toEqual(['npm install -g @anthropic-ai/claude-code', expect.stringMatching(/^npx --yes mittwald-mcp-setup@\S+ --tool claude-code --yes$/)]);
    expect(run.stderr).toContain('Settings → CI/CD → Variables');
    expect(run.stderr).not.toContain('Copilot cloud agent');
  });

  it('--write: its own includable file, and a .gitlab-ci.yml that includes it when there is none', async () => {
    const root = await repository();
    const run = await ci(['gitlab', '--tool', 'codex', '--write', '--yes'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    const job = parse(await readFile(path.join(root, '.gitlab', 'mittwald-mcp.yml'), 'utf8'));
    expect(Object.keys(job)).toEqual(['mittwald-mcp']);
    expect(parse(await readFile(path.join(root, '.gitlab-ci.yml'), 'utf8'))).toEqual({ include: [{ local: '.gitlab/mittwald-mcp.yml' }] });
    expect(run.stdout).not.toMatch(/Include the job/);
  });

  it('--write never edits an existing .gitlab-ci.yml: it says which include line to add', async () => {
    const root = await repository();
    const own = 'stages: [test]\n# my comment\ntest:\n  script: [make test]\n';
    await writeFile(path.join(root, '.gitlab-ci.yml'), own);
    const run = await ci(['gitlab', '--tool', 'codex', '--write', '--yes', '--json'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.files).toEqual([{ path: path.join(root, '.gitlab', 'mittwald-mcp.yml'), change: 'created' }]);
    expect(result.nextSteps.join('\n')).toContain('add `- local: .gitlab/mittwald-mcp.yml` to its `include:` list');
    expect(await readFile(path.join(root, '.gitlab-ci.yml'), 'utf8')).toBe(own);

    // Once included, that step is gone.
    await writeFile(path.join(root, '.gitlab-ci.yml'), `${own}include:\n  - local: .gitlab/mittwald-mcp.yml\n`);
    const again = JSON.parse((await ci(['gitlab', '--tool', 'codex', '--write', '--yes', '--json'], { cwd: root })).stdout);
    expect(again.files).toEqual([{ path: path.join(root, '.gitlab', 'mittwald-mcp.yml'), change: 'unchanged' }]);
    expect(again.nextSteps).toHaveLength(1);
  });
});

describe('bad input: exit 2 and one line', () => {
  it.each([
    [['ci'], /ci needs a provider: github or gitlab/],
    [['ci', 'bitbucket'], /^✗ Unknown CI provider "bitbucket": use github or gitlab\.$/],
    [['ci', 'github', 'gitlab'], /Unexpected argument "gitlab"/],
    [['ci', 'github', '--tool', 'cursor'], /Cursor does not run in CI; ci sets up claude-code, codex, copilot/],
    [['ci', 'gitlab', '--tool', 'chatgpt,codex'], /ChatGPT does not run in CI/],
    [['ci', 'github', '--token', FAKE_TOKEN], /ci takes no credential/],
    [['ci', 'github', '--oauth'], /ci takes no credential/],
    [['status', '--write'], /--write applies to the ci command only/],
    [['--tool', 'cursor', '--write'], /--write applies to the ci command only/],
  ])('%j', async (args, message) => {
    const run = await runCli(args, { home: fixture.home });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim()).toMatch(message);
    expect(run.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain(FAKE_TOKEN);
  });

  it('a bad provider is one line exactly', async () => {
    const run = await runCli(['ci', 'bitbucket'], { home: fixture.home });
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
