/** The interactive wizard, end to end: the built CLI on a real pseudo-terminal (80 columns), HOME in a temp
 * folder, against the local mittwald stand-in and a real OAuth authorization server with the headless
 * browser as $BROWSER. PATH holds only a folder of ours, so which tools count as installed is up to each test. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempHome } from '../support/cli.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { colourSequences, KEYS, spawnCli, type PtyOptions, type PtySession } from '../support/pty.js';

const HEADLESS_BROWSER = fileURLToPath(new URL('../support/headless-browser.mjs', import.meta.url));
/** The wizard's list, in the order it shows it: grouped as adapters/tool-ids.ts TOOL_GROUPS says. */
const TOOL_ORDER = ['claude-code', 'codex', 'gemini', 'opencode', 'hermes', 'cursor', 'copilot', 'cline', 'windsurf', 'zed', 'antigravity', 'claude-desktop', 'chatgpt'] as const;

const user = createTestUser({ person: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.test' });
const token = createTestToken();
let server: MittwaldTestServer;
let as: OAuthServer;

beforeAll(async () => {
  server = await startMittwaldServer({ tokens: [[token, user]] });
  as = await startOAuthServer({ resource: server.mcpUrl, user });
  server.setAuthorizationServer(as.issuer);
  server.setAccessTokenVerifier((accessToken) => as.verifyAccessToken(accessToken));
});
afterAll(async () => {
  await Promise.all([server.close(), as.close()]);
});

let home: Awaited<ReturnType<typeof tempHome>>;
/** The only folder on the CLI's PATH: node (for `#!/usr/bin/env node` scripts) and whatever a test adds. */
let bin: string;
const sessions: PtySession[] = [];

beforeEach(async () => {
  home = await tempHome('mms-wizard-');
  bin = path.join(home.dir, 'bin');
  await mkdir(bin);
  await symlink(process.execPath, path.join(bin, 'node'));
});
afterEach(async () => {
  for (const session of sessions.splice(0)) session.kill();
  server.clearFaults();
  await home.cleanup();
});

const urls = () => ['--server-url', server.mcpUrl, '--api-url', server.apiUrl];
/** This machine's git, to put on the wizard's PATH when a test wants it there. */
const gitPath = (): string => {
  const found = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'git')).find((candidate) => existsSync(candidate));
  if (!found) throw new Error('git is not on PATH');
  return found;
};
const cursorFile = () => path.join(home.dir, '.cursor', 'mcp.json');
const codexFile = () => path.join(home.dir, '.codex', 'config.toml');

/** Starts the wizard; the session is killed after the test whatever happens. */
function wizard(args: string[] = [], options: Partial<PtyOptions> = {}): PtySession {
  const session = spawnCli([...urls(), ...args], { home: home.dir, ...options, env: { PATH: bin, ...options.env } });
  sessions.push(session);
  return session;
}

/** An executable in the test's PATH folder, run by this Node. */
async function addProgram(name: string, source = 'process.exit(0);'): Promise<string> {
  const file = path.join(bin, name);
  await writeFile(file, `#!${process.execPath}\n${source}\n`);
  await chmod(file, 0o755);
  return file;
}

/** Toggles the given tools in the multi-select (nothing pre-selected) and confirms. */
async function chooseTools(session: PtySession, ...tools: Array<(typeof TOOL_ORDER)[number]>): Promise<void> {
  await session.expect('Which tools should use mittwald?');
  const last = Math.max(...tools.map((tool) => TOOL_ORDER.indexOf(tool)));
  for (let index = 0; index <= last; index++) {
    if (tools.includes(TOOL_ORDER[index]!)) await session.send(KEYS.space);
    if (index < last) await session.send(KEYS.down);
  }
  await session.send(KEYS.enter);
}

