/** `status` and `remove` on the built CLI: what setup wrote is reported with its auth mode and a live check,
 * and remove restores every pre-existing file byte for byte. */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cleanEnv, PATH_WITHOUT_PACKAGES, runCli, useCliFixture } from '../support/cli.js';

const fixture = useCliFixture();
const { token, urls } = fixture;
// Without node_modules/.bin on PATH, so that no real tool CLI runs here (they are covered by
// test/contract/claude-code.test.ts and test/e2e/real-tools.test.ts).
const PATH = PATH_WITHOUT_PACKAGES;
const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { home: fixture.home, env: { PATH, ...env } });

describe('--tool detected', () => {
  it('configures exactly the tools installed here', async () => {
    // The evidence of an install: `cursor` and `codex` commands on PATH (shims in a temp folder).
    const bin = path.join(fixture.home, 'bin');
    await mkdir(bin, { recursive: true });
    for (const command of ['cursor', 'codex']) await writeFile(path.join(bin, command), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const run = await cli(['--tool', 'detected', ...urls(), '--token', token, '--json'], { PATH: `${bin}${path.delimiter}${PATH}` });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).tools.map((tool: { tool: string }) => tool.tool)).toEqual(['codex', 'cursor']);
  });

  it('says so when nothing is installed', async () => {
    const run = await cli(['--tool', 'detected', ...urls(), '--token', token]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/No supported tool is installed/);
  });
});

describe('status', () => {
  it('reports each configured entry with its auth mode and whether it connects', async () => {
    expect((await cli(['--tool', 'cursor,claude-code', ...urls(), '--token', token])).exitCode).toBe(0);
    expect((await cli(['--tool', 'copilot', ...urls(), '--token', token])).exitCode).toBe(0);
    const run = await cli(['status', '--json', ...urls()]);
    expect(run.stdout).not.toContain(token);
    const result = JSON.parse(run.stdout);
    const entries = Object.fromEntries(result.tools.map((tool: { tool: string; entries: unknown[] }) => [tool.tool, tool.entries]));
    expect(entries.cursor).toEqual([expect.objectContaining({ name: 'mittwald', scope: 'user', auth: 'token-literal', credentialResolves: true, check: expect.objectContaining({ status: 'connected' }) })]);
    expect(entries['claude-code']).toEqual([expect.objectContaining({ auth: 'token-literal', check: expect.objectContaining({ status: 'connected' }) })]);
    expect(entries.copilot).toEqual([expect.objectContaining({ host: 'VS Code, Copilot CLI and app', auth: 'token-literal', credentialResolves: true, check: expect.objectContaining({ status: 'connected' }) })]);
    expect(result.ok).toBe(true);
  });

  it('flags a retired URL and a reference whose variable is unset', async () => {
    await mkdir(path.join(fixture.home, '.cursor'), { recursive: true });
    await writeFile(path.join(fixture.home, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { old: { url: 'https://mittwald-mcp.fly.dev/sse' }, mittwald: { url: fixture.server.mcpUrl, headers: { Authorization: 'Bearer ${env:MITTWALD_API_TOKEN}' } } } }));
    const result = JSON.parse((await cli(['status', '--tool', 'cursor', '--json', ...urls()])).stdout);
    const entries = result.tools[0].entries;
    expect(entries.find((entry: { name: string }) => entry.name === 'old')).toMatchObject({ urlKind: 'legacy-fly' });
    expect(entries.find((entry: { name: string }) => entry.name === 'mittwald')).toMatchObject({ auth: 'token-ref', unresolved: ['MITTWALD_API_TOKEN'], check: { status: 'needs-env' } });
    const connected = JSON.parse((await cli(['status', '--tool', 'cursor', '--json', ...urls()], { MITTWALD_API_TOKEN: token })).stdout);
    expect(connected.tools[0].entries.find((entry: { name: string }) => entry.name === 'mittwald').check.status).toBe('connected');
  });
});

