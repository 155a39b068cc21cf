/** Contract with the real GitHub Copilot CLI (@github/copilot, pinned in devDependencies, or the executable in
 * CONTRACT_COPILOT_BIN: see ./clients.ts): what our setup writes for the Copilot CLI host is what
 * `copilot mcp list --json` / `copilot mcp get --json` read, and what the Copilot CLI's own MCP client sends
 * to the local mittwald stand-in when its agent calls a tool.
 *
 * The agent runs offline and without a GitHub login: the CLI's "bring your own key" mode
 * (COPILOT_PROVIDER_BASE_URL, documented in `copilot help providers`) points it at a fake model that speaks
 * the OpenAI Responses API (test/support/fake-responses-api.ts) and asks for `mittwald_user_get`. HOME is a
 * temp folder, every proxy variable points at a local trap that refuses and records whatever tries to leave
 * 127.0.0.1, and client telemetry is off (without `--disable-client-telemetry` the CLI retries
 * api.github.com for ~40 s before its first model request).
 *
 * The facts settled here for issue 10 item 8: `${VAR}` and `$VAR` in a header of mcp-config.json are expanded
 * when the CLI connects (VS Code's `${env:VAR}` is not); `mcp get/list --json` show the text as written, never
 * the expanded value (so they cannot tell); a workspace `.mcp.json` — Claude Code's project file, as our Claude
 * adapter writes it — is read only in a folder listed in `trusted_folders` of ~/.copilot/config.json. Our
 * Copilot entry is now the portable one with `${MITTWALD_API_TOKEN}`; in project scope it is the entry Claude
 * Code's setup writes to the same `.mcp.json` (Claude Code skips an entry whose `tools` is `["*"]`, so it has
 * none there), and Claude's `oauth` key on it earns a deprecation note in `configWarnings` but no refusal. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import claudeCode from '../../adapters/claude-code.js';
import { applyPlan } from '../../src/flow/apply.js';
import type { Environment } from '../../src/model.js';
import { PATH_WITHOUT_PACKAGES, runCli, tempHome } from '../support/cli.js';
import { startTrapProxy, type TrapProxy } from '../support/trap-proxy.js';
import { functionCall, functionOutputs, message, offeredFunctions, startFakeResponsesApi, type FakeResponsesApi, type ResponsesRequest } from '../support/fake-responses-api.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { contractClient } from './clients.js';

const client = contractClient('copilot');
/** The real Claude Code, to show that the shared .mcp.json entry serves it too (skipped where it is absent). */
const claude = contractClient('claude');
const COPILOT = client.bin;
const TIMEOUT = 120_000;
/** What the agent's runs need beyond the environment: no confirmation prompts, nothing phoning home. */
const AGENT_FLAGS = ['--allow-all-tools', '--disable-client-telemetry', '--no-auto-update'];

/** An MCP server's tools as the Copilot CLI offers them to the model: a namespace named after the server
 * holding `<server>-<tool>` functions (or, for a model without namespaces, the bare `<server>-<tool>`). */
const offers = (request: ResponsesRequest, server: string): string[] =>
  offeredFunctions(request).filter((fn) => fn.startsWith(`${server}/`) || fn.startsWith(`${server}-`));

/** The fake model: it calls mittwald_user_get of the server "mittwald" when offered, and answers with a
 * message once the tool's output came back (or when there is no such tool). */
function fakeModel(request: ResponsesRequest) {
  if (functionOutputs(request).size > 0) return [message('done')];
  const target = offers(request, 'mittwald').find((fn) => fn.endsWith('-mittwald_user_get'));
  if (!target) return [message('no mittwald tools here')];
  const [namespace, name] = target.includes('/') ? (target.split('/') as [string, string]) : [undefined, target];
  return [functionCall(name, {}, namespace)];
}

