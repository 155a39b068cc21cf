/** The clients of issue 11 on memfs: where each writes, the entry shape it writes (fixtures of each tool's
 * documented shape), how references and literals are read back, the hosts of Windsurf, Cline and
 * Antigravity, Zed's whole settings file, and Hermes' YAML. */
import { fs as memfsFs, vol } from 'memfs';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseYaml } from 'yaml';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Credential, Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { loadAdapter } = await import('../../adapters/index.js');
const { resolveReferences, SHELL_SYNTAX, BRACED_ENV_SYNTAX, NO_REFERENCES } = await import('../../src/kit/references.js');
const { setYamlValue, removeYamlValue, parseYamlDocument } = await import('../../src/files/yaml-document.js');

const HOME = '/home/ada';
const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const TOKEN = 'mw-fake-token-for-tests-0000';
const environment = (env: Record<string, string> = {}, platform: Environment['platform'] = 'linux'): Environment => ({
  platform,
  home: platform === 'win32' ? 'C:\\Users\\ada' : HOME,
  cwd: platform === 'win32' ? 'C:\\Users\\ada' : HOME,
  env: { HOME, PATH: '/nowhere', ...env },
});
const tokenRef: Credential = { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' };
const tokenLiteral: Credential = { ...tokenRef, storage: 'literal' };
const request = (credential: Credential, overrides: Partial<SetupRequest> = {}): SetupRequest => ({ serverUrl: SERVER_URL, name: 'mittwald', scope: 'user', credential, replaceStale: false, ...overrides });

function write(path: string, text: string): void {
  vol.mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  vol.writeFileSync(path, text);
}

function steps(plans: ToolPlan[]): FileStep[] {
  return plans.flatMap((plan) => plan.steps);
}

async function planned(tool: string, credential: Credential, env: Record<string, string> = {}) {
  const plans = await (await loadAdapter(tool)).plan(environment(env), request(credential));
  return { plans, steps: steps(plans) };
}

beforeEach(() => vol.reset());

describe('references', () => {
  it('Gemini: $VAR and ${VAR}; opencode: {env:VAR}; Zed/Cline/Antigravity: none', () => {
    expect(resolveReferences('Bearer $TOKEN', SHELL_SYNTAX, { TOKEN: 'a' })).toMatchObject({ value: 'Bearer a' });
    expect(resolveReferences('Bearer ${TOKEN}', SHELL_SYNTAX, {})).toMatchObject({ value: undefined, unresolved: ['TOKEN'] });
    expect(resolveReferences('Bearer {env:TOKEN}', BRACED_ENV_SYNTAX, { TOKEN: 'b' })).toMatchObject({ value: 'Bearer b' });
    expect(resolveReferences('Bearer ${TOKEN}', BRACED_ENV_SYNTAX, { TOKEN: 'b' })).toMatchObject({ value: 'Bearer ${TOKEN}' });
    expect(resolveReferences('Bearer ${TOKEN}', NO_REFERENCES, { TOKEN: 'c' })).toMatchObject({ value: 'Bearer ${TOKEN}', unresolved: [] });
  });
});

describe('Gemini CLI', () => {
  it('writes httpUrl with a ${VAR} header in ~/.gemini/settings.json, replacing a url/type entry gemini mcp add wrote', async () => {
    write(`${HOME}/.gemini/settings.json`, '{\n  // mine\n  "mcpServers": { "mittwald": { "url": "https://old.example/mcp", "type": "http", "trust": true } }\n}\n');
    const [step] = (await planned('gemini', tokenRef)).steps;
    expect(step?.path).toBe(`${HOME}/.gemini/settings.json`);
    expect(step?.after).toContain('// mine');
    expect(parseJsonc(step!.after!).mcpServers.mittwald).toEqual({ trust: true, httpUrl: SERVER_URL, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } });
  });

  it('reads $VAR headers back resolved, and url entries too', async () => {
    write(`${HOME}/.gemini/settings.json`, JSON.stringify({ mcpServers: { mittwald: { url: SERVER_URL, headers: { Authorization: 'Bearer $MITTWALD_API_TOKEN' } } } }));
    const [entry] = await (await loadAdapter('gemini')).inspect(environment({ MITTWALD_API_TOKEN: TOKEN }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entry).toMatchObject({ url: SERVER_URL, auth: 'token-ref', authorization: `Bearer ${TOKEN}` });
  });
});

describe('opencode', () => {
  it('writes mcp.<name> = {type: remote, url, headers {env:VAR}, enabled} under $XDG_CONFIG_HOME/opencode, and a project opencode.json', async () => {
    const [user] = (await planned('opencode', tokenRef, { XDG_CONFIG_HOME: '/xdg' })).steps;
    expect(user?.path).toBe('/xdg/opencode/opencode.json');
    expect(JSON.parse(user!.after!).mcp.mittwald).toEqual({ type: 'remote', url: SERVER_URL, headers: { Authorization: 'Bearer {env:MITTWALD_API_TOKEN}' }, enabled: true });
    vol.mkdirSync(`${HOME}/shop/.git`, { recursive: true });
    const plans = await (await loadAdapter('opencode')).plan({ ...environment(), cwd: `${HOME}/shop` }, request({ kind: 'oauth' }, { scope: 'project' }));
    expect(plans[0]?.steps[0]?.path).toBe(`${HOME}/shop/opencode.json`);
    expect(plans[0]?.nextSteps.join(' ')).toContain('opencode mcp auth mittwald');
  });

  it("keeps the user's enabled: false and says so", async () => {
    write(`${HOME}/.config/opencode/opencode.json`, JSON.stringify({ mcp: { mittwald: { type: 'remote', url: SERVER_URL, enabled: false } } }));
    const { plans, steps: [step] } = await planned('opencode', { kind: 'oauth' });
    expect(JSON.parse(step!.after ?? step!.before!).mcp.mittwald.enabled).toBe(false);
    expect(plans[0]?.warnings.join(' ')).toContain('"enabled": false');
  });
});

describe('Hermes Agent', () => {
  it("adds mcp_servers.mittwald as mittwald documents it, keeping the user's comments", async () => {
    write(`${HOME}/.hermes/config.yaml`, '# Hermes\nmodel: anthropic/claude   # mine\n\nmcp_servers:\n  github:\n    url: https://api.githubcopilot.com/mcp/\n');
    const [oauthStep] = (await planned('hermes', { kind: 'oauth' })).steps;
    expect(oauthStep?.after).toBe('# Hermes\nmodel: anthropic/claude   # mine\n\nmcp_servers:\n  github:\n    url: https://api.githubcopilot.com/mcp/\n  mittwald:\n    url: https://mcp.mittwald.de/mcp\n    auth: oauth\n    enabled: true\n');
    const [refStep] = (await planned('hermes', tokenRef)).steps;
    expect(parseYaml(refStep!.after!).mcp_servers.mittwald).toEqual({ url: SERVER_URL, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' }, enabled: true });
  });

  it('lives in %LOCALAPPDATA%\\hermes on Windows', async () => {
    const plans = await (await loadAdapter('hermes')).plan(environment({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32'), request({ kind: 'oauth' }));
    expect(plans[0]?.steps[0]?.path).toBe('C:\\Users\\ada\\AppData\\Local\\hermes\\config.yaml');
  });

  it('reads ${VAR} headers back resolved, and refuses a file that does not parse without changing it', async () => {
    write(`${HOME}/.hermes/config.yaml`, 'mcp_servers:\n  mittwald:\n    url: https://mcp.mittwald.de/mcp\n    headers:\n      Authorization: Bearer ${MITTWALD_API_TOKEN}\n');
    const [entry] = await (await loadAdapter('hermes')).inspect(environment({ MITTWALD_API_TOKEN: TOKEN }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entry).toMatchObject({ auth: 'token-ref', authorization: `Bearer ${TOKEN}` });
    write(`${HOME}/.hermes/config.yaml`, 'mcp_servers:\n  mittwald: [\n');
    await expect(planned('hermes', tokenRef)).rejects.toMatchObject({ code: 'CONFIG_PARSE' });
  });
});

describe('the YAML editor', () => {
  it('refuses what it cannot edit as text: an inline parent, several documents', () => {
    expect(() => setYamlValue('mcp_servers: {a: {url: x}}\n', ['mcp_servers', 'm'], { url: 'y' })).toThrow(/written inline/);
    expect(() => setYamlValue('a: 1\n---\nb: 2\n', ['mcp_servers', 'm'], { url: 'y' })).toThrow(/several YAML documents/);
    expect(() => parseYamlDocument('- a\n- b\n')).toThrow(/not a map/);
  });

  it('refuses an edit that would change an alias to our entry elsewhere', () => {
    const text = 'mcp_servers:\n  m: &m\n    url: x\nother: *m\n';
    expect(() => setYamlValue(text, ['mcp_servers', 'm'], { url: 'y' })).toThrow(/would not parse back|would change more/);
  });

  it('removes a pair at the end of a file without a final newline with the break before it', () => {
    const text = 'a: 1';
    const added = setYamlValue(text, ['mcp_servers'], { m: { url: 'y' } });
    expect(added).toBe('a: 1\nmcp_servers:\n  m:\n    url: y');
    expect(removeYamlValue(added, ['mcp_servers'])).toBe(text);
  });

  it('writes YAML 1.1 safely: a value that 1.1 reads as a boolean is quoted', () => {
    expect(setYamlValue('', ['k'], { v: 'yes' }, { version: '1.1' })).toBe('k:\n  v: "yes"\n');
  });
});

describe('Windsurf (hosts Devin Local and Cascade)', () => {
  it('writes the Devin config when nothing is found, and both files when both are', async () => {
    const first = await planned('windsurf', tokenRef);
    expect(first.steps.map((step) => step.path)).toEqual([`${HOME}/.config/devin/config.json`]);
    expect(JSON.parse(first.steps[0]!.after!).mcpServers.mittwald).toEqual({ url: SERVER_URL, transport: 'http', headers: { Authorization: 'Bearer ${env:MITTWALD_API_TOKEN}' } });
    expect(first.plans[0]?.warnings.join(' ')).toContain('No Windsurf host');

    vol.mkdirSync(`${HOME}/.codeium/windsurf`, { recursive: true });
    vol.mkdirSync(`${HOME}/.config/devin`, { recursive: true });
    const both = await planned('windsurf', { kind: 'oauth' });
    expect(both.plans.map((plan) => [plan.target, plan.host])).toEqual([
      ['Devin Local (user)', 'Devin Local'],
      ['Windsurf Cascade (user)', 'Windsurf Cascade'],
    ]);
    expect(JSON.parse(both.steps[1]!.after!).mcpServers.mittwald).toEqual({ serverUrl: SERVER_URL });
  });

  it('uses %APPDATA%\\devin on Windows and reports entries of both hosts', async () => {
    const plans = await (await loadAdapter('windsurf')).plan(environment({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32'), request({ kind: 'oauth' }));
    expect(plans[0]?.steps[0]?.path).toBe('C:\\Users\\ada\\AppData\\Roaming\\devin\\config.json');
    write(`${HOME}/.codeium/windsurf/mcp_config.json`, JSON.stringify({ mcpServers: { mittwald: { serverUrl: SERVER_URL, headers: { Authorization: 'Bearer ${env:MITTWALD_API_TOKEN}' } } } }));
    const entries = await (await loadAdapter('windsurf')).inspect(environment({ MITTWALD_API_TOKEN: TOKEN }), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries).toEqual([expect.objectContaining({ host: 'Windsurf Cascade', auth: 'token-ref', authorization: `Bearer ${TOKEN}` })]);
  });
});

describe('Zed', () => {
  it("edits only context_servers in the user's whole settings file, with a literal token", async () => {
    const settings = '// Zed settings\n{\n  "theme": "One Dark",\n  "vim_mode": true, // yes\n  "context_servers": {\n    "other": { "command": "x" },\n  },\n}\n';
    write(`${HOME}/.config/zed/settings.json`, settings);
    const [step] = (await planned('zed', tokenLiteral)).steps;
    expect(step?.secret).toBe(true);
    expect(step?.after).toContain('"vim_mode": true, // yes');
    expect(step?.after?.startsWith('// Zed settings\n{\n  "theme": "One Dark",\n')).toBe(true);
    expect(parseJsonc(step!.after!, [], { allowTrailingComma: true }).context_servers.mittwald).toEqual({ url: SERVER_URL, headers: { Authorization: `Bearer ${TOKEN}` } });
  });

  it('takes no reference, so a token cannot go into the shared project file', async () => {
    const zed = await loadAdapter('zed');
    expect(zed.secretReference).toBe('none');
    const plans = await zed.plan(environment({}, 'win32'), request({ kind: 'oauth' }));
    expect(plans[0]?.steps[0]?.path).toBe('C:\\Users\\ada\\AppData\\Roaming\\Zed\\settings.json');
  });
});

describe('Antigravity', () => {
  it('writes ~/.gemini/config/mcp_config.json, and the older builds’ file only when that folder is here', async () => {
    const first = await planned('antigravity', tokenLiteral);
    expect(first.steps.map((step) => step.path)).toEqual([`${HOME}/.gemini/config/mcp_config.json`]);
    expect(JSON.parse(first.steps[0]!.after!).mcpServers.mittwald).toEqual({ serverUrl: SERVER_URL, headers: { Authorization: `Bearer ${TOKEN}` } });
    vol.reset();
    vol.mkdirSync(`${HOME}/.gemini/antigravity`, { recursive: true });
    const older = await planned('antigravity', { kind: 'oauth' });
    expect(older.steps.map((step) => step.path)).toEqual([`${HOME}/.gemini/antigravity/mcp_config.json`]);
  });
});

describe('Cline (hosts VS Code extension and CLI)', () => {
  it('writes the flat entry into each host found, and reads the nested one `cline mcp add` writes', async () => {
    vol.mkdirSync(`${HOME}/.cline`, { recursive: true });
    vol.mkdirSync(`${HOME}/.config/Code/User/globalStorage/saoudrizwan.claude-dev`, { recursive: true });
    const { steps: written } = await planned('cline', tokenLiteral);
    expect(written.map((step) => step.path)).toEqual([
      `${HOME}/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json`,
      `${HOME}/.cline/data/settings/cline_mcp_settings.json`,
    ]);
    expect(JSON.parse(written[1]!.after!).mcpServers.mittwald).toEqual({ type: 'streamableHttp', url: SERVER_URL, headers: { Authorization: `Bearer ${TOKEN}` }, disabled: false });

    vol.reset();
    write(`${HOME}/.cline/data/settings/cline_mcp_settings.json`, JSON.stringify({ mcpServers: { mittwald: { transport: { type: 'streamableHttp', url: SERVER_URL, headers: { Authorization: 'Bearer abc' } } } } }));
    const entries = await (await loadAdapter('cline')).inspect(environment(), { name: 'mittwald', serverUrl: SERVER_URL });
    expect(entries).toEqual([expect.objectContaining({ host: 'Cline CLI', url: SERVER_URL, auth: 'token-literal', authorization: 'Bearer abc' })]);
  });

  it('follows $CLINE_DIR (settled with the binary: 3.0.65 writes <CLINE_DIR>/data/settings/…)', async () => {
    const { steps: written } = await planned('cline', tokenLiteral, { CLINE_DIR: '/opt/cline-home' });
    expect(written.map((step) => step.path)).toEqual([`${HOME}/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json`]);
    vol.mkdirSync('/opt/cline-home', { recursive: true });
    const again = await planned('cline', tokenLiteral, { CLINE_DIR: '/opt/cline-home' });
    expect(again.steps.map((step) => step.path)).toEqual(['/opt/cline-home/data/settings/cline_mcp_settings.json']);
  });

  it('remove takes the entry out of every host that has it', async () => {
    write(`${HOME}/.cline/data/settings/cline_mcp_settings.json`, JSON.stringify({ mcpServers: { mittwald: { url: SERVER_URL } } }));
    write(`${HOME}/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json`, JSON.stringify({ mcpServers: { mittwald: { url: SERVER_URL }, x: { url: 'y' } } }));
    const removal = await (await loadAdapter('cline')).planRemove(environment(), { name: 'mittwald', scope: 'user' });
    expect(removal.map((plan) => plan.host)).toEqual(['Cline for VS Code', 'Cline CLI']);
    expect(removal.every((plan) => plan.steps[0]!.after !== plan.steps[0]!.before)).toBe(true);
  });
});