/** Auth question → "API token" → "Paste a token" → types `value`. */
async function pasteToken(session: PtySession, value: string, tokenOptionIndex = 0): Promise<void> {
  await session.expect('How should your tools sign in to mittwald?');
  await session.send(KEYS.down, KEYS.enter);
  await session.expect('Which API token?');
  for (let i = 0; i < tokenOptionIndex; i++) await session.send(KEYS.down);
  await session.send(KEYS.enter);
  await session.expect('Paste your mittwald API token');
  await session.send(value, KEYS.enter);
}

/** Every file under `dir` with its mode, size and content hash: equal snapshots mean nothing was touched. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const info = await stat(file);
    entries[path.relative(dir, file)] = entry.isFile()
      ? `${(info.mode & 0o777).toString(8)} ${info.mtimeMs} ${createHash('sha256').update(await readFile(file)).digest('hex')}`
      : `${entry.isDirectory() ? 'dir' : 'other'} ${(info.mode & 0o777).toString(8)}`;
  }
  return entries;
}

/** Reads a file another process writes on its own time (the browser is started detached, never waited for). */
async function readWhenWritten(file: string, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text?.endsWith('\n') || Date.now() > deadline) return text ?? '';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const OTHER_SERVERS = '{\n  // mine\n  "mcpServers": {\n    "github": { "url": "https://api.githubcopilot.com/mcp/" }\n  }\n}\n';