const user = createTestUser({ person: { firstName: 'Grace', lastName: 'Hopper' } });
const token = createTestToken();
let server: MittwaldTestServer;
let model: FakeResponsesApi;
let trap: TrapProxy;
/** The CLI unpacks itself (~235 MB, ~6 s) into a package cache on first run: one for the whole file. */
let packageCache: string;
let home: Awaited<ReturnType<typeof tempHome>>;


/** The environment the Copilot CLI runs with: the temp HOME, the shared package cache, the trap. */
function copilotEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home.dir,
    NO_COLOR: '1',
    COPILOT_PKG_CACHE_HOME: packageCache,
    COPILOT_AUTO_UPDATE: 'false',
    HTTP_PROXY: trap.url,
    HTTPS_PROXY: trap.url,
    http_proxy: trap.url,
    https_proxy: trap.url,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    ...extra,
  };
}

async function copilot(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return execa(COPILOT, args, { cwd: options.cwd ?? home.dir, env: copilotEnv(options.env), extendEnv: false, reject: false, stdin: 'ignore', timeout: TIMEOUT });
}

const ListedServer = z.looseObject({
  type: z.string(),
  url: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  tools: z.array(z.string()),
  source: z.string(),
  sourcePath: z.string().optional(),
  enabled: z.boolean(),
  configWarnings: z.array(z.string()).optional(),
});
const McpList = z.object({ mcpServers: z.record(z.string(), ListedServer) });

async function mcpList(options: { cwd?: string; env?: Record<string, string> } = {}): Promise<z.infer<typeof McpList>['mcpServers']> {
  const run = await copilot(['mcp', 'list', '--json'], options);
  expect(run.exitCode, run.stderr).toBe(0);
  return McpList.parse(JSON.parse(run.stdout)).mcpServers;
}

async function mcpGet(name: string, options: { cwd?: string; env?: Record<string, string> } = {}): Promise<z.infer<typeof ListedServer>> {
  const run = await copilot(['mcp', 'get', name, '--json', '--show-secrets'], options);
  expect(run.exitCode, run.stderr).toBe(0);
  const parsed = z.record(z.string(), ListedServer).parse(JSON.parse(run.stdout));
  expect(Object.keys(parsed)).toEqual([name]);
  return parsed[name]!;
}

/** One non-interactive agent turn (`copilot -p`) against the fake model; returns the run and the model
 * requests it made. */
async function agentTurn(options: { cwd?: string; env?: Record<string, string> } = {}) {
  const first = model.requests.length;
  const run = await copilot(['-p', 'Who am I at mittwald?', ...AGENT_FLAGS], {
    ...options,
    env: { COPILOT_PROVIDER_BASE_URL: model.baseUrl, COPILOT_PROVIDER_WIRE_API: 'responses', COPILOT_MODEL: 'gpt-5.4', ...options.env },
  });
  return { run, requests: model.requests.slice(first) };
}

/** `claude mcp get <name>` by the real Claude Code in `cwd`, the project's servers approved ahead of time as
 * our next steps describe; network features that could phone home are off. */
async function claudeGet(name: string, cwd: string, env: Record<string, string> = {}) {
  await mkdir(path.join(home.dir, '.claude'), { recursive: true });
  await writeFile(path.join(home.dir, '.claude', 'settings.json'), JSON.stringify({ enabledMcpjsonServers: [name] }));
  const run = await execa(claude.bin, ['mcp', 'get', name], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: home.dir, NO_COLOR: '1', DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1', ...env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: 60_000,
  });
  return { exitCode: run.exitCode ?? 1, output: run.all ?? '' };
}