describe('entries a tool does not use yet', () => {
  /** A git project under the temp HOME. */
  async function project(): Promise<string> {
    const dir = path.join(fixture.home, 'shop');
    await mkdir(path.join(dir, '.git'), { recursive: true });
    return dir;
  }

  it('a .mcp.json entry awaiting approval: the summary and status say "configured, not active yet" with the step, not Connected', async () => {
    const shop = await project();
    const setup = await runCli(['--tool', 'claude-code', '--scope', 'project', ...urls()], { home: fixture.home, cwd: shop, env: { PATH, MITTWALD_API_TOKEN: token } });
    expect(setup.exitCode, setup.stderr).toBe(0);
    expect(setup.stdout).toMatch(/Claude Code \(project\): configured, not active yet: approve it in Claude Code: start `claude` in \S*shop and accept "mittwald"/);
    // The server itself answers; that is said, but not as the tool's state.
    expect(setup.stdout).toMatch(/server check: Connected as/);

    const status = await runCli(['status', '--tool', 'claude-code', ...urls()], { home: fixture.home, cwd: shop, env: { PATH, MITTWALD_API_TOKEN: token } });
    expect(status.stdout).toMatch(/⚠ "mittwald" project, token by reference/);
    expect(status.stdout).toContain('configured, not active yet: approve it in Claude Code');
    const json = JSON.parse((await runCli(['status', '--tool', 'claude-code', '--json', ...urls()], { home: fixture.home, cwd: shop, env: { PATH, MITTWALD_API_TOKEN: token } })).stdout);
    expect(json.tools[0].entries[0]).toMatchObject({ scope: 'project', activation: { state: 'pending-approval' }, check: { status: 'connected' } });

    // Approved as the step says: in use, and Connected.
    await mkdir(path.join(fixture.home, '.claude'), { recursive: true });
    await writeFile(path.join(fixture.home, '.claude', 'settings.json'), JSON.stringify({ enabledMcpjsonServers: ['mittwald'] }));
    const approved = await runCli(['status', '--tool', 'claude-code', ...urls()], { home: fixture.home, cwd: shop, env: { PATH, MITTWALD_API_TOKEN: token } });
    expect(approved.stdout).toMatch(/✓ "mittwald" project/);
    expect(approved.stdout).not.toContain('not active yet');
  });

  it('an old local-scope entry that overrides the user entry: reported, kept without --yes, taken out with it; status shows it with its project', async () => {
    const shop = await project();
    const dead = 'http://127.0.0.1:9/mcp';
    await writeFile(path.join(fixture.home, '.claude.json'), JSON.stringify({ projects: { [shop]: { mcpServers: { mittwald: { type: 'http', url: dead } } } } }, null, 2));
    const run = (args: string[]) => runCli(args, { home: fixture.home, cwd: shop, env: { PATH } });

    const kept = await run(['--tool', 'claude-code', ...urls(), '--token', token]);
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.stdout).toContain(`kept  "mittwald" (${dead}) — same name, wins over the new entry, local scope of ${shop}; pass --yes to replace it`);
    expect(kept.stdout).toMatch(/Claude Code \(user\): configured, not active yet: take out the local-scope "mittwald"/);
    const status = await run(['status', '--tool', 'claude-code', '--no-verify']);
    expect(status.stdout).toContain(`"mittwald" local (in ${shop}), OAuth`);
    expect(status.stdout).toMatch(/"mittwald" user, token \(literal\)[^\n]*\n\s+configured, not active yet: take out the local-scope/);

    const replaced = await run(['--tool', 'claude-code', ...urls(), '--token', token, '--yes']);
    expect(replaced.stdout).toContain(`replace  "mittwald" (${dead})`);
    expect(replaced.stdout).toMatch(/✓ Claude Code \(user\): configured — Connected as/);
    const written = JSON.parse(await readFile(path.join(fixture.home, '.claude.json'), 'utf8'));
    expect(written.projects[shop].mcpServers).toEqual({});
    expect((await run(['status', '--tool', 'claude-code', '--no-verify'])).stdout).not.toContain('local');
  });
});

