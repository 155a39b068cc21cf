import { diffLines } from 'diff';
import { parse } from 'jsonc-parser';
import { fs as memfs, vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', async () => {
  const { fs } = await import('memfs');
  return { ...fs.promises, default: fs.promises };
});

const { default: copilot, vscodeInstallLink } = await import('../../adapters/copilot.js');
const { loadAdapter } = await import('../../adapters/index.js');
const { planTools } = await import('../../src/setup-steps.js');

const SERVER = 'https://mcp.mittwald.de/mcp';
const TOKEN = 'mw-secret-token-1234';
const HOME = '/home/ann';

const VSCODE_FIXTURE = `// My MCP servers
{
  "servers": {
    // GitHub's own server
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/",
    },
    "local": { "type": "stdio", "command": "node", "args": ["server.js"] },
  },
  "inputs": [
    { "id": "gh-token", "type": "promptString", "description": "GitHub PAT", "password": true },
  ],
}
`;

function environment(overrides: Partial<Environment> = {}, env: Record<string, string> = {}): Environment {
  return { platform: 'linux', home: HOME, cwd: `${HOME}/project`, env: { PATH: '/usr/bin', ...env }, ...overrides };
}

function request(credential: SetupRequest['credential'], scope: SetupRequest['scope'] = 'user'): SetupRequest {
  return { serverUrl: SERVER, name: 'mittwald', scope, credential, replaceStale: true };
}

