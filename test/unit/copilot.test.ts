/** The Copilot adapter on memfs: the portable entry that VS Code, the Copilot CLI and the Copilot app share
 * (user `~/.copilot/mcp-config.json`, project `.mcp.json`, the latter shared with Claude Code), the move of our
 * older entries out of VS Code's own `mcp.json`, and the hosts with files of their own. */
import { diffLines } from 'diff';
import { parse } from 'jsonc-parser';
import { vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', async () => {
  const { fs } = await import('memfs');
  return { ...fs.promises, default: fs.promises };
});
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', async () => {
  const { fs } = await import('memfs');
  return { ...fs, default: fs };
});

const { default: copilot, PORTABLE_HOST } = await import('../../adapters/copilot/index.js');
const { default: claudeCode } = await import('../../adapters/claude-code.js');
const { loadAdapter } = await import('../../adapters/index.js');
const { applyTool, planTools } = await import('../../src/flow/setup-steps.js');

const SERVER = 'https://mcp.mittwald.de/mcp';
const TOKEN = 'mw-secret-token-1234';
const HOME = '/home/ann';
const PORTABLE_FILE = `${HOME}/.copilot/mcp-config.json`;

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

/** VS Code's mcp.json as an earlier setup left it: our entry with its ${input:} prompt, and our input. */
const VSCODE_WITH_OURS = VSCODE_FIXTURE.replace(
  '"local": { "type": "stdio", "command": "node", "args": ["server.js"] },\n',
  '"local": { "type": "stdio", "command": "node", "args": ["server.js"] },\n    "mittwald": { "type": "http", "url": "https://mcp.mittwald.de/mcp", "headers": { "Authorization": "Bearer ${input:mittwald-token}" } },\n',
).replace(
  '"password": true },\n  ],',
  '"password": true },\n    { "id": "mittwald-token", "type": "promptString", "description": "mittwald API token", "password": true },\n  ],',
);

function environment(overrides: Partial<Environment> = {}, env: Record<string, string> = {}): Environment {
  return { platform: 'linux', home: HOME, cwd: `${HOME}/project`, env: { PATH: '/usr/bin', ...env }, ...overrides };
}

function request(credential: SetupRequest['credential'], scope: SetupRequest['scope'] = 'user'): SetupRequest {
  return { serverUrl: SERVER, name: 'mittwald', scope, credential, replaceStale: true };
}