describe('remove', () => {
  it('restores pre-existing files byte for byte, and a second remove is harmless', async () => {
    const cursorFile = path.join(fixture.home, '.cursor', 'mcp.json');
    const copilotFile = path.join(fixture.home, '.copilot', 'mcp-config.json');
    const claudeFile = path.join(fixture.home, '.claude.json');
    const originals = {
      [cursorFile]: '{\r\n\t// keep me\r\n\t"mcpServers": {\r\n\t\t"other": { "url": "https://example.test/mcp" }\r\n\t}\r\n}',
      [copilotFile]: '{\n    "mcpServers": {\n        "other": { "type": "http", "url": "https://example.test/mcp", "tools": ["*"] }\n    }\n}\n',
      [claudeFile]: JSON.stringify({ numStartups: 3, projects: { '/w': { mcpServers: {} } }, mcpServers: { other: { type: 'http', url: 'https://example.test/mcp' } } }, null, 2),
    };
    for (const [file, text] of Object.entries(originals)) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    }
    const setup = await cli(['--tool', 'cursor,copilot,claude-code', ...urls(), '--token', token]);
    expect(setup.exitCode).toBe(0);
    for (const file of Object.keys(originals)) expect(await readFile(file, 'utf8')).toContain(fixture.server.mcpUrl);

    const removed = await cli(['remove', '--tool', 'cursor,copilot,claude-code']);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toMatch(/removed "mittwald"/);
    for (const [file, text] of Object.entries(originals)) expect(await readFile(file, 'utf8')).toBe(text);

    const again = await cli(['remove', '--tool', 'cursor,copilot,claude-code']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
    for (const [file, text] of Object.entries(originals)) expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('prints the backup of each file it changed, in text and in --json', async () => {
    const file = path.join(fixture.home, '.cursor', 'mcp.json');
    expect((await cli(['--tool', 'cursor', ...urls(), '--token', token])).exitCode).toBe(0);
    const withEntry = await readFile(file, 'utf8');
    const removed = await cli(['remove', '--tool', 'cursor']);
    expect(removed.exitCode).toBe(0);
    const backup = new RegExp(`backup of ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\S+)`).exec(removed.stdout)?.[1];
    expect(backup, removed.stdout).toMatch(/\.mittwald-mcp-setup\/backups\/.+_mcp\.json$/);
    expect(await readFile(backup ?? '', 'utf8')).toBe(withEntry);

    expect((await cli(['--tool', 'cursor', ...urls(), '--token', token])).exitCode).toBe(0);
    const json = JSON.parse((await cli(['remove', '--tool', 'cursor', '--json'])).stdout);
    const [changed] = json.tools[0].files;
    // Setup created the file, and nothing else was put into it: remove deletes it again (with its backup).
    expect(changed).toMatchObject({ path: file, change: 'deleted', backup: expect.stringContaining('.mittwald-mcp-setup/backups/') });
    expect(await readFile(changed.backup, 'utf8')).toBe(withEntry);
  });

  it('changes nothing with --dry-run', async () => {
    expect((await cli(['--tool', 'cursor', ...urls(), '--token', token])).exitCode).toBe(0);
    const file = path.join(fixture.home, '.cursor', 'mcp.json');
    const before = await readFile(file, 'utf8');
    const run = await cli(['remove', '--tool', 'cursor', '--dry-run']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('-    "mittwald"');
    expect(run.stdout).not.toContain(token);
    expect(await readFile(file, 'utf8')).toBe(before);
  });
});

describe('Claude Desktop', () => {
  const configFile = () => path.join(fixture.home, '.config', 'Claude', 'claude_desktop_config.json');
  const bridge = { command: 'npx', args: ['-y', 'mcp-remote', 'https://mcp.mittwald.de/sse'] };

  it('finds an old mcp-remote bridge in its config file, reports it, and takes it out with --yes', async () => {
    await mkdir(path.dirname(configFile()), { recursive: true });
    const original = JSON.stringify({ globalShortcut: 'Ctrl+Space', mcpServers: { mittwald: bridge, files: { command: 'node', args: ['files.js'] } } }, null, 2);
    await writeFile(configFile(), original);

    const status = JSON.parse((await cli(['status', '--tool', 'claude-desktop', '--json', '--no-verify'])).stdout);
    expect(status.tools[0].entries).toEqual([expect.objectContaining({ name: 'mittwald', host: 'local bridge', urlKind: 'legacy-sse' })]);

    const kept = JSON.parse((await cli(['--tool', 'claude-desktop', '--no-verify', '--json'])).stdout);
    expect(kept.tools[0]).toMatchObject({ status: 'instructions', staleKept: [{ name: 'mittwald', reason: 'legacy-sse' }] });
    expect(await readFile(configFile(), 'utf8')).toBe(original);

    const replaced = await cli(['--tool', 'claude-desktop', '--no-verify', '--yes', '--json']);
    expect(replaced.exitCode).toBe(0);
    expect(JSON.parse(replaced.stdout).tools[0]).toMatchObject({ status: 'instructions', stale: [{ name: 'mittwald' }], files: [{ change: 'modified' }] });
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({ globalShortcut: 'Ctrl+Space', mcpServers: { files: { command: 'node', args: ['files.js'] } } });
  });
});

describe('Ctrl-C while applying', () => {
  it('finishes the writes under way (a script writes its tools side by side), and says what was written', async () => {
    // The test holds the lock of Cursor's file as another live run would: the run writes Codex and Copilot,
    // and waits at Cursor's lock — the moment to press Ctrl-C. Once the lock is let go, Cursor's write is
    // finished too: a write under way is never abandoned half-way.
    const cursorFile = path.join(fixture.home, '.cursor', 'mcp.json');
    const lock = path.join(fixture.home, '.cursor', '.mcp.json.mittwald-mcp-setup.lock');
    await mkdir(path.dirname(cursorFile), { recursive: true });
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), time: new Date().toISOString(), token: 'held-by-the-test' }));
    const codexFile = path.join(fixture.home, '.codex', 'config.toml');
    const { execa } = await import('execa');
    const child = execa(process.execPath, [CLI, '--tool', 'codex,cursor,copilot', ...urls(), '--token', token, '--json'], {
      cwd: fixture.home,
      env: cleanEnv(fixture.home, { PATH }),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    while (!(await readFile(codexFile).then(() => true, () => false))) await new Promise((resolve) => setTimeout(resolve, 20));
    // Codex is written; give the run a moment to reach Cursor's lock, then interrupt it there.
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readFile(cursorFile).then(() => true, () => false)).toBe(false);
    await rm(lock);
    const run = await child;
    expect(run.exitCode).toBe(130);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(result.tools.map((tool: { tool: string; status: string }) => [tool.tool, tool.status])).toEqual([
      ['codex', 'configured'],
      ['cursor', 'configured'],
      ['copilot', 'configured'],
    ]);
    expect(run.stderr).toMatch(/Cancelled while writing: the writes under way were finished/);
    expect(await readFile(cursorFile, 'utf8')).toContain('"mittwald"');
    expect(await readFile(path.join(fixture.home, '.copilot', 'mcp-config.json'), 'utf8')).toContain('"mittwald"');
  });
});