/** Our setup for Claude Code and Copilot together, in project scope, run in `project`. */
async function setupBoth(project: string, args: readonly string[], env: Record<string, string> = {}) {
  await mkdir(path.join(project, '.git'), { recursive: true });
  const setup = await runCli(['setup', '--tool', 'claude-code,copilot', '--scope', 'project', '--server-url', server.mcpUrl, '--api-url', server.apiUrl, '--yes', '--json', ...args], {
    home: home.dir,
    cwd: project,
    env: { PATH: PATH_WITHOUT_PACKAGES, ...env },
    timeoutMs: TIMEOUT,
  });
  expect(setup.exitCode, setup.stdout + setup.stderr).toBe(0);
  await mkdir(path.join(home.dir, '.copilot'), { recursive: true });
  await writeFile(path.join(home.dir, '.copilot', 'config.json'), JSON.stringify({ trusted_folders: [project] }));
  const file = JSON.parse(await readFile(path.join(project, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, Record<string, unknown>> };
  return file.mcpServers;
}

/** The headers the stand-in received on MCP requests, distinct, in order. */
const headersSeen = (): string[] => [...new Set(server.log.filter((record) => record.target === 'mcp').map((record) => record.headers.authorization ?? '(none)'))];

beforeAll(async () => {
  server = await startMittwaldServer({ tokens: [[token, user]] });
  model = await startFakeResponsesApi(fakeModel);
  trap = await startTrapProxy();
  packageCache = await mkdtemp(path.join(os.tmpdir(), 'mms-copilot-pkg-'));
}, TIMEOUT);
afterAll(async () => {
  await server?.close();
  await model?.close();
  if (trap) await new Promise((resolve) => trap.server.close(resolve));
  if (packageCache) await rm(packageCache, { recursive: true, force: true });
});
beforeEach(async () => {
  home = await tempHome('mms-copilot-');
  server.clearLog();
});
afterEach(async () => {
  await home.cleanup();
  // Nothing may have tried to leave this machine.
  expect(trap.requests).toEqual([]);
});

describe.skipIf(!client.present)(`Copilot CLI contract (real copilot: ${client.label})`, { timeout: TIMEOUT }, () => {
  it('our setup --tool copilot writes the file the Copilot CLI reads as written, and its agent calls a tool with our token', async () => {
    // A `copilot` on PATH is what makes the Copilot CLI host detected.
    const setup = await runCli(['setup', '--tool', 'copilot', '--server-url', server.mcpUrl, '--api-url', server.apiUrl, '--yes', '--json'], {
      home: home.dir,
      env: { PATH: `${client.binDir}${path.delimiter}${PATH_WITHOUT_PACKAGES}`, MITTWALD_API_TOKEN: token },
      timeoutMs: TIMEOUT,
    });
    expect(setup.exitCode, setup.stdout + setup.stderr).toBe(0);
    const file = path.join(home.dir, '.copilot', 'mcp-config.json');
    const written = JSON.parse(await readFile(file, 'utf8')) as { mcpServers: Record<string, Record<string, unknown>> };
    const entry = written.mcpServers.mittwald;
    // The token came from MITTWALD_API_TOKEN: the portable entry names the variable, which the CLI expands.
    expect(entry).toEqual({ type: 'http', url: server.mcpUrl, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' }, tools: ['*'] });
    expect(await readFile(file, 'utf8')).not.toContain(token);
    server.clearLog(); // the setup's own check called the server too

    const listed = await mcpList({ env: { MITTWALD_API_TOKEN: token } });
    expect(Object.keys(listed)).toEqual(['mittwald']);
    expect(listed.mittwald).toMatchObject({ ...entry, source: 'user', enabled: true });
    expect(listed.mittwald).not.toHaveProperty('configWarnings');
    // `get --show-secrets` (and `list`) print headers as written, even with the variable set: a reference stays
    // unexpanded. They say what the file holds, not what is sent: the agent turn below proves that.
    const got = await mcpGet('mittwald', { env: { MITTWALD_API_TOKEN: token } });
    expect(got.headers).toEqual(entry?.headers);
    expect(JSON.stringify(got)).not.toContain(token);

    // The proof: the agent's tool call reaches the stand-in with our token, the reference expanded from the
    // variable (set, as for a user who exported it).
    const { run, requests } = await agentTurn({ env: { MITTWALD_API_TOKEN: token } });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(offers(requests[0]!, 'mittwald').length).toBe(116);
    const calls = server.log.filter((record) => record.toolCalls?.includes('mittwald_user_get'));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ status: 200, headers: { authorization: `Bearer ${token}` }, auth: { kind: 'api-token', userId: user.userId } });
    expect([...functionOutputs(requests.at(-1)!).values()].join()).toContain(user.userId);
  });

  it('reads the file under $COPILOT_HOME when that is set, where our setup writes it', async () => {
    const copilotHome = path.join(home.dir, 'elsewhere');
    const setup = await runCli(['setup', '--tool', 'copilot', '--server-url', server.mcpUrl, '--api-url', server.apiUrl, '--yes', '--json', '--no-verify'], {
      home: home.dir,
      env: { PATH: `${client.binDir}${path.delimiter}${PATH_WITHOUT_PACKAGES}`, MITTWALD_API_TOKEN: token, COPILOT_HOME: copilotHome },
      timeoutMs: TIMEOUT,
    });
    expect(setup.exitCode, setup.stdout + setup.stderr).toBe(0);
    const listed = await mcpList({ env: { COPILOT_HOME: copilotHome } });
    expect(listed.mittwald).toMatchObject({ url: server.mcpUrl, source: 'user' });
  });

  it('expands ${VAR} and $VAR in a header of mcp-config.json when it connects, not ${env:VAR}; an unset variable is sent as written', async () => {
    // One entry per spelling, each with its own variable and token, so one agent run answers all four.
    const tokens = { braces: createTestToken(), dollar: createTestToken(), fallback: createTestToken() };
    for (const value of Object.values(tokens)) server.addToken(value, user);
    const entry = (authorization: string, name: string) => ({ type: 'http', url: `${server.mcpUrl}?entry=${name}`, headers: { Authorization: authorization }, tools: ['*'] });
    const spellings = {
      braces: 'Bearer ${TOKEN_BRACES}',
      dollar: 'Bearer $TOKEN_DOLLAR',
      fallback: 'Bearer ${TOKEN_FALLBACK:-none}',
      vscode: 'Bearer ${env:TOKEN_VSCODE}',
      unset: 'Bearer ${TOKEN_UNSET}',
    };
    const mcpServers = Object.fromEntries(Object.entries(spellings).map(([name, authorization]) => [name, entry(authorization, name)]));
    await mkdir(path.join(home.dir, '.copilot'), { recursive: true });
    await writeFile(path.join(home.dir, '.copilot', 'mcp-config.json'), JSON.stringify({ mcpServers }, null, 2));
    const env = { TOKEN_BRACES: tokens.braces, TOKEN_DOLLAR: tokens.dollar, TOKEN_FALLBACK: tokens.fallback, TOKEN_VSCODE: token };

    // What `get --show-secrets` prints is the text in the file, expanded or not.
    expect((await mcpGet('braces', { env })).headers).toEqual({ Authorization: spellings.braces });

    const { run, requests } = await agentTurn({ env });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const seen = headersSeen();
    expect(seen).toEqual(expect.arrayContaining([`Bearer ${tokens.braces}`, `Bearer ${tokens.dollar}`, `Bearer ${tokens.fallback}`]));
    // Not expanded: the literal text went to the server, which refused it.
    expect(seen).toEqual(expect.arrayContaining(['Bearer ${env:TOKEN_VSCODE}', 'Bearer ${TOKEN_UNSET}']));
    expect(seen).not.toContain(`Bearer ${token}`);
    const first = requests[0]!;
    expect(offers(first, 'braces')).toHaveLength(116);
    expect(offers(first, 'dollar')).toHaveLength(116);
    expect(offers(first, 'fallback')).toHaveLength(116);
    expect(offers(first, 'vscode')).toEqual([]);
    expect(offers(first, 'unset')).toEqual([]);
  });

  it('reads the workspace .mcp.json our Claude adapter writes, only in a folder trusted in config.json, and connects with the referenced token', async () => {
    const project = path.join(home.dir, 'shop');
    await mkdir(path.join(project, '.git'), { recursive: true });
    const environment: Environment = { platform: 'linux', home: home.dir, cwd: project, env: { PATH: PATH_WITHOUT_PACKAGES, HOME: home.dir } };
    const [plan] = await claudeCode.plan(environment, {
      serverUrl: server.mcpUrl,
      name: 'mittwald',
      scope: 'project',
      credential: { kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' },
      replaceStale: true,
    });
    await applyPlan(plan!, { backupDir: path.join(home.dir, 'backups') });
    const projectFile = path.join(project, '.mcp.json');
    const entry = (JSON.parse(await readFile(projectFile, 'utf8')) as { mcpServers: Record<string, Record<string, unknown>> }).mcpServers.mittwald;
    expect(entry).toEqual({ type: 'http', url: server.mcpUrl, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } });

    // Untrusted folder: the workspace file is not read.
    expect(await mcpList({ cwd: project })).toEqual({});
    // The trust the Copilot CLI keeps for a folder (a parent folder counts too).
    await mkdir(path.join(home.dir, '.copilot'), { recursive: true });
    await writeFile(path.join(home.dir, '.copilot', 'config.json'), JSON.stringify({ trusted_folders: [project] }));
    const listed = await mcpList({ cwd: project });
    expect(listed.mittwald).toMatchObject({ ...entry, tools: ['*'], source: 'workspace', sourcePath: projectFile, enabled: true });

    const { run } = await agentTurn({ cwd: project, env: { MITTWALD_API_TOKEN: token } });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const call = server.log.find((record) => record.toolCalls?.includes('mittwald_user_get'));
    expect(call).toMatchObject({ status: 200, headers: { authorization: `Bearer ${token}` } });
  });
  it('one run for Claude Code and Copilot in project scope: one .mcp.json entry that the real Copilot CLI connects with and the real Claude Code reads', async () => {
    const project = path.join(home.dir, 'shop');
    const servers = await setupBoth(project, [], { MITTWALD_API_TOKEN: token });
    expect(servers).toEqual({ mittwald: { type: 'http', url: server.mcpUrl, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } } });

    const listed = await mcpList({ cwd: project, env: { MITTWALD_API_TOKEN: token } });
    expect(listed.mittwald).toMatchObject({ type: 'http', url: server.mcpUrl, tools: ['*'], source: 'workspace', enabled: true });
    expect(listed.mittwald).not.toHaveProperty('configWarnings');
    server.clearLog();
    const { run } = await agentTurn({ cwd: project, env: { MITTWALD_API_TOKEN: token } });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(server.log.find((record) => record.toolCalls?.includes('mittwald_user_get'))).toMatchObject({ status: 200, headers: { authorization: `Bearer ${token}` } });

    if (claude.present && process.env.SKIP_CLAUDE_CONTRACT !== '1') {
      const got = await claudeGet('mittwald', project, { MITTWALD_API_TOKEN: token });
      expect(got.exitCode, got.output).toBe(0);
      expect(got.output).toContain(`URL: ${server.mcpUrl}`);
      expect(got.output).toContain('Scope: Project config');
    }
  });

  it('an OAuth run for both: Claude Code\'s oauth.scopes stay in the shared entry, and the Copilot CLI still uses it (with a deprecation note)', async () => {
    const project = path.join(home.dir, 'shop');
    const servers = await setupBoth(project, ['--oauth', '--no-verify']);
    expect(servers).toEqual({ mittwald: { type: 'http', url: server.mcpUrl, oauth: { scopes: 'user:read customer:read project:read app:read' } } });
    const listed = await mcpList({ cwd: project });
    expect(listed.mittwald).toMatchObject({ url: server.mcpUrl, source: 'workspace', enabled: true });
    expect(listed.mittwald?.configWarnings).toEqual([expect.stringMatching(/^Nested "oauth" key is deprecated/)]);
    if (claude.present && process.env.SKIP_CLAUDE_CONTRACT !== '1') {
      const got = await claudeGet('mittwald', project);
      expect(got.exitCode, got.output).toBe(0);
      expect(got.output).toContain(`URL: ${server.mcpUrl}`);
    }
  });
});