describe('the token path', () => {
  it('configures Cursor and Codex with a pasted token and shows a verified summary (in colour)', async () => {
    const session = wizard([], { env: { NO_COLOR: undefined } });
    await session.expect(/mittwald-mcp-setup \d+\.\d+\.\d+/);
    await session.expect('None of the supported tools is installed here');
    await chooseTools(session, 'codex', 'cursor');
    await pasteToken(session, token);
    await session.expect('Token belongs to Ada Lovelace <ada@example.test> — 116 tools');
    await session.expect('How should the token be stored?');
    await session.expect('● In the config file'); // the default for a pasted token
    await session.send(KEYS.enter);
    await session.expect('The plan');
    await session.expect(`new  ${codexFile()}`);
    await session.expect(`new  ${cursorFile()}`);
    await session.expect('Show the changes as a diff first?');
    // "y" answers a clack confirm on its own; an Enter after it could land in the next question.
    await session.send('y');
    await session.expect(`Bearer ••••`);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect(/Codex CLI \(user\): configured — connected \(116 tools\)/);
    await session.expect(/Cursor \(user\): configured — connected \(116 tools\)/);
    await session.expect('Summary');
    await session.expect(/✓ Codex CLI \(user\)\s+connected/);
    await session.expect(/✓ Cursor \(user\)\s+connected/);
    await session.expect('Next steps');
    await session.expect('Done.');
    expect((await session.waitForExit()).exitCode).toBe(0);

    const cursor = JSON.parse(await readFile(cursorFile(), 'utf8'));
    expect(cursor).toEqual({ mcpServers: { mittwald: { url: server.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } });
    expect((await stat(cursorFile())).mode & 0o777).toBe(0o600);
    const codex = await readFile(codexFile(), 'utf8');
    expect(codex).toContain('[mcp_servers.mittwald]');
    expect(codex).toContain(`url = "${server.mcpUrl}"`);
    expect(codex).toContain(token);
    // The masked prompt never echoed the token, and nothing printed it later.
    expect(session.output).not.toContain(token);
    expect(colourSequences(session.output).length).toBeGreaterThan(0);
  });

  it('says why a token was rejected, asks again, and goes on with a good one (no colour under NO_COLOR)', async () => {
    const rejected = createTestToken();
    const session = wizard([], { env: { MITTWALD_API_TOKEN: token } });
    await chooseTools(session, 'cursor');
    await pasteToken(session, rejected, 1);
    await session.expect(/rejected the token \(401\)/);
    await session.expect('Which API token?');
    await session.expect(`Use MITTWALD_API_TOKEN (••••${token.slice(-4)})`);
    await session.send(KEYS.enter);
    await session.expect('Token belongs to Ada Lovelace');
    await session.expect('● As a reference to MITTWALD_API_TOKEN'); // the default for a token from the environment
    await session.send(KEYS.enter);
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect(/✓ Cursor \(user\)\s+connected/);
    expect((await session.waitForExit()).exitCode).toBe(0);
    expect(JSON.parse(await readFile(cursorFile(), 'utf8')).mcpServers.mittwald.headers.Authorization).toBe('Bearer ${env:MITTWALD_API_TOKEN}');
    expect(session.output).not.toContain(token);
    expect(session.output).not.toContain(rejected);
    expect(colourSequences(session.output)).toEqual([]);
  });

  it("offers the mittwald CLI's stored token (~/.config/mw/token), masked", async () => {
    await mkdir(path.join(home.dir, '.config', 'mw'), { recursive: true });
    await writeFile(path.join(home.dir, '.config', 'mw', 'token'), `${token}\n`);
    const session = wizard();
    await chooseTools(session, 'cursor');
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.down, KEYS.enter);
    await session.expect(`Use the mittwald CLI's token (••••${token.slice(-4)})`);
    await session.send(KEYS.enter);
    await session.expect('Token belongs to Ada Lovelace <ada@example.test>');
    await session.expect('How should the token be stored?');
    await session.send(KEYS.esc);
    await session.expect('Cancelled — nothing was changed');
    expect((await session.waitForExit()).exitCode).toBe(130);
    expect(session.output).not.toContain(token);
  });

  it('lets flags pre-answer: --token skips the auth step, --scope and --secret their questions', async () => {
    const project = path.join(home.dir, 'site');
    await mkdir(path.join(project, '.git'), { recursive: true });
    const session = wizard(['--token', token, '--scope', 'project', '--secret', 'ref'], { cwd: project });
    await chooseTools(session, 'cursor');
    await session.expect('Token belongs to Ada Lovelace');
    await session.expect(`new  ${path.join(project, '.cursor', 'mcp.json')}`);
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect('Summary');
    await session.waitForExit();
    for (const question of ['How should your tools sign in', 'Which API token?', 'Where should the entry go?', 'How should the token be stored?']) {
      expect(session.text).not.toContain(question);
    }
    expect(JSON.parse(await readFile(path.join(project, '.cursor', 'mcp.json'), 'utf8')).mcpServers.mittwald.url).toBe(server.mcpUrl);
    expect(session.output).not.toContain(token);
  });

  it('in a git repo, "Only in <repo>" never offers to store the token in the file: the project file gets the reference', async () => {
    const project = path.join(home.dir, 'site');
    await mkdir(project);
    execFileSync('git', ['init', '-q'], { cwd: project, env: { ...process.env, HOME: home.dir } });
    await symlink(gitPath(), path.join(bin, 'git'));
    const projectFile = path.join(project, '.cursor', 'mcp.json');
    const session = wizard([], { cwd: project });
    await chooseTools(session, 'cursor');
    await pasteToken(session, token);
    await session.expect('Token belongs to Ada Lovelace');
    await session.expect('Where should the entry go?');
    await session.send(KEYS.down, KEYS.enter);
    await session.expect('The plan');
    await session.expect(`new  ${projectFile}`);
    await session.expect('.cursor/mcp.json is not ignored by git: `git add` would include it');
    await session.expect(`${projectFile} is shared through git, so it names the MITTWALD_API_TOKEN variable instead of holding the token.`);
    await session.expect('Show the changes as a diff first?');
    expect(session.text).not.toContain('How should the token be stored?');
    expect(session.text).not.toContain('In the config file');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect('Summary');
    expect((await session.waitForExit()).exitCode).toBe(0);
    const written = await readFile(projectFile, 'utf8');
    expect(written).not.toContain(token);
    expect(JSON.parse(written).mcpServers.mittwald.headers.Authorization).toBe('Bearer ${env:MITTWALD_API_TOKEN}');
    expect(session.output).not.toContain(token);
  });

  it('with --secret literal in a git repo, does not offer the project file and says why', async () => {
    const project = path.join(home.dir, 'site');
    await mkdir(path.join(project, '.git'), { recursive: true });
    const session = wizard(['--secret', 'literal', '--dry-run'], { cwd: project });
    await chooseTools(session, 'cursor');
    await pasteToken(session, token);
    await session.expect('With --secret literal the entry goes into your user config: a project file is shared through git.');
    await session.expect(`new  ${cursorFile()}`);
    await session.expect('Dry run: nothing was changed.');
    expect((await session.waitForExit()).exitCode).toBe(0);
    expect(session.text).not.toContain('Where should the entry go?');
  });

  it('changes nothing with --dry-run: shows the masked diff and stops', async () => {
    await mkdir(path.dirname(cursorFile()), { recursive: true });
    await writeFile(cursorFile(), OTHER_SERVERS);
    const before = await snapshot(home.dir);
    const session = wizard(['--dry-run']);
    await chooseTools(session, 'cursor');
    await pasteToken(session, token);
    await session.expect('How should the token be stored?');
    await session.send(KEYS.enter);
    await session.expect(`modified  ${cursorFile()}`);
    await session.expect(`+++ b${cursorFile()}`);
    await session.expect(`Bearer ••••`);
    await session.expect('Dry run: nothing was changed.');
    expect((await session.waitForExit()).exitCode).toBe(0);
    expect(session.text).not.toContain('Apply these changes?');
    expect(await snapshot(home.dir)).toEqual(before);
    expect(session.output).not.toContain(token);
  });

  it('honours --no-color when NO_COLOR is not set', async () => {
    const session = wizard(['--no-color'], { env: { NO_COLOR: undefined } });
    await chooseTools(session, 'cursor');
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.ctrlC);
    expect((await session.waitForExit()).exitCode).toBe(130);
    expect(colourSequences(session.output)).toEqual([]);
  });
});

