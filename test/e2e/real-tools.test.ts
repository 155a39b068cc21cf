/** The built CLI next to the real `claude` and `codex` (pinned dev dependencies, on PATH through
 * node_modules/.bin): it writes their files itself and asks each one afterwards whether it reads what was
 * written. */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATH_WITHOUT_PACKAGES, runCli, useCliFixture } from '../support/cli.js';

const BIN = path.resolve(import.meta.dirname, '../../node_modules/.bin');
// Keep Claude Code from reaching for the network on its own.
const QUIET = { DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1' };

const fixture = useCliFixture();
const { token, urls } = fixture;
const cli = (args: string[], pathPrefix = BIN) =>
  runCli(args, { home: fixture.home, env: { ...QUIET, PATH: `${pathPrefix}${path.delimiter}${PATH_WITHOUT_PACKAGES}` }, timeoutMs: 120_000 });

describe.skipIf(process.env.SKIP_CLAUDE_CONTRACT === '1')('with the real claude', () => {
  it('writes ~/.claude.json itself and has `claude mcp get` confirm it', async () => {
    const run = await cli(['--tool', 'claude-code', ...urls(), '--token', token, '--json']);
    expect(run.exitCode).toBe(0);
    const [tool] = JSON.parse(run.stdout).tools;
    expect(tool).not.toHaveProperty('commands');
    expect(tool.files).toEqual([{ path: path.join(fixture.home, '.claude.json'), change: 'created' }]);
    // Claude's own state line, not only the URL: the entry is in use and connects.
    expect(tool.confirmation).toEqual({ ok: true, detail: '`claude mcp get mittwald` shows it: \u2714 Connected', activation: { state: 'active' } });
    expect(tool.activation).toEqual({ state: 'active' });
    expect(tool.check.status).toBe('connected');
    expect(run.stdout).not.toContain(token);
    const written = JSON.parse(await readFile(path.join(fixture.home, '.claude.json'), 'utf8'));
    expect(written.mcpServers.mittwald).toEqual({ type: 'http', url: fixture.server.mcpUrl, headers: { Authorization: `Bearer ${token}` } });

    const again = await cli(['--tool', 'claude-code', ...urls(), '--token', token, '--json']);
    expect(JSON.parse(again.stdout).tools[0]).toMatchObject({ status: 'unchanged', confirmation: { ok: true } });
  }, 120_000);

  it('a .mcp.json entry: setup and status report Claude\'s own "Pending approval" as not active yet', async () => {
    const shop = path.join(fixture.home, 'shop');
    await mkdir(path.join(shop, '.git'), { recursive: true });
    const env = { ...QUIET, PATH: `${BIN}${path.delimiter}${PATH_WITHOUT_PACKAGES}`, MITTWALD_API_TOKEN: token };
    const setup = await runCli(['--tool', 'claude-code', '--scope', 'project', ...urls(), '--json'], { home: fixture.home, cwd: shop, env, timeoutMs: 120_000 });
    expect(setup.exitCode, setup.stderr).toBe(0);
    const [tool] = JSON.parse(setup.stdout).tools;
    expect(tool).toMatchObject({ status: 'configured', confirmation: { ok: true, detail: expect.stringContaining('Pending approval') }, activation: { state: 'pending-approval' } });

    const status = await runCli(['status', '--tool', 'claude-code', ...urls()], { home: fixture.home, cwd: shop, env, timeoutMs: 120_000 });
    expect(status.stdout).toContain('configured, not active yet: approve it in Claude Code');
    expect(status.stdout).toMatch(/`claude mcp get mittwald`: ⏸ Pending approval/);
    expect(status.stdout).not.toContain(token);
  }, 120_000);
});

describe('with a claude that records its arguments', () => {
  /** A `claude` that appends each argv to a log and gives no verdict (exit 1), like a broken install. */
  async function recordingClaude(): Promise<{ bin: string; calls: () => Promise<string[][]> }> {
    const bin = path.join(fixture.home, 'recording-bin');
    const log = path.join(fixture.home, 'claude-argv.log');
    await mkdir(bin, { recursive: true });
    const script = `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nprocess.exit(1);\n`;
    await writeFile(path.join(bin, 'claude'), script, { mode: 0o755 });
    const calls = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
    return { bin, calls };
  }

  it.each(['literal', 'ref'])('never passes the token as an argument (--token-stdin --secret %s)', async (secret) => {
    const claude = await recordingClaude();
    const run = await runCli(['--tool', 'claude-code', ...urls(), '--token-stdin', '--secret', secret, '--json'], {
      home: fixture.home,
      input: `${token}\n`,
      env: { PATH: `${claude.bin}${path.delimiter}${PATH_WITHOUT_PACKAGES}` },
    });
    const calls = await claude.calls();
    // The token's secret part, as it would appear in any spelling of the entry.
    const secretPart = token.split(':')[1] ?? token;
    for (const argv of calls) for (const argument of argv) expect(argument).not.toContain(secretPart);
    // claude did run (its confirmation), but only ever saw the entry's name.
    expect(calls).toEqual([['mcp', 'get', 'mittwald']]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).tools[0].status).toBe('configured');
    const written = JSON.parse(await readFile(path.join(fixture.home, '.claude.json'), 'utf8'));
    expect(written.mcpServers.mittwald.headers.Authorization).toBe(secret === 'literal' ? `Bearer ${token}` : 'Bearer ${MITTWALD_API_TOKEN}');
  }, 60_000);
});

describe('with the real codex', () => {
  it('writes config.toml itself, keeps the comments, and has `codex mcp get --json` confirm it', async () => {
    const config = path.join(fixture.home, '.codex', 'config.toml');
    await mkdir(path.dirname(config), { recursive: true });
    await writeFile(config, '# my settings\nmodel = "o3"\n');
    const run = await cli(['--tool', 'codex', ...urls(), '--token', token, '--json']);
    expect(run.exitCode).toBe(0);
    const [tool] = JSON.parse(run.stdout).tools;
    expect(tool.confirmation).toEqual({ ok: true, detail: '`codex mcp get mittwald --json` shows it', activation: { state: 'active' } });
    expect(await readFile(config, 'utf8')).toMatch(/^# my settings\nmodel = "o3"\n/);
  }, 60_000);

  it('fails the tool when codex does not read the entry as written', async () => {
    // A codex that reads some other URL (as a stray project config or an old binary might make it).
    const fake = path.join(fixture.home, 'fake-bin');
    await mkdir(fake, { recursive: true });
    await writeFile(path.join(fake, 'codex'), `#!${process.execPath}\nconsole.log(JSON.stringify({ transport: { url: 'https://mcp.mittwald.de/sse' } }));\n`, { mode: 0o755 });
    const run = await cli(['--tool', 'codex', ...urls(), '--token', token, '--json'], fake);
    expect(run.exitCode).toBe(1);
    const [tool] = JSON.parse(run.stdout).tools;
    expect(tool).toMatchObject({ status: 'failed', confirmation: { ok: false }, error: { message: expect.stringMatching(/Codex CLI does not read the entry as written: `codex mcp get mittwald --json` shows https:\/\/mcp\.mittwald\.de\/sse instead/) } });
  }, 60_000);
});
