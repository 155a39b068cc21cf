/** `doctor` and `status` on the built CLI, against the local mittwald stand-in and its authorization server
 * configured the way sign-ins die weeks after setup: short token lifetimes, refreshes the bridge refuses,
 * registrations it lost. The tools' sign-ins are fixtures of the shape the real Claude Code 2.1.332 and Codex
 * 0.171.0 write (test/contract/ produces and reads the real ones). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { serverStoreKey } from '../../src/kit/sign-in-store.js';
import { closedPort, PATH_WITHOUT_PACKAGES, runCli, tempHome } from '../support/cli.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';

const ACCESS = 'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJmYWtlLXVzZXIiLCJleHAiOjF9.ZmFrZS1zaWduYXR1cmUtbm90LXJlYWw';
const REFRESH = 'fake-refresh-token-0123456789abcdefABCDEF';
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

let mcp: MittwaldTestServer;
let as: OAuthServer;
let home: Awaited<ReturnType<typeof tempHome>>;
const token = createTestToken();
const user = createTestUser();

beforeAll(async () => {
  mcp = await startMittwaldServer({ tokens: [[token, user]] });
  as = await startOAuthServer({ resource: mcp.mcpUrl, accessTokenTtl: 2 });
  mcp.setAuthorizationServer(as.issuer);
  mcp.setAccessTokenVerifier((accessToken) => as.verifyAccessToken(accessToken));
});
afterAll(async () => {
  await mcp?.close();
  await as?.close();
});
beforeEach(async () => {
  home = await tempHome('mms-doctor-');
  as.failRefreshes(false);
});
afterEach(() => home.cleanup());

/** A desktop session without any browser trouble, no real tool CLI on PATH. */
const DESKTOP = { PATH: PATH_WITHOUT_PACKAGES, DISPLAY: ':0', BROWSER: process.execPath, SSH_CONNECTION: undefined, SSH_TTY: undefined, WAYLAND_DISPLAY: undefined };
const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli([...args, '--server-url', mcp.mcpUrl, '--api-url', mcp.apiUrl], { home: home.dir, env: { ...DESKTOP, ...env } });

interface DoctorJson {
  ok: boolean;
  command: string;
  findings: Array<{ code: string; severity: string; tool: string; message: string; action: string; fixable: boolean }>;
  fixes?: Array<{ kind: string; ok: boolean; message: string }>;
}
const doctor = async (args: string[] = [], env: Record<string, string | undefined> = {}) => {
  const run = await cli(['doctor', '--json', ...args], env);
  return { run, result: JSON.parse(run.stdout) as DoctorJson };
};
const codes = (result: DoctorJson) => result.findings.map((finding) => finding.code);

/** Claude Code's OAuth entry in ~/.claude.json. */
async function claudeOAuthEntry(extra: Record<string, unknown> = {}): Promise<void> {
  await writeFile(path.join(home.dir, '.claude.json'), JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: mcp.mcpUrl }, ...extra } }, null, 2));
}

/** Claude's stored sign-in, as 2.1.332 writes it to ~/.claude/.credentials.json. */
async function claudeSignIn(record: Record<string, unknown>, others: Record<string, unknown> = {}): Promise<string> {
  await mkdir(path.join(home.dir, '.claude'), { recursive: true });
  const file = path.join(home.dir, '.claude', '.credentials.json');
  const stored = {
    serverName: 'mittwald',
    serverUrl: mcp.mcpUrl,
    accessToken: ACCESS,
    discoveryState: { authorizationServerUrl: as.issuer, oauthMetadataFound: true, authServerMetadataUrl: null },
    clientId: 'client-not-probed',
    issuer: undefined,
    redirectUri: 'http://localhost:1/callback',
    refreshToken: REFRESH,
    expiresAt: Date.now() + HOUR,
    scope: 'user:read project:read',
    ...record,
  };
  await writeFile(file, JSON.stringify({ ...others, mcpOAuth: { [serverStoreKey('mittwald', mcp.mcpUrl)]: stored } }), { mode: 0o600 });
  return file;
}