describe('failures', () => {
  it('marks a failed tool with the reason, keeps going with the others, and prints the command to re-run', async () => {
    const broken = '{ "mcpServers": { ';
    await mkdir(path.dirname(cursorFile()), { recursive: true });
    await writeFile(cursorFile(), broken);
    const session = wizard();
    await chooseTools(session, 'codex', 'cursor');
    await pasteToken(session, token);
    await session.expect('How should the token be stored?');
    await session.send(KEYS.enter);
    await session.expect(`Cursor: ${cursorFile()}:1:19`);
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect(/✓ Codex CLI \(user\)\s+connected/);
    await session.expect(/✗ Cursor\s+failed: \S+mcp\.json:1:19/);
    await session.expect('Cursor: Fix the file at that position');
    await session.expect('To retry what failed (pipe your API token into it):');
    await session.expect(`npx mittwald-mcp-setup --tool cursor --server-url ${server.mcpUrl} --api-url ${server.apiUrl} --token-stdin --secret literal\r\n`);
    await session.expect('Finished with problems');
    expect((await session.waitForExit()).exitCode).toBe(1);
    expect(await readFile(cursorFile(), 'utf8')).toBe(broken);
    expect(await readFile(codexFile(), 'utf8')).toContain('[mcp_servers.mittwald]');
  });
});

describe('detection', () => {
  it('pre-selects installed tools, names the Copilot hosts it found and hints at the others', async () => {
    await addProgram('codex');
    await addProgram('code');
    const session = wizard();
    await session.expect(/Found Codex CLI, GitHub Copilot \(VS Code\)/);
    await session.expect('Which tools should use mittwald?');
    await session.expect(/◻ Claude Code \(not found here — you can still set it up\)/);
    await session.expect(/◼ Codex CLI \(installed\)/);
    await session.expect(/◻ Cursor/);
    await session.expect(/◼ GitHub Copilot \(found: VS Code\)/);
    await session.send(KEYS.esc);
    expect((await session.waitForExit()).exitCode).toBe(130);
  });
});

