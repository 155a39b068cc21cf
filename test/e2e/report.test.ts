/** `report` on the built CLI: a Markdown (or JSON) support report with versions, entries and doctor's
 * findings — and no secret in it, whatever file or program output it came from. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serverStoreKey } from '../../src/kit/sign-in-store.js';
import { closedPort, PATH_WITHOUT_PACKAGES, runCli, tempHome } from '../support/cli.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';

let mcp: MittwaldTestServer;
let home: Awaited<ReturnType<typeof tempHome>>;
const token = createTestToken();

beforeAll(async () => {
  mcp = await startMittwaldServer({ tokens: [[token, createTestUser()]] });
});
afterAll(() => mcp?.close());
beforeEach(async () => {
  home = await tempHome('mms-report-');
});
afterEach(() => home.cleanup());

/** Every kind of secret a support report could pick up, each obviously fake and each unique. */
const SECRETS = {
  apiToken: token,
  otherApiToken: '0b9a7c1e-1111-4222-8333-944445555666:report-fake-secret:mittwald_a',
  accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvcnQtdGVzdCJ9.cmVwb3J0LWZha2Utc2lnbmF0dXJl',
  refreshToken: 'report-fake-refresh-token-abcdef0123456789',
  codexAccess: 'eyJhbGciOiJIUzI1NiJ9.eyJjb2RleCI6InJlcG9ydCJ9.Y29kZXgtZmFrZS1zaWduYXR1cmU',
  codexRefresh: 'codex-fake-refresh-0123456789abcdef',
  jwtInVersion: 'eyJraWQiOiJ2ZXJzaW9uIn0.eyJ2ZXJzaW9uIjoieCJ9.dmVyc2lvbi1vdXRwdXQtc2ln',
  authCode: 'report-fake-auth-code-7890',
  cookie: 'report-fake-session-cookie-4321',
  clientSecret: 'report-fake-client-secret-5555',
  proxyPassword: 'report-proxy-pass-9999',
  bearerInOutput: 'report-bearer-from-output-2468',
};