/** A client registration at the authorization server, as a tool's login makes one. */
async function registerClient(redirectUri = 'http://localhost:45555/callback'): Promise<string> {
  const res = await fetch(`${as.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], client_name: 'a tool' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

describe('doctor: the tool\'s sign-in', () => {
  it('no sign-in yet: says so and names the tool\'s login; exit 1', async () => {
    await claudeOAuthEntry();
    const { run, result } = await doctor();
    expect(run.exitCode).toBe(1);
    expect(result).toMatchObject({ ok: false, command: 'doctor' });
    const finding = result.findings.find((candidate) => candidate.code === 'SIGNIN_NONE');
    expect(finding).toMatchObject({ severity: 'warning', tool: 'claude-code', fixable: true });
    expect(finding?.action).toContain('`claude mcp login mittwald`');
  });

  it('signed in and the server takes the token: nothing wrong, exit 0; status says signed in with expiry and refresh', async () => {
    await claudeOAuthEntry();
    // A real access token from the authorization server would be accepted; the stand-in's own tokens are
    // checked by signature, so a fixture gets past only as a token entry. Here: the state, and status's words.
    const expiresAt = Date.now() + HOUR;
    await claudeSignIn({ expiresAt });
    const status = await cli(['status']);
    expect(status.stdout).toMatch(new RegExp(`signed in \\(expires ${new Date(expiresAt).toISOString().slice(0, 10)} \\d\\d:\\d\\d UTC, refresh available\\)`));
    expect(status.stdout).not.toContain('sign in from the tool');
    const json = JSON.parse((await cli(['status', '--json'])).stdout);
    const entry = json.tools.find((tool: { tool: string }) => tool.tool === 'claude-code').entries[0];
    expect(entry.check.status).toBe('signed-in');
    expect(entry.signIn).toMatchObject({ status: 'signed-in', refresh: true, expiresAt: new Date(expiresAt).toISOString(), scopes: ['user:read', 'project:read'] });
    // Nothing secret in what status prints about a sign-in.
    expect(JSON.stringify(json)).not.toContain(ACCESS);
    expect(JSON.stringify(json)).not.toContain(REFRESH);
    // The fake access token is refused by the server: doctor says so, with the fix.
    const { result, run } = await doctor();
    expect(run.stdout + run.stderr).not.toContain(ACCESS);
    expect(codes(result)).toContain('SIGNIN_TOKEN_REJECTED');
    expect(result.findings.find((finding) => finding.code === 'SIGNIN_TOKEN_REJECTED')?.action).toContain('`claude mcp logout mittwald`, then `claude mcp login mittwald`');
  });

  it('expired without a refresh token; expired with one (it renews itself: exit 0); refresh older than 7 days', async () => {
    await claudeOAuthEntry();
    await claudeSignIn({ expiresAt: Date.now() - HOUR, refreshToken: undefined });
    expect(codes((await doctor()).result)).toContain('SIGNIN_EXPIRED');

    await claudeSignIn({ expiresAt: Date.now() - 10 * 60 * 1000, scope: 'user:read project:read project:write' });
    const renews = await doctor();
    expect(renews.result.findings).toEqual([expect.objectContaining({ code: 'SIGNIN_RENEWS', severity: 'info' })]);
    expect(renews.run.exitCode).toBe(0);

    await claudeSignIn({ expiresAt: Date.now() - 8 * DAY });
    const ended = await doctor();
    expect(codes(ended.result)).toContain('SIGNIN_SESSION_ENDED');
    expect(ended.run.exitCode).toBe(1);
  });

  it('a refresh the server refused (Claude empties the tokens, zeroes the expiry, marks the server): log out and in', async () => {
    await claudeOAuthEntry();
    await claudeSignIn({ accessToken: '', expiresAt: 0, refreshToken: undefined });
    await writeFile(path.join(home.dir, '.claude', 'mcp-needs-auth-cache.json'), JSON.stringify({ mittwald: { timestamp: Date.now() } }));
    const { result } = await doctor();
    expect(result.findings[0]).toMatchObject({ code: 'SIGNIN_REFRESH_REJECTED', severity: 'error', fixable: true });
    expect(result.findings[0]!.action).toContain('`claude mcp logout mittwald`, then `claude mcp login mittwald`');
  });

  it('the stored client registration is gone at the server (invalid_client): log out first; a known one is fine', async () => {
    await claudeOAuthEntry();
    const clientId = await registerClient();
    await claudeSignIn({ clientId, issuer: as.issuer, expiresAt: Date.now() - 60_000 });
    const known = await doctor();
    expect(codes(known.result)).not.toContain('SIGNIN_CLIENT_UNKNOWN');
    const before = as.requests.filter((request) => request === 'POST /token').length;
    as.dropRegistrations();
    const { result } = await doctor();
    const finding = result.findings.find((candidate) => candidate.code === 'SIGNIN_CLIENT_UNKNOWN');
    expect(finding?.message).toContain('invalid_client');
    expect(finding?.action).toMatch(/^Sign in again: `claude mcp logout mittwald`, then `claude mcp login mittwald`/);
    // One probe per run, and never with the tool's own refresh token (it rotates: spending it signs the tool out).
    expect(as.requests.filter((request) => request === 'POST /token').length).toBe(before + 1);
  });

  it('the registered redirect port is taken: names the process holding it', async () => {
    const port = await closedPort();
    const holder: ChildProcess = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => holder.stdout!.once('data', resolve));
      await claudeOAuthEntry();
      await claudeSignIn({ redirectUri: `http://localhost:${port}/callback`, expiresAt: Date.now() - 60_000 });
      const { result } = await doctor();
      const finding = result.findings.find((candidate) => candidate.code === 'PORT_TAKEN');
      expect(finding?.message).toContain(`port ${port}`);
      if (process.platform === 'linux') expect(finding?.message).toContain(`node (pid ${holder.pid})`);
    } finally {
      holder.kill();
    }
  });

  it('a login is needed but no browser can open: no display over SSH, or a $BROWSER that does not exist', async () => {
    await claudeOAuthEntry();
    const ssh = await doctor([], { DISPLAY: undefined, BROWSER: undefined, SSH_CONNECTION: '10.0.0.1 50000 10.0.0.2 22' });
    const finding = ssh.result.findings.find((candidate) => candidate.code === 'BROWSER_NO_DISPLAY');
    expect(finding?.message).toContain('SSH');
    expect(finding?.action).toContain('--no-browser');
    const missing = await doctor([], { BROWSER: path.join(home.dir, 'no-such-browser') });
    expect(codes(missing.result)).toContain('BROWSER_MISSING');
  });

  it("--fix --yes runs the tool's own logout, then its login (a stand-in `claude` records what it was asked)", async () => {
    await claudeOAuthEntry();
    await claudeSignIn({ accessToken: '', expiresAt: 0, refreshToken: undefined });
    await writeFile(path.join(home.dir, '.claude', 'mcp-needs-auth-cache.json'), JSON.stringify({ mittwald: { timestamp: Date.now() } }));
    const bin = path.join(home.dir, 'bin');
    await mkdir(bin, { recursive: true });
    const log = path.join(home.dir, 'claude-calls.log');
    // The login "works": it writes a fresh sign-in, as the real one does.
    const fresh = JSON.stringify({ mcpOAuth: { [serverStoreKey('mittwald', mcp.mcpUrl)]: { serverName: 'mittwald', serverUrl: mcp.mcpUrl, accessToken: 'fresh-access', refreshToken: 'fresh-refresh', expiresAt: Date.now() + HOUR } } });
    await writeFile(
      path.join(bin, 'claude'),
      `#!/bin/sh
echo "$@" >> '${log}'
if [ "$2" = login ]; then printf '%s' '${fresh}' > '${path.join(home.dir, '.claude', '.credentials.json')}'; rm -f '${path.join(home.dir, '.claude', 'mcp-needs-auth-cache.json')}'; fi
`,
      { mode: 0o755 },
    );
    const { result } = await doctor(['--tool', 'claude-code', '--fix', '--yes'], { PATH: `${bin}${path.delimiter}${PATH_WITHOUT_PACKAGES}` });
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['mcp logout mittwald', 'mcp login mittwald']);
    expect(result.fixes).toEqual([expect.objectContaining({ kind: 'relogin', ok: true })]);
    // Diagnosed again after the fixes: the refused sign-in is gone (the fake token is then refused by the server).
    expect(codes(result)).not.toContain('SIGNIN_REFRESH_REJECTED');
  });

  it('a Codex sign-in in its credentials file, read the same way', async () => {
    await mkdir(path.join(home.dir, '.codex'), { recursive: true });
    await writeFile(path.join(home.dir, '.codex', 'config.toml'), `[mcp_servers.mittwald]\nurl = "${mcp.mcpUrl}"\n`);
    const record = { server_name: 'mittwald', server_url: mcp.mcpUrl, issuer: as.issuer, client_id: 'gone', access_token: ACCESS, expires_at: Date.now() - HOUR, scopes: ['user:read'] };
    await writeFile(path.join(home.dir, '.codex', '.credentials.json'), JSON.stringify({ [serverStoreKey('mittwald', mcp.mcpUrl)]: record }), { mode: 0o600 });
    const { result } = await doctor(['--tool', 'codex']);
    expect(codes(result)).toEqual(expect.arrayContaining(['SIGNIN_EXPIRED', 'SIGNIN_CLIENT_UNKNOWN']));
    expect(result.findings.find((finding) => finding.code === 'SIGNIN_EXPIRED')?.action).toContain('`codex mcp logout mittwald`, then `codex mcp login mittwald`');
  });
});