describe('Ctrl-C before anything is written', () => {
  it.each([['setup', ['--tool', 'cursor', '--token-stdin']], ['status', ['status', '--tool', 'cursor']]] as const)(
    '%s --json prints one CANCELLED object and exits 130, with nothing written',
    async (command, args) => {
      // A server that takes requests and never answers: the run is stuck in its check when Ctrl-C comes.
      let requested!: () => void;
      const seen = new Promise<void>((resolve) => (requested = resolve));
      const held: ServerResponse[] = [];
      const server = createServer((_req, res) => {
        held.push(res);
        requested();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        if (command === 'status') {
          await mkdir(path.join(fixture.home, '.cursor'), { recursive: true });
          await writeFile(path.join(fixture.home, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { mittwald: { url: `${url}/mcp`, headers: { Authorization: 'Bearer fake-token' } } } }));
        }
        const { execa } = await import('execa');
        const child = execa(process.execPath, [CLI, ...args, '--server-url', `${url}/mcp`, '--api-url', url, '--json'], {
          cwd: fixture.home,
          env: cleanEnv(fixture.home, { PATH }),
          extendEnv: false,
          reject: false,
          input: 'fake-token-for-the-test',
        });
        await seen;
        const before = await readFile(path.join(fixture.home, '.cursor', 'mcp.json'), 'utf8').catch(() => null);
        child.kill('SIGINT');
        const run = await child;
        expect(run.exitCode).toBe(130);
        expect(JSON.parse(run.stdout)).toEqual({ ok: false, command, error: { code: 'CANCELLED', message: 'Cancelled — nothing was changed.' } });
        expect(await readFile(path.join(fixture.home, '.cursor', 'mcp.json'), 'utf8').catch(() => null)).toBe(before);
      } finally {
        for (const res of held) res.destroy();
        server.close();
      }
    },
  );
});
