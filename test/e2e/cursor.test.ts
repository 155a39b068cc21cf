/** The first complete path, end to end: the built CLI configures Cursor with an API token against the local
 * mittwald stand-in, as a user would run it. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, cleanEnv, closedPort, runCli, useCliFixture } from '../support/cli.js';
import { createTestToken, createTestUser } from '../support/mittwald-server.js';

const fixture = useCliFixture(createTestUser({ person: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.test' }));
const { token, urls } = fixture;

const cursorFile = () => path.join(fixture.home, '.cursor', 'mcp.json');
const setup = (...args: string[]) => runCli(['--tool', 'cursor', ...urls(), ...args], { home: fixture.home });

/** Runs the CLI with a stdout whose reader is already gone (like `… | head -1` after its line): every
 * write to stdout fails with EPIPE. Resolves to the CLI's own exit status. */
async function setupIntoClosedPipe(input: string, ...args: string[]): Promise<number> {
  const script = '(sleep 0.3; exec "$0" "$@") | true; exit "${PIPESTATUS[0]}"';
  const result = await execa('bash', ['-c', script, process.execPath, CLI, '--tool', 'cursor', ...urls(), ...args], {
    env: cleanEnv(fixture.home),
    extendEnv: false,
    cwd: fixture.home,
    input,
    reject: false,
  });
  return result.exitCode ?? -1;
}

describe('a closed stdout', () => {
  it('does not stop the job: the entry is written and verified, and the exit status tells the truth', async () => {
    expect(await setupIntoClosedPipe(token, '--token-stdin')).toBe(0);
    expect(JSON.parse(await readFile(cursorFile(), 'utf8')).mcpServers.mittwald.url).toBe(fixture.server.mcpUrl);
    expect(fixture.server.log.some((record) => record.method === 'DELETE')).toBe(true);

    // A failing run still fails: a rejected token exits 1 with the file unchanged.
    const before = await readFile(cursorFile(), 'utf8');
    expect(await setupIntoClosedPipe(createTestToken(), '--token-stdin', '--name', 'other')).toBe(1);
    expect(await readFile(cursorFile(), 'utf8')).toBe(before);
  });
});

describe('a check that fails after the token was admitted', () => {
  it('has written the entry (the token was taken, the server reached), reports the failure for it and exits 1', async () => {
    fixture.server.clearLog();
    fixture.server.setToolFailure('mittwald_user_get', 'upstream API did not answer');
    try {
      const run = await setup('--token', token, '--json');
      expect(run.exitCode).toBe(1);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({ ok: false, auth: { method: 'token' } });
      expect(result.auth.identity).toBeUndefined();
      expect(result.tools[0]).toMatchObject({ target: 'Cursor (user)', status: 'failed', check: { status: 'failed' }, error: { code: 'PROTOCOL' } });
      expect(result.tools[0].error.message).toContain('upstream API did not answer');
      expect(JSON.parse(await readFile(cursorFile(), 'utf8')).mcpServers.mittwald.url).toBe(fixture.server.mcpUrl);
      // The entry's check was the token's own session, not a second one.
      expect(fixture.server.log.filter((record) => record.rpc.includes('initialize'))).toHaveLength(1);
      const text = await setup('--token', token);
      expect(text.exitCode).toBe(1);
      expect(text.stdout).toMatch(/✗ Cursor \(user\): .*upstream API did not answer/);
      expect(text.stdout).not.toContain('Connected as');
    } finally {
      fixture.server.setToolFailure('mittwald_user_get', undefined);
    }
  });
});