describe('doctor: tokens, entries and the service', () => {
  it('nothing wrong with a working token entry: exit 0 and says so', async () => {
    await mkdir(path.join(home.dir, '.cursor'), { recursive: true });
    await writeFile(path.join(home.dir, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { mittwald: { url: mcp.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }));
    const run = await cli(['doctor']);
    expect(run.stdout).toContain('Nothing wrong found.');
    expect(run.stdout).not.toContain(token);
    expect(run.exitCode).toBe(0);
  });

  it('the variable the entry refers to is not set; a rejected token', async () => {
    await mkdir(path.join(home.dir, '.codex'), { recursive: true });
    await writeFile(path.join(home.dir, '.codex', 'config.toml'), `[mcp_servers.mittwald]\nurl = "${mcp.mcpUrl}"\nbearer_token_env_var = "MITTWALD_API_TOKEN"\n`);
    const unset = await doctor(['--tool', 'codex']);
    const finding = unset.result.findings.find((candidate) => candidate.code === 'TOKEN_ENV_MISSING');
    expect(finding?.action).toContain("export MITTWALD_API_TOKEN='<your token>'");
    expect(finding?.action).toContain('environment.d');
    const rejected = await doctor(['--tool', 'codex'], { MITTWALD_API_TOKEN: createTestToken() });
    expect(codes(rejected.result)).toEqual(['TOKEN_REJECTED']);
    const fine = await doctor(['--tool', 'codex'], { MITTWALD_API_TOKEN: token });
    expect(fine.result.findings).toEqual([]);
    expect(fine.run.exitCode).toBe(0);
  });

  it('stale and duplicate entries; --fix --yes replaces them through the setup planner and the run is clean after', async () => {
    await mkdir(path.join(home.dir, '.cursor'), { recursive: true });
    const file = path.join(home.dir, '.cursor', 'mcp.json');
    const other = { command: 'npx', args: ['-y', 'some-other-server'] };
    await writeFile(file, JSON.stringify({ mcpServers: { 'mittwald-old': { url: 'https://mittwald-mcp.fly.dev/sse' }, mw: { url: mcp.mcpUrl }, other, mittwald: { url: mcp.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }, null, 2));
    const { result } = await doctor(['--tool', 'cursor']);
    expect(codes(result)).toEqual(['ENTRY_STALE', 'ENTRY_DUPLICATE']);
    expect(result.findings.every((finding) => finding.fixable)).toBe(true);

    const notAsked = await doctor(['--tool', 'cursor', '--fix']);
    expect(notAsked.run.stderr).toContain('Pass --yes');
    expect(JSON.parse(await readFile(file, 'utf8')).mcpServers['mittwald-old']).toBeDefined();

    const fixed = await doctor(['--tool', 'cursor', '--fix', '--yes']);
    expect(fixed.result.fixes).toEqual([expect.objectContaining({ kind: 'replace', ok: true })]);
    expect(fixed.result.findings).toEqual([]);
    expect(fixed.run.exitCode).toBe(0);
    const servers = JSON.parse(await readFile(file, 'utf8')).mcpServers;
    expect(Object.keys(servers).sort()).toEqual(['mittwald', 'other']);
    expect(servers.other).toEqual(other);
    expect(servers.mittwald.headers.Authorization).toBe(`Bearer ${token}`);
  });

  it('our entry in user and project scope: reported as shadowed', async () => {
    const project = path.join(home.dir, 'shop');
    await mkdir(path.join(project, '.git'), { recursive: true });
    await mkdir(path.join(project, '.cursor'), { recursive: true });
    await mkdir(path.join(home.dir, '.cursor'), { recursive: true });
    await writeFile(path.join(home.dir, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { mittwald: { url: mcp.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }));
    await writeFile(path.join(project, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { mittwald: { url: mcp.mcpUrl } } }));
    const run = await runCli(['doctor', '--json', '--tool', 'cursor', '--server-url', mcp.mcpUrl], { home: home.dir, cwd: project, env: DESKTOP });
    const result = JSON.parse(run.stdout) as DoctorJson;
    expect(result.findings.find((finding) => finding.code === 'ENTRY_SHADOWED')).toMatchObject({ severity: 'warning' });
  });

  it('rate-limited: says how long to wait (Retry-After)', async () => {
    await mkdir(path.join(home.dir, '.cursor'), { recursive: true });
    await writeFile(path.join(home.dir, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { mittwald: { url: mcp.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }));
    mcp.rateLimitNext(1, 120);
    const { result } = await doctor(['--tool', 'cursor']);
    const finding = result.findings.find((candidate) => candidate.code === 'SERVICE_RATE_LIMITED');
    expect(finding?.message).toContain('2 minutes');
    expect(finding?.action).toContain('Wait 2 minutes');
  });

  it('unreachable, and through a proxy: names the proxy without its password', async () => {
    const port = await closedPort();
    const down = await runCli(['doctor', '--json', '--server-url', `http://127.0.0.1:${port}/mcp`], { home: home.dir, env: DESKTOP });
    expect(codes(JSON.parse(down.stdout))).toContain('SERVICE_UNREACHABLE');
    expect(down.exitCode).toBe(1);
    const proxyPort = await closedPort();
    const proxied = await runCli(['doctor', '--json', '--server-url', 'http://mcp.example.invalid/mcp'], { home: home.dir, env: { ...DESKTOP, HTTP_PROXY: `http://ada:proxy-secret-pass@127.0.0.1:${proxyPort}` } });
    const finding = (JSON.parse(proxied.stdout) as DoctorJson).findings.find((candidate) => candidate.code === 'SERVICE_UNREACHABLE');
    expect(finding?.message).toContain(`proxy http://ada:••••@127.0.0.1:${proxyPort} (HTTP_PROXY)`);
    expect(proxied.stdout + proxied.stderr).not.toContain('proxy-secret-pass');
  });
});

describe('remove of an OAuth entry', () => {
  it("takes Claude's stored tokens for it out of .credentials.json too, byte-careful, the tokens masked in the diff", async () => {
    await claudeOAuthEntry();
    const otherKey = serverStoreKey('other', 'http://127.0.0.1:9/other');
    const file = await claudeSignIn({}, { claudeAiOauth: { accessToken: 'sk-ant-oat01-fake-0123456789' } });
    const text = JSON.parse(await readFile(file, 'utf8'));
    text.mcpOAuth[otherKey] = { serverName: 'other', serverUrl: 'http://127.0.0.1:9/other', accessToken: 'other-access-token-123456' };
    const original = JSON.stringify(text, null, 2);
    await writeFile(file, original, { mode: 0o600 });

    const dry = await cli(['remove', '--tool', 'claude-code', '--dry-run']);
    expect(dry.stdout).toContain(file);
    for (const secret of [ACCESS, REFRESH, 'other-access-token-123456', 'sk-ant-oat01-fake-0123456789']) expect(dry.stdout).not.toContain(secret);
    expect(await readFile(file, 'utf8')).toBe(original);

    const run = await cli(['remove', '--tool', 'claude-code']);
    expect(run.exitCode).toBe(0);
    const after = await readFile(file, 'utf8');
    const expected = JSON.parse(original);
    delete expected.mcpOAuth[serverStoreKey('mittwald', mcp.mcpUrl)];
    expect(after).toBe(JSON.stringify(expected, null, 2));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(run.stdout + run.stderr).not.toContain(ACCESS);
  });

  it('leaves the credentials alone when a token entry is removed', async () => {
    await writeFile(path.join(home.dir, '.claude.json'), JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: mcp.mcpUrl, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } } } }));
    const file = await claudeSignIn({});
    const before = await readFile(file, 'utf8');
    expect((await cli(['remove', '--tool', 'claude-code'])).exitCode).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(before);
  });
});

