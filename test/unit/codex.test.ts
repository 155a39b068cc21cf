import { fs as memfsFs, vol } from 'memfs';
import { parse } from 'smol-toml';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SetupError } from '../../src/errors.js';
import type { Credential, Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { default: codex, codexEntry, codexUserFile } = await import('../../adapters/codex.js');
const { planTools } = await import('../../src/flow/setup-steps.js');

const HOME = '/home/ada';
const REPO = '/home/ada/work/shop';
const USER_FILE = '/home/ada/.codex/config.toml';
const PROJECT_FILE = '/home/ada/work/shop/.codex/config.toml';
const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const TOKEN = '1b9c7a0e-3f7d-4c1e-9a53-0d8e5f2b7c41:test-0123456789abcdef0123456789abcdef:mittwald_a';

function environment(overrides: { env?: Record<string, string>; cwd?: string } = {}): Environment {
  return { platform: 'linux', home: HOME, cwd: overrides.cwd ?? REPO, env: { HOME, PATH: '/usr/local/bin:/usr/bin', ...overrides.env } };
}

function request(overrides: Partial<SetupRequest> = {}): SetupRequest {
  return { serverUrl: SERVER_URL, name: 'mittwald', scope: 'user', credential: { kind: 'oauth' }, replaceStale: true, ...overrides };
}

const tokenRef: Credential = { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' };
const tokenLiteral: Credential = { kind: 'token', token: TOKEN, storage: 'literal', envVar: 'MITTWALD_API_TOKEN' };

/** Everything before and after the stale mittwald table of {@link USER_CONFIG}. */
const HEAD = `# ~/.codex/config.toml — edited by hand, keep the comments!
model = "gpt-5.1-codex"            # default model
model_reasoning_effort = "medium"
approval_policy = "on-request"
sandbox_mode = "workspace-write"

# Notifications go through my script
notify = ["bash", "-lc", "~/bin/codex-notify.sh"]

[profiles.fast]   # quick edits
model = "gpt-5-mini"
approval_policy = "never"

[profiles.deep]
model = "o3"
model_reasoning_effort = "high"

[projects."/home/ada/work/blog"]
trust_level = "trusted"

# --- MCP servers ---------------------------------------------------------
[mcp_servers.github]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-github"]   # pinned by npx cache

[mcp_servers.github.env]
GITHUB_PERSONAL_ACCESS_TOKEN = "ghp_example"

[mcp_servers.docs]
url = "https://docs.example.test/mcp"
http_headers = { "X-Trace" = "on" }

`;
const STALE_MITTWALD = `# mittwald, added from the old docs
[mcp_servers.mittwald]
url = "https://mcp.mittwald.de/sse"   # old endpoint
startup_timeout_sec = 30

[mcp_servers.mittwald.env_http_headers]
X-Project = "MITTWALD_PROJECT_ID"
`;
const TAIL = `
# keep this last
[tui]
notifications = true
`;
const USER_CONFIG = HEAD + STALE_MITTWALD + TAIL;
/** The user's own keys on {@link STALE_MITTWALD}, which every setup keeps. */
const KEPT = { startup_timeout_sec: 30, env_http_headers: { 'X-Project': 'MITTWALD_PROJECT_ID' } };
/** The same config without any mittwald table. */
const CLEAN_CONFIG = HEAD.trimEnd() + '\n' + TAIL;

function files(contents: Record<string, string>): void {
  vol.fromJSON({ [`${REPO}/.git/HEAD`]: 'ref: refs/heads/main\n', ...contents });
}

function onlyStep(plans: ToolPlan[]): FileStep {
  expect(plans).toHaveLength(1);
  const [step] = plans[0]!.steps;
  if (step?.kind !== 'file') throw new Error('expected one file step');
  return step;
}

/** What applyPlan would do, minus atomicity and backups. */
function write(step: FileStep): void {
  if (step.after === null) vol.unlinkSync(step.path);
  else {
    vol.mkdirSync(step.path.slice(0, step.path.lastIndexOf('/')), { recursive: true });
    vol.writeFileSync(step.path, step.after);
  }
}

function parsed(text: string | null): Record<string, any> {
  return parse(text ?? '') as Record<string, any>;
}

function catchError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

beforeEach(() => vol.reset());

describe('codexEntry', () => {
  it('spells each credential the way Codex reads it', () => {
    expect(codexEntry({ serverUrl: SERVER_URL, credential: tokenRef })).toEqual({ url: SERVER_URL, bearer_token_env_var: 'MITTWALD_API_TOKEN' });
    expect(codexEntry({ serverUrl: SERVER_URL, credential: tokenLiteral })).toEqual({ url: SERVER_URL, http_headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(codexEntry({ serverUrl: SERVER_URL, credential: { kind: 'oauth' } })).toEqual({ url: SERVER_URL });
    expect(codexEntry({ serverUrl: SERVER_URL, credential: { kind: 'oauth', scopes: ['user:read', 'project:write'] } })).toEqual({
      url: SERVER_URL,
      scopes: ['user:read', 'project:write'],
    });
  });
});

describe('plan (user scope)', () => {
  it('replaces the stale mittwald table and its sub-table in place with a reference, the user\'s own keys and every other byte kept', async () => {
    files({ [USER_FILE]: USER_CONFIG });
    const plans = await codex.plan(environment(), request({ credential: tokenRef }));
    const step = onlyStep(plans);
    expect(step).toMatchObject({ path: USER_FILE, before: USER_CONFIG, secret: false });
    expect(step.after).toBe(
      HEAD +
        `# mittwald, added from the old docs\n[mcp_servers.mittwald]\nurl = "${SERVER_URL}"\nstartup_timeout_sec = 30\nenv_http_headers = { X-Project = "MITTWALD_PROJECT_ID" }\nbearer_token_env_var = "MITTWALD_API_TOKEN"\n` +
        TAIL,
    );
    expect(plans[0]!.target).toBe('Codex CLI (user)');
    expect(plans[0]!.nextSteps.join('\n')).toMatch(/MITTWALD_API_TOKEN environment variable, which is not set yet/);
    expect(plans[0]!.nextSteps.join('\n')).toMatch(/visible to the Codex process/);
    expect(plans[0]!.nextSteps.join('\n')).not.toContain(TOKEN);
    expect(plans[0]!.warnings).toEqual([]);
  });

  it('writes a literal token as http_headers (never bearer_token or headers) into a 0600 file', async () => {
    files({ [USER_FILE]: USER_CONFIG });
    const plans = await codex.plan(environment(), request({ credential: tokenLiteral }));
    const step = onlyStep(plans);
    expect(step.secret).toBe(true);
    expect(parsed(step.after).mcp_servers.mittwald).toEqual({ ...KEPT, url: SERVER_URL, http_headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(step.after).not.toMatch(/^bearer_token\s*=/m);
    expect(step.after).not.toMatch(/^headers\s*=/m);
    expect(plans[0]!.nextSteps.join('\n')).not.toContain('MITTWALD_API_TOKEN');
  });

  it('writes url and scopes for OAuth and tells how to log in with those scopes', async () => {
    files({ [USER_FILE]: USER_CONFIG });
    const plans = await codex.plan(environment(), request({ credential: { kind: 'oauth', scopes: ['user:read', 'project:read'] } }));
    const step = onlyStep(plans);
    expect(parsed(step.after).mcp_servers.mittwald).toEqual({ ...KEPT, url: SERVER_URL, scopes: ['user:read', 'project:read'] });
    expect(step.after).toContain('scopes = ["user:read", "project:read"]\n');
    expect(plans[0]!.nextSteps[0]).toContain('`codex mcp login mittwald --scopes user:read,project:read`');
  });

  it('tells plain `codex mcp login <name>` for OAuth without scopes', async () => {
    files({ [USER_FILE]: CLEAN_CONFIG });
    const plans = await codex.plan(environment(), request({ name: 'mw' }));
    expect(parsed(onlyStep(plans).after).mcp_servers.mw).toEqual({ url: SERVER_URL });
    expect(plans[0]!.nextSteps[0]).toContain('`codex mcp login mw`');
  });

  it('appends a complete table when there is none, and creates the file when it is missing', async () => {
    files({ [USER_FILE]: CLEAN_CONFIG });
    const appended = onlyStep(await codex.plan(environment(), request({ credential: tokenRef })));
    expect(appended.after).toBe(`${CLEAN_CONFIG}\n[mcp_servers.mittwald]\nurl = "${SERVER_URL}"\nbearer_token_env_var = "MITTWALD_API_TOKEN"\n`);

    vol.reset();
    files({});
    const created = onlyStep(await codex.plan(environment(), request({ credential: tokenRef })));
    expect(created.before).toBeNull();
    expect(created.after).toBe(`[mcp_servers.mittwald]\nurl = "${SERVER_URL}"\nbearer_token_env_var = "MITTWALD_API_TOKEN"\n`);
  });

  it('plans no change when the same entry is added again', async () => {
    files({ [USER_FILE]: USER_CONFIG });
    write(onlyStep(await codex.plan(environment(), request({ credential: tokenRef }))));
    const again = onlyStep(await codex.plan(environment(), request({ credential: tokenRef })));
    expect(again.after).toBe(again.before);
    expect(again.before).toBe(vol.readFileSync(USER_FILE, 'utf8'));

    // A different credential is a change again.
    const literal = onlyStep(await codex.plan(environment(), request({ credential: tokenLiteral })));
    expect(literal.after).not.toBe(literal.before);
  });

  it('keeps CRLF line endings', async () => {
    const crlf = USER_CONFIG.replace(/\n/g, '\r\n');
    files({ [USER_FILE]: crlf });
    const step = onlyStep(await codex.plan(environment(), request({ credential: tokenRef })));
    expect(step.after).toContain(`[mcp_servers.mittwald]\r\nurl = "${SERVER_URL}"\r\nstartup_timeout_sec = 30\r\nenv_http_headers = { X-Project = "MITTWALD_PROJECT_ID" }\r\nbearer_token_env_var = "MITTWALD_API_TOKEN"\r\n`);
    expect(step.after!.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('honours CODEX_HOME', async () => {
    const codexHome = '/data/codex-home';
    files({ [`${codexHome}/config.toml`]: CLEAN_CONFIG, [USER_FILE]: USER_CONFIG });
    const env = environment({ env: { CODEX_HOME: codexHome } });
    expect(codexUserFile(env)).toBe(`${codexHome}/config.toml`);
    const step = onlyStep(await codex.plan(env, request({ credential: tokenRef })));
    expect(step.path).toBe(`${codexHome}/config.toml`);
    expect(step.before).toBe(CLEAN_CONFIG);
    const detection = await codex.detect(env);
    expect(detection.evidence).toEqual([codexHome]);
  });

  it('uses %USERPROFILE%\\.codex on Windows', () => {
    expect(codexUserFile({ platform: 'win32', home: 'C:\\Users\\ada', cwd: 'C:\\src', env: {} })).toBe('C:\\Users\\ada\\.codex\\config.toml');
  });
});

describe('stale entries', () => {
  const withDuplicates =
    CLEAN_CONFIG +
    `
[mcp_servers.mittwald-old]
url = "https://mcp.mittwald.de/sse"

[mcp_servers.mittwald-old.env]
A = "b"

[mcp_servers.mstudio]
url = "https://mcp.mittwald.de/mcp/"
bearer_token_env_var = "MW_TOKEN"

[mcp_servers.fly]
url = "https://mittwald-mcp.fly.dev/mcp"
`;

  it('removes retired and duplicate mittwald tables under other names with replaceStale', async () => {
    files({ [USER_FILE]: withDuplicates });
    const plans = await codex.plan(environment(), request({ credential: tokenRef }));
    const step = onlyStep(plans);
    expect(plans[0]!.stale.map((entry) => [entry.name, entry.reason])).toEqual([
      ['mittwald-old', 'legacy-sse'],
      ['mstudio', 'duplicate'],
      ['fly', 'legacy-fly'],
    ]);
    expect(plans[0]!.staleKept).toEqual([]);
    expect(Object.keys(parsed(step.after).mcp_servers)).toEqual(['github', 'docs', 'mittwald']);
    expect(step.after).toBe(`${CLEAN_CONFIG}\n[mcp_servers.mittwald]\nurl = "${SERVER_URL}"\nbearer_token_env_var = "MITTWALD_API_TOKEN"\n`);
  });

  it('reports them and keeps them without replaceStale', async () => {
    files({ [USER_FILE]: withDuplicates });
    const plans = await codex.plan(environment(), request({ credential: tokenRef, replaceStale: false }));
    const step = onlyStep(plans);
    expect(plans[0]!.stale).toEqual([]);
    expect(plans[0]!.staleKept.map((entry) => entry.name)).toEqual(['mittwald-old', 'mstudio', 'fly']);
    expect(plans[0]!.staleKept[0]!.file).toBe(USER_FILE);
    expect(step.after!.startsWith(withDuplicates)).toBe(true);
  });
});

describe('plan (project scope)', () => {
  it('gets a reference from the core instead of a literal token, warns, and says how to trust the project', async () => {
    files({ [USER_FILE]: USER_CONFIG });
    const planned = await planTools([codex], environment({ cwd: `${REPO}/src/components` }), () => request({ scope: 'project', credential: tokenLiteral }));
    const plans = planned.map((item) => item.plan!);
    const step = onlyStep(plans);
    expect(step.path).toBe(PROJECT_FILE);
    expect(step.before).toBeNull();
    expect(step.secret).toBe(false);
    expect(step.after).not.toContain(TOKEN);
    expect(parsed(step.after).mcp_servers.mittwald).toEqual({ url: SERVER_URL, bearer_token_env_var: 'MITTWALD_API_TOKEN' });
    expect(plans[0]!.target).toBe('Codex CLI (project)');
    expect(plans[0]!.warnings.join('\n')).toMatch(/shared through git/);
    const steps = plans[0]!.nextSteps.join('\n');
    expect(steps).toContain(`[projects."${REPO}"]`);
    expect(steps).toContain('trust_level = "trusted"');
    expect(steps).toContain(USER_FILE);
    expect(steps).toMatch(/Everyone who uses this project/);
    // The user file is told about, never written.
    expect(vol.readFileSync(USER_FILE, 'utf8')).toBe(USER_CONFIG);
  });

  it('leaves out the trust step when the user config already trusts the project', async () => {
    files({ [USER_FILE]: `${USER_CONFIG}\n[projects."${REPO}"]\ntrust_level = "trusted"\n` });
    const plans = await codex.plan(environment(), request({ scope: 'project', credential: { kind: 'oauth' } }));
    expect(plans[0]!.nextSteps.join('\n')).not.toMatch(/trust/);
    expect(plans[0]!.nextSteps[0]).toBe(`Sign in with mittwald: run \`codex mcp login mittwald\` in ${REPO} (it opens your browser).`);
  });

  it('warns when a same-named user entry adds keys to the project entry', async () => {
    files({ [USER_FILE]: USER_CONFIG });
    const plans = await codex.plan(environment(), request({ scope: 'project', credential: tokenRef }));
    expect(plans[0]!.warnings).toEqual([
      `${USER_FILE} also has [mcp_servers.mittwald]; Codex merges it into this project's entry key by key, adding startup_timeout_sec, env_http_headers. Take it out there (\`mittwald-mcp-setup remove --tool codex --scope user\`) or use another --name.`,
    ]);
    // Keys the project entry sets itself (here: url) are not reported.
    vol.reset();
    files({ [USER_FILE]: `[mcp_servers.mittwald]\nurl = "https://mcp.mittwald.de/sse"\n` });
    expect((await codex.plan(environment(), request({ scope: 'project', credential: tokenRef })))[0]!.warnings).toEqual([]);
    // Another entry name is named in the remove command.
    vol.reset();
    files({ [USER_FILE]: `[mcp_servers.mw]\nurl = "${SERVER_URL}"\nhttp_headers = { Authorization = "Bearer old" }\n` });
    const named = await codex.plan(environment(), request({ name: 'mw', scope: 'project', credential: tokenRef }));
    expect(named[0]!.warnings[0]).toContain('adding http_headers. Take it out there (`mittwald-mcp-setup remove --tool codex --scope user --name mw`)');
  });

  it('warns at user scope when the project file overrides keys of the same entry', async () => {
    files({ [PROJECT_FILE]: `[mcp_servers.mittwald]\nurl = "${SERVER_URL}"\nbearer_token_env_var = "SHOP_TOKEN"\n` });
    const plans = await codex.plan(environment(), request({ credential: tokenRef }));
    expect(plans[0]!.warnings).toEqual([`${PROJECT_FILE} also has [mcp_servers.mittwald]; in ${REPO} (once trusted) Codex lets its bearer_token_env_var override the entry written here.`]);
    expect((await codex.plan(environment(), request({ credential: { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'SHOP_TOKEN' } })))[0]!.warnings).toEqual([]);
  });

  it('uses cwd as the project when there is no git repository', async () => {
    vol.fromJSON({ '/tmp/site/index.html': '' });
    const step = onlyStep(await codex.plan(environment({ cwd: '/tmp/site' }), request({ scope: 'project', credential: tokenRef })));
    expect(step.path).toBe('/tmp/site/.codex/config.toml');
  });
});

describe('planRemove', () => {
  it('restores the original bytes exactly after an add', async () => {
    for (const original of [CLEAN_CONFIG, CLEAN_CONFIG.replace(/\n/g, '\r\n'), CLEAN_CONFIG.trimEnd()]) {
      vol.reset();
      files({ [USER_FILE]: original });
      write(onlyStep(await codex.plan(environment(), request({ credential: tokenLiteral }))));
      expect(vol.readFileSync(USER_FILE, 'utf8')).toContain('http_headers');
      const removal = onlyStep(await codex.planRemove(environment(), { name: 'mittwald', scope: 'user' }));
      expect(removal.after).toBe(original);
    }
  });

  it('takes out our table with its sub-tables and nothing else (the comment above it stays)', async () => {
    files({ [USER_FILE]: USER_CONFIG });
    const step = onlyStep(await codex.planRemove(environment(), { name: 'mittwald', scope: 'user' }));
    expect(step.after).toBe(`${HEAD}# mittwald, added from the old docs\n${TAIL}`);
    expect(parsed(step.after).mcp_servers.mittwald).toBeUndefined();
    expect(parsed(step.after).mcp_servers.github.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_example' });
  });

  it('changes nothing when the entry or the file is absent', async () => {
    files({ [USER_FILE]: CLEAN_CONFIG });
    const absent = onlyStep(await codex.planRemove(environment(), { name: 'mittwald', scope: 'user' }));
    expect(absent.after).toBe(absent.before);
    const noFile = onlyStep(await codex.planRemove(environment(), { name: 'mittwald', scope: 'project' }));
    expect(noFile).toMatchObject({ path: PROJECT_FILE, before: null, after: null });
  });
});

describe('files Codex cannot read', () => {
  it('refuses an unparseable config.toml with the parse position and plans no write', async () => {
    const broken = 'model = "o3"\n\n[mcp_servers.github\ncommand = "npx"\n';
    files({ [USER_FILE]: broken });
    const error = await catchError(codex.plan(environment(), request({ credential: tokenRef })));
    expect(error).toBeInstanceOf(SetupError);
    expect((error as SetupError).code).toBe('CONFIG_PARSE');
    expect((error as SetupError).message).toMatch(new RegExp(`^${USER_FILE}:3:\\d+: `));
    await expect(codex.planRemove(environment(), { name: 'mittwald', scope: 'user' })).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
    await expect(codex.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL })).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
    expect(vol.readFileSync(USER_FILE, 'utf8')).toBe(broken);
  });

  it('refuses a file with our table twice (TOML forbids it, so Codex cannot read it either)', async () => {
    const twice = '[mcp_servers.mittwald]\nurl = "https://mittwald-mcp.fly.dev/sse"\n\n[mcp_servers.mittwald]\nurl = "https://mcp.mittwald.de/mcp"\n';
    files({ [USER_FILE]: twice });
    await expect(codex.plan(environment(), request({ credential: tokenRef }))).rejects.toMatchObject({ code: 'CONFIG_PARSE', message: expect.stringMatching(new RegExp(`^${USER_FILE}:4:`)) });
    await expect(codex.planRemove(environment(), { name: 'mittwald', scope: 'user' })).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
    expect(vol.readFileSync(USER_FILE, 'utf8')).toBe(twice);
  });

  it('refuses mcp_servers that is not a table, and one written inline', async () => {
    files({ [USER_FILE]: 'mcp_servers = "none"\n' });
    await expect(codex.plan(environment(), request())).rejects.toMatchObject({ code: 'CONFIG_PARSE', message: expect.stringContaining('not a table') });
    vol.reset();
    files({ [USER_FILE]: 'mcp_servers = { docs = { url = "https://docs.example.test/mcp" } }\n' });
    await expect(codex.plan(environment(), request())).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
  });
});

describe('old mcp-remote bridges', () => {
  const withBridge =
    CLEAN_CONFIG +
    `
[mcp_servers.mittwald-bridge]
command = "npx"
args = ["-y", "mcp-remote", "https://mittwald-mcp.fly.dev/sse"]

[mcp_servers.other-bridge]
command = "npx"
args = ["-y", "mcp-remote", "https://mcp.example.com/mcp"]
`;

  it('are found by the URL they bridge to, reported, and replaced with replaceStale', async () => {
    files({ [USER_FILE]: withBridge });
    const kept = await codex.plan(environment(), request({ credential: tokenRef, replaceStale: false }));
    expect(kept[0]!.staleKept.map((entry) => [entry.name, entry.url, entry.reason])).toEqual([['mittwald-bridge', 'https://mittwald-mcp.fly.dev/sse', 'legacy-fly']]);

    const replaced = await codex.plan(environment(), request({ credential: tokenRef }));
    expect(replaced[0]!.stale.map((entry) => entry.name)).toEqual(['mittwald-bridge']);
    expect(Object.keys(parsed(onlyStep(replaced).after).mcp_servers)).toEqual(['github', 'docs', 'other-bridge', 'mittwald']);
  });

  it('show in inspect (and so in status) as an entry that signs in by itself', async () => {
    files({ [USER_FILE]: withBridge });
    const entries = await codex.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries).toEqual([expect.objectContaining({ name: 'mittwald-bridge', url: 'https://mittwald-mcp.fly.dev/sse', auth: 'oauth', unresolved: [] })]);
  });
});

describe('inspect', () => {
  const config = `
[mcp_servers.mittwald]
url = "${SERVER_URL}"
bearer_token_env_var = "MITTWALD_API_TOKEN"

[mcp_servers.literal]
url = "https://mcp.mittwald.de/mcp"
http_headers = { authorization = "Bearer ${TOKEN}" }

[mcp_servers.oauth-old]
url = "https://mcp.mittwald.de/sse"
scopes = ["user:read"]

[mcp_servers.by-header-var]
url = "https://mittwald-mcp.fly.dev/mcp"
env_http_headers = { Authorization = "MW_HEADER" }

[mcp_servers.docs]
url = "https://docs.example.test/mcp"
http_headers = { Authorization = "Bearer docs" }

[mcp_servers.local]
command = "npx"
`;

  it('classifies reference, literal and OAuth entries and resolves the variables Codex will read', async () => {
    files({ [USER_FILE]: config, [PROJECT_FILE]: `[mcp_servers.shop]\nurl = "${SERVER_URL}"\n` });
    const entries = await codex.inspect(environment({ env: { MITTWALD_API_TOKEN: TOKEN } }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries).toEqual([
      { tool: 'codex', scope: 'user', file: USER_FILE, name: 'mittwald', url: SERVER_URL, auth: 'token-ref', authorization: `Bearer ${TOKEN}`, unresolved: [] },
      { tool: 'codex', scope: 'user', file: USER_FILE, name: 'literal', url: SERVER_URL, auth: 'token-literal', authorization: `Bearer ${TOKEN}`, unresolved: [] },
      { tool: 'codex', scope: 'user', file: USER_FILE, name: 'oauth-old', url: 'https://mcp.mittwald.de/sse', auth: 'oauth', unresolved: [] },
      { tool: 'codex', scope: 'user', file: USER_FILE, name: 'by-header-var', url: 'https://mittwald-mcp.fly.dev/mcp', auth: 'token-ref', unresolved: ['MW_HEADER'] },
      // The project is not trusted: Codex does not read its file (observed with 0.171.0).
      { tool: 'codex', scope: 'project', file: PROJECT_FILE, name: 'shop', url: SERVER_URL, auth: 'oauth', unresolved: [], activation: { state: 'untrusted-project', step: expect.stringContaining(`[projects."${REPO}"]`) } },
    ]);
  });

  it('reports a project entry as active once the project is trusted, and any table with enabled = false as disabled', async () => {
    const trust = `[projects."${REPO}"]\ntrust_level = "trusted"\n`;
    files({ [USER_FILE]: `${trust}\n[mcp_servers.old]\nurl = "https://mcp.mittwald.de/sse"\nenabled = false\n`, [PROJECT_FILE]: `[mcp_servers.shop]\nurl = "${SERVER_URL}"\n` });
    const entries = await codex.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries.map((entry) => [entry.name, entry.activation])).toEqual([
      ['old', { state: 'disabled', step: expect.stringContaining(`[mcp_servers.old] in ${USER_FILE}`) }],
      ['shop', { state: 'active' }],
    ]);
    // Trust of another folder, or another trust level, does not count.
    for (const other of [`[projects."/home/ada/work"]\ntrust_level = "trusted"\n`, `[projects."${REPO}"]\ntrust_level = "untrusted"\n`]) {
      files({ [USER_FILE]: other, [PROJECT_FILE]: `[mcp_servers.shop]\nurl = "${SERVER_URL}"\n` });
      const [entry] = await codex.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
      expect(entry?.activation?.state).toBe('untrusted-project');
    }
  });

  it('reports a project entry merged over a same-named user entry, as Codex reads it', async () => {
    files({ [USER_FILE]: config, [PROJECT_FILE]: `[mcp_servers.mittwald]\nurl = "${SERVER_URL}/"\n` });
    const entries = await codex.inspect(environment({ env: { MITTWALD_API_TOKEN: TOKEN } }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries.filter((entry) => entry.scope === 'project')).toEqual([
      {
        tool: 'codex',
        scope: 'project',
        file: PROJECT_FILE,
        name: 'mittwald',
        url: `${SERVER_URL}/`,
        auth: 'token-ref',
        authorization: `Bearer ${TOKEN}`,
        unresolved: [],
        activation: expect.objectContaining({ state: 'untrusted-project' }),
      },
    ]);
  });

  it('reads a file once when the project folder is the home folder', async () => {
    vol.fromJSON({ [USER_FILE]: config });
    const entries = await codex.inspect(environment({ cwd: HOME }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries.map((entry) => `${entry.scope}:${entry.name}`)).toEqual(['user:mittwald', 'user:literal', 'user:oauth-old', 'user:by-header-var']);
  });

  it('reports an unset (or empty) variable as unresolved, and reads a whole header value from env_http_headers', async () => {
    files({ [USER_FILE]: config });
    const entries = await codex.inspect(environment({ env: { MITTWALD_API_TOKEN: '', MW_HEADER: `Bearer ${TOKEN}` } }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries.find((entry) => entry.name === 'mittwald')).toMatchObject({ auth: 'token-ref', unresolved: ['MITTWALD_API_TOKEN'] });
    expect(entries.find((entry) => entry.name === 'mittwald')).not.toHaveProperty('authorization');
    expect(entries.find((entry) => entry.name === 'by-header-var')).toMatchObject({ auth: 'token-ref', authorization: `Bearer ${TOKEN}`, unresolved: [] });
  });

  it('finds nothing when no file exists', async () => {
    files({});
    expect(await codex.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL })).toEqual([]);
  });

  it('reads back exactly what plan wrote', async () => {
    files({ [USER_FILE]: USER_CONFIG });
    write(onlyStep(await codex.plan(environment(), request({ credential: tokenLiteral }))));
    const [entry] = await codex.inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entry).toMatchObject({ name: 'mittwald', url: SERVER_URL, auth: 'token-literal', authorization: `Bearer ${TOKEN}` });
  });
});

describe('detect', () => {
  it('is installed with codex on PATH, config-found with only ~/.codex, else not installed', async () => {
    files({ '/usr/local/bin/codex': '#!/bin/sh\n', [USER_FILE]: '' });
    expect(await codex.detect(environment())).toEqual({ tool: 'codex', state: 'installed', hosts: [], evidence: ['/usr/local/bin/codex', '/home/ada/.codex'] });
    vol.reset();
    files({ [USER_FILE]: '' });
    expect((await codex.detect(environment())).state).toBe('config-found');
    vol.reset();
    files({});
    expect((await codex.detect(environment())).state).toBe('not-installed');
  });
});
