/** Contract test against the REAL Claude Code CLI (node_modules/.bin/claude, a devDependency): the file edits
 * our adapter plans (we always write the files ourselves, never through `claude mcp add-json`, whose argv would
 * carry the token) must be accepted by Claude, and Claude's own health check (`claude mcp list`) must connect
 * to the local mittwald stand-in with it.
 *
 * Claude runs with HOME in a temp folder and the network features that could phone home switched off; the
 * only server it can reach is the stand-in on 127.0.0.1. Set SKIP_CLAUDE_CONTRACT=1 to skip this file where
 * the claude binary cannot run (it is a native executable per platform). */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import claudeCode from '../../adapters/claude-code.js';
import { applyPlan } from '../../src/apply.js';
import type { Credential, Environment, SetupRequest, ToolPlan } from '../../src/model.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer } from '../support/oauth-server.js';

const CLAUDE_BIN = path.resolve('node_modules/.bin');
const CLAUDE = path.join(CLAUDE_BIN, 'claude');
const runnable = existsSync(CLAUDE) && process.env.SKIP_CLAUDE_CONTRACT !== '1';
const TIMEOUT = 120_000;

/** One isolated home per test: its own ~/.claude.json, ~/.claude and a git project folder. */
interface Sandbox {
  home: string;
  project: string;
  /** The adapter's view: claude on PATH. */
  environment(env?: Record<string, string>): Environment;
  /** Runs the real claude in the project folder with exactly these variables. */
  claude(args: readonly string[], env?: Record<string, string>): Promise<{ exitCode: number; output: string }>;
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
    async claude(args, env = {}) {
      const child = await execa(CLAUDE, args, { cwd: project, env: { ...baseEnv, ...env }, extendEnv: false, reject: false, stdin: 'ignore', all: true, timeout: 60_000 });
      return { exitCode: child.exitCode ?? 1, output: child.all ?? '' };
    },
    async apply(plan) {
      await applyPlan(plan, { backupDir: path.join(home, 'backups') });
    },
  };
  return sandbox;
}

function lineOf(output: string, name: string): string {
  return output.split('\n').find((line) => line.startsWith(`${name}: `)) ?? `(no line for ${name} in:\n${output})`;
}

async function planOne(environment: Environment, request: SetupRequest): Promise<ToolPlan> {
  const [plan, ...rest] = await claudeCode.plan(environment, request);
  expect(rest).toEqual([]);
  return plan as ToolPlan;
}