describe('doctor: entries the tool does not use', () => {
  /** A git project with our token entry in its .mcp.json (Claude Code's project scope). */
  async function claudeProject(): Promise<string> {
    const project = path.join(home.dir, 'shop');
    await mkdir(path.join(project, '.git'), { recursive: true });
    await writeFile(path.join(project, '.mcp.json'), JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: mcp.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }, null, 2));
    return project;
  }
  const inProject = async (project: string, args: string[]) => {
    const run = await runCli(['doctor', '--json', '--tool', 'claude-code', ...args, '--server-url', mcp.mcpUrl], { home: home.dir, cwd: project, env: DESKTOP });
    return { run, result: JSON.parse(run.stdout) as DoctorJson };
  };

  it('a .mcp.json server not approved: ENTRY_PENDING_APPROVAL with the step; --fix --yes approves it in the user settings (the folder is not trusted); then nothing wrong', async () => {
    const project = await claudeProject();
    const { run, result } = await inProject(project, []);
    expect(run.exitCode).toBe(1);
    expect(codes(result)).toEqual(['ENTRY_PENDING_APPROVAL']);
    expect(result.findings[0]).toMatchObject({ severity: 'warning', tool: 'claude-code', fixable: true });
    expect(result.findings[0]!.action).toContain('enabledMcpjsonServers');

    const fixed = await inProject(project, ['--fix', '--yes']);
    expect(fixed.result.fixes).toEqual([expect.objectContaining({ kind: 'activate', ok: true })]);
    expect(fixed.result.findings).toEqual([]);
    expect(fixed.run.exitCode).toBe(0);
    expect(JSON.parse(await readFile(path.join(home.dir, '.claude', 'settings.json'), 'utf8'))).toEqual({ enabledMcpjsonServers: ['mittwald'] });
  });

  it('in a trusted folder the approval goes to the project in ~/.claude.json, next to what is listed there already', async () => {
    const project = await claudeProject();
    const global = path.join(home.dir, '.claude.json');
    await writeFile(global, JSON.stringify({ numStartups: 3, projects: { [project]: { hasTrustDialogAccepted: true, enabledMcpjsonServers: ['other'] } } }, null, 2));
    const fixed = await inProject(project, ['--fix', '--yes']);
    expect(fixed.result.fixes).toEqual([expect.objectContaining({ kind: 'activate', ok: true })]);
    expect(fixed.run.exitCode).toBe(0);
    expect(JSON.parse(await readFile(global, 'utf8'))).toEqual({ numStartups: 3, projects: { [project]: { hasTrustDialogAccepted: true, enabledMcpjsonServers: ['other', 'mittwald'] } } });
    await expect(stat(path.join(home.dir, '.claude', 'settings.json'))).rejects.toThrow();
  });

  it('rejected in the settings: ENTRY_DISABLED with where, no fix (the person rejected it); a local-scope entry: ENTRY_OVERRIDDEN', async () => {
    const project = await claudeProject();
    await mkdir(path.join(home.dir, '.claude'), { recursive: true });
    const settings = path.join(home.dir, '.claude', 'settings.json');
    await writeFile(settings, JSON.stringify({ disabledMcpjsonServers: ['mittwald'] }));
    const { result } = await inProject(project, ['--fix', '--yes']);
    expect(codes(result)).toEqual(['ENTRY_DISABLED']);
    expect(result.findings[0]).toMatchObject({ fixable: false, action: expect.stringContaining(settings) });

    await writeFile(settings, '{}');
    await writeFile(path.join(home.dir, '.claude.json'), JSON.stringify({ projects: { [project]: { mcpServers: { mittwald: { type: 'http', url: mcp.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } } } }));
    const overridden = await inProject(project, []);
    expect(codes(overridden.result)).toContain('ENTRY_OVERRIDDEN');
    expect(overridden.result.findings.find((finding) => finding.code === 'ENTRY_OVERRIDDEN')?.action).toContain('claude mcp remove mittwald --scope local');
    expect(codes(overridden.result)).not.toContain('ENTRY_SHADOWED');
    // The same entry in both scopes: Claude uses one like it, which is only noted.
    expect(overridden.result.findings.filter((finding) => finding.code === 'ENTRY_OVERRIDDEN').map((finding) => finding.severity)).toEqual(['info']);
    await writeFile(path.join(home.dir, '.claude.json'), JSON.stringify({ projects: { [project]: { mcpServers: { mittwald: { type: 'http', url: mcp.mcpUrl } } } } }));
    const differing = await inProject(project, []);
    expect(differing.result.findings.find((finding) => finding.code === 'ENTRY_OVERRIDDEN')).toMatchObject({ severity: 'warning' });
  });

  it('Codex: a project file in an untrusted project is ENTRY_UNTRUSTED_PROJECT, with the trust step and no fix; a disabled table is ENTRY_DISABLED once', async () => {
    const project = path.join(home.dir, 'shop');
    await mkdir(path.join(project, '.git'), { recursive: true });
    await mkdir(path.join(project, '.codex'), { recursive: true });
    await writeFile(path.join(project, '.codex', 'config.toml'), `[mcp_servers.mittwald]\nurl = "${mcp.mcpUrl}"\nbearer_token_env_var = "MITTWALD_API_TOKEN"\n`);
    const run = await runCli(['doctor', '--json', '--tool', 'codex', '--server-url', mcp.mcpUrl], { home: home.dir, cwd: project, env: { ...DESKTOP, MITTWALD_API_TOKEN: token } });
    const result = JSON.parse(run.stdout) as DoctorJson;
    expect(codes(result)).toEqual(['ENTRY_UNTRUSTED_PROJECT']);
    expect(result.findings[0]).toMatchObject({ fixable: false, action: expect.stringContaining('trust_level = "trusted"') });

    await mkdir(path.join(home.dir, '.codex'), { recursive: true });
    await writeFile(path.join(home.dir, '.codex', 'config.toml'), `[mcp_servers.mittwald]\nurl = "${mcp.mcpUrl}"\nbearer_token_env_var = "MITTWALD_API_TOKEN"\nenabled = false\n`);
    const off = await runCli(['doctor', '--json', '--tool', 'codex', '--server-url', mcp.mcpUrl], { home: home.dir, env: { ...DESKTOP, MITTWALD_API_TOKEN: token } });
    expect(codes(JSON.parse(off.stdout) as DoctorJson)).toEqual(['ENTRY_DISABLED']);
  });
});