describe('report', () => {
  it('masks every secret, from config files, sign-in stores, program output and the environment', async () => {
    const bin = path.join(home.dir, 'bin');
    await mkdir(bin, { recursive: true });
    // A client whose --version prints things it should not: the report shows its first line, masked.
    await writeFile(
      path.join(bin, 'claude'),
      `#!/bin/sh\necho "2.1.332 (Claude Code) Authorization: Bearer ${SECRETS.bearerInOutput} token=${SECRETS.jwtInVersion} Cookie: sid=${SECRETS.cookie}"\n`,
      { mode: 0o755 },
    );
    await writeFile(path.join(bin, 'codex'), `#!/bin/sh\necho "codex-cli 0.171.0 client_secret=${SECRETS.clientSecret} ${SECRETS.otherApiToken}"\n`, { mode: 0o755 });
    await writeFile(
      path.join(home.dir, '.claude.json'),
      JSON.stringify({
        mcpServers: {
          mittwald: { type: 'http', url: mcp.mcpUrl, headers: { Cookie: `session=${SECRETS.cookie}` }, oauth: { clientId: 'c', clientSecret: SECRETS.clientSecret } },
          'mittwald-old': { type: 'http', url: `${mcp.mcpUrl}?code=${SECRETS.authCode}`, headers: { Authorization: `Bearer ${SECRETS.apiToken}` } },
        },
      }),
    );
    await mkdir(path.join(home.dir, '.claude'), { recursive: true });
    await writeFile(
      path.join(home.dir, '.claude', '.credentials.json'),
      JSON.stringify({ mcpOAuth: { [serverStoreKey('mittwald', mcp.mcpUrl)]: { serverName: 'mittwald', serverUrl: mcp.mcpUrl, accessToken: SECRETS.accessToken, refreshToken: SECRETS.refreshToken, expiresAt: Date.now() + 3600_000, clientId: 'public-client-id' } } }),
    );
    await mkdir(path.join(home.dir, '.codex'), { recursive: true });
    await writeFile(path.join(home.dir, '.codex', 'config.toml'), `[mcp_servers.mittwald]\nurl = "${mcp.mcpUrl}"\nhttp_headers = { Authorization = "Bearer ${SECRETS.otherApiToken}" }\n`);
    await writeFile(
      path.join(home.dir, '.codex', '.credentials.json'),
      JSON.stringify({ [serverStoreKey('mittwald', mcp.mcpUrl)]: { server_name: 'mittwald', server_url: mcp.mcpUrl, client_id: 'x', access_token: SECRETS.codexAccess, refresh_token: SECRETS.codexRefresh, expires_at: Date.now() - 1000 } }),
    );
    await mkdir(path.join(home.dir, '.cursor'), { recursive: true });
    await writeFile(path.join(home.dir, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { mittwald: { url: mcp.mcpUrl, headers: { Authorization: `Bearer ${SECRETS.accessToken}` } } } }));

    const env = {
      PATH: `${bin}${path.delimiter}${PATH_WITHOUT_PACKAGES}`,
      MITTWALD_API_TOKEN: SECRETS.apiToken,
      NO_PROXY: '127.0.0.1',
      HTTPS_PROXY: `http://ada:${SECRETS.proxyPassword}@127.0.0.1:3128`,
      DISPLAY: ':0',
    };
    for (const args of [['report'], ['report', '--json']]) {
      const run = await runCli([...args, '--server-url', mcp.mcpUrl, '--api-url', mcp.apiUrl], { home: home.dir, env });
      expect(run.exitCode).toBe(0);
      const output = run.stdout + run.stderr;
      for (const [kind, secret] of Object.entries(SECRETS)) expect(output, `${kind} survived`).not.toContain(secret);
      // What support needs is still there.
      expect(output).toContain('2.1.332 (Claude Code)');
      expect(output).toContain('codex-cli 0.171.0');
      expect(output).toContain(process.version);
      expect(output).toContain(path.join(home.dir, '.claude.json'));
      expect(output).toContain('public-client-id');
      if (args.includes('--json')) {
        const report = JSON.parse(run.stdout);
        expect(report).toMatchObject({ ok: expect.any(Boolean), command: 'report', versions: { node: process.version } });
        expect(report.tools.find((tool: { tool: string }) => tool.tool === 'claude-code').version).toMatch(/^2\.1\.332 \(Claude Code\)/);
        expect(report.findings.map((finding: { code: string }) => finding.code)).toContain('SIGNIN_TOKEN_REJECTED');
      } else {
        expect(run.stdout).toMatch(/^# mittwald-mcp-setup support report/);
        expect(run.stdout).toContain('## Doctor');
        expect(run.stdout).toContain('sign-in: signed in (expires');
        expect(run.stdout).toContain('`SIGNIN_TOKEN_REJECTED`');
      }
    }
  });

  it('lists the errors that ended earlier runs, newest first — code, message, command, time — and no secret of theirs', async () => {
    const errorsFile = path.join(home.dir, '.mittwald-mcp-setup', 'errors.json');
    const env = { PATH: PATH_WITHOUT_PACKAGES, NO_PROXY: '127.0.0.1' };
    const none = await runCli(['report', '--server-url', mcp.mcpUrl], { home: home.dir, env });
    expect(none.stdout).toContain('## Recent errors\n\nNone kept.');

    // A token pasted where the tool belongs (the message quotes it), and a setup that cannot reach the API.
    const pasted = await runCli(['--tool', SECRETS.otherApiToken, '--yes'], { home: home.dir, env });
    expect(pasted.exitCode).toBe(2);
    const jwt = await runCli(['status', '--tool', SECRETS.accessToken], { home: home.dir, env });
    expect(jwt.exitCode).toBe(2);
    const port = await closedPort();
    const unreachable = await runCli(['--tool', 'cursor', '--yes', '--token-stdin', '--server-url', mcp.mcpUrl, '--api-url', `http://127.0.0.1:${port}`], { home: home.dir, env, input: token });
    expect(unreachable.exitCode).toBe(1);

    const kept = await readFile(errorsFile, 'utf8');
    expect((await stat(errorsFile)).mode & 0o777).toBe(0o600);
    for (const secret of [token, SECRETS.otherApiToken, SECRETS.accessToken]) expect(kept).not.toContain(secret);

    const markdown = await runCli(['report', '--server-url', mcp.mcpUrl], { home: home.dir, env });
    const section = markdown.stdout.slice(markdown.stdout.indexOf('## Recent errors'));
    const lines = section.split('\n').filter((line) => line.startsWith('- '));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^- \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \`setup\` \`UNREACHABLE\`: 127\\.0\\.0\\.1:${port} refused the connection\\.$`));
    expect(lines[1]).toMatch(/`status` `USAGE`: Unknown tool "••••/);
    expect(lines[2]).toMatch(/`setup` `USAGE`: Unknown tool "••••/);
    const json = JSON.parse((await runCli(['report', '--json', '--server-url', mcp.mcpUrl], { home: home.dir, env })).stdout);
    expect(json.recentErrors.map((error: { command: string; code: string }) => `${error.command} ${error.code}`)).toEqual(['setup USAGE', 'status USAGE', 'setup UNREACHABLE']);
    for (const run of [markdown.stdout, JSON.stringify(json)]) for (const secret of [token, SECRETS.otherApiToken, SECRETS.accessToken]) expect(run).not.toContain(secret);
  });

  it('keeps only the last ten; a file of another shape is no log and is started afresh', async () => {
    const errorsFile = path.join(home.dir, '.mittwald-mcp-setup', 'errors.json');
    await mkdir(path.dirname(errorsFile), { recursive: true });
    await writeFile(errorsFile, 'not json');
    const env = { PATH: PATH_WITHOUT_PACKAGES };
    expect((await runCli(['report', '--server-url', mcp.mcpUrl], { home: home.dir, env })).stdout).toContain('None kept.');
    const old = Array.from({ length: 10 }, (_, index) => ({ time: `2026-01-0${index % 9}T00:00:00.000Z`, command: 'setup', code: `OLD_${index}`, message: 'an earlier failure' }));
    await writeFile(errorsFile, JSON.stringify({ version: 1, errors: old }));
    expect((await runCli(['--tool', 'nope'], { home: home.dir, env })).exitCode).toBe(2);
    const errors = JSON.parse(await readFile(errorsFile, 'utf8')).errors as Array<{ code: string; message: string }>;
    expect(errors).toHaveLength(10);
    expect(errors[0]!.code).toBe('OLD_1');
    expect(errors[9]).toMatchObject({ code: 'USAGE', message: 'Unknown tool "nope".' });
  });
});