describe.skipIf(!runnable)('Claude Code contract (real claude CLI)', () => {
  let server: MittwaldTestServer;
  let token: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    token = createTestToken();
    server = await startMittwaldServer({ tokens: [[token, createTestUser()]] });
  }, TIMEOUT);
  afterAll(async () => {
    await server?.close();
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

  it('runs the pinned Claude Code 2.x', async () => {
    const version = await sandbox.claude(['--version']);
    expect(version.output).toMatch(/^2\.\d+\.\d+ \(Claude Code\)/);
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
      expect(lineOf(listed.output, 'mittwald')).toBe(`mittwald: ${server.mcpUrl} (HTTP) - \u2714 Connected`);
      expect(lineOf(listed.output, 'other')).toContain('http://127.0.0.1:9/other');
      expect(server.log.some((record) => record.headers.authorization === `Bearer ${token}` && record.rpc.includes('tools/list'))).toBe(true);

      const got = await sandbox.claude(['mcp', 'get', 'mittwald'], { MITTWALD_API_TOKEN: token });
      expect(got.exitCode).toBe(0);
      expect(got.output).toContain(`URL: ${server.mcpUrl}`);
      expect(got.output).toContain('Authorization: Bearer ${MITTWALD_API_TOKEN}');
      expect(got.output).toContain('Scope: User config');

      const unset = await sandbox.claude(['mcp', 'list']);
      expect(lineOf(unset.output, 'mittwald')).toContain('\u2718 Failed to connect');
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
      expect(lineOf(listed.output, 'mittwald')).toBe(`mittwald: ${server.mcpUrl} (HTTP) - \u2714 Connected`);
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
      expect(lineOf(listed.output, 'mittwald')).toContain('\u2714 Connected');
    },
    TIMEOUT,
  );

  it(
    'project scope: .mcp.json with a reference, pending until approved, then connected',
    async () => {
      const plan = await planOne(sandbox.environment(), request(tokenLiteral(), { scope: 'project' }));
      expect(plan.warnings.join(' ')).toContain('shared through git');
      await sandbox.apply(plan);
      const written = await readFile(path.join(sandbox.project, '.mcp.json'), 'utf8');
      expect(written).not.toContain(token);

      const pending = await sandbox.claude(['mcp', 'list'], { MITTWALD_API_TOKEN: token });
      expect(lineOf(pending.output, 'mittwald')).toContain('Pending approval');

      // The approval our next steps describe.
      expect(plan.nextSteps.join(' ')).toContain('enabledMcpjsonServers');
      await mkdir(path.join(sandbox.home, '.claude'), { recursive: true });
      await writeFile(path.join(sandbox.home, '.claude', 'settings.json'), JSON.stringify({ enabledMcpjsonServers: ['mittwald'] }));
      const approved = await sandbox.claude(['mcp', 'list'], { MITTWALD_API_TOKEN: token });
      expect(lineOf(approved.output, 'mittwald')).toBe(`mittwald: ${server.mcpUrl} (HTTP) - \u2714 Connected`);
      const got = await sandbox.claude(['mcp', 'get', 'mittwald'], { MITTWALD_API_TOKEN: token });
      expect(got.output).toContain('Scope: Project config');
      expect(got.output).toContain(`URL: ${server.mcpUrl}`);

      const entries = await claudeCode.inspect(sandbox.environment({ MITTWALD_API_TOKEN: token }), { name: 'mittwald', serverUrl: server.mcpUrl });
      expect(entries).toEqual([expect.objectContaining({ scope: 'project', file: path.join(sandbox.project, '.mcp.json'), authorization: `Bearer ${token}` })]);
    },
    TIMEOUT,
  );

  it(
    'remove takes the entry out by a file edit: `claude mcp get` then fails',
    async () => {
      await sandbox.apply(await planOne(sandbox.environment(), request({ kind: 'oauth' })));
      expect((await sandbox.claude(['mcp', 'get', 'mittwald'])).exitCode).toBe(0);

      const [removal] = await claudeCode.planRemove(sandbox.environment(), { name: 'mittwald', scope: 'user' });
      expect(removal?.steps.map((step) => step.kind)).toEqual(['file']);
      await sandbox.apply(removal as ToolPlan);
      const gone = await sandbox.claude(['mcp', 'get', 'mittwald']);
      expect(gone.exitCode).not.toBe(0);
      expect(gone.output).toContain('No MCP server named "mittwald"');
      expect(await claudeCode.inspect(sandbox.environment(), { name: 'mittwald', serverUrl: server.mcpUrl })).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'an OAuth entry with scopes is accepted by Claude, which starts OAuth discovery and registration for it',
    async () => {
      const mcp = await startMittwaldServer();
      const as = await startOAuthServer({ resource: mcp.mcpUrl });
      try {
        mcp.setAuthorizationServer(as.issuer);
        const plan = await planOne(sandbox.environment(), request({ kind: 'oauth', scopes: ['user:read', 'project:read'] }, { serverUrl: mcp.mcpUrl }));
        expect(plan.nextSteps.join(' ')).toContain('claude mcp login mittwald');
        await sandbox.apply(plan);
        const stored = JSON.parse(await readFile(path.join(sandbox.home, '.claude.json'), 'utf8'));
        expect(stored.mcpServers.mittwald).toEqual({ type: 'http', url: mcp.mcpUrl, oauth: { scopes: 'user:read project:read' } });
        const got = await sandbox.claude(['mcp', 'get', 'mittwald']);
        expect(got.output).toContain(`URL: ${mcp.mcpUrl}`);
        const listed = await sandbox.claude(['mcp', 'list']);
        expect(lineOf(listed.output, 'mittwald')).toContain(mcp.mcpUrl);
        // No header, so Claude answers the 401 with discovery and dynamic client registration at the AS.
        expect(mcp.log.some((record) => record.path === '/.well-known/oauth-protected-resource/mcp')).toBe(true);
        expect(as.requests).toContain('POST /register');
      } finally {
        await as.close();
        await mcp.close();
      }
    },
    TIMEOUT,
  );

  it(
    'reports a local-scope entry that Claude made as project/local, and warns that it shadows ours',
    async () => {
      await sandbox.claude(['mcp', 'add-json', '--scope', 'local', 'mittwald', JSON.stringify({ type: 'http', url: server.mcpUrl })]);
      const environment = sandbox.environment();
      const entries = await claudeCode.inspect(environment, { name: 'mittwald', serverUrl: server.mcpUrl });
      expect(entries).toEqual([expect.objectContaining({ scope: 'project', host: 'local', file: path.join(sandbox.home, '.claude.json'), auth: 'oauth' })]);
      const plan = await planOne(environment, request(tokenRef()));
      expect(plan.warnings.join(' ')).toContain('--scope local');
    },
    TIMEOUT,
  );
});