describe("doctor and status: opencode's sign-in (mcp-auth.json, the shape opencode 1.18.33 writes)", () => {
  async function opencodeSetup(tokens: Record<string, unknown> | undefined): Promise<void> {
    await mkdir(path.join(home.dir, '.config', 'opencode'), { recursive: true });
    await writeFile(path.join(home.dir, '.config', 'opencode', 'opencode.json'), JSON.stringify({ mcp: { mittwald: { type: 'remote', url: mcp.mcpUrl, enabled: true } } }));
    const data = path.join(home.dir, '.local', 'share', 'opencode');
    await mkdir(data, { recursive: true });
    const record = { ...(tokens ? { tokens } : { codeVerifier: 'fake-verifier-0123456789', oauthState: 'fake-state-0123456789' }), clientInfo: { clientId: 'client-not-probed', clientIdIssuedAt: 1796172084 }, serverUrl: mcp.mcpUrl };
    await writeFile(path.join(data, 'mcp-auth.json'), JSON.stringify({ mittwald: record }, null, 2), { mode: 0o600 });
  }

  it('expired without a refresh token: SIGNIN_EXPIRED, log out and in with opencode; a login left half-way is no sign-in; no token printed', async () => {
    await opencodeSetup({ accessToken: ACCESS, expiresAt: (Date.now() - HOUR) / 1000, scope: 'user:read project:read' });
    const { run, result } = await doctor(['--tool', 'opencode']);
    const finding = result.findings.find((candidate) => candidate.code === 'SIGNIN_EXPIRED');
    expect(finding).toMatchObject({ tool: 'opencode', fixable: true });
    expect(finding?.action).toBe('Sign in again: `opencode mcp logout mittwald`, then `opencode mcp auth mittwald`.');
    expect(run.stdout + run.stderr).not.toContain(ACCESS);

    await opencodeSetup(undefined);
    expect(codes((await doctor(['--tool', 'opencode'])).result)).toContain('SIGNIN_NONE');
  });

  it('signed in: status shows expiry, refresh and scopes, never the tokens', async () => {
    const expiresAt = Date.now() + HOUR;
    await opencodeSetup({ accessToken: ACCESS, refreshToken: REFRESH, expiresAt: expiresAt / 1000, scope: 'user:read project:read' });
    const status = await cli(['status', '--tool', 'opencode', '--json']);
    const entry = JSON.parse(status.stdout).tools[0].entries[0];
    expect(entry.signIn).toMatchObject({ status: 'signed-in', refresh: true, expiresAt: new Date(Math.round(expiresAt)).toISOString(), scopes: ['user:read', 'project:read'], client: { clientId: 'client-not-probed' } });
    expect(status.stdout + status.stderr).not.toContain(ACCESS);
    expect(status.stdout + status.stderr).not.toContain(REFRESH);
  });
});

