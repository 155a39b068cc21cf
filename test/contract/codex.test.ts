/** Contract with the real Codex CLI (@openai/codex, pinned in devDependencies, or the executable in
 * CONTRACT_CODEX_BIN: see ./clients.ts): what the codex adapter writes
 * with applyPlan is what Codex reads (`codex mcp get --json`, `codex mcp list`), the user's comments survive,
 * and Codex's own MCP client connects with it to the local mittwald stand-in (`codex app-server`,
 * `mcpServerStatus/list`, which starts the configured servers and lists their tools). Beyond the parse:
 * `codex mcp login` through a headless `$BROWSER` against the test authorization server, and a real
 * `tools/call` from `codex exec` driven by a fake model (test/support/fake-responses-api.ts) that asks for
 * `mittwald_user_get` — the stand-in then sees the call with our entry's credential.
 *
 * Offline: HOME and CODEX_HOME are temp folders, Codex's own network features are switched off by flags
 * (its curated-plugin sync runs `git ls-remote https://github.com/…`, and it checks for releases), and every
 * proxy variable points at a local trap that refuses and records whatever still tries to leave 127.0.0.1. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import codex from '../../adapters/codex.js';
import { applyPlan } from '../../src/flow/apply.js';
import { planTools } from '../../src/flow/setup-steps.js';
import type { Credential, Environment, SetupRequest, ToolPlan } from '../../src/model.js';
import { tempHome } from '../support/cli.js';
import { startTrapProxy, type TrapProxy } from '../support/trap-proxy.js';
import { functionCall, functionOutputs, message, offeredFunctions, startFakeResponsesApi, type FakeResponsesApi, type ResponsesRequest } from '../support/fake-responses-api.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { contractClient } from './clients.js';

const client = contractClient('codex');
const CODEX = client.bin;
/** Codex features that go online by themselves. Accepted by every subcommand we run. */
const OFFLINE = ['--disable', 'plugins', '--disable', 'apps', '--disable', 'remote_plugin', '-c', 'check_for_update_on_startup=false', '-c', 'analytics.enabled=false'];
const TIMEOUT = 120_000;
/** A person's browser for `$BROWSER`: it approves the consent page and delivers the code to Codex. */
const HEADLESS_BROWSER = path.resolve(import.meta.dirname, '../support/headless-browser.mjs');
/** How Codex 0.171 offers an MCP server's tool to the model: the server's namespace, the tool's own name. */
const USER_GET = 'mcp__mittwald/mittwald_user_get';

/** A user's config.toml: comments everywhere, a profile, another server, and a stale mittwald entry with a
 * sub-table that must go with it. */
const USER_CONFIG = `# Codex config — my notes, keep them
model = "gpt-5.1-codex"   # default model
approval_policy = "on-request"

[profiles.fast]   # quick edits
model = "gpt-5-mini"

# my docs server (offline on purpose)
[mcp_servers.docs]
url = "http://127.0.0.1:9/docs"
enabled = false   # switched off for now

# mittwald, from the old docs
[mcp_servers.mittwald]
url = "https://mcp.mittwald.de/sse"   # retired endpoint

[mcp_servers.mittwald.env_http_headers]
X-Project = "MITTWALD_PROJECT_ID"

# the end
`;
const USER_COMMENTS = ['# Codex config — my notes, keep them', '# default model', '# quick edits', '# my docs server (offline on purpose)', '# switched off for now', '# the end'];

