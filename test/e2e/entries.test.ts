/** What the built CLI does with what the user already has under our name, and what `remove` gives back. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATH_WITHOUT_PACKAGES, runCli, useCliFixture } from '../support/cli.js';

const fixture = useCliFixture();
const { token, urls } = fixture;
const cli = (args: string[], input?: string) =>
  runCli(args, { home: fixture.home, env: { PATH: PATH_WITHOUT_PACKAGES }, ...(input === undefined ? {} : { input }) });

async function put(file: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, { mode });
}

describe('duplicates of our entry', () => {
  it('refuses a Codex config.toml with our table twice and never writes it', async () => {
    const file = path.join(fixture.home, '.codex', 'config.toml');
    const twice = '[mcp_servers.mittwald]\nurl = "https://mittwald-mcp.fly.dev/sse"\n\n[mcp_servers.mittwald]\nurl = "https://mcp.mittwald.de/mcp"\n';
    await put(file, twice);
    const run = await cli(['--tool', 'codex', ...urls(), '--token-stdin', '--json'], token);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).tools[0]).toMatchObject({ status: 'failed', error: { code: 'CONFIG_PARSE', message: expect.stringContaining(`${file}:4:`) } });
    expect(await readFile(file, 'utf8')).toBe(twice);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
  });

  it('leaves one Cursor entry of our name and reports the removed duplicate in --json', async () => {
    const file = path.join(fixture.home, '.cursor', 'mcp.json');
    await put(file, '{"mcpServers": {"mittwald": {"url": "https://old.example.test/mcp"}, "mittwald": {"url": "https://old.example.test/mcp"}}}\n');
    const run = await cli(['--tool', 'cursor', ...urls(), '--token-stdin', '--json'], token);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).tools[0].warnings).toContainEqual(expect.stringContaining('had 2 "mittwald" entries'));
    const written = await readFile(file, 'utf8');
    expect(written.match(/"mittwald"/g)).toHaveLength(1);
  });
});

describe('the user\'s own settings on our entry', () => {
  it('keeps an extra header and says in --json which keys of an old bridge it dropped', async () => {
    const file = path.join(fixture.home, '.cursor', 'mcp.json');
    await put(file, JSON.stringify({ mcpServers: { mittwald: { command: 'npx', args: ['mcp-remote', 'https://mcp.mittwald.de/sse'], headers: { 'X-Trace': 'on' } } } }, null, 2));
    const run = await cli(['--tool', 'cursor', ...urls(), '--token-stdin', '--json'], token);
    expect(run.exitCode).toBe(0);
    const { warnings } = JSON.parse(run.stdout).tools[0] as { warnings: string[] };
    expect(warnings).toEqual(expect.arrayContaining([expect.stringContaining('dropped "command"'), expect.stringContaining('dropped "args"')]));
    const entry = JSON.parse(await readFile(file, 'utf8')).mcpServers.mittwald;
    expect(entry).toEqual({ headers: { 'X-Trace': 'on', Authorization: `Bearer ${token}` }, url: fixture.server.mcpUrl });
    const again = JSON.parse((await cli(['--tool', 'cursor', ...urls(), '--token-stdin', '--json'], token)).stdout).tools[0];
    expect(again).toMatchObject({ status: 'unchanged', warnings: [] });
  });
});

describe('remove gives the file back as it was', () => {
  it('the same bytes and mode 0644 for a Copilot mcp-config.json and a Cursor file that held a literal token', async () => {
    const copilotFile = path.join(fixture.home, '.copilot', 'mcp-config.json');
    const cursorFile = path.join(fixture.home, '.cursor', 'mcp.json');
    const originals = {
      [copilotFile]: '{\n  "mcpServers": {\n    "github": { "type": "http", "url": "https://api.githubcopilot.com/mcp/", "tools": ["*"] }\n  }\n}\n',
      [cursorFile]: '{\n  // mine\n  "mcpServers": {}\n}\n',
    };
    for (const [file, text] of Object.entries(originals)) await put(file, text, 0o644);

    const setup = await cli(['--tool', 'copilot,cursor', ...urls(), '--token-stdin', '--secret', 'literal', '--json'], token);
    expect(setup.exitCode, setup.stdout).toBe(0);
    for (const file of Object.keys(originals)) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readFile(file, 'utf8')).toContain(token);
    }
    const state = path.join(fixture.home, '.mittwald-mcp-setup', 'state.json');
    expect((await stat(state)).mode & 0o777).toBe(0o600);
    expect(await readFile(state, 'utf8')).not.toContain(token);

    const removed = await cli(['remove', '--tool', 'copilot,cursor', '--json']);
    expect(removed.exitCode, removed.stdout).toBe(0);
    for (const [file, text] of Object.entries(originals)) {
      expect(await readFile(file, 'utf8')).toBe(text);
      expect((await stat(file)).mode & 0o777).toBe(0o644);
    }
  });

  it('takes out what setup added, down to a file it created, and gives a Codex file its mode back', async () => {
    const cursorFile = path.join(fixture.home, '.cursor', 'mcp.json');
    const vscodeFile = path.join(fixture.home, '.config', 'Code', 'User', 'mcp.json');
    const codexFile = path.join(fixture.home, '.codex', 'config.toml');
    const copilotFile = path.join(fixture.home, '.copilot', 'mcp-config.json');
    const vscodeOriginal = '{\n  "servers": {}\n}\n';
    // VS Code's mcp.json as an earlier version of this setup left it: our entry behind its ${input:} prompt.
    const vscodeEarlier = JSON.stringify(
      {
        servers: { mittwald: { type: 'http', url: fixture.server.mcpUrl, headers: { Authorization: 'Bearer ${input:mittwald-token}' } } },
        inputs: [{ id: 'mittwald-token', type: 'promptString', description: 'mittwald API token', password: true }],
      },
      null,
      2,
    );
    const codexOriginal = '# mine\nmodel = "o3"\n';
    await put(vscodeFile, vscodeEarlier, 0o644);
    await put(codexFile, codexOriginal, 0o640);
    expect((await cli(['--tool', 'cursor,codex', ...urls(), '--token-stdin', '--secret', 'literal'], token)).exitCode).toBe(0);
    const copilot = await cli(['--tool', 'copilot', ...urls(), '--token-stdin'], token);
    expect(copilot.exitCode).toBe(0);
    // Moved into the portable file, which setup created; VS Code's file keeps its (now empty) servers map.
    expect(copilot.stdout).toContain(`Moved "mittwald" out of ${vscodeFile}`);
    expect(await readFile(copilotFile, 'utf8')).toContain(fixture.server.mcpUrl);
    expect(JSON.parse(await readFile(vscodeFile, 'utf8'))).toEqual({ servers: {} });
    expect((await stat(codexFile)).mode & 0o777).toBe(0o600);

    expect((await cli(['remove', '--tool', 'cursor,copilot,codex'])).exitCode).toBe(0);
    await expect(stat(cursorFile)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(copilotFile)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(JSON.parse(await readFile(vscodeFile, 'utf8'))).toEqual(JSON.parse(vscodeOriginal));
    expect(await readFile(codexFile, 'utf8')).toBe(codexOriginal);
    expect((await stat(codexFile)).mode & 0o777).toBe(0o640);
  });
});