const tokenRef: SetupRequest['credential'] = { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' };
const tokenLiteral: SetupRequest['credential'] = { ...tokenRef, storage: 'literal' };
const oauth: SetupRequest['credential'] = { kind: 'oauth' };

function fileStep(plan: ToolPlan | undefined): FileStep {
  const step = plan?.steps[0];
  if (step?.kind !== 'file') throw new Error('expected a file step');
  return step;
}

function parsed(text: string | null): Record<string, any> {
  if (text === null) throw new Error('no text');
  return parse(text, [], { allowTrailingComma: true }) as Record<string, any>;
}

/** Installs a program on the fake PATH. */
function onPath(command: string): void {
  vol.mkdirSync('/usr/bin', { recursive: true });
  vol.writeFileSync(`/usr/bin/${command}`, '#!/bin/sh\n');
}

const VSCODE_USER = `${HOME}/.config/Code/User`;
const VSCODE_FILE = `${VSCODE_USER}/mcp.json`;

beforeEach(() => {
  vol.reset();
});

describe('VS Code mcp.json', () => {
  beforeEach(() => {
    vol.fromJSON({ [VSCODE_FILE]: VSCODE_FIXTURE });
  });

  it('adds the entry with an ${input:} reference and our input, leaving every other byte alone', async () => {
    const plans = await copilot.plan(environment(), request(tokenRef));
    expect(plans.map((plan) => plan.host)).toEqual(['VS Code']);
    const step = fileStep(plans[0]);
    expect(step.path).toBe(VSCODE_FILE);
    expect(step.before).toBe(VSCODE_FIXTURE);
    expect(step.secret).toBe(false);

    const after = parsed(step.after);
    expect(after.servers.mittwald).toEqual({ type: 'http', url: SERVER, headers: { Authorization: 'Bearer ${input:mittwald-token}' } });
    expect(after.inputs).toEqual([
      { id: 'gh-token', type: 'promptString', description: 'GitHub PAT', password: true },
      { id: 'mittwald-token', type: 'promptString', description: 'mittwald API token', password: true },
    ]);
    expect(after.servers.github).toEqual({ type: 'http', url: 'https://api.githubcopilot.com/mcp/' });
    expect(step.after).not.toContain('mcpServers');
    expect(step.after).not.toContain(TOKEN);

    // Nothing of the original text is removed or rewritten: the diff only adds our lines.
    const changes = diffLines(VSCODE_FIXTURE, step.after ?? '');
    expect(changes.filter((change) => change.removed)).toEqual([]);
    for (const change of changes.filter((part) => part.added)) expect(change.value).toMatch(/mittwald/);

    expect(plans[0]?.warnings).toEqual([]);
    expect(plans[0]?.nextSteps.join('\n')).toMatch(/secret storage/);
  });

  it('changes nothing when run again', async () => {
    const first = fileStep((await copilot.plan(environment(), request(tokenRef)))[0]);
    vol.writeFileSync(VSCODE_FILE, first.after ?? '');
    const second = fileStep((await copilot.plan(environment(), request(tokenRef)))[0]);
    expect(second.before).toBe(first.after);
    expect(second.after).toBe(second.before);
  });

  it('removes the entry and our input, restoring the original bytes', async () => {
    const added = fileStep((await copilot.plan(environment(), request(tokenRef)))[0]);
    vol.writeFileSync(VSCODE_FILE, added.after ?? '');
    const plans = await copilot.planRemove(environment(), { name: 'mittwald', scope: 'user' });
    expect(plans.map((plan) => plan.target)).toEqual(['VS Code (user)']);
    expect(fileStep(plans[0]).after).toBe(VSCODE_FIXTURE);
  });

  it('replaces only our input when it differs, by id', async () => {
    const stale = VSCODE_FIXTURE.replace(
      '"password": true },\n  ],',
      '"password": true },\n    { "id": "mittwald-token", "type": "promptString", "description": "old" },\n  ],',
    );
    vol.writeFileSync(VSCODE_FILE, stale);
    const after = parsed(fileStep((await copilot.plan(environment(), request(tokenRef)))[0]).after);
    expect(after.inputs).toHaveLength(2);
    expect(after.inputs[0].id).toBe('gh-token');
    expect(after.inputs[1]).toEqual({ id: 'mittwald-token', type: 'promptString', description: 'mittwald API token', password: true });
  });

  it('writes a literal token on request: secret step, a warning, and no input', async () => {
    const plans = await copilot.plan(environment(), request(tokenLiteral));
    const step = fileStep(plans[0]);
    expect(step.secret).toBe(true);
    const after = parsed(step.after);
    expect(after.servers.mittwald.headers).toEqual({ Authorization: `Bearer ${TOKEN}` });
    expect(after.inputs.map((input: { id: string }) => input.id)).toEqual(['gh-token']);
    expect(step.after).not.toContain('mcpServers');
    expect(plans[0]?.warnings.join('\n')).toMatch(/plain text/);
  });

  it('drops our input when an entry that used it becomes an OAuth entry', async () => {
    vol.writeFileSync(VSCODE_FILE, fileStep((await copilot.plan(environment(), request(tokenRef)))[0]).after ?? '');
    const plans = await copilot.plan(environment(), request(oauth));
    const step = fileStep(plans[0]);
    const after = parsed(step.after);
    expect(after.servers.mittwald).toEqual({ type: 'http', url: SERVER });
    expect(after.inputs.map((input: { id: string }) => input.id)).toEqual(['gh-token']);
    expect(plans[0]?.nextSteps.join('\n')).toContain(vscodeInstallLink('mittwald', SERVER));
  });

  it('creates a new file with servers and inputs', async () => {
    vol.reset();
    onPath('code');
    const step = fileStep((await copilot.plan(environment(), request(tokenRef)))[0]);
    expect(step.before).toBeNull();
    expect(Object.keys(parsed(step.after))).toEqual(['servers', 'inputs']);
    expect(step.after).not.toContain('mcpServers');
  });

  it('reports the entry with its unanswered prompt', async () => {
    vol.writeFileSync(VSCODE_FILE, fileStep((await copilot.plan(environment(), request(tokenRef)))[0]).after ?? '');
    const entries = await copilot.inspect(environment(), { name: 'mittwald', serverUrl: SERVER });
    expect(entries).toEqual([
      { tool: 'copilot', scope: 'user', host: 'VS Code', file: VSCODE_FILE, name: 'mittwald', url: SERVER, auth: 'token-ref', unresolved: [], prompts: ['mittwald-token'] },
    ]);
  });
});

describe('VS Code paths', () => {
  const planPath = async (env: Environment): Promise<string[]> =>
    (await copilot.plan(env, request(oauth))).map((plan) => fileStep(plan).path);

  it('uses XDG_CONFIG_HOME on Linux', async () => {
    expect(await planPath(environment({}, { XDG_CONFIG_HOME: '/xdg' }))).toEqual(['/xdg/Code/User/mcp.json']);
  });

  it('uses Application Support on macOS', async () => {
    expect(await planPath(environment({ platform: 'darwin', home: '/Users/ann', cwd: '/Users/ann' }))).toEqual([
      '/Users/ann/Library/Application Support/Code/User/mcp.json',
    ]);
  });

  it('uses APPDATA on Windows', async () => {
    const win = environment({ platform: 'win32', home: 'C:\\Users\\ann', cwd: 'C:\\Users\\ann' }, { APPDATA: 'D:\\Roaming' });
    expect(await planPath(win)).toEqual(['D:\\Roaming\\Code\\User\\mcp.json']);
  });

  it('plans stable and Insiders separately when both are installed', async () => {
    onPath('code');
    onPath('code-insiders');
    const plans = await copilot.plan(environment(), request(oauth));
    expect(plans.map((plan) => [plan.host, fileStep(plan).path])).toEqual([
      ['VS Code', VSCODE_FILE],
      ['VS Code Insiders', `${HOME}/.config/Code - Insiders/User/mcp.json`],
    ]);
    expect(plans[1]?.nextSteps.join('\n')).toContain(vscodeInstallLink('mittwald', SERVER, true));
    expect(vscodeInstallLink('mittwald', SERVER, true)).toMatch(/^vscode-insiders:mcp\/install\?/);
    expect(JSON.parse(decodeURIComponent(vscodeInstallLink('mittwald', SERVER).replace('vscode:mcp/install?', '')))).toEqual({
      name: 'mittwald',
      type: 'http',
      url: SERVER,
    });
  });

  it('plans the shared project file once and names hosts that have no project file', async () => {
    onPath('code');
    onPath('code-insiders');
    vol.mkdirSync(`${HOME}/project/.git`, { recursive: true });
    vol.mkdirSync(`${HOME}/.config/github-copilot/intellij`, { recursive: true });
    const plans = await copilot.plan(environment({ cwd: `${HOME}/project/src` }), request(tokenRef, 'project'));
    expect(plans).toHaveLength(1);
    expect(plans[0]?.target).toBe('VS Code (project)');
    const step = fileStep(plans[0]);
    expect(step.path).toBe(`${HOME}/project/.vscode/mcp.json`);
    expect(parsed(step.after).servers.mittwald.headers.Authorization).toBe('Bearer ${input:mittwald-token}');
    expect(step.after).not.toContain('mcpServers');
    expect(plans[0]?.warnings.join('\n')).toMatch(/Copilot for JetBrains has no project configuration/);
  });
});

describe('Copilot for JetBrains and Xcode', () => {
  const mac = environment({ platform: 'darwin' });

  beforeEach(() => {
    vol.mkdirSync(`${HOME}/.config/github-copilot/intellij`, { recursive: true });
    vol.mkdirSync(`${HOME}/.config/github-copilot/xcode`, { recursive: true });
  });

  it('writes the token literally under requestInit, even when a reference was asked for', async () => {
    const plans = await copilot.plan(mac, request(tokenRef));
    expect(plans.map((plan) => plan.host)).toEqual(['Copilot for JetBrains', 'Copilot for Xcode']);
    for (const [plan, ide] of [
      [plans[0], 'intellij'],
      [plans[1], 'xcode'],
    ] as const) {
      const step = fileStep(plan);
      expect(step.path).toBe(`${HOME}/.config/github-copilot/${ide}/mcp.json`);
      expect(step.secret).toBe(true);
      expect(parsed(step.after).servers).toEqual({ mittwald: { url: SERVER, requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } } });
      expect(plan?.warnings.join('\n')).toMatch(/plain text/);
    }
  });

  it('writes only the URL for OAuth and says sign-in may not be supported', async () => {
    const plans = await copilot.plan(mac, request(oauth));
    expect(parsed(fileStep(plans[0]).after).servers.mittwald).toEqual({ url: SERVER });
    expect(fileStep(plans[0]).secret).toBe(false);
    expect(plans[0]?.nextSteps.join('\n')).toMatch(/may not support OAuth.*API token/);
  });

  it('reads a literal entry back with its header', async () => {
    vol.writeFileSync(`${HOME}/.config/github-copilot/intellij/mcp.json`, fileStep((await copilot.plan(mac, request(tokenRef)))[0]).after ?? '');
    const entries = await copilot.inspect(mac, { name: 'mittwald', serverUrl: SERVER });
    expect(entries.map((entry) => [entry.host, entry.auth, entry.authorization])).toEqual([['Copilot for JetBrains', 'token-literal', `Bearer ${TOKEN}`]]);
  });

  it('is not looked for on Linux for Xcode, which runs only on macOS', async () => {
    expect((await copilot.detect(environment())).hosts).toEqual(['Copilot for JetBrains']);
  });
});