describe('the tool list', () => {
  it('groups the thirteen tools under terminal agents, editors and apps, each on one 80-column line', async () => {
    const session = wizard();
    await session.expect('Which tools should use mittwald?');
    await session.expect(/Terminal agents[\s\S]*Claude Code[\s\S]*Hermes Agent[\s\S]*Editors[\s\S]*Cursor[\s\S]*Antigravity[\s\S]*Apps[\s\S]*ChatGPT/);
    // Every line of the list (the focused one with its hint) fits the 80-column terminal.
    const listLines = session.text.split('\n').filter((line) => /[◻◼]/.test(line));
    expect(listLines.length).toBeGreaterThanOrEqual(13);
    for (const line of listLines) expect(line.trimEnd().length, line).toBeLessThanOrEqual(80);
    await session.send(KEYS.esc);
    expect((await session.waitForExit()).exitCode).toBe(130);
  });
});

describe('cancelling before anything is applied', () => {
  const steps: Array<[string, (session: PtySession) => Promise<void>]> = [
    ['tool selection', (session) => session.expect('Which tools should use mittwald?').then(() => undefined)],
    [
      'auth choice',
      async (session) => {
        await chooseTools(session, 'cursor');
        await session.expect('How should your tools sign in to mittwald?');
      },
    ],
    [
      'token prompt',
      async (session) => {
        await chooseTools(session, 'cursor');
        await session.expect('How should your tools sign in to mittwald?');
        await session.send(KEYS.down, KEYS.enter);
        await session.expect('Which API token?');
        await session.send(KEYS.enter);
        await session.expect('Paste your mittwald API token');
        await session.send(token.slice(0, 20)); // typed, not yet submitted
      },
    ],
    [
      'scope',
      async (session) => {
        await chooseTools(session, 'cursor');
        await pasteToken(session, token);
        await session.expect('Where should the entry go?');
      },
    ],
    [
      'secret',
      async (session) => {
        await chooseTools(session, 'cursor');
        await pasteToken(session, token);
        await session.expect('Where should the entry go?');
        await session.send(KEYS.enter);
        await session.expect('How should the token be stored?');
      },
    ],
    [
      'diff question',
      async (session) => {
        await chooseTools(session, 'cursor');
        await pasteToken(session, token);
        await session.expect('Where should the entry go?');
        await session.send(KEYS.enter);
        await session.expect('How should the token be stored?');
        await session.send(KEYS.enter);
        await session.expect('Show the changes as a diff first?');
      },
    ],
    [
      'apply confirmation',
      async (session) => {
        await chooseTools(session, 'cursor');
        await pasteToken(session, token);
        await session.expect('Where should the entry go?');
        await session.send(KEYS.enter);
        await session.expect('How should the token be stored?');
        await session.send(KEYS.enter);
        await session.expect('Show the changes as a diff first?');
        await session.send(KEYS.enter);
        await session.expect('Apply these changes?');
      },
    ],
  ];
  const cases = steps.flatMap(([step, reach]) => [
    [step, 'Ctrl-C', KEYS.ctrlC, reach] as const,
    [step, 'Esc', KEYS.esc, reach] as const,
  ]);

  it.each(cases)('at the %s with %s: exit 130, nothing changed', async (_step, _key, key, reach) => {
    // A project folder (so the scope question is asked) and an existing config that must stay as it is.
    const project = path.join(home.dir, 'site');
    await mkdir(path.join(project, '.git'), { recursive: true });
    await mkdir(path.dirname(cursorFile()), { recursive: true });
    await writeFile(cursorFile(), OTHER_SERVERS);
    const before = await snapshot(home.dir);

    const session = wizard([], { cwd: project });
    await reach(session);
    await session.send(key);
    await session.expect('Cancelled — nothing was changed');
    expect((await session.waitForExit()).exitCode).toBe(130);
    expect(await snapshot(home.dir)).toEqual(before);
    expect(session.output).not.toContain(token.slice(0, 20));
  });

  it.each([
    ['Ctrl-C', KEYS.ctrlC],
    ['Esc', KEYS.esc],
  ])('%s while waiting for the browser sign-in: exit 130, nothing changed', async (_key, key) => {
    const before = await snapshot(home.dir);
    const session = wizard([], { env: { BROWSER: HEADLESS_BROWSER, HEADLESS_BROWSER_ACTION: 'ignore' } });
    await chooseTools(session, 'cursor');
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.enter);
    await session.expect('Waiting for you to sign in in the browser (Ctrl-C or Esc to cancel)');
    await session.send(key);
    await session.expect('Cancelled — nothing was changed');
    expect((await session.waitForExit()).exitCode).toBe(130);
    expect(await snapshot(home.dir)).toEqual(before);
  });
});

