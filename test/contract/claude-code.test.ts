/** Contract test against the REAL Claude Code CLI (node_modules/.bin/claude, a devDependency, or the executable
 * in CONTRACT_CLAUDE_BIN: see ./clients.ts): the file edits our adapter plans (we always write the files
 * ourselves, never through `claude mcp add-json`, whose argv would carry the token) must be accepted by Claude,
 * and Claude's own health check (`claude mcp list`) must report the state each entry is really in — Connected
 * with a token, Needs authentication for an OAuth entry (Connected after `claude mcp login` through a headless
 * `$BROWSER`), Pending approval for an unapproved project file — against the local mittwald stand-in and its
 * authorization server.
 *
 * Claude runs with HOME in a temp folder and the network features that could phone home switched off; the
 * only servers it can reach are the stand-ins on 127.0.0.1. Set SKIP_CLAUDE_CONTRACT=1 to skip this file where
 * the claude binary cannot run (it is a native executable per platform). */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import claudeCode, { claudeState } from '../../adapters/claude-code.js';
import { credentialFor, planTools } from '../../src/flow/setup-steps.js';
import { scopesForAccess } from '../../src/access.js';
import { applyPlan } from '../../src/flow/apply.js';
import type { Credential, Environment, SetupRequest, ToolPlan } from '../../src/model.js';
import { createTestToken, createTestUser, MITTWALD_SCOPES, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { PtySession } from '../support/pty.js';
import { contractClient } from './clients.js';

const client = contractClient('claude');
const CLAUDE_BIN = client.binDir;
const CLAUDE = client.bin;
const runnable = client.present && process.env.SKIP_CLAUDE_CONTRACT !== '1';
const TIMEOUT = 120_000;
/** A person's browser for `$BROWSER`: it approves the consent page and delivers the code to Claude. */
const HEADLESS_BROWSER = path.resolve(import.meta.dirname, '../support/headless-browser.mjs');
/** `claude mcp list` marks each server with one of these (it exits 0 in every state). */
const STATE = {
  connected: '\u2714 Connected',
  needsAuth: '! Needs authentication',
  failed: '\u2718 Failed to connect',
  pending: '\u23f8 Pending approval',
} as const;

/** One isolated home per test: its own ~/.claude.json, ~/.claude and a git project folder. */
interface Sandbox {
  home: string;
  project: string;
  /** The adapter's view: claude on PATH. */
  environment(env?: Record<string, string>): Environment;
  /** Runs the real claude in the project folder (or `cwd`) with exactly these variables. */
  claude(args: readonly string[], env?: Record<string, string>, cwd?: string): Promise<{ exitCode: number; output: string }>;
  /** `claude mcp login <name>` on a pseudo-terminal (it refuses to run without one), the headless browser as
   * `$BROWSER`; resolves when claude exits. */
  login(name: string): Promise<{ exitCode: number; output: string }>;
  apply(plan: ToolPlan): Promise<void>;
}

async function createSandbox(): Promise<Sandbox> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'claude-contract-'));
  const project = path.join(home, 'shop');
  await mkdir(path.join(project, '.git'), { recursive: true });
  const baseEnv = {
    HOME: home,
    USERPROFILE: home,
    PATH: process.env.PATH ?? '',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    NO_COLOR: '1',
  };
  // Never run claude (or let the adapter plan) against the real home folder.
  expect(home.startsWith(os.tmpdir())).toBe(true);
  const sandbox: Sandbox = {
    home,
    project,
    environment: (env = {}) => ({
      platform: 'linux',
      home,
      cwd: project,
      env: { ...baseEnv, PATH: `${CLAUDE_BIN}${path.delimiter}${baseEnv.PATH}`, ...env },
    }),
    async claude(args, env = {}, cwd = project) {
      const child = await execa(CLAUDE, args, { cwd, env: { ...baseEnv, ...env }, extendEnv: false, reject: false, stdin: 'ignore', all: true, timeout: 60_000 });
      return { exitCode: child.exitCode ?? 1, output: child.all ?? '' };
    },
    async login(name) {
      const session = new PtySession(['mcp', 'login', name], { home, cwd: project, program: CLAUDE, cols: 400, env: { ...baseEnv, BROWSER: HEADLESS_BROWSER } });
      try {
        const exit = await session.waitForExit(60_000);
        return { exitCode: exit.exitCode, output: session.text };
      } finally {
        session.kill();
      }
    },
    async apply(plan) {
      await applyPlan(plan, { backupDir: path.join(home, 'backups') });
    },
  };
  return sandbox;
}