describe('Copilot CLI', () => {
  it('honours COPILOT_HOME and writes mcpServers with every tool allowed', async () => {
    vol.mkdirSync('/data/copilot', { recursive: true });
    const env = environment({}, { COPILOT_HOME: '/data/copilot' });
    const plans = await copilot.plan(env, request(tokenRef));
    expect(plans.map((plan) => plan.host)).toEqual(['Copilot CLI']);
    const step = fileStep(plans[0]);
    expect(step.path).toBe('/data/copilot/mcp-config.json');
    expect(step.secret).toBe(true);
    expect(parsed(step.after)).toEqual({
      mcpServers: { mittwald: { type: 'http', url: SERVER, headers: { Authorization: `Bearer ${TOKEN}` }, tools: ['*'] } },
    });
  });

  it('removes only our entry', async () => {
    const original = '{\n  "mcpServers": {\n    "other": { "type": "http", "url": "https://example.com/mcp", "tools": ["*"] }\n  }\n}\n';
    vol.fromJSON({ [`${HOME}/.copilot/mcp-config.json`]: original });
    const added = fileStep((await copilot.plan(environment(), request(tokenLiteral)))[0]);
    vol.writeFileSync(`${HOME}/.copilot/mcp-config.json`, added.after ?? '');
    const removal = await copilot.planRemove(environment(), { name: 'mittwald', scope: 'user' });
    expect(removal.map((plan) => plan.host)).toEqual(['Copilot CLI']);
    expect(fileStep(removal[0]).after).toBe(original);
  });
});