const user = createTestUser({ person: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.test' });
const token = createTestToken();
let server: MittwaldTestServer;
let trap: TrapProxy;
let home: Awaited<ReturnType<typeof tempHome>>;
/** A stand-in for the OAuth entries, with the authorization server mittwald's bridge is modelled on. */
let oauthMcp: MittwaldTestServer;
let as: OAuthServer;
let model: FakeResponsesApi;


/** The fake model: it calls mittwald_user_get when Codex offers it, and answers with a message once the
 * tool's output came back (or when there is no such tool). */
function fakeModel(request: ResponsesRequest) {
  if (functionOutputs(request).size > 0) return [message('done')];
  if (!offeredFunctions(request).includes(USER_GET)) return [message('no mittwald tools here')];
  const [namespace, name] = USER_GET.split('/') as [string, string];
  return [functionCall(name, {}, namespace)];
}

beforeAll(async () => {
  server = await startMittwaldServer({ tokens: [[token, user]] });
  trap = await startTrapProxy();
  oauthMcp = await startMittwaldServer();
  as = await startOAuthServer({ resource: oauthMcp.mcpUrl, user });
  oauthMcp.setAuthorizationServer(as.issuer);
  oauthMcp.setAccessTokenVerifier((accessToken) => as.verifyAccessToken(accessToken));
  model = await startFakeResponsesApi(fakeModel);
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => trap.server.close(resolve));
  await as?.close();
  await oauthMcp?.close();
  await model?.close();
});
beforeEach(async () => {
  home = await tempHome('mms-codex-');
  server.clearLog();
});
afterEach(async () => {
  await home.cleanup();
  // Nothing may have tried to leave this machine.
  expect(trap.requests).toEqual([]);
});

interface Setup {
  environment: Environment;
  /** The environment Codex runs with. */
  processEnv: Record<string, string | undefined>;
  configFile: string;
}

/** A temp HOME; `codexHome` relative to it sets CODEX_HOME, else Codex uses ~/.codex. */
async function setup(options: { codexHome?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<Setup> {
  const codexDir = path.join(home.dir, options.codexHome ?? '.codex');
  await mkdir(codexDir, { recursive: true });
  const extra = { ...(options.codexHome ? { CODEX_HOME: codexDir } : {}), ...options.env };
  const processEnv = {
    PATH: withClientPath(),
    HOME: home.dir,
    NO_COLOR: '1',
    RUST_BACKTRACE: '0',
    GIT_TERMINAL_PROMPT: '0',
    HTTP_PROXY: trap.url,
    HTTPS_PROXY: trap.url,
    ALL_PROXY: trap.url,
    http_proxy: trap.url,
    https_proxy: trap.url,
    all_proxy: trap.url,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    ...extra,
  };
  return {
    environment: { platform: 'linux', home: home.dir, cwd: options.cwd ?? home.dir, env: { PATH: withClientPath(), HOME: home.dir, ...extra } },
    processEnv,
    configFile: path.join(codexDir, 'config.toml'),
  };
}

/** PATH with the Codex under test first, so that whatever looks `codex` up by name finds that one. */
function withClientPath(): string {
  return [client.binDir, process.env.PATH].filter(Boolean).join(path.delimiter);
}

function request(credential: Credential, overrides: Partial<SetupRequest> = {}): SetupRequest {
  return { serverUrl: server.mcpUrl, name: 'mittwald', scope: 'user', credential, replaceStale: true, ...overrides };
}

/** The project-scope request the core plans for a literal token: the shared file gets a reference. */
function sharedRequest(plan: ToolPlan): SetupRequest {
  expect(plan.target).toContain('(project)');
  return request({ kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' }, { scope: 'project' });
}

/** Plans through the core (which applies the shared-file rule), then applies. */
async function planAndApply(context: Setup, setupRequest: SetupRequest): Promise<ToolPlan> {
  const [planned] = await planTools([codex], context.environment, () => setupRequest);
  const plan = planned?.plan;
  if (!plan) throw new Error(`no plan: ${String(planned?.error)}`);
  await applyPlan(plan, { backupDir: path.join(home.dir, 'backups') });
  return plan;
}

async function runCodex(context: Setup, args: readonly string[], cwd = context.environment.cwd, env: Record<string, string> = {}) {
  return execa(CODEX, args, { env: { ...context.processEnv, ...env }, extendEnv: false, cwd, reject: false, stdin: 'ignore', timeout: TIMEOUT });
}

/** One `codex exec` turn against the fake model, with the MCP server `name`'s tools approved for the run
 * (Codex 0.171 refuses an unapproved MCP tool call under approval_policy "never"). Returns the run and the
 * model requests it made. */
async function codexExec(context: Setup, name = 'mittwald') {
  const first = model.requests.length;
  const run = await runCodex(context, [
    'exec',
    ...OFFLINE,
    '-c',
    'model_provider=fake',
    '-c',
    `model_providers.fake={name="fake",base_url="${model.baseUrl}",wire_api="responses"}`,
    '-m',
    'fake-model',
    '-c',
    'approval_policy="never"',
    '-c',
    `mcp_servers.${name}.default_tools_approval_mode="approve"`,
    '--skip-git-repo-check',
    'Who am I at mittwald?',
  ]);
  return { run, requests: model.requests.slice(first) };
}

/** The `codex …` command in one of our next steps, as arguments (it holds no secret). */
function commandIn(steps: readonly string[], prefix: string): string[] {
  const found = steps.map((step) => new RegExp(`\`(${prefix}[^\`]*)\``).exec(step)?.[1]).find(Boolean);
  expect(found, steps.join('\n')).toBeDefined();
  return found!.split(/\s+/).slice(1);
}

const McpGet = z.object({
  name: z.string(),
  enabled: z.boolean(),
  transport: z.object({
    type: z.string(),
    url: z.string(),
    bearer_token_env_var: z.string().nullable(),
    http_headers: z.record(z.string(), z.string()).nullable(),
    env_http_headers: z.record(z.string(), z.string()).nullable(),
  }),
});

async function codexMcpGet(context: Setup, name: string, cwd?: string): Promise<z.infer<typeof McpGet>> {
  const run = await runCodex(context, ['mcp', 'get', ...OFFLINE, name, '--json'], cwd);
  expect(run.exitCode, run.stderr).toBe(0);
  return McpGet.parse(JSON.parse(run.stdout));
}

const ServerStatus = z.object({
  name: z.string(),
  authStatus: z.string(),
  serverInfo: z.object({ name: z.string() }).nullable(),
  tools: z.record(z.string(), z.unknown()),
  toolsError: z.string().nullable().optional(),
});
const StatusResponse = z.object({ id: z.number(), result: z.object({ data: z.array(ServerStatus) }) });

/** Asks Codex's app server (JSON-RPC over stdio) to start the server `name` and list its tools — what Codex
 * does when a session starts. */
async function codexServerStatus(context: Setup, name: string): Promise<z.infer<typeof ServerStatus> | undefined> {
  const child = execa(CODEX, ['app-server', ...OFFLINE], { env: context.processEnv, extendEnv: false, cwd: context.environment.cwd, reject: false, timeout: TIMEOUT });
  const answers = new Map<number, (message: unknown) => void>();
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return; // not JSON-RPC
    }
    const id = (message as { id?: unknown }).id;
    if (typeof id === 'number') answers.get(id)?.(message);
  });
  const call = (id: number, method: string, params: unknown) =>
    new Promise<unknown>((resolve) => {
      answers.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  try {
    await call(1, 'initialize', { clientInfo: { name: 'mittwald-mcp-setup-contract', version: '0' } });
    child.stdin.write(`${JSON.stringify({ method: 'initialized' })}\n`);
    const answer = StatusResponse.parse(await call(2, 'mcpServerStatus/list', { serverName: name }));
    return answer.result.data.find((status) => status.name === name);
  } finally {
    child.stdin.end();
    child.kill();
    await child;
  }
}

describe.skipIf(!client.present)(`codex adapter with the real Codex CLI (${client.label})`, { timeout: TIMEOUT }, () => {
  it('stores the token by reference: Codex reads bearer_token_env_var, keeps the comments, and connects', async () => {
    const context = await setup({ env: { MITTWALD_API_TOKEN: token } });
    await writeFile(context.configFile, USER_CONFIG);
    const plan = await planAndApply(context, request({ kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' }));
    expect(plan.steps[0]).toMatchObject({ kind: 'file', path: context.configFile, secret: false });

    const written = await readFile(context.configFile, 'utf8');
    for (const comment of USER_COMMENTS) expect(written).toContain(comment);
    expect(written).not.toContain(token);

    const entry = await codexMcpGet(context, 'mittwald');
    expect(entry).toMatchObject({
      enabled: true,
      // The user's own header on the old entry stays.
      transport: { type: 'streamable_http', url: server.mcpUrl, bearer_token_env_var: 'MITTWALD_API_TOKEN', http_headers: null, env_http_headers: { 'X-Project': 'MITTWALD_PROJECT_ID' } },
    });
    // The other server is still there, as Codex reads it.
    expect((await codexMcpGet(context, 'docs')).enabled).toBe(false);

    const list = await runCodex(context, ['mcp', 'list', ...OFFLINE]);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^mittwald\\s+${server.mcpUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+MITTWALD_API_TOKEN\\s+enabled`, 'm'));
    expect(list.stdout).toMatch(/^docs\s+/m);

    const status = await codexServerStatus(context, 'mittwald');
    expect(status).toMatchObject({ authStatus: 'bearerToken', serverInfo: { name: 'mittwald-mstudio-mcp' } });
    expect(Object.keys(status?.tools ?? {})).toHaveLength(116);
    const sent = server.log.filter((record) => record.target === 'mcp' && record.method === 'POST');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((record) => record.headers['authorization'] === `Bearer ${token}`)).toBe(true);

    // inspect() resolves the reference the same way.
    const [inspected] = await codex.inspect(context.environment, { name: 'mittwald', serverUrl: server.mcpUrl });
    expect(inspected).toMatchObject({ scope: 'user', url: server.mcpUrl, auth: 'token-ref', authorization: `Bearer ${token}`, unresolved: [] });
  });

  it('keeps the user\'s own settings on our table, drops what Codex refuses on a URL server, and Codex loads the result', async () => {
    const context = await setup({ env: { MITTWALD_API_TOKEN: token } });
    await writeFile(
      context.configFile,
      '[mcp_servers.mittwald]\ncommand = "npx"\nargs = ["-y", "mcp-remote", "https://mcp.mittwald.de/sse"]\nenabled = false\nstartup_timeout_sec = 20\nenabled_tools = ["list-projects"]\n\n[mcp_servers.mittwald.env]\nDEBUG = "1"\n\n[mcp_servers.mittwald.tools.delete-project]\nenabled = false\n',
    );
    const plan = await planAndApply(context, request({ kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' }));
    expect(plan.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('dropped "command"'),
        expect.stringContaining('dropped "args"'),
        expect.stringContaining('dropped "env" from the "mittwald" entry: Codex refuses it on a URL server'),
        expect.stringContaining('The entry stays disabled'),
      ]),
    );
    const run = await runCodex(context, ['mcp', 'get', ...OFFLINE, 'mittwald', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      enabled: false,
      transport: { type: 'streamable_http', url: server.mcpUrl, bearer_token_env_var: 'MITTWALD_API_TOKEN' },
      enabled_tools: ['list-projects'],
      startup_timeout_sec: 20,
    });
    // Codex keeps it switched off: "configured, not active yet", from its own answer and from the file.
    const disabled = { state: 'disabled', step: expect.stringContaining(`[mcp_servers.mittwald] in ${context.configFile}`) };
    expect(await codex.confirm!({ ...context.environment, env: context.processEnv }, request({ kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' }))).toMatchObject({ ok: true, activation: disabled });
    expect((await codex.inspect(context.environment, { name: 'mittwald', serverUrl: server.mcpUrl }))[0]?.activation).toEqual(disabled);
    const [again] = await codex.plan(context.environment, request({ kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' }));
    const step = again!.steps[0];
    expect(step?.kind === 'file' && step.after === step.before).toBe(true);
  });

  it('stores a literal token in http_headers, in a 0600 file under CODEX_HOME, and connects without the variable', async () => {
    const context = await setup({ codexHome: 'codex-home' });
    await writeFile(context.configFile, USER_CONFIG);
    const plan = await planAndApply(context, request({ kind: 'token', token, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' }));
    expect(plan.steps[0]).toMatchObject({ path: path.join(home.dir, 'codex-home', 'config.toml'), secret: true });
    expect((await stat(context.configFile)).mode & 0o777).toBe(0o600);

    const entry = await codexMcpGet(context, 'mittwald');
    expect(entry.transport).toMatchObject({ url: server.mcpUrl, bearer_token_env_var: null, http_headers: { Authorization: `Bearer ${token}` } });
    const written = await readFile(context.configFile, 'utf8');
    for (const comment of USER_COMMENTS) expect(written).toContain(comment);

    const status = await codexServerStatus(context, 'mittwald');
    expect(status).toMatchObject({ authStatus: 'bearerToken', serverInfo: { name: 'mittwald-mstudio-mcp' } });
    expect(Object.keys(status?.tools ?? {})).toHaveLength(116);
  });

  it('writes an OAuth entry with scopes that Codex accepts, and Codex meets the login challenge', async () => {
    const context = await setup();
    await writeFile(context.configFile, USER_CONFIG);
    const plan = await planAndApply(context, request({ kind: 'oauth', scopes: ['user:read', 'project:read'] }));
    expect(plan.nextSteps[0]).toContain('codex mcp login mittwald --scopes user:read,project:read');

    const entry = await codexMcpGet(context, 'mittwald');
    expect(entry.transport).toMatchObject({ url: server.mcpUrl, bearer_token_env_var: null, http_headers: null });
    // Not signed in yet: Codex reaches the server, which asks for a login.
    const status = await codexServerStatus(context, 'mittwald');
    expect(status?.tools).toEqual({});
    expect(status?.toolsError).toMatch(/auth required/i);
    expect(server.log.some((record) => record.target === 'mcp' && record.status === 401)).toBe(true);
  });

  it('makes a real tools/call with the token our entry references: the stand-in sees it; unset, Codex offers no mittwald tool', async () => {
    const context = await setup({ env: { MITTWALD_API_TOKEN: token } });
    await planAndApply(context, request({ kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' }));

    const { run, requests } = await codexExec(context);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(offeredFunctions(requests[0]!)).toContain(USER_GET);
    const calls = server.log.filter((record) => record.toolCalls?.includes('mittwald_user_get'));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ status: 200, headers: { authorization: `Bearer ${token}` }, auth: { kind: 'api-token', userId: user.userId } });
    // What the tool answered reached the model.
    const [output] = [...functionOutputs(requests.at(-1)!).values()];
    expect(output).toContain(user.userId);

    // Without the variable Codex starts no mittwald server: the model sees none of its tools.
    server.clearLog();
    const { MITTWALD_API_TOKEN: _unset, ...withoutToken } = context.processEnv;
    const unset = await codexExec({ ...context, processEnv: withoutToken });
    expect(unset.run.exitCode, unset.run.stderr).toBe(0);
    expect(unset.requests.length).toBeGreaterThan(0);
    for (const sent of unset.requests) expect(offeredFunctions(sent).filter((fn) => fn.startsWith('mcp__mittwald/'))).toEqual([]);
    expect(server.log.some((record) => record.toolCalls !== undefined)).toBe(false);
  });

  it('an OAuth entry: the login our next step names goes through $BROWSER, asks for the entry\'s scopes, and the tool call then carries the grant', async () => {
    const context = await setup({ env: { BROWSER: HEADLESS_BROWSER } });
    const plan = await planAndApply(context, request({ kind: 'oauth', scopes: ['user:read', 'project:read'] }, { serverUrl: oauthMcp.mcpUrl }));
    expect((await codexMcpGet(context, 'mittwald')).transport).toMatchObject({ type: 'streamable_http', url: oauthMcp.mcpUrl, bearer_token_env_var: null, http_headers: null });

    // Exactly the command the user is told to run; no terminal needed.
    const before = as.authorizeRequests.length;
    const login = await runCodex(context, commandIn(plan.nextSteps, 'codex mcp login'));
    expect(login.exitCode, login.stderr).toBe(0);
    expect(as.authorizeRequests.length).toBe(before + 1);
    const authorize = as.authorizeRequests[before]!;
    expect(authorize.get('resource')).toBe(oauthMcp.mcpUrl);
    expect(authorize.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback/);
    // The chosen scopes; offline_access (for a refresh token) is the one Codex adds.
    const asked = (authorize.get('scope') ?? '').split(' ');
    expect(asked.filter((scope) => scope !== 'offline_access').sort()).toEqual(['project:read', 'user:read']);
    const list = await runCodex(context, ['mcp', 'list', ...OFFLINE]);
    expect(list.stdout).toMatch(/^mittwald\s+\S+\s+-\s+enabled\s+OAuth\s*$/m);

    oauthMcp.clearLog();
    const { run } = await codexExec(context);
    expect(run.exitCode, run.stderr).toBe(0);
    const call = oauthMcp.log.find((record) => record.toolCalls?.includes('mittwald_user_get'));
    expect(call).toMatchObject({ status: 200, auth: { kind: 'oauth', userId: user.userId, scopes: ['user:read', 'project:read'] } });
  });

  it('leaves Codex without the server when the referenced variable is unset, as inspect() predicts', async () => {
    const context = await setup();
    await planAndApply(context, request({ kind: 'token', token, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' }));
    const [inspected] = await codex.inspect(context.environment, { name: 'mittwald', serverUrl: server.mcpUrl });
    expect(inspected).toMatchObject({ auth: 'token-ref', unresolved: ['MITTWALD_API_TOKEN'] });
    const status = await codexServerStatus(context, 'mittwald');
    expect(status?.toolsError).toMatch(/MITTWALD_API_TOKEN .*is not set/);
  });

  it('removes the entry again: Codex no longer knows it and the file has its original bytes', async () => {
    const context = await setup();
    const original = USER_CONFIG.replace(/# mittwald, from the old docs[\s\S]*?(?=# the end)/, '');
    await writeFile(context.configFile, original);
    await planAndApply(context, request({ kind: 'token', token, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' }));
    expect((await codexMcpGet(context, 'mittwald')).transport.url).toBe(server.mcpUrl);

    const [removal] = await codex.planRemove(context.environment, { name: 'mittwald', scope: 'user' });
    await applyPlan(removal!, { backupDir: path.join(home.dir, 'backups') });
    expect(await readFile(context.configFile, 'utf8')).toBe(original);
    const get = await runCodex(context, ['mcp', 'get', ...OFFLINE, 'mittwald', '--json']);
    expect(get.exitCode).not.toBe(0);
    expect(get.stderr).toContain("No MCP server named 'mittwald' found");
  });

  it('writes the project file, which Codex reads once the project is trusted, merged over the user entry', async () => {
    const project = path.join(home.dir, 'shop');
    await mkdir(path.join(project, '.git'), { recursive: true });
    const context = await setup({ cwd: project, env: { MITTWALD_API_TOKEN: token } });
    await writeFile(context.configFile, USER_CONFIG);
    const literal: Credential = { kind: 'token', token, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' };
    const plan = await planAndApply(context, request(literal, { scope: 'project' }));
    const projectFile = path.join(project, '.codex', 'config.toml');
    expect(plan.steps[0]).toMatchObject({ path: projectFile, secret: false });
    expect(await readFile(projectFile, 'utf8')).not.toContain(token);
    expect(await readFile(context.configFile, 'utf8')).toBe(USER_CONFIG);
    expect(plan.warnings.join('\n')).toMatch(/merges it into this project's entry key by key, adding env_http_headers/);

    // Untrusted: Codex ignores the project file, so the user's stale entry is what it sees. inspect() and the
    // confirmation (which runs this codex, offline as here) say "not active yet", with the trust step.
    expect((await codexMcpGet(context, 'mittwald')).transport.url).toBe('https://mcp.mittwald.de/sse');
    const trustStep = plan.nextSteps.find((step) => step.includes('trust_level'));
    expect(trustStep).toContain(`[projects."${project}"]`);
    const asCodexRuns = { ...context.environment, env: context.processEnv };
    const projectRequest = sharedRequest(plan);
    const untrusted = { state: 'untrusted-project', step: expect.stringContaining(`[projects."${project}"]`) };
    expect(await codex.confirm!(asCodexRuns, projectRequest)).toMatchObject({ ok: true, activation: untrusted, detail: expect.stringContaining('shows https://mcp.mittwald.de/sse') });
    expect((await codex.inspect(context.environment, { name: 'mittwald', serverUrl: server.mcpUrl })).find((entry) => entry.scope === 'project')?.activation).toEqual(untrusted);

    // Do what the step says: Codex now reads our entry — with the user entry's keys merged in, as warned
    // and as inspect() reports.
    const trusted = `${USER_CONFIG}\n[projects."${project}"]\ntrust_level = "trusted"\n`;
    await writeFile(context.configFile, trusted);
    const merged = await codexMcpGet(context, 'mittwald');
    expect(merged.transport).toMatchObject({ url: server.mcpUrl, bearer_token_env_var: 'MITTWALD_API_TOKEN', http_headers: null, env_http_headers: { 'X-Project': 'MITTWALD_PROJECT_ID' } });
    const inspected = await codex.inspect(context.environment, { name: 'mittwald', serverUrl: server.mcpUrl });
    expect(inspected.find((entry) => entry.scope === 'project')).toMatchObject({ url: server.mcpUrl, auth: 'token-ref', authorization: `Bearer ${token}`, activation: { state: 'active' } });
    expect(await codex.confirm!(asCodexRuns, projectRequest)).toMatchObject({ ok: true, activation: { state: 'active' } });

    // Taking the user entry out, as the warning suggests, leaves exactly our entry.
    const [removal] = await codex.planRemove(context.environment, { name: 'mittwald', scope: 'user' });
    await applyPlan(removal!, { backupDir: path.join(home.dir, 'backups') });
    const clean = await codexMcpGet(context, 'mittwald');
    expect(clean.transport).toMatchObject({ url: server.mcpUrl, bearer_token_env_var: 'MITTWALD_API_TOKEN', http_headers: null, env_http_headers: null });

    const again = (await planTools([codex], context.environment, () => request(literal, { scope: 'project' })))[0]?.plan;
    expect(again!.nextSteps.some((step) => step.includes('trust_level'))).toBe(false);
    expect(again!.warnings).toEqual([expect.stringMatching(/shared through git/)]);
    const step = again!.steps[0];
    expect(step?.kind === 'file' && step.after === step.before).toBe(true);
  });
});