/** The scopes of the one authorization request the AS got since `since` requests. */
function requestedScopes(as: OAuthServer, since: number): string[] {
  const requests = as.authorizeRequests.slice(since);
  expect(requests).toHaveLength(1);
  return (requests[0]!.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
}

/** Asserts the state `claude mcp list` shows for `name` at `url`. Newer releases add a reason after the state
 * ("(run `claude` to approve)", "— Server rejected the configured Authorization header …"), which is allowed. */
function expectState(output: string, name: string, url: string, state: (typeof STATE)[keyof typeof STATE]): void {
  const line = lineOf(output, name);
  const prefix = `${name}: ${url} (HTTP) - ${state}`;
  expect(line === prefix || line.startsWith(`${prefix} `), `expected "${prefix}", got:\n${output}`).toBe(true);
}

function lineOf(output: string, name: string): string {
  return output.split('\n').find((line) => line.startsWith(`${name}: `)) ?? `(no line for ${name} in:\n${output})`;
}

async function planOne(environment: Environment, request: SetupRequest): Promise<ToolPlan> {
  const [plan, ...rest] = await claudeCode.plan(environment, request);
  expect(rest).toEqual([]);
  return plan as ToolPlan;
}

describe.skipIf(!runnable)(`Claude Code contract (real claude CLI: ${client.label})`, () => {
  let server: MittwaldTestServer;
  let token: string;
  let sandbox: Sandbox;
  /** A second stand-in for the OAuth entries, with the authorization server mittwald's bridge is modelled on. */
  let oauthMcp: MittwaldTestServer;
  let as: OAuthServer;

  beforeAll(async () => {
    token = createTestToken();
    server = await startMittwaldServer({ tokens: [[token, createTestUser()]] });
    oauthMcp = await startMittwaldServer();
    as = await startOAuthServer({ resource: oauthMcp.mcpUrl });
    oauthMcp.setAuthorizationServer(as.issuer);
    oauthMcp.setAccessTokenVerifier((accessToken) => as.verifyAccessToken(accessToken));
  }, TIMEOUT);
  afterAll(async () => {
    await server?.close();
    await as?.close();
    await oauthMcp?.close();
  });
  beforeEach(async () => {
    sandbox = await createSandbox();
  });
  afterEach(async () => {
    await rm(sandbox.home, { recursive: true, force: true });
  });

  const request = (credential: Credential, overrides: Partial<SetupRequest> = {}): SetupRequest => ({
    serverUrl: server.mcpUrl,
    name: 'mittwald',
    scope: 'user',
    credential,
    replaceStale: true,
    ...overrides,
  });
  const tokenRef = (): Credential => ({ kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' });
  const tokenLiteral = (): Credential => ({ kind: 'token', token, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' });

  it(`runs ${client.label}`, async () => {
    const version = await sandbox.claude(['--version']);
    expect(version.output).toMatch(/^2\.\d+\.\d+ \(Claude Code\)/);
    if (client.version) expect(version.output.startsWith(`${client.version} `)).toBe(true);
  });

  it(
    'user scope, token by reference: Claude connects with the variable set and names it when unset',
    async () => {
      // A file Claude itself made, with somebody else's server in it, which must survive.
      await sandbox.claude(['mcp', 'add-json', '--scope', 'user', 'other', '{"type":"http","url":"http://127.0.0.1:9/other"}']);
      const plan = await planOne(sandbox.environment(), request(tokenRef()));
      expect(plan.steps.map((step) => step.kind)).toEqual(['file']);
      await sandbox.apply(plan);

      const listed = await sandbox.claude(['mcp', 'list'], { MITTWALD_API_TOKEN: token });
      expect(listed.exitCode).toBe(0);
      expectState(listed.output, 'mittwald', server.mcpUrl, STATE.connected);
      expect(lineOf(listed.output, 'other')).toContain('http://127.0.0.1:9/other');
      expect(server.log.some((record) => record.headers.authorization === `Bearer ${token}` && record.rpc.includes('tools/list'))).toBe(true);

      const got = await sandbox.claude(['mcp', 'get', 'mittwald'], { MITTWALD_API_TOKEN: token });
      expect(got.exitCode).toBe(0);
      expect(got.output).toContain(`URL: ${server.mcpUrl}`);
      expect(got.output).toContain('Authorization: Bearer ${MITTWALD_API_TOKEN}');
      expect(got.output).toContain('Scope: User config');

      const unset = await sandbox.claude(['mcp', 'list']);
      expectState(unset.output, 'mittwald', server.mcpUrl, STATE.failed);
      expect(unset.output).toContain('Missing environment variables: MITTWALD_API_TOKEN');

      // What Claude read (and may have rewritten) reads back as the entry we plan: a second run changes nothing.
      const again = await planOne(sandbox.environment(), request(tokenRef()));
      expect(again.steps).toEqual([expect.objectContaining({ kind: 'file', path: path.join(sandbox.home, '.claude.json') })]);
      const [step] = again.steps;
      expect(step?.kind === 'file' && step.before === step.after).toBe(true);
      const [entry] = await claudeCode.inspect(sandbox.environment({ MITTWALD_API_TOKEN: token }), { name: 'mittwald', serverUrl: server.mcpUrl });
      expect(entry).toMatchObject({ scope: 'user', url: server.mcpUrl, auth: 'token-ref', authorization: `Bearer ${token}`, unresolved: [] });
    },
    TIMEOUT,
  );

  it(
    'user scope, literal token written by us: Claude connects with no variable and `claude mcp get` shows it',
    async () => {
      const plan = await planOne(sandbox.environment(), request(tokenLiteral()));
      await sandbox.apply(plan);
      const listed = await sandbox.claude(['mcp', 'list']);
      expectState(listed.output, 'mittwald', server.mcpUrl, STATE.connected);
      const got = await sandbox.claude(['mcp', 'get', 'mittwald']);
      expect(got.output).toContain(`URL: ${server.mcpUrl}`);
      const stored = JSON.parse(await readFile(path.join(sandbox.home, '.claude.json'), 'utf8'));
      expect(stored.mcpServers.mittwald.headers.Authorization).toBe(`Bearer ${token}`);
    },
    TIMEOUT,
  );

  it(
    'replaces a stale /sse entry and the old entry of the same name that Claude wrote',
    async () => {
      await sandbox.claude(['mcp', 'add-json', '--scope', 'user', 'mittwald-legacy', JSON.stringify({ type: 'sse', url: `${server.origin}/sse` })]);
      await sandbox.claude(['mcp', 'add-json', '--scope', 'user', 'mittwald', JSON.stringify({ type: 'http', url: server.mcpUrl })]);
      const plan = await planOne(sandbox.environment(), request(tokenLiteral()));
      expect(plan.stale.map((entry) => [entry.name, entry.reason])).toEqual([['mittwald-legacy', 'legacy-sse']]);
      await sandbox.apply(plan);
      const listed = await sandbox.claude(['mcp', 'list']);
      expect(listed.output).not.toContain('mittwald-legacy');
      expectState(listed.output, 'mittwald', server.mcpUrl, STATE.connected);
    },
    TIMEOUT,
  );

  it(
    'project scope: .mcp.json with a reference, pending until approved, then connected',
    async () => {
      // Through the core, which turns the literal asked for into a reference for the shared file.
      const [planned] = await planTools([claudeCode], sandbox.environment(), () => request(tokenLiteral(), { scope: 'project' }));
      const plan = planned!.plan!;
      expect(plan.warnings.join(' ')).toContain('shared through git');
      await sandbox.apply(plan);
      const written = await readFile(path.join(sandbox.project, '.mcp.json'), 'utf8');
      expect(written).not.toContain(token);

      const pending = await sandbox.claude(['mcp', 'list'], { MITTWALD_API_TOKEN: token });
      expectState(pending.output, 'mittwald', server.mcpUrl, STATE.pending);
      // The confirmation reads Claude's state line: configured, not active yet — with the step.
      const withToken = sandbox.environment({ MITTWALD_API_TOKEN: token });
      const projectRequest = request(tokenRef(), { scope: 'project' });
      expect(await claudeCode.confirm!(withToken, projectRequest)).toMatchObject({ ok: true, activation: { state: 'pending-approval', step: expect.stringContaining('enabledMcpjsonServers') } });

      // The approval our next steps describe.
      expect(plan.nextSteps.join(' ')).toContain('enabledMcpjsonServers');
      await mkdir(path.join(sandbox.home, '.claude'), { recursive: true });
      await writeFile(path.join(sandbox.home, '.claude', 'settings.json'), JSON.stringify({ enabledMcpjsonServers: ['mittwald'] }));
      const approved = await sandbox.claude(['mcp', 'list'], { MITTWALD_API_TOKEN: token });
      expectState(approved.output, 'mittwald', server.mcpUrl, STATE.connected);
      expect(await claudeCode.confirm!(withToken, projectRequest)).toMatchObject({ ok: true, activation: { state: 'active' } });
      const got = await sandbox.claude(['mcp', 'get', 'mittwald'], { MITTWALD_API_TOKEN: token });
      expect(got.output).toContain('Scope: Project config');
      expect(got.output).toContain(`URL: ${server.mcpUrl}`);

      const entries = await claudeCode.inspect(sandbox.environment({ MITTWALD_API_TOKEN: token }), { name: 'mittwald', serverUrl: server.mcpUrl });
      expect(entries).toEqual([expect.objectContaining({ scope: 'project', file: path.join(sandbox.project, '.mcp.json'), authorization: `Bearer ${token}`, activation: { state: 'active' } })]);
    },
    TIMEOUT,
  );

  it(
    'remove takes the entry out by a file edit: `claude mcp get` then fails',
    async () => {
      await sandbox.apply(await planOne(sandbox.environment(), request({ kind: 'oauth' })));
      expect((await sandbox.claude(['mcp', 'get', 'mittwald'])).exitCode).toBe(0);

      const [removal] = await claudeCode.planRemove(sandbox.environment(), { name: 'mittwald', scope: 'user' });
      // `claude mcp get` already left a record for the OAuth server in .credentials.json (its discovery
      // state); remove takes it out with the entry, as `claude mcp remove` does.
      const credentialsFile = path.join(sandbox.home, '.claude', '.credentials.json');
      expect(removal?.steps.map((step) => step.path)).toEqual([path.join(sandbox.home, '.claude.json'), credentialsFile]);
      await sandbox.apply(removal as ToolPlan);
      const gone = await sandbox.claude(['mcp', 'get', 'mittwald']);
      expect(gone.exitCode).not.toBe(0);
      expect(gone.output).toContain('No MCP server named "mittwald"');
      const credentials = JSON.parse(await readFile(credentialsFile, 'utf8')) as { mcpOAuth?: Record<string, unknown> };
      expect(Object.keys(credentials.mcpOAuth ?? {}).filter((key) => key.startsWith('mittwald|'))).toEqual([]);
      expect(await claudeCode.inspect(sandbox.environment(), { name: 'mittwald', serverUrl: server.mcpUrl })).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'an OAuth entry with scopes: Needs authentication, then `claude mcp login` via $BROWSER asks for exactly those scopes and Claude connects',
    async () => {
      const plan = await planOne(sandbox.environment(), request({ kind: 'oauth', scopes: ['user:read', 'project:read'] }, { serverUrl: oauthMcp.mcpUrl }));
      expect(plan.nextSteps.join(' ')).toContain('claude mcp login mittwald');
      await sandbox.apply(plan);
      const stored = JSON.parse(await readFile(path.join(sandbox.home, '.claude.json'), 'utf8'));
      expect(stored.mcpServers.mittwald).toEqual({ type: 'http', url: oauthMcp.mcpUrl, oauth: { scopes: 'user:read project:read' } });
      const got = await sandbox.claude(['mcp', 'get', 'mittwald']);
      expect(got.output).toContain(`URL: ${oauthMcp.mcpUrl}`);

      // No header: Claude meets the 401 with discovery (the path-suffixed protected-resource metadata, as
      // mittwald sends no resource_metadata) and, the bridge's rules being met, asks for a login.
      const listed = await sandbox.claude(['mcp', 'list']);
      expectState(listed.output, 'mittwald', oauthMcp.mcpUrl, STATE.needsAuth);
      expect(oauthMcp.log.some((record) => record.path === '/.well-known/oauth-protected-resource/mcp')).toBe(true);

      const before = as.authorizeRequests.length;
      const login = await sandbox.login('mittwald');
      expect(login.exitCode, login.output).toBe(0);
      expect(as.requests).toContain('POST /register');
      const authorize = as.authorizeRequests[before]!;
      expect(authorize.get('resource')).toBe(oauthMcp.mcpUrl);
      expect(authorize.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/callback$/);
      // Exactly the entry's scopes; offline_access (for a refresh token) is the one Claude may add.
      const asked = requestedScopes(as, before);
      expect(asked.filter((scope) => scope !== 'offline_access').sort()).toEqual(['project:read', 'user:read']);

      oauthMcp.clearLog();
      const connected = await sandbox.claude(['mcp', 'list']);
      expectState(connected.output, 'mittwald', oauthMcp.mcpUrl, STATE.connected);
      const listedTools = oauthMcp.log.find((record) => record.rpc.includes('tools/list'));
      expect(listedTools?.auth).toMatchObject({ kind: 'oauth', scopes: ['user:read', 'project:read'] });
      // The tokens are Claude's own, kept where `status` can look (issue 10 item 5): names only read here.
      const credentials = JSON.parse(await readFile(path.join(sandbox.home, '.claude', '.credentials.json'), 'utf8')) as { mcpOAuth?: Record<string, unknown> };
      expect(Object.keys(credentials.mcpOAuth ?? {}).some((key) => key.startsWith('mittwald'))).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'an OAuth entry as the adapter writes it without --scopes: the login asks for the scopes in the entry, else every advertised one',
    async () => {
      await sandbox.apply(await planOne(sandbox.environment(), request({ kind: 'oauth' }, { serverUrl: oauthMcp.mcpUrl })));
      const stored = JSON.parse(await readFile(path.join(sandbox.home, '.claude.json'), 'utf8'));
      const entryScopes: unknown = stored.mcpServers.mittwald.oauth?.scopes;
      const before = as.authorizeRequests.length;
      const login = await sandbox.login('mittwald');
      expect(login.exitCode, login.output).toBe(0);
      const asked = requestedScopes(as, before);
      if (typeof entryScopes === 'string') {
        expect(asked.filter((scope) => scope !== 'offline_access').sort()).toEqual(entryScopes.split(' ').sort());
      } else {
        // Nothing in the entry: Claude asks for everything the server advertises, *:delete included.
        expect(entryScopes).toBeUndefined();
        expect([...asked].sort()).toEqual([...MITTWALD_SCOPES].sort());
      }
      expect(as.authorizeRequests[before]!.get('prompt')).toBe('consent');
    },
    TIMEOUT,
  );

  it(
    'an OAuth entry as a run without --access plans it: `claude mcp login` asks for mittwald’s read-only defaults, not every advertised scope',
    async () => {
      const credential = credentialFor(claudeCode, {}, undefined);
      await sandbox.apply(await planOne(sandbox.environment(), request(credential, { serverUrl: oauthMcp.mcpUrl })));
      const before = as.authorizeRequests.length;
      const login = await sandbox.login('mittwald');
      expect(login.exitCode, login.output).toBe(0);
      expect(requestedScopes(as, before).filter((scope) => scope !== 'offline_access').sort()).toEqual(scopesForAccess('read').sort());
      const connected = await sandbox.claude(['mcp', 'list']);
      expectState(connected.output, 'mittwald', oauthMcp.mcpUrl, STATE.connected);
    },
    TIMEOUT,
  );

  it(
    'approval of a .mcp.json server: what inspect() reads from the settings is the state Claude reports, case by case',
    async () => {
      /** Writes `<home or project>/.claude/<file>`. */
      const settings = (where: 'home' | 'project', file: string, values: unknown) => async (box: Sandbox) => {
        const dir = path.join(where === 'home' ? box.home : box.project, '.claude');
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, file), JSON.stringify(values));
      };
      const globalProject = (values: Record<string, unknown>, key?: string) => async (box: Sandbox) => {
        await writeFile(path.join(box.home, '.claude.json'), JSON.stringify({ projects: { [key ?? box.project]: values } }));
      };
      const trusted = globalProject({ hasTrustDialogAccepted: true });
      const cases: Array<[string, Array<(box: Sandbox) => Promise<void>>, 'active' | 'pending-approval' | 'disabled']> = [
        ['nothing approved', [], 'pending-approval'],
        ['user settings, untrusted folder', [settings('home', 'settings.json', { enabledMcpjsonServers: ['mittwald'] })], 'active'],
        ['the project entry of ~/.claude.json, untrusted', [globalProject({ enabledMcpjsonServers: ['mittwald'] })], 'pending-approval'],
        ['the project entry of ~/.claude.json, trusted', [globalProject({ hasTrustDialogAccepted: true, enableAllProjectMcpServers: true })], 'active'],
        ['.claude/settings.local.json, untrusted', [settings('project', 'settings.local.json', { enableAllProjectMcpServers: true })], 'pending-approval'],
        ['.claude/settings.local.json, trusted', [trusted, settings('project', 'settings.local.json', { enabledMcpjsonServers: ['mittwald'] })], 'active'],
        ['.claude/settings.json, trusted', [trusted, settings('project', 'settings.json', { enabledMcpjsonServers: ['mittwald'] })], 'active'],
        ['.claude/settings.json, a trusted parent folder', [globalProject({ hasTrustDialogAccepted: true }, 'PARENT'), settings('project', 'settings.json', { enabledMcpjsonServers: ['mittwald'] })], 'pending-approval'],
        ['rejected in an untrusted project over an approval', [settings('home', 'settings.json', { enableAllProjectMcpServers: true }), settings('project', 'settings.local.json', { disabledMcpjsonServers: ['mittwald'] })], 'disabled'],
      ];
      const claudeSays = { active: 'connected', 'pending-approval': 'pending-approval', disabled: 'rejected' } as const;
      const results = await Promise.all(
        cases.map(async ([label, arrange]) => {
          const box = await createSandbox();
          try {
            await writeFile(path.join(box.project, '.mcp.json'), JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: server.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }));
            for (const step of arrange) await step(box);
            // A parent folder's trust: the key is the folder above the project.
            const global = path.join(box.home, '.claude.json');
            const text = await readFile(global, 'utf8').catch(() => '');
            if (text.includes('"PARENT"')) await writeFile(global, text.replace('"PARENT"', JSON.stringify(box.home)));
            const entries = await claudeCode.inspect(box.environment(), { name: 'mittwald', serverUrl: server.mcpUrl });
            const got = await box.claude(['mcp', 'get', 'mittwald']);
            const status = /^\s*Status:\s*(.*)$/m.exec(got.output)?.[1] ?? got.output;
            return { label, ours: entries.find((entry) => entry.scope === 'project')?.activation?.state, claude: claudeState(status) };
          } finally {
            await rm(box.home, { recursive: true, force: true });
          }
        }),
      );
      expect(results).toEqual(cases.map(([label, , expected]) => ({ label, ours: expected, claude: claudeSays[expected] })));
    },
    TIMEOUT,
  );

  it(
    "planActivation approves a pending .mcp.json server where Claude honours it: the user settings in an untrusted folder, the project's own list in a trusted one",
    async () => {
      const results = await Promise.all(
        [false, true].map(async (trusted) => {
          const box = await createSandbox();
          try {
            await writeFile(path.join(box.project, '.mcp.json'), JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: server.mcpUrl, headers: { Authorization: `Bearer ${token}` } } } }));
            // Trusted: the folder's trust, with another server approved already (Claude keeps the list a list).
            if (trusted) await writeFile(path.join(box.home, '.claude.json'), JSON.stringify({ projects: { [box.project]: { hasTrustDialogAccepted: true, enabledMcpjsonServers: ['other'] } } }));
            const lookup = { name: 'mittwald', serverUrl: server.mcpUrl };
            const before = (await claudeCode.inspect(box.environment(), lookup)).find((entry) => entry.scope === 'project')!;
            const plans = await claudeCode.planActivation!(box.environment(), before);
            expect(plans).toHaveLength(1);
            const written = plans[0]!.steps.map((step) => path.relative(box.home, step.path));
            for (const plan of plans) await box.apply(plan);
            const got = await box.claude(['mcp', 'get', 'mittwald']);
            const after = (await claudeCode.inspect(box.environment(), lookup)).find((entry) => entry.scope === 'project')!;
            // Once active there is nothing left to plan.
            const again = await claudeCode.planActivation!(box.environment(), after);
            return { trusted, before: before.activation?.state, written, claude: claudeState(/^\s*Status:\s*(.*)$/m.exec(got.output)?.[1] ?? got.output), after: after.activation?.state, again };
          } finally {
            await rm(box.home, { recursive: true, force: true });
          }
        }),
      );
      const files = (trusted: boolean) => (trusted ? ['.claude.json'] : [path.join('.claude', 'settings.json')]);
      expect(results).toEqual(
        [false, true].map((trusted) => ({ trusted, before: 'pending-approval', written: files(trusted), claude: 'connected', after: 'active', again: [] })),
      );
    },
    TIMEOUT,
  );

  it(
    'local scope wins over user and an approved .mcp.json entry: reported for every project, replaced with --yes',
    async () => {
      const blog = path.join(sandbox.home, 'blog');
      await mkdir(path.join(blog, '.git'), { recursive: true });
      // What `claude mcp add` leaves behind: local-scope entries (its default) here and in another project.
      await sandbox.claude(['mcp', 'add-json', '--scope', 'local', 'mittwald', JSON.stringify({ type: 'http', url: 'http://127.0.0.1:9/mcp' })]);
      await sandbox.claude(['mcp', 'add-json', '--scope', 'local', 'mittwald-old', JSON.stringify({ type: 'sse', url: `${server.origin}/sse` })]);
      await sandbox.claude(['mcp', 'add-json', '--scope', 'local', 'mittwald', JSON.stringify({ type: 'http', url: 'http://127.0.0.1:9/mcp' })], {}, blog);
      const environment = sandbox.environment();
      const user = request(tokenLiteral());

      const kept = await planOne(environment, { ...user, replaceStale: false });
      expect(kept.staleKept.map((entry) => [entry.name, entry.reason, entry.project])).toEqual([
        ['mittwald', 'overrides', sandbox.project],
        ['mittwald-old', 'legacy-sse', sandbox.project],
        ['mittwald', 'overrides', blog],
      ]);
      await sandbox.apply(kept);
      // Claude uses the dead local entry over the user entry just written; so do inspect() and confirm().
      const shadowed = await sandbox.claude(['mcp', 'get', 'mittwald']);
      expect(shadowed.output).toContain('Scope: Local config');
      expect(shadowed.output).toContain('URL: http://127.0.0.1:9/mcp');
      expect(await claudeCode.confirm!(environment, user)).toMatchObject({ ok: true, activation: { state: 'overridden', step: expect.stringContaining('--scope local') } });
      const entries = await claudeCode.inspect(environment, { name: 'mittwald', serverUrl: server.mcpUrl });
      expect(entries.map((entry) => [entry.scope, entry.name, entry.project, entry.activation?.state])).toEqual([
        ['user', 'mittwald', undefined, 'overridden'],
        ['local', 'mittwald', sandbox.project, undefined],
        ['local', 'mittwald-old', sandbox.project, undefined],
        ['local', 'mittwald', blog, undefined],
      ]);

      // With --yes they go, in both projects: Claude then uses the user entry everywhere.
      const replaced = await planOne(environment, user);
      expect(replaced.stale.map((entry) => entry.name)).toEqual(['mittwald', 'mittwald-old', 'mittwald']);
      await sandbox.apply(replaced);
      const here = await sandbox.claude(['mcp', 'list']);
      expectState(here.output, 'mittwald', server.mcpUrl, STATE.connected);
      expect(here.output).not.toContain('mittwald-old');
      const there = await sandbox.claude(['mcp', 'get', 'mittwald'], {}, blog);
      expect(there.output).toContain('Scope: User config');
      expect(await claudeCode.confirm!(environment, user)).toMatchObject({ ok: true, activation: { state: 'active' } });

      // An approved .mcp.json entry of the name wins over the user's in its project; inspect() says so.
      await writeFile(path.join(sandbox.project, '.mcp.json'), JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: 'http://127.0.0.1:9/project' } } }));
      await mkdir(path.join(sandbox.home, '.claude'), { recursive: true });
      await writeFile(path.join(sandbox.home, '.claude', 'settings.json'), JSON.stringify({ enabledMcpjsonServers: ['mittwald'] }));
      expect((await sandbox.claude(['mcp', 'get', 'mittwald'])).output).toContain('Scope: Project config');
      const [userEntry] = await claudeCode.inspect(environment, { name: 'mittwald', serverUrl: server.mcpUrl });
      expect(userEntry).toMatchObject({ scope: 'user', activation: { state: 'overridden' } });
      expect(await claudeCode.confirm!(environment, user)).toMatchObject({ ok: true, activation: { state: 'overridden' } });
    },
    TIMEOUT,
  );
});