describe('the OAuth path', () => {
  it('signs in through the browser, writes an OAuth entry and says what is left to do', async () => {
    const session = wizard([], { env: { BROWSER: HEADLESS_BROWSER, HEADLESS_BROWSER_ACTION: 'approve' } });
    await chooseTools(session, 'cursor');
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.enter);
    await session.expect(`${as.issuer}/authorize?`);
    await session.expect('Signed in as Ada Lovelace <ada@example.test> via OAuth — 116 tools');
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect(/⚠ Cursor \(user\)\s+next step: sign in from the tool \(OAuth\)/);
    expect((await session.waitForExit()).exitCode).toBe(0);
    expect(JSON.parse(await readFile(cursorFile(), 'utf8'))).toEqual({ mcpServers: { mittwald: { url: server.mcpUrl } } });
    expect(session.text).not.toContain('How should the token be stored?');
  });
});

describe('the OAuth path over SSH (no display)', () => {
  const ssh = { SSH_CONNECTION: '203.0.113.7 50022 198.51.100.2 22', DISPLAY: undefined, BROWSER: undefined };

  it('asks for the address the browser ended on elsewhere, explains a wrong one, and signs in with the pasted one', async () => {
    const session = wizard(['--no-browser'], { env: ssh });
    await chooseTools(session, 'cursor');
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.enter);
    const url = (await session.expect(new RegExp(`${as.issuer.replace(/[.]/g, '\\.')}/authorize\\?\\S+`))).trim();
    await session.expect('Paste the address its browser ended on');
    // On the person's own machine: sign in; its redirect to 127.0.0.1 cannot reach this one.
    const { runBrowser } = await import('../support/headless-browser.mjs');
    const redirect = (await runBrowser(url, { action: 'elsewhere' })).redirectUrl!;
    await session.send(`not an address${KEYS.enter}`);
    await session.expect('That is not a web address');
    await session.expect('Paste the address its browser ended on');
    await session.send(`${redirect.href}${KEYS.enter}`);
    await session.expect('Signed in as Ada Lovelace <ada@example.test> via OAuth — 116 tools');
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    expect((await session.waitForExit()).exitCode).toBe(0);
    expect(JSON.parse(await readFile(cursorFile(), 'utf8'))).toEqual({ mcpServers: { mittwald: { url: server.mcpUrl } } });
  });

  it('Esc at the paste prompt cancels: exit 130, nothing changed', async () => {
    const before = await snapshot(home.dir);
    const session = wizard([], { env: ssh });
    await chooseTools(session, 'cursor');
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.enter);
    await session.expect('Paste the address its browser ended on');
    await session.send(KEYS.esc);
    await session.expect('Cancelled — nothing was changed');
    expect((await session.waitForExit()).exitCode).toBe(130);
    expect(await snapshot(home.dir)).toEqual(before);
  });
});

describe('what the tools may do', () => {
  it('asks, explains each level, and signs in and writes the entry with the chosen scopes', async () => {
    const session = wizard([], { env: { BROWSER: HEADLESS_BROWSER, HEADLESS_BROWSER_ACTION: 'approve' } });
    await chooseTools(session, 'codex');
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.enter);
    await session.expect('What may your tools do in your mittwald account?');
    // Each level's meaning shows beside it once it is highlighted.
    await session.expect('view user, customers, projects, apps; no changes');
    const before = as.authorizeRequests.length;
    await session.send(KEYS.down);
    await session.expect('never delete or order');
    await session.send(KEYS.enter);
    await session.expect('Signed in as Ada Lovelace');
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    expect((await session.waitForExit()).exitCode).toBe(0);
    const asked = (as.authorizeRequests[before]?.get('scope') ?? '').split(' ');
    expect(asked).toEqual(expect.arrayContaining(['database:write', 'project:write']));
    expect(asked.filter((scope) => scope.endsWith(':delete'))).toEqual([]);
    expect(await readFile(codexFile(), 'utf8')).toContain(`scopes = [${asked.map((scope) => `"${scope}"`).join(', ')}]`);
  });
});