describe('doctor: a sign-in that may only read', () => {
  /** What the stand-in answers `tool` called with `accessToken` (a tool error's text, or "ok"). */
  async function callTool(accessToken: string, tool: string): Promise<string> {
    const client = new Client({ name: 'doctor-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${accessToken}` } } }));
    try {
      const result = await client.callTool({ name: tool, arguments: {} });
      return result.isError ? JSON.stringify(result.content) : 'ok';
    } finally {
      await client.close();
    }
  }

  it('read-only scopes: SIGNIN_READ_ONLY (info, exit 0) with how to grant more; the server does answer write tools with 403 for it; none with a write scope', async () => {
    // The stand-in takes the fixture's access token as a sign-in granted these scopes.
    const grant = async (scopes: string[]) => mcp.setAccessTokenVerifier(async (accessToken) => (accessToken === ACCESS ? { ...user, scopes } : as.verifyAccessToken(accessToken)));
    try {
      await grant(['user:read', 'project:read']);
      mcp.clearLog();
      await claudeOAuthEntry();
      await claudeSignIn({ scope: 'user:read project:read' });
      const { run, result } = await doctor();
      expect(run.exitCode).toBe(0);
      expect(result.findings).toEqual([expect.objectContaining({ code: 'SIGNIN_READ_ONLY', severity: 'info', fixable: false })]);
      expect(result.findings[0]!.message).toContain('read-only access (user:read project:read)');
      expect(result.findings[0]!.action).toBe('To let Claude Code change things: mittwald-mcp-setup --tool claude-code --access write --yes (or --scopes …), then `claude mcp logout mittwald`, then `claude mcp login mittwald`.');
      // What the finding says is what the server does; doctor itself called no write tool.
      const called = mcp.log.flatMap((record) => record.toolCalls ?? []);
      expect(called.filter((tool) => !/_(get|list)$/.test(tool))).toEqual([]);
      expect(await callTool(ACCESS, 'mittwald_project_create')).toContain('403');
      expect(await callTool(ACCESS, 'mittwald_project_list')).toBe('ok');

      await grant(['user:read', 'project:read', 'project:write']);
      await claudeSignIn({ scope: 'user:read project:read project:write' });
      expect((await doctor()).result.findings).toEqual([]);
    } finally {
      mcp.setAccessTokenVerifier((accessToken) => as.verifyAccessToken(accessToken));
    }
  });
});