describe('cursor with an API token', () => {
  it('writes the entry, verifies it and exits 0', async () => {
    const run = await setup('--token', token);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Connected as Ada Lovelace <ada@example.test> — 116 tools');
    const written = JSON.parse(await readFile(cursorFile(), 'utf8'));
    expect(written).toEqual({ mcpServers: { mittwald: { url: fixture.server.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } });
    expect((await stat(cursorFile())).mode & 0o777).toBe(0o600);
    expect(run.stdout).not.toContain(token);
    // The check after writing used the credential from the file, and the session was ended.
    expect(fixture.server.log.some((record) => record.method === 'DELETE')).toBe(true);
  });

  it('says unchanged on a second identical run and leaves bytes and mtime alone', async () => {
    const first = await setup('--token', token);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('Reload Cursor');
    const before = await stat(cursorFile());
    const bytes = await readFile(cursorFile());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await setup('--token', token);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/unchanged/);
    // Nothing changed, so there is nothing for Cursor to pick up.
    expect(second.stdout).not.toContain('Reload Cursor');
    expect((await stat(cursorFile())).mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(cursorFile())).toEqual(bytes);
  });

  it('keeps other servers and comments, and of a stale entry of ours only the user\'s own keys', async () => {
    await mkdir(path.dirname(cursorFile()), { recursive: true });
    const original = [
      '{',
      '  // my servers',
      '  "mcpServers": {',
      '    "github": { "url": "https://api.githubcopilot.com/mcp/" },',
      '    "mittwald": { "url": "https://mcp.mittwald.de/sse", "timeout": 5 }',
      '  }',
      '}',
      '',
    ].join('\n');
    await writeFile(cursorFile(), original);
    const run = await setup('--token', token);
    expect(run.exitCode).toBe(0);
    const text = await readFile(cursorFile(), 'utf8');
    expect(text).toContain('// my servers');
    expect(text).toContain('"github": { "url": "https://api.githubcopilot.com/mcp/" },');
    expect(text).not.toContain('/sse');
    expect(JSON.parse(text.replace('// my servers', '')).mcpServers.mittwald).toEqual({ url: fixture.server.mcpUrl, timeout: 5, headers: { Authorization: `Bearer ${token}` } });
    expect(run.stdout).toMatch(/backup of .*mcp\.json: .*\.mittwald-mcp-setup/);
  });

  it('replaces an old mcp-remote bridge to the /sse endpoint with --yes, and only reports it without', async () => {
    await mkdir(path.dirname(cursorFile()), { recursive: true });
    const bridge = { command: 'npx', args: ['-y', 'mcp-remote', 'https://mcp.mittwald.de/sse'] };
    await writeFile(cursorFile(), JSON.stringify({ mcpServers: { 'mittwald-old': bridge } }, null, 2));
    const kept = await setup('--token', token, '--json');
    expect(JSON.parse(kept.stdout).tools[0].staleKept).toEqual([expect.objectContaining({ name: 'mittwald-old', reason: 'legacy-sse' })]);
    expect(JSON.parse(await readFile(cursorFile(), 'utf8')).mcpServers['mittwald-old']).toEqual(bridge);
    const replaced = await setup('--token', token, '--yes');
    expect(replaced.exitCode).toBe(0);
    expect(Object.keys(JSON.parse(await readFile(cursorFile(), 'utf8')).mcpServers)).toEqual(['mittwald']);
  });

  it('stops before writing when the token is rejected', async () => {
    const run = await setup('--token', createTestToken());
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/rejected/i);
    await expect(stat(cursorFile())).rejects.toThrow();
  });

  it('stops before writing when the server is unreachable', async () => {
    const closed = await closedPort();
    const run = await runCli(['--tool', 'cursor', '--token', token, '--server-url', `http://127.0.0.1:${closed}/mcp`, '--api-url', `http://127.0.0.1:${closed}`], { home: fixture.home });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/refused/);
    await expect(stat(path.dirname(cursorFile()))).rejects.toThrow();
  });

  it('changes nothing with --dry-run and shows a masked diff', async () => {
    const run = await setup('--token', token, '--dry-run');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('+++ b');
    expect(run.stdout).toContain(`Bearer ••••${token.slice(-4)}`);
    expect(run.stdout).not.toContain(token);
    await expect(stat(cursorFile())).rejects.toThrow();
  });

  it('prints one parseable JSON object with --json and no secret', async () => {
    const run = await setup('--token', token, '--json');
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: true, command: 'setup', auth: { method: 'token', identity: { name: 'Ada Lovelace' }, toolCount: 116 } });
    expect(result.tools[0]).toMatchObject({ tool: 'cursor', status: 'configured', check: { status: 'connected' }, files: [{ path: cursorFile(), change: 'created' }] });
    expect(run.stdout).not.toContain(token);
  });

  it('stores a reference when the token came from MITTWALD_API_TOKEN, and checks it as Cursor resolves it', async () => {
    const run = await runCli(['--tool', 'cursor', ...urls(), '--json'], { home: fixture.home, env: { MITTWALD_API_TOKEN: token } });
    expect(run.exitCode).toBe(0);
    const written = JSON.parse(await readFile(cursorFile(), 'utf8'));
    expect(written.mcpServers.mittwald.headers.Authorization).toBe('Bearer ${env:MITTWALD_API_TOKEN}');
    expect(JSON.parse(run.stdout).tools[0].check.status).toBe('connected');
  });

  it('says what to export when a reference is asked for and the variable is unset', async () => {
    const run = await setup('--token', token, '--secret', 'ref');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/MITTWALD_API_TOKEN has no value here/);
    expect(run.stdout).toMatch(/export MITTWALD_API_TOKEN='<your token>'/);
    expect(await readFile(cursorFile(), 'utf8')).not.toContain(token);
  });

  it('never overwrites a file it cannot parse', async () => {
    await mkdir(path.dirname(cursorFile()), { recursive: true });
    const broken = '{\n  "mcpServers": {\n    "x": { "url": "a" \n  }\n';
    await writeFile(cursorFile(), broken);
    const run = await setup('--token', token);
    expect(run.exitCode).toBe(1);
    expect(run.stdout + run.stderr).toMatch(new RegExp(`${cursorFile().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`));
    expect(await readFile(cursorFile(), 'utf8')).toBe(broken);
  });

  it('refuses a read-only file with a clear error and leaves it alone', async () => {
    await mkdir(path.dirname(cursorFile()), { recursive: true });
    const original = '{ "mcpServers": {} }\n';
    await writeFile(cursorFile(), original, { mode: 0o444 });
    const run = await setup('--token', token);
    expect(run.exitCode).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/read-only/);
    // No next steps for a tool that failed: "reload Cursor" would not help.
    expect(run.stdout).not.toMatch(/Next steps|Reload Cursor/);
    expect(await readFile(cursorFile(), 'utf8')).toBe(original);
  });

  it('writes the project file with --scope project, and mentions the user entry that also loads', async () => {
    const project = path.join(fixture.home, 'site');
    await mkdir(path.join(project, '.git'), { recursive: true });
    expect((await setup('--token', token)).exitCode).toBe(0);
    const run = await runCli(['--tool', 'cursor', ...urls(), '--token', token, '--scope', 'project', '--json'], { home: fixture.home, cwd: project });
    expect(run.exitCode).toBe(0);
    const written = JSON.parse(await readFile(path.join(project, '.cursor', 'mcp.json'), 'utf8')).mcpServers.mittwald;
    expect(written).toEqual({ url: fixture.server.mcpUrl, headers: { Authorization: 'Bearer ${env:MITTWALD_API_TOKEN}' } });
    expect(JSON.parse(run.stdout).tools[0].warnings).toEqual([
      expect.stringContaining('is shared through git, so it names the MITTWALD_API_TOKEN variable instead of holding the token'),
      expect.stringContaining(`Cursor also has "mittwald" (${fixture.server.mcpUrl}) in its user file ${cursorFile()}; take it out with \`mittwald-mcp-setup remove --tool cursor --scope user\``),
    ]);
  });

  it('cleans up a pasted "Bearer " prefix and quotes, and says so', async () => {
    const run = await setup('--token', ` "Bearer ${token}"\n`);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/removed a "Bearer " prefix/);
    expect(JSON.parse(await readFile(cursorFile(), 'utf8')).mcpServers.mittwald.headers.Authorization).toBe(`Bearer ${token}`);
  });

  it('reads the token from standard input with --token-stdin', async () => {
    const run = await runCli(['--tool', 'cursor', ...urls(), '--token-stdin'], { home: fixture.home, input: `${token}\n` });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain(token);
  });
});
