/** Issue 4 end to end on the built CLI: the OAuth sign-in check of a non-interactive run (with the headless
 * browser as `$BROWSER`, against the test authorization server and the mittwald stand-in), each tool's own
 * OAuth hand-off in the next steps, and the settings-screen apps' instructions. HOME is a temp folder;
 * every server is on 127.0.0.1. */
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, PATH_WITHOUT_PACKAGES, runCli, tempHome, type CliRun } from '../support/cli.js';
import { runBrowser, type HeadlessBrowserAction } from '../support/headless-browser.mjs';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldServerOptions, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer, type OAuthServer, type OAuthServerOptions } from '../support/oauth-server.js';

const HEADLESS_BROWSER = fileURLToPath(new URL('../support/headless-browser.mjs', import.meta.url));
const user = createTestUser({ person: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.test' });
const SIGNED_IN = 'Signed in as Ada Lovelace <ada@example.test> via OAuth — 116 tools';
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

interface Stack {
  mcp: MittwaldTestServer;
  as: OAuthServer;
}

/** The mittwald stand-in wired to a fresh authorization server that signs in Ada. */
async function startStack(mcpOptions: MittwaldServerOptions = {}, asOptions: Omit<OAuthServerOptions, 'resource'> = {}): Promise<Stack> {
  const mcp = await startMittwaldServer(mcpOptions);
  const as = await startOAuthServer({ user, ...asOptions, resource: mcp.mcpUrl });
  mcp.setAuthorizationServer(as.issuer);
  mcp.setAccessTokenVerifier((token) => as.verifyAccessToken(token));
  started.push({ mcp, as });
  return { mcp, as };
}

const started: Stack[] = [];

let work: string;
let browserScript: string;
let home: Awaited<ReturnType<typeof tempHome>>;
let stack: Stack;
let browserLog: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'mms-oauth-e2e-'));
  // $BROWSER is split on whitespace, so it names one executable: a wrapper that runs the headless browser with
  // this Node and records which URL it was given and where the authorization server sent it.
  const walker = path.join(work, 'browser.mjs');
  await writeFile(
    walker,
    [
      "import { appendFileSync } from 'node:fs';",
      `import { runBrowser } from ${JSON.stringify(HEADLESS_BROWSER)};`,
      'const opened = process.argv.at(-1);',
      'const record = (fields) => appendFileSync(process.env.E2E_BROWSER_LOG, JSON.stringify({ opened, ...fields }) + "\\n");',
      'try {',
      "  const result = await runBrowser(opened, { action: process.env.HEADLESS_BROWSER_ACTION ?? 'approve' });",
      '  record({ redirect: result.redirectUrl?.href ?? null, status: result.status ?? null });',
      '} catch (error) {',
      '  record({ error: String(error) });',
      '  process.exit(1);',
      '}',
      '',
    ].join('\n'),
  );
  browserScript = path.join(work, 'browser');
  await writeFile(browserScript, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(walker)} "$@"\n`);
  await chmod(browserScript, 0o755);
});
afterAll(() => rm(work, { recursive: true, force: true }));

beforeEach(async () => {
  home = await tempHome('mms-oauth-home-');
  browserLog = path.join(work, `browser-${Math.random().toString(16).slice(2)}.log`);
});
afterEach(async () => {
  await home.cleanup();
  await Promise.all(started.splice(0).flatMap(({ mcp, as }) => [mcp.close(), as.close()]));
});

const cursorFile = () => path.join(home.dir, '.cursor', 'mcp.json');
const urls = () => ['--server-url', stack.mcp.mcpUrl, '--api-url', stack.mcp.apiUrl];
const browserEnv = (action: HeadlessBrowserAction, extra: Record<string, string> = {}) => ({
  BROWSER: browserScript,
  HEADLESS_BROWSER_ACTION: action,
  E2E_BROWSER_LOG: browserLog,
  ...extra,
});

function run(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(args, { home: home.dir, env });
}

interface BrowserVisit {
  opened: string;
  redirect?: string | null;
  status?: number | null;
  error?: string;
}

/** What the browser recorded. It runs detached from the CLI, so its line may land just after the CLI exits. */
async function browserVisits(expected = 1): Promise<BrowserVisit[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const text = await readFile(browserLog, 'utf8').catch(() => '');
    const visits = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as BrowserVisit);
    if (visits.length >= expected) return visits;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [];
}

async function browserNeverOpened(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  await expect(stat(browserLog)).rejects.toThrow();
}

/** Every file under `dir`, with its contents. */
async function filesUnder(dir: string): Promise<Array<{ file: string; text: string }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
}

/** The access tokens the MCP stand-in was sent: only the CLI's check sends one. */
function accessTokensSeen(): string[] {
  return stack.mcp.log.flatMap((record) => (record.auth?.kind === 'oauth' && record.headers.authorization ? [record.headers.authorization.replace(/^Bearer /, '')] : []));
}

/** The URL printed on stderr on a line of its own. */
function printedAuthorizationUrl(stderr: string): string | undefined {
  return /^(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)$/m.exec(stderr)?.[1];
}

/** Waits for a running CLI to print the sign-in URL (and the line that introduces it) on stderr. */
function authorizationUrlOf(child: ResultPromise): Promise<string> {
  let stderr = '';
  return new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const found = printedAuthorizationUrl(stderr);
      if (found && stderr.includes('Sign in to mittwald: open this URL in a browser:\n')) resolve(found);
    });
    void child.then(() => reject(new Error(`the CLI exited before printing a URL: ${stderr}`)));
  });
}

function nextSteps(stdout: string): string {
  return stdout.slice(stdout.indexOf('Next steps'));
}

describe('a $BROWSER that cannot open the URL', () => {
  it.each([
    ['exits with a failure status', '#!/bin/sh\nexit 3\n', /exited with status 3/],
    ['does not exist', undefined, /could not be started/],
  ] as const)('stops the run at once when $BROWSER %s, with the URL printed and nothing written', async (_label, script, reason) => {
    stack = await startStack();
    let browser = path.join(work, 'no-such-browser');
    if (script !== undefined) {
      browser = path.join(work, `failing-browser-${Math.random().toString(16).slice(2)}`);
      await writeFile(browser, script);
      await chmod(browser, 0o755);
    }
    // The default wait is 5 minutes: the run ending within the test's timeout shows it did not wait.
    const result = await run(['--tool', 'cursor', '--oauth', ...urls()], { BROWSER: browser });

    expect(result.exitCode).toBe(1);
    expect(printedAuthorizationUrl(result.stderr)).toBeDefined();
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).toContain('--no-browser');
    await expect(stat(cursorFile())).rejects.toThrow();
  });
});

describe('--tool cursor --oauth with $BROWSER', () => {
  it.each([
    ["mittwald's challenge without resource_metadata", false],
    ["the MCP spec's resource_metadata challenge", true],
  ] as const)('signs in through %s, writes a URL-only entry and never keeps the token', async (_label, resourceMetadataInChallenge) => {
    stack = await startStack({ resourceMetadataInChallenge });
    const result = await run(['--tool', 'cursor', '--oauth', ...urls()], browserEnv('approve'));

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`✓ ${SIGNED_IN}`);
    expect(JSON.parse(await readFile(cursorFile(), 'utf8'))).toEqual({ mcpServers: { mittwald: { url: stack.mcp.mcpUrl } } });
    // Cursor signs in itself: the check of the written entry says so instead of claiming a connection.
    expect(result.stdout).toMatch(/Cursor \(user\): configured — Server reachable; sign in from the tool \(OAuth\)/);
    const steps = nextSteps(result.stdout);
    expect(steps).toMatch(/In Cursor open Settings → MCP, find "mittwald" and click Connect/);
    const link = /cursor:\/\/anysphere\.cursor-deeplink\/mcp\/install\?name=mittwald&config=(\S+)/.exec(steps);
    expect(JSON.parse(Buffer.from(decodeURIComponent(link?.[1] ?? ''), 'base64').toString('utf8'))).toEqual({ url: stack.mcp.mcpUrl });

    // The URL on stderr is the one the browser was sent to, whole, and carries what the bridge requires.
    const [visit] = await browserVisits();
    expect(visit?.status).toBe(200);
    expect(printedAuthorizationUrl(result.stderr)).toBe(visit?.opened);
    const authorize = new URL(visit?.opened ?? '');
    expect(authorize.origin).toBe(stack.as.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('resource')).toBe(stack.mcp.mcpUrl);

    // Discovery: the unauthenticated 401, then the protected-resource metadata, then the AS.
    const challenge = stack.mcp.log.find((record) => record.method === 'POST' && record.path === '/mcp');
    expect(challenge?.status).toBe(401);
    expect(stack.mcp.log.some((record) => record.path === '/.well-known/oauth-protected-resource/mcp')).toBe(true);
    expect(stack.as.requests).toEqual(expect.arrayContaining(['POST /register', 'POST /token']));
    // The client registered for the check is deleted again once the check is done (RFC 7592).
    expect(stack.as.requests.filter((request) => /^DELETE \/register\/[\w-]+$/.test(request))).toHaveLength(1);

    // Neither the access token nor the authorization code is printed or kept anywhere under HOME.
    const tokens = accessTokensSeen();
    expect(tokens.length).toBeGreaterThan(0);
    const code = new URL(visit?.redirect ?? '').searchParams.get('code');
    expect(code).toBeTruthy();
    const secrets = [...tokens, code as string];
    for (const secret of secrets) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
    const files = await filesUnder(home.dir);
    expect(files.map(({ file }) => file)).toContain(cursorFile());
    for (const { file, text } of files) {
      expect(text, file).not.toMatch(JWT);
      for (const secret of secrets) expect(text, file).not.toContain(secret);
    }
  });

  it('reports the sign-in and the needs-login check in --json', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'cursor', '--oauth', ...urls(), '--json'], browserEnv('approve'));
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: true,
      auth: { method: 'oauth', signIn: 'verified', identity: { name: 'Ada Lovelace', email: 'ada@example.test' }, toolCount: 116 },
      tools: [{ tool: 'cursor', status: 'configured', check: { status: 'needs-login' } }],
    });
    expect(report.tools[0].nextSteps.join('\n')).toContain('cursor://anysphere.cursor-deeplink/mcp/install?name=mittwald');
    expect(result.stdout).not.toMatch(JWT);
    // In --json mode the sign-in URL still reaches the person, on stderr.
    expect(printedAuthorizationUrl(result.stderr)).toBeDefined();
  });

  it('with --debug traces the HTTP exchange but masks the access token and never shows the code', async () => {
    stack = await startStack({ resourceMetadataInChallenge: true });
    const result = await run(['--tool', 'cursor', '--oauth', ...urls(), '--debug'], browserEnv('approve'));
    expect(result.exitCode).toBe(0);
    // The trace shows the spec-path challenge and the token request…
    expect(result.stderr).toMatch(/resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
    expect(result.stderr).toContain(`→ POST ${stack.as.issuer}/token`);
    expect(result.stderr).toMatch(/authorization: Bearer ••••/);
    // …but not the secrets.
    const [visit] = await browserVisits();
    const code = new URL(visit?.redirect ?? '').searchParams.get('code') as string;
    for (const secret of [...accessTokensSeen(), code]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
    expect(result.stdout + result.stderr).not.toMatch(JWT);
  });
});

describe('a failed sign-in stops the run before anything is written', () => {
  /** Nothing but the error, kept for the next support report (masked; no token or code in it). */
  async function expectNothingWritten(): Promise<void> {
    const files = await filesUnder(home.dir);
    expect(files.map((file) => path.relative(home.dir, file.file))).toEqual([path.join('.mittwald-mcp-setup', 'errors.json')]);
    expect(files[0]!.text).not.toMatch(JWT);
  }

  it('denied consent', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'cursor', '--oauth', ...urls()], browserEnv('deny'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('✗ Access was denied in the browser, so the sign-in did not complete.');
    expect(result.stderr).toMatch(/choose Allow, or use an API token/);
    expect(result.stdout).not.toContain('Signed in');
    expect((await browserVisits())[0]?.status).toBe(400);
    await expectNothingWritten();
  });

  it('a response whose state was changed', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'cursor', '--oauth', ...urls()], browserEnv('tamper-state'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/did not belong to this sign-in \(its state did not match\)/);
    expect(stack.as.requests).not.toContain('POST /token');
    await expectNothingWritten();
  });

  it('a browser that never comes back (MITTWALD_SETUP_SIGNIN_TIMEOUT)', async () => {
    stack = await startStack();
    const started = Date.now();
    const result = await run(['--tool', 'cursor', '--oauth', ...urls()], browserEnv('ignore', { MITTWALD_SETUP_SIGNIN_TIMEOUT: '1' }));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/No sign-in arrived within 1 second/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await expectNothingWritten();
  });

  it('an authorization server without S256 PKCE, refused before a browser is opened', async () => {
    stack = await startStack({}, { codeChallengeMethods: null });
    const result = await run(['--tool', 'cursor', '--oauth', ...urls()], browserEnv('approve'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/S256/);
    expect(stack.as.requests).not.toContain('POST /register');
    await browserNeverOpened();
    await expectNothingWritten();
  });

  it('an unknown scope, named, before a browser is opened', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'cursor', '--oauth', '--scopes', 'user:read,nope:read', ...urls()], browserEnv('approve'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('The server does not know the scope nope:read.');
    expect(result.stderr).toMatch(/Scopes it offers: .*project:write/);
    expect(stack.as.requests).not.toContain('POST /register');
    await browserNeverOpened();
    await expectNothingWritten();
  });

  it('an unknown scope even when nobody can sign in here', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'codex', '--oauth', '--scopes', 'nope:read', ...urls()]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('nope:read');
    await expectNothingWritten();
  });
});

describe('--no-browser', () => {
  it.each([
    ['without $BROWSER', false],
    ['ignoring $BROWSER', true],
  ] as const)('%s prints the URL on stderr and waits until someone completes the sign-in with it', async (_label, withBrowser) => {
    stack = await startStack();
    const child = execa(process.execPath, [CLI, '--tool', 'cursor', '--oauth', '--no-browser', ...urls()], {
      cwd: home.dir,
      env: cleanEnv(home.dir, withBrowser ? browserEnv('approve') : {}),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 60_000,
    });
    const url = await authorizationUrlOf(child);
    // It is waiting: nothing has been written, and nobody has asked for a token yet.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.exitCode).toBeNull();
    await expect(stat(cursorFile())).rejects.toThrow();
    expect(stack.as.requests).not.toContain('POST /token');

    const browsed = await runBrowser(url, { action: 'approve' });
    expect(browsed.status).toBe(200);
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(SIGNED_IN);
    expect(JSON.parse(await readFile(cursorFile(), 'utf8')).mcpServers.mittwald).toEqual({ url: stack.mcp.mcpUrl });
    await browserNeverOpened();
  });
});

describe('Ctrl-C while waiting for the browser', () => {
  it('cancels the sign-in cleanly: exit 130, a one-line message, nothing written', async () => {
    stack = await startStack();
    const child = execa(process.execPath, [CLI, '--tool', 'cursor', '--oauth', '--no-browser', ...urls()], {
      cwd: home.dir,
      env: cleanEnv(home.dir),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 60_000,
    });
    const url = await authorizationUrlOf(child);
    expect(url).toContain('/authorize?');
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain('The sign-in was cancelled.');
    expect(result.stderr).not.toContain('Unexpected error');
    expect(await filesUnder(home.dir)).toEqual([]);
  });
});

describe('without a terminal and without $BROWSER', () => {
  it('does not block: it only probes, says each tool signs in itself, and exits 0', async () => {
    stack = await startStack();
    const started = Date.now();
    const result = await run(['--tool', 'cursor', '--oauth', ...urls(), '--json']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: true, auth: { method: 'oauth', signIn: 'not-tested' }, tools: [{ status: 'configured', check: { status: 'needs-login' } }] });
    expect(stack.as.requests).not.toContain('POST /register');
    expect(printedAuthorizationUrl(result.stderr)).toBeUndefined();

    const human = await run(['--tool', 'cursor', '--oauth', ...urls()]);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain(`✓ ${stack.mcp.mcpUrl} is reachable and asks for an OAuth sign-in; each tool signs in itself.`);
    expect(human.stdout).toMatch(/set \$BROWSER or pass --no-browser/);
    expect(human.stdout).not.toContain('Signed in');
  });
});

describe('each tool hands the sign-in to itself', () => {
  it('Copilot (VS Code, CLI, app): a URL-only portable entry, and the sign-in when it asks', async () => {
    stack = await startStack();
    // Only Node on PATH: the Copilot CLI dev dependency in node_modules/.bin would count as a host found here.
    const result = await run(['--tool', 'copilot', '--oauth', ...urls()], { PATH: path.dirname(process.execPath) });
    expect(result.exitCode).toBe(0);
    const file = path.join(home.dir, '.copilot', 'mcp-config.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ mcpServers: { mittwald: { type: 'http', url: stack.mcp.mcpUrl, tools: ['*'] } } });
    const steps = nextSteps(result.stdout);
    expect(steps).toContain('In VS Code open Copilot Chat in Agent mode: "mittwald" is among the tools (MCP: List Servers shows it) and sign in with mittwald when it asks.');
  });

  it('Claude Code and Codex: their own login commands, Codex with the chosen scopes', async () => {
    stack = await startStack();
    // A dry run with only Node on PATH: the real tool CLIs are neither needed nor run.
    const result = await run(['--tool', 'claude-code,codex', '--oauth', '--scopes', 'user:read,project:write', ...urls(), '--dry-run', '--json'], {
      PATH: path.dirname(process.execPath),
    });
    expect(result.exitCode).toBe(0);
    const tools = JSON.parse(result.stdout).tools as Array<{ tool: string; nextSteps: string[] }>;
    const stepsOf = (id: string) => tools.filter((tool) => tool.tool === id).flatMap((tool) => tool.nextSteps).join('\n');
    expect(stepsOf('claude-code')).toContain('claude mcp login mittwald');
    expect(stepsOf('codex')).toContain('codex mcp login mittwald --scopes user:read,project:write');
  });
});

describe('what the tools may do (--access)', () => {
  it('--access write: the check signs in with those scopes, Claude Code and Codex entries carry them, Copilot is warned, and the summary says so', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'claude-code,codex,copilot', '--oauth', '--access', 'write', ...urls()], browserEnv('approve', { PATH: path.dirname(process.execPath) }));
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const write = ['app:read', 'app:write', 'backup:read', 'backup:write', 'contract:read', 'contract:write', 'cronjob:read', 'cronjob:write', 'customer:read', 'customer:write', 'database:read', 'database:write', 'domain:read', 'domain:write', 'extension:read', 'extension:write', 'mail:read', 'mail:write', 'order:domain-preview', 'project:read', 'project:write', 'registry:read', 'registry:write', 'sshuser:read', 'sshuser:write', 'stack:read', 'stack:write', 'user:read', 'user:write', 'conversation:read', 'conversation:write'];
    // Our check asked for exactly these.
    expect(stack.as.authorizeRequests).toHaveLength(1);
    expect((stack.as.authorizeRequests[0]!.get('scope') ?? '').split(' ').sort()).toEqual([...write].sort());
    const claude = JSON.parse(await readFile(path.join(home.dir, '.claude.json'), 'utf8'));
    expect(claude.mcpServers.mittwald.oauth.scopes.split(' ').sort()).toEqual([...write].sort());
    const codex = await readFile(path.join(home.dir, '.codex', 'config.toml'), 'utf8');
    expect(codex).toContain(`scopes = [${write.map((scope) => `"${scope}"`).join(', ')}]`);
    expect(result.stdout).toMatch(/GitHub Copilot picks the scopes at its own sign-in \(its setup cannot name them\), so it may ask for more than read and change/);
    expect(result.stdout).toContain(`Access granted to the tools: read and change (${write.join(' ')}).`);
  });

  it('without --access or --scopes: mittwald’s read-only defaults, in the entries and in --json', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'claude-code', '--oauth', '--no-verify', '--json', ...urls()], { PATH: path.dirname(process.execPath) });
    expect(result.exitCode, result.stderr).toBe(0);
    const read = ['user:read', 'customer:read', 'project:read', 'app:read'];
    expect(JSON.parse(result.stdout).auth.access).toEqual({ level: 'read', scopes: read });
    const claude = JSON.parse(await readFile(path.join(home.dir, '.claude.json'), 'utf8'));
    expect(claude.mcpServers.mittwald).toEqual({ type: 'http', url: stack.mcp.mcpUrl, oauth: { scopes: read.join(' ') } });
  });

  it('--access with --scopes is a usage error', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'claude-code', '--access', 'all', '--scopes', 'user:read', ...urls()]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Use either --access or --scopes, not both.');
  });
});

describe('settings-screen apps', () => {
  const TROUBLESHOOTING = [/redirect_uri is not registered for this client/, /7 days/, /403.*read-only/s];

  it.each([
    ['claude-desktop', 'Claude Desktop', 'https://claude.ai/customize/connectors?modal=add-custom-connector&connectorName=mw-test&connectorUrl=', /Settings → Connectors → mw-test → ⋯ → Remove/],
    ['chatgpt', 'ChatGPT', 'https://chatgpt.com/#settings/Connectors', /Settings → Apps & Connectors → mw-test → Delete/],
  ] as const)('%s: prints the personalised steps, reports "instructions" and exits 0', async (tool, name, settingsUrl, removal) => {
    stack = await startStack();
    const result = await run(['--tool', tool, ...urls(), '--name', 'mw-test']);
    expect(result.exitCode).toBe(0);
    const { stdout } = result;
    expect(stdout).toContain(`${name} — add mw-test as a`);
    expect(stdout).toMatch(new RegExp(`URL: +${stack.mcp.mcpUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(stdout).toMatch(/Name: +mw-test\n/);
    expect(stdout).toContain(settingsUrl);
    expect(stdout).toContain('Ask: "Use the mittwald tools to get my user information, then list my projects."');
    expect(stdout).toMatch(removal);
    for (const pattern of TROUBLESHOOTING) expect(stdout).toMatch(pattern);
    expect(stdout).not.toContain('https://mcp.mittwald.de');
    expect(stdout).not.toMatch(/\{\{|\}\}/);
    expect(stdout).toContain(`✓ ${name}: follow the steps above`);
    // Nothing to write for an app configured in its settings screen: the code cache of a run that
    // succeeded is all (src/cli/code-cache.ts).
    const cacheFolder = path.join(home.dir, '.cache', 'mittwald-mcp-setup') + path.sep;
    expect((await filesUnder(home.dir)).filter(({ file }) => !file.startsWith(cacheFolder))).toEqual([]);
  });

  it("for mittwald's own server, the steps lead with the official Claude connector and ChatGPT app", async () => {
    const result = await run(['--tool', 'claude-desktop,chatgpt', '--no-verify']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Claude Desktop — connect mittwald from Claude\'s connector directory');
    expect(result.stdout).toContain('Open https://claude.ai/directory/mittwald');
    expect(result.stdout).toContain('ChatGPT — install the official mittwald app');
    expect(result.stdout).toContain('Open https://chatgpt.com/plugins/plugin_asdk_app_6a68b368b8588191afee9a7e2b327d63');
    expect(result.stdout).not.toMatch(/URL: +https:\/\/mcp\.mittwald\.de/);
  });

  it('ChatGPT steps carry the connector description', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'chatgpt', ...urls()]);
    expect(result.stdout).toMatch(/Description: +Manage mittwald hosting/);
  });

  it('--json carries the steps in tools[].instructions', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'claude-desktop,chatgpt', ...urls(), '--json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    expect(report.tools.map((tool: { tool: string; status: string }) => [tool.tool, tool.status])).toEqual([
      ['claude-desktop', 'instructions'],
      ['chatgpt', 'instructions'],
    ]);
    for (const tool of report.tools as Array<{ instructions: string }>) {
      expect(tool.instructions).toContain(stack.mcp.mcpUrl);
      expect(tool.instructions).toMatch(/redirect_uri is not registered/);
    }
  });

  it('with --token they say they take no token and sign in with OAuth', async () => {
    stack = await startStack();
    const token = createTestToken();
    stack.mcp.addToken(token, user);
    const result = await run(['--tool', 'claude-desktop,chatgpt', '--token', token, ...urls()]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Claude Desktop and ChatGPT take no API token: they sign in with OAuth/);
    const claude = result.stdout.slice(result.stdout.indexOf('Claude Desktop — add'), result.stdout.indexOf('ChatGPT — add'));
    const chatgpt = result.stdout.slice(result.stdout.indexOf('ChatGPT — add'));
    for (const steps of [claude, chatgpt]) expect(steps).toMatch(/signs\s+in with OAuth: it takes no API token/);
    expect(result.stdout).not.toContain(token);
    // No selected tool can use the token, so it is not checked at all: an unknown one changes nothing.
    const unknown = await run(['--tool', 'chatgpt', '--token', createTestToken(), ...urls(), '--json']);
    expect(unknown.exitCode).toBe(0);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: true, auth: { method: 'oauth' }, tools: [{ tool: 'chatgpt', status: 'instructions' }] });
  });

  it('say the account and server are fine when the OAuth check of the same run succeeded', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'cursor,claude-desktop', '--oauth', ...urls()], browserEnv('approve'));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(SIGNED_IN);
    const steps = result.stdout.slice(result.stdout.indexOf('Claude Desktop — add'));
    expect(steps).toMatch(/Checked from here: signing in to mittwald with OAuth works, as\s+Ada Lovelace <ada@example\.test>, and the server answers/);
    expect(steps).toMatch(/So your account and the server are\s+fine/);
  });

  it('do not claim a successful check when none ran', async () => {
    stack = await startStack();
    const result = await run(['--tool', 'claude-desktop', ...urls()]);
    expect(result.stdout).not.toContain('Checked from here');
  });
});