describe('the tools\' own sign-in', () => {
  it('offers `codex mcp login` after writing an OAuth entry for an installed Codex, and runs it', async () => {
    const calls = path.join(home.dir, 'codex-calls.txt');
    await addProgram(
      'codex',
      `const args = process.argv.slice(2).join(' '); require('node:fs').appendFileSync(${JSON.stringify(calls)}, args + '\\n');
if (args === 'mcp list') console.log('Name      Url                 Status   Auth\\nmittwald  http://x/mcp  enabled  OAuth');`,
    );
    const session = wizard([], { env: { BROWSER: HEADLESS_BROWSER, HEADLESS_BROWSER_ACTION: 'approve' } });
    await session.expect(/◼ Codex CLI \(installed\)/);
    await session.send(KEYS.enter);
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.enter);
    // Codex's entry carries the scopes: the wizard asks what the tools may do (read only is the default).
    await session.expect('What may your tools do in your mittwald account?');
    await session.expect('Read only');
    await session.send(KEYS.enter);
    await session.expect('Signed in as Ada Lovelace');
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect('Sign in to mittwald in Codex CLI now? (runs `codex mcp login mittwald`)');
    await session.send(KEYS.enter);
    await session.expect('Codex CLI: signed in.');
    // Then Codex's own verdict on the entry, from `codex mcp list`.
    await session.expect(/codex mcp list: mittwald\s+http:\/\/x\/mcp\s+enabled\s+OAuth/);
    await session.expect(/✓ Codex CLI \(user\)\s+connected/);
    expect((await session.waitForExit()).exitCode).toBe(0);
    expect(await readFile(calls, 'utf8')).toBe('mcp get mittwald --json\nmcp login mittwald\nmcp list\n');
    expect(session.text.split('Summary').at(-1)).not.toContain('codex mcp login');
  });
});

describe("the tools' own sign-in over SSH", () => {
  it('runs `codex mcp login … --no-browser`, which prints the URL and takes the pasted redirect', async () => {
    const calls = path.join(home.dir, 'codex-calls.txt');
    await addProgram('codex', `require('node:fs').appendFileSync(${JSON.stringify(calls)}, process.argv.slice(2).join(' ') + '\\n');`);
    const session = wizard(['--no-verify'], { env: { SSH_CONNECTION: '203.0.113.7 50022 198.51.100.2 22', DISPLAY: undefined } });
    await session.expect(/◼ Codex CLI \(installed\)/);
    await session.send(KEYS.enter);
    await session.expect('How should your tools sign in to mittwald?');
    await session.send(KEYS.enter);
    await session.expect('What may your tools do in your mittwald account?');
    await session.send(KEYS.enter);
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    // clack wraps the question at 80 columns.
    await session.expect(/Sign in to mittwald in Codex CLI now\? \(runs `codex mcp login mittwald\s+(?:│\s+)?--no-browser`\)/);
    await session.send(KEYS.enter);
    await session.expect('Codex CLI: signed in.');
    expect((await session.waitForExit()).exitCode).toBe(0);
    expect(await readFile(calls, 'utf8')).toContain('mcp login mittwald --no-browser\n');
  });
});