describe('Visual Studio', () => {
  it('is never detected outside Windows, even with a ~/.mcp.json', async () => {
    vol.fromJSON({ [`${HOME}/.mcp.json`]: '{}' });
    expect((await copilot.detect(environment())).hosts).toEqual([]);
  });

  it('writes servers with a literal token on Windows and says why', async () => {
    const win = environment({ platform: 'win32', home: 'C:\\Users\\ann', cwd: 'C:\\Users\\ann' });
    vol.fromJSON({ 'C:\\Users\\ann\\.mcp.json': '{ "servers": {} }\n' });
    const plans = await copilot.plan(win, request(tokenRef));
    expect(plans.map((plan) => plan.host)).toEqual(['Visual Studio']);
    const step = fileStep(plans[0]);
    expect(step.path).toBe('C:\\Users\\ann\\.mcp.json');
    expect(step.secret).toBe(true);
    expect(parsed(step.after).servers.mittwald).toEqual({ type: 'http', url: SERVER, headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(step.after).not.toContain('mcpServers');
    expect(plans[0]?.warnings.join('\n')).toMatch(/unconfirmed/);
  });
});

describe('detection and host selection', () => {
  it('lists every host found', async () => {
    onPath('code');
    onPath('copilot');
    vol.mkdirSync(`${HOME}/.config/github-copilot/intellij`, { recursive: true });
    const detection = await copilot.detect(environment());
    expect(detection.state).toBe('installed');
    expect(detection.hosts).toEqual(['VS Code', 'Copilot for JetBrains', 'Copilot CLI']);
    expect(detection.evidence).toEqual(expect.arrayContaining(['/usr/bin/code', '/usr/bin/copilot', `${HOME}/.config/github-copilot/intellij`]));
  });

  it('counts a VS Code settings folder as config found', async () => {
    vol.mkdirSync(VSCODE_USER, { recursive: true });
    expect(await copilot.detect(environment())).toMatchObject({ state: 'config-found', hosts: ['VS Code'] });
  });

  it('finds nothing on an empty machine', async () => {
    expect(await copilot.detect(environment())).toEqual({ tool: 'copilot', state: 'not-installed', hosts: [], evidence: [] });
  });

  it('yields one plan per detected host for --tool copilot', async () => {
    onPath('code');
    vol.mkdirSync(`${HOME}/.copilot`, { recursive: true });
    const adapter = await loadAdapter('copilot');
    const planned = await planTools([adapter], environment(), () => request(tokenRef));
    expect(planned.map((entry) => [entry.plan?.host, entry.plan?.target])).toEqual([
      ['VS Code', 'VS Code (user)'],
      ['Copilot CLI', 'Copilot CLI (user)'],
    ]);
    expect(planned.every((entry) => entry.error === undefined)).toBe(true);
  });

  it('plans VS Code with a warning when no host is found', async () => {
    const plans = await copilot.plan(environment(), request(oauth));
    expect(plans.map((plan) => [plan.host, fileStep(plan).path])).toEqual([['VS Code', VSCODE_FILE]]);
    expect(plans[0]?.warnings.join('\n')).toMatch(/No GitHub Copilot host/);
  });

  it('removes from every detected host and falls back to VS Code when none is found', async () => {
    expect((await copilot.planRemove(environment(), { name: 'mittwald', scope: 'user' })).map((plan) => plan.target)).toEqual(['VS Code (user)']);
    onPath('code-insiders');
    onPath('copilot');
    expect((await copilot.planRemove(environment(), { name: 'mittwald', scope: 'user' })).map((plan) => plan.host)).toEqual([
      'VS Code Insiders',
      'Copilot CLI',
    ]);
  });
});