const tokenRef: SetupRequest['credential'] = { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' };
const tokenLiteral: SetupRequest['credential'] = { ...tokenRef, storage: 'literal' };
const oauth: SetupRequest['credential'] = { kind: 'oauth' };

function fileStep(plan: ToolPlan | undefined, index = 0): FileStep {
  const step = plan?.steps[index];
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

/** Writes every changed step of a plan, as the applier would. */
function write(plan: ToolPlan | undefined): void {
  for (const step of plan?.steps ?? []) {
    if (step.kind !== 'file' || step.after === step.before) continue;
    if (step.after === null) vol.unlinkSync(step.path);
    else {
      vol.mkdirSync(step.path.slice(0, step.path.lastIndexOf('/')), { recursive: true });
      vol.writeFileSync(step.path, step.after);
    }
  }
}

const VSCODE_USER = `${HOME}/.config/Code/User`;
const VSCODE_FILE = `${VSCODE_USER}/mcp.json`;
const INSIDERS_FILE = `${HOME}/.config/Code - Insiders/User/mcp.json`;

beforeEach(() => {
  vol.reset();
});

describe('the portable entry (VS Code, Copilot CLI, Copilot app)', () => {
  it('writes mcpServers in ~/.copilot/mcp-config.json with a ${VAR} reference the Copilot CLI expands', async () => {
    onPath('code');
    const plans = await copilot.plan(environment(), request(tokenRef));
    expect(plans.map((plan) => [plan.host, plan.target])).toEqual([[PORTABLE_HOST, `${PORTABLE_HOST} (user)`]]);
    const step = fileStep(plans[0]);
    expect(step.path).toBe(PORTABLE_FILE);
    expect(step.before).toBeNull();
    expect(step.secret).toBe(false);
    expect(parsed(step.after)).toEqual({ mcpServers: { mittwald: { type: 'http', url: SERVER, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' }, tools: ['*'] } } });
    expect(step.after).not.toContain(TOKEN);
    expect(plans[0]?.steps).toHaveLength(1);
    expect(plans[0]?.warnings).toEqual([]);
    expect(plans[0]?.nextSteps.join('\n')).toMatch(/Copilot \(VS Code, the Copilot CLI\) reads the token from the MITTWALD_API_TOKEN environment variable/);
  });

  it('one plan however many of VS Code, VS Code Insiders and the Copilot CLI are found', async () => {
    onPath('code');
    onPath('code-insiders');
    onPath('copilot');
    const plans = await copilot.plan(environment(), request(oauth));
    expect(plans.map((plan) => plan.host)).toEqual([PORTABLE_HOST]);
    expect(parsed(fileStep(plans[0]).after).mcpServers.mittwald).toEqual({ type: 'http', url: SERVER, tools: ['*'] });
    expect(plans[0]?.nextSteps.join('\n')).toMatch(/sign in with mittwald when it asks/);
    expect((await copilot.detect(environment())).hosts).toEqual(['VS Code', 'VS Code Insiders', 'Copilot CLI']);
  });

  it('honours COPILOT_HOME; a literal token makes the file 0600 with a warning', async () => {
    const env = environment({}, { COPILOT_HOME: '/data/copilot' });
    const plans = await copilot.plan(env, request(tokenLiteral));
    const step = fileStep(plans[0]);
    expect(step.path).toBe('/data/copilot/mcp-config.json');
    expect(step.secret).toBe(true);
    expect(parsed(step.after).mcpServers.mittwald.headers).toEqual({ Authorization: `Bearer ${TOKEN}` });
    expect(plans[0]?.warnings.join('\n')).toMatch(/plain text in \/data\/copilot\/mcp-config.json \(file mode 0600\)/);
  });

  it('keeps everything else in the file and changes nothing when run again', async () => {
    const original = '{\n  "mcpServers": {\n    "other": { "type": "http", "url": "https://example.com/mcp", "tools": ["*"] }\n  }\n}\n';
    vol.fromJSON({ [PORTABLE_FILE]: original });
    const first = await copilot.plan(environment(), request(tokenRef));
    // Only a comma after the other entry changes of the lines already there.
    const changes = diffLines(original, fileStep(first[0]).after ?? '');
    expect(changes.filter((change) => change.removed).map((change) => change.value)).toEqual(['    "other": { "type": "http", "url": "https://example.com/mcp", "tools": ["*"] }\n']);
    expect(parsed(fileStep(first[0]).after).mcpServers.other).toEqual({ type: 'http', url: 'https://example.com/mcp', tools: ['*'] });
    write(first[0]);
    const second = fileStep((await copilot.plan(environment(), request(tokenRef)))[0]);
    expect(second.after).toBe(second.before);
    const removal = await copilot.planRemove(environment(), { name: 'mittwald', scope: 'user' });
    expect(removal.map((plan) => plan.host)).toEqual([PORTABLE_HOST]);
    expect(fileStep(removal[0]).after).toBe(original);
  });

  it('reports the entry with the reference resolved from the environment', async () => {
    write((await copilot.plan(environment(), request(tokenRef)))[0]);
    const entries = await copilot.inspect(environment({}, { MITTWALD_API_TOKEN: TOKEN }), { name: 'mittwald', serverUrl: SERVER });
    expect(entries).toEqual([
      { tool: 'copilot', scope: 'user', host: PORTABLE_HOST, file: PORTABLE_FILE, name: 'mittwald', url: SERVER, auth: 'token-ref', authorization: `Bearer ${TOKEN}`, unresolved: [] },
    ]);
  });

  it('plans it with a warning when no host is found', async () => {
    const plans = await copilot.plan(environment(), request(oauth));
    expect(plans.map((plan) => [plan.host, fileStep(plan).path])).toEqual([[PORTABLE_HOST, PORTABLE_FILE]]);
    expect(plans[0]?.warnings.join('\n')).toMatch(/No GitHub Copilot host/);
  });
});

describe('moving our older entries out of VS Code’s own mcp.json', () => {
  it('takes our entry and our input out of the profile mcp.json of stable and Insiders, byte for byte, and says so', async () => {
    vol.fromJSON({ [VSCODE_FILE]: VSCODE_WITH_OURS, [INSIDERS_FILE]: VSCODE_WITH_OURS });
    const [plan, ...others] = await copilot.plan(environment(), request(tokenRef));
    expect(others).toEqual([]);
    expect(plan?.steps.map((step) => step.path)).toEqual([PORTABLE_FILE, VSCODE_FILE, INSIDERS_FILE]);
    expect(fileStep(plan, 1).after).toBe(VSCODE_FIXTURE);
    expect(fileStep(plan, 2).after).toBe(VSCODE_FIXTURE);
    const moved = plan?.warnings.filter((warning) => warning.startsWith('Moved "mittwald"')) ?? [];
    expect(moved).toHaveLength(2);
    expect(moved[0]).toContain(`out of ${VSCODE_FILE}`);
    expect(moved[0]).toContain(`into ${PORTABLE_FILE}`);
    expect(moved[0]).toContain('${input:mittwald-token} prompt is no longer used');

    // Once moved, a second run finds nothing left to move.
    write(plan);
    const again = await copilot.plan(environment(), request(tokenRef));
    expect(again[0]?.steps.map((step) => step.path)).toEqual([PORTABLE_FILE]);
    expect(fileStep(again[0]).after).toBe(fileStep(again[0]).before);
  });

  it('leaves an entry of our name that points elsewhere, and files it cannot read', async () => {
    const elsewhere = '{ "servers": { "mittwald": { "type": "http", "url": "https://example.com/mcp" } } }\n';
    vol.fromJSON({ [VSCODE_FILE]: elsewhere, [INSIDERS_FILE]: '{ "servers": ' });
    const [plan] = await copilot.plan(environment(), request(oauth));
    expect(plan?.steps.map((step) => step.path)).toEqual([PORTABLE_FILE]);
    expect(plan?.warnings.join('\n')).not.toMatch(/Moved/);
  });

  it('status still shows an entry left there, and remove takes it out with the portable one', async () => {
    vol.fromJSON({ [VSCODE_FILE]: VSCODE_WITH_OURS });
    const entries = await copilot.inspect(environment(), { name: 'mittwald', serverUrl: SERVER });
    expect(entries).toEqual([expect.objectContaining({ host: 'VS Code', file: VSCODE_FILE, auth: 'token-ref', prompts: ['mittwald-token'] })]);
    const [removal] = await copilot.planRemove(environment(), { name: 'mittwald', scope: 'user' });
    expect(removal?.steps.map((step) => step.path)).toEqual([PORTABLE_FILE, VSCODE_FILE]);
    expect(fileStep(removal, 1).after).toBe(VSCODE_FIXTURE);
  });
});

describe('project scope: the workspace .mcp.json, shared with Claude Code', () => {
  const PROJECT = `${HOME}/project`;
  const inProject = () => environment({ cwd: `${PROJECT}/src` });

  beforeEach(() => {
    vol.mkdirSync(`${PROJECT}/.git`, { recursive: true });
  });

  it('writes the entry Claude Code writes, moves ours out of .vscode/mcp.json and names hosts that have no project file', async () => {
    onPath('code');
    vol.mkdirSync(`${HOME}/.config/github-copilot/intellij`, { recursive: true });
    vol.fromJSON({ [`${PROJECT}/.vscode/mcp.json`]: VSCODE_WITH_OURS });
    const plans = await copilot.plan(inProject(), request(tokenRef, 'project'));
    expect(plans).toHaveLength(1);
    expect(plans[0]?.target).toBe(`${PORTABLE_HOST} (project)`);
    expect(plans[0]?.steps.map((step) => step.path)).toEqual([`${PROJECT}/.mcp.json`, `${PROJECT}/.vscode/mcp.json`]);
    // No `tools`: Claude Code skips an entry whose tools is a list of names (and Copilot allows every tool without it).
    expect(parsed(fileStep(plans[0]).after)).toEqual({ mcpServers: { mittwald: { type: 'http', url: SERVER, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } } } });
    expect(fileStep(plans[0], 1).after).toBe(VSCODE_FIXTURE);
    const warnings = plans[0]?.warnings.join('\n') ?? '';
    expect(warnings).toMatch(/Copilot for JetBrains has no project configuration/);
    expect(warnings).toContain("is also Claude Code's project file");
    expect(plans[0]?.nextSteps.join('\n')).toMatch(/only in a folder it trusts.*trusted_folders/);
  });

  it('refuses a project file in the home folder', async () => {
    await expect(copilot.plan(environment({ cwd: HOME }), request(oauth, 'project'))).rejects.toMatchObject({ code: 'USAGE' });
  });

  for (const order of [['claude-code', 'copilot'], ['copilot', 'claude-code']] as const) {
    for (const credential of [tokenRef, { kind: 'oauth', scopes: ['user:read', 'project:read'] }] as const) {
      it(`one run with ${order.join(' then ')} (${credential.kind}) leaves one entry that both read as their own`, async () => {
        const adapters = await Promise.all(order.map(loadAdapter));
        const planned = await planTools(adapters, inProject(), () => request(credential, 'project'));
        // Both plans were made from the same (empty) file; the second is planned again under the lock.
        expect(planned.map((item) => item.plan?.steps[0]?.path)).toEqual([`${PROJECT}/.mcp.json`, `${PROJECT}/.mcp.json`]);
        // Applied one after the other, as the setup pipeline does.
        const results = [];
        for (const item of planned) results.push((await applyTool({ ...item, plan: item.plan! }, { environment: inProject(), backupDir: `${HOME}/backups` })).result);
        // The second finds the entry as it wants it (unchanged), or adds its own key (Claude's oauth.scopes).
        expect(results[0]?.status).toBe('configured');
        expect(['configured', 'unchanged']).toContain(results[1]?.status);
        const entry = parsed(vol.readFileSync(`${PROJECT}/.mcp.json`, 'utf8') as string).mcpServers.mittwald;
        expect(entry).toEqual({
          type: 'http',
          url: SERVER,
          ...(credential.kind === 'token' ? { headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } } : { oauth: { scopes: 'user:read project:read' } }),
        });
        // Each tool planned again finds its entry as it wants it: no tug of war between the two setups.
        for (const adapter of [claudeCode, copilot]) {
          const [plan] = await adapter.plan(inProject(), request(credential, 'project'));
          expect(fileStep(plan).after, adapter.id).toBe(fileStep(plan).before);
        }
      });
    }
  }

  it('remove says the entry is gone for Claude Code as well', async () => {
    write((await copilot.plan(inProject(), request(oauth, 'project')))[0]);
    const [removal] = await copilot.planRemove(inProject(), { name: 'mittwald', scope: 'project' });
    expect(fileStep(removal).path).toBe(`${PROJECT}/.mcp.json`);
    expect(removal?.warnings.join('\n')).toMatch(/gone for Claude Code as well/);
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
    expect(detection.hosts).toEqual(['VS Code', 'Copilot CLI', 'Copilot for JetBrains']);
    expect(detection.evidence).toEqual(expect.arrayContaining(['/usr/bin/code', '/usr/bin/copilot', `${HOME}/.config/github-copilot/intellij`]));
  });

  it('counts a VS Code settings folder as config found', async () => {
    vol.mkdirSync(VSCODE_USER, { recursive: true });
    expect(await copilot.detect(environment())).toMatchObject({ state: 'config-found', hosts: ['VS Code'] });
  });

  it('finds nothing on an empty machine', async () => {
    expect(await copilot.detect(environment())).toEqual({ tool: 'copilot', state: 'not-installed', hosts: [], evidence: [] });
  });

  it('yields the portable plan and one per IDE host for --tool copilot', async () => {
    onPath('code');
    vol.mkdirSync(`${HOME}/.copilot`, { recursive: true });
    vol.mkdirSync(`${HOME}/.config/github-copilot/intellij`, { recursive: true });
    const adapter = await loadAdapter('copilot');
    const planned = await planTools([adapter], environment(), () => request(tokenRef));
    expect(planned.map((entry) => [entry.plan?.host, entry.plan?.target])).toEqual([
      [PORTABLE_HOST, `${PORTABLE_HOST} (user)`],
      ['Copilot for JetBrains', 'Copilot for JetBrains (user)'],
    ]);
    expect(planned.every((entry) => entry.error === undefined)).toBe(true);
  });

  it('only JetBrains found: no portable plan', async () => {
    vol.mkdirSync(`${HOME}/.config/github-copilot/intellij`, { recursive: true });
    expect((await copilot.plan(environment(), request(oauth))).map((plan) => plan.host)).toEqual(['Copilot for JetBrains']);
  });

  it('removes from the portable file and every detected IDE host', async () => {
    expect((await copilot.planRemove(environment(), { name: 'mittwald', scope: 'user' })).map((plan) => plan.host)).toEqual([PORTABLE_HOST]);
    vol.mkdirSync(`${HOME}/.config/github-copilot/intellij`, { recursive: true });
    expect((await copilot.planRemove(environment(), { name: 'mittwald', scope: 'user' })).map((plan) => plan.host)).toEqual([PORTABLE_HOST, 'Copilot for JetBrains']);
  });
});