describe('cancelling while applying', () => {
  it('finishes the tool being written, skips the rest and says exactly what was written', async () => {
    const session = wizard();
    await chooseTools(session, 'codex', 'cursor');
    // Once the tools are chosen, a `codex` turns up whose `mcp get` (Codex's own word after its file is
    // written) holds the apply step until the test lets it go.
    const release = path.join(home.dir, 'codex-release');
    await addProgram('codex', `const wait = setInterval(() => { if (require('node:fs').existsSync(${JSON.stringify(release)})) { clearInterval(wait); process.exit(1); } }, 20);`);
    await pasteToken(session, token);
    await session.expect('How should the token be stored?');
    await session.send(KEYS.enter);
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect('Configuring Codex CLI (user)');
    await session.send(KEYS.ctrlC);
    await session.expect('Finishing Codex CLI (user), then stopping');
    await writeFile(release, '');
    await session.expect('Cancelled after these changes were made:');
    await session.expect(`Codex CLI (user): created ${codexFile()}`);
    await session.expect('Not configured: Cursor (user)');
    expect((await session.waitForExit()).exitCode).toBe(130);
    expect(await readFile(codexFile(), 'utf8')).toContain('[mcp_servers.mittwald]');
    await expect(stat(cursorFile())).rejects.toThrow();
  });
});

describe('settings-screen apps', () => {
  it('offers to open the settings page and to copy the server URL', async () => {
    const opened = path.join(home.dir, 'opened.txt');
    const clipboard = path.join(home.dir, 'clipboard.txt');
    const browser = await addProgram('record-url', `require('node:fs').appendFileSync(${JSON.stringify(opened)}, process.argv.at(-1) + '\\n');`);
    await addProgram('xclip', `require('node:fs').writeFileSync(${JSON.stringify(clipboard)}, require('node:fs').readFileSync(0));`);
    const session = wizard(['--no-verify'], { env: { BROWSER: browser, DISPLAY: ':0' } });
    await chooseTools(session, 'chatgpt');
    await session.expect('ChatGPT always signs in with OAuth');
    await session.expect('Open https://chatgpt.com/#settings/Connectors in your browser now?');
    await session.send(KEYS.enter);
    await session.expect('Opened https://chatgpt.com/#settings/Connectors');
    await session.expect(`Copy the server URL (${server.mcpUrl}) to the clipboard?`);
    await session.send(KEYS.enter);
    await session.expect('Copied');
    await session.expect(/⚠ ChatGPT\s+next step: add it in the app/);
    expect((await session.waitForExit()).exitCode).toBe(0);
    expect(await readWhenWritten(opened)).toBe('https://chatgpt.com/#settings/Connectors\n');
    expect(await readFile(clipboard, 'utf8')).toBe(server.mcpUrl);
  });

  it('after the apply step, a cancel says exactly what was written and where the backup is', async () => {
    await mkdir(path.dirname(cursorFile()), { recursive: true });
    await writeFile(cursorFile(), OTHER_SERVERS);
    const session = wizard([], { env: { BROWSER: path.join(bin, 'no-such-browser') } });
    await chooseTools(session, 'cursor', 'claude-desktop');
    await session.expect('Claude Desktop always signs in with OAuth');
    await pasteToken(session, token);
    await session.expect('How should the token be stored?');
    await session.send(KEYS.enter);
    await session.expect(`modified  ${cursorFile()}`);
    await session.expect('Show the changes as a diff first?');
    await session.send(KEYS.enter);
    await session.expect('Apply these changes?');
    await session.send(KEYS.enter);
    await session.expect('Claude Desktop — add mittwald as a custom connector');
    // The prompt (Claude's prefilled add-custom-connector link, for a server other than mittwald's) is wider than the terminal.
    await session.expect('Open https://claude.ai/customize/connectors?modal=add-custom-connector');
    await session.send(KEYS.ctrlC);
    const statement = await session.expect(/Cancelled after these changes were made:\s+Cursor \(user\): modified \S+ \(backup: [^)]+\)/);
    expect((await session.waitForExit()).exitCode).toBe(130);
    expect(session.text).not.toContain('nothing was changed');
    const backup = /\(backup: ([^)]+)\)/.exec(statement)![1]!;
    expect(await readFile(backup, 'utf8')).toBe(OTHER_SERVERS);
    expect(await readFile(cursorFile(), 'utf8')).toContain('"github"');
    expect(await readFile(cursorFile(), 'utf8')).toContain(token);
  });
});
