/** The clients of issue 11 through the built CLI: `--tool detected` finds them by their programs, `--tool all`
 * includes them, and a Hermes setup → status → remove round trip gives the user's YAML back byte for byte. */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';

const NEW_TOOLS = ['gemini', 'opencode', 'hermes', 'cline', 'windsurf', 'zed', 'antigravity'];
const token = createTestToken();
let server: MittwaldTestServer;
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  server = await startMittwaldServer({ tokens: [[token, createTestUser()]], pageSize: 1_000 });
});
afterAll(() => server.close());
beforeEach(async () => {
  home = await tempHome('mms-new-clients-');
});
afterEach(() => home.cleanup());

/** A folder of stand-in programs named like the tools (they only need to exist on PATH). */
async function programs(...names: string[]): Promise<string> {
  const bin = path.join(home.dir, 'bin');
  await mkdir(bin, { recursive: true });
  for (const name of names) {
    await writeFile(path.join(bin, name), '#!/bin/sh\nexit 0\n');
    await chmod(path.join(bin, name), 0o755);
  }
  return bin;
}

describe('selection', () => {
  it('--tool detected finds the new terminal tools by their programs', async () => {
    const bin = await programs('gemini', 'opencode', 'hermes', 'cline', 'zed');
    const run = await runCli(['--tool', 'detected', '--dry-run', '--no-verify', '--json'], { home: home.dir, env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { tools: Array<{ tool: string; target: string }> };
    expect(result.tools.map((tool) => tool.tool)).toEqual(['gemini', 'opencode', 'hermes', 'cline', 'zed']);
    expect(result.tools.find((tool) => tool.tool === 'cline')?.target).toBe('Cline CLI (user)');
  });

  it('--tool all includes every new tool', async () => {
    const run = await runCli(['--tool', 'all', '--dry-run', '--no-verify', '--json'], { home: home.dir, env: { PATH: '/usr/bin:/bin' } });
    expect(run.exitCode, run.stderr).toBe(0);
    const tools = new Set((JSON.parse(run.stdout) as { tools: Array<{ tool: string }> }).tools.map((tool) => tool.tool));
    for (const id of NEW_TOOLS) expect(tools.has(id), id).toBe(true);
  });
});

describe('Hermes Agent round trip', () => {
  it("setup adds the entry to the user's YAML, status reads it, remove gives the file back byte for byte", async () => {
    const file = path.join(home.dir, '.hermes', 'config.yaml');
    await mkdir(path.dirname(file), { recursive: true });
    const original = '# my Hermes\r\nmodel: anthropic/claude-sonnet   # default\r\n\r\nmcp_servers:\r\n  github:\r\n    url: "https://api.githubcopilot.com/mcp/"\r\n';
    await writeFile(file, original);
    const urls = ['--server-url', server.mcpUrl, '--api-url', server.apiUrl];
    const setup = await runCli(['--tool', 'hermes', '--yes', '--secret', 'ref', ...urls, '--json'], { home: home.dir, env: { MITTWALD_API_TOKEN: token } });
    expect(setup.exitCode, setup.stderr).toBe(0);
    expect(JSON.parse(setup.stdout).tools[0].check.status).toBe('connected');
    const written = await readFile(file, 'utf8');
    expect(written.startsWith(original)).toBe(true);
    expect(written.slice(original.length)).toBe(`  mittwald:\r\n    url: ${server.mcpUrl}\r\n    headers:\r\n      Authorization: Bearer \${MITTWALD_API_TOKEN}\r\n    enabled: true\r\n`);

    const status = await runCli(['status', '--tool', 'hermes', '--json', ...urls], { home: home.dir, env: { MITTWALD_API_TOKEN: token } });
    const [entry] = (JSON.parse(status.stdout) as { tools: Array<{ entries: Array<{ auth: string; check?: { status: string } }> }> }).tools[0]!.entries;
    expect(entry).toMatchObject({ auth: 'token-ref' });

    const removed = await runCli(['remove', '--tool', 'hermes', '--yes'], { home: home.dir });
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(original);
  });
});
