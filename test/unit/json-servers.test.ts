/** The shared planner of JSON servers files (Cursor, Copilot, Claude Code's files) on memfs: what it does
 * with what the user has under our name. */
import { fs as memfsFs, vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Credential, Environment, FileStep, SetupRequest, ToolPlan } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { loadAdapter } = await import('../../adapters/index.js');

const HOME = '/home/ada';
const SERVER_URL = 'https://mcp.mittwald.de/mcp';
const TOKEN = 'mw-fake-token-for-tests-0000';
const CURSOR_FILE = `${HOME}/.cursor/mcp.json`;
const COPILOT_FILE = `${HOME}/.copilot/mcp-config.json`;
const CLAUDE_FILE = `${HOME}/.claude.json`;

const environment: Environment = { platform: 'linux', home: HOME, cwd: HOME, env: { HOME, PATH: '/nowhere' } };
const tokenRef: Credential = { kind: 'token', token: TOKEN, storage: 'ref', envVar: 'MITTWALD_API_TOKEN' };
const tokenLiteral: Credential = { ...tokenRef, storage: 'literal' };

function request(overrides: Partial<SetupRequest> = {}): SetupRequest {
  return { serverUrl: SERVER_URL, name: 'mittwald', scope: 'user', credential: tokenRef, replaceStale: false, ...overrides };
}

async function plan(tool: 'cursor' | 'copilot' | 'claude-code', req: SetupRequest = request()): Promise<ToolPlan> {
  const plans = await (await loadAdapter(tool)).plan(environment, req);
  expect(plans).toHaveLength(1);
  return plans[0] as ToolPlan;
}

async function planRemove(tool: 'cursor' | 'copilot' | 'claude-code'): Promise<ToolPlan> {
  const plans = await (await loadAdapter(tool)).planRemove(environment, { name: 'mittwald', scope: 'user' });
  return plans[0] as ToolPlan;
}

function fileStep(toolPlan: ToolPlan): FileStep {
  const [step] = toolPlan.steps;
  if (step?.kind !== 'file') throw new Error('expected a file step');
  return step;
}

function write(path: string, text: string): void {
  vol.mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  vol.writeFileSync(path, text);
}

function apply(step: FileStep): void {
  if (step.after === null) vol.unlinkSync(step.path);
  else write(step.path, step.after);
}

beforeEach(() => {
  vol.reset();
});

describe('duplicate entries of our name', () => {
  const duplicated = `{
  "mcpServers": {
    "mittwald": { "url": "https://mittwald-mcp.fly.dev/sse" },
    "github": { "url": "https://api.githubcopilot.com/mcp/" },
    "mittwald": { "url": "https://mcp.mittwald.de/mcp" }
  }
}
`;

  it('leaves exactly one entry of our name, ours, and says how many were removed', async () => {
    write(CURSOR_FILE, duplicated);
    const cursorPlan = await plan('cursor');
    const after = fileStep(cursorPlan).after ?? '';
    expect(after.match(/"mittwald"/g)).toHaveLength(1);
    expect(JSON.parse(after)).toEqual({
      mcpServers: { github: { url: 'https://api.githubcopilot.com/mcp/' }, mittwald: { url: SERVER_URL, headers: { Authorization: 'Bearer ${env:MITTWALD_API_TOKEN}' } } },
    });
    expect(cursorPlan.warnings).toContainEqual(`${CURSOR_FILE} had 2 "mittwald" entries under mcpServers; the 1 extra one was removed.`);
  });

  it('removes the duplicates even when the last one is already ours, and a second run changes nothing', async () => {
    write(CURSOR_FILE, duplicated.replace('"url": "https://mcp.mittwald.de/mcp" }', '"url": "https://mcp.mittwald.de/mcp", "headers": { "Authorization": "Bearer ${env:MITTWALD_API_TOKEN}" } }'));
    const first = fileStep(await plan('cursor'));
    expect(first.after).not.toBe(first.before);
    expect(first.after?.match(/"mittwald"/g)).toHaveLength(1);
    apply(first);
    const second = await plan('cursor');
    expect(fileStep(second).after).toBe(fileStep(second).before);
    expect(second.warnings.join('\n')).not.toMatch(/extra/);
  });

  it('handles three duplicates in Copilot and in Claude Code files alike', async () => {
    const three = (map: string) =>
      `{"${map}": {"mittwald": {"url": "a"}, "mittwald": {"url": "b"}, "other": {"url": "https://example.test/mcp"}, "mittwald": {"url": "c"}}}`;
    write(COPILOT_FILE, three('mcpServers'));
    write(CLAUDE_FILE, three('mcpServers'));
    const copilot = await plan('copilot');
    expect(JSON.parse(fileStep(copilot).after ?? '').mcpServers).toEqual({
      other: { url: 'https://example.test/mcp' },
      mittwald: { type: 'http', url: SERVER_URL, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' }, tools: ['*'] },
    });
    expect(copilot.warnings).toContainEqual(`${COPILOT_FILE} had 3 "mittwald" entries under mcpServers; the 2 extra ones were removed.`);
    const claude = await plan('claude-code', request({ credential: tokenLiteral }));
    expect(Object.keys(JSON.parse(fileStep(claude).after ?? '').mcpServers)).toEqual(['other', 'mittwald']);
    expect(claude.warnings).toContainEqual(`${CLAUDE_FILE} had 3 "mittwald" entries under mcpServers; the 2 extra ones were removed.`);
  });

  it('remove takes out every one of them', async () => {
    write(CURSOR_FILE, duplicated);
    const removal = fileStep(await planRemove('cursor'));
    expect(JSON.parse(removal.after ?? '')).toEqual({ mcpServers: { github: { url: 'https://api.githubcopilot.com/mcp/' } } });
  });
});

describe('the user\'s own settings on our entry', () => {
  it('keeps every key the user set on a Cursor entry, with its comments, and replaces only ours', async () => {
    const original = `{
  "mcpServers": {
    "mittwald": {
      // my tracing header
      "url": "https://mcp.mittwald.de/mcp",
      "headers": { "Authorization": "Bearer old-token-0000000000", "X-Trace": "on" },
      "autoApprove": ["list-projects"]
    }
  }
}
`;
    write(CURSOR_FILE, original);
    const oauth = await plan('cursor', request({ credential: { kind: 'oauth' } }));
    const after = fileStep(oauth).after ?? '';
    expect(after).toContain('// my tracing header');
    expect(JSON.parse(after.replace('// my tracing header', '')).mcpServers.mittwald).toEqual({ url: SERVER_URL, headers: { 'X-Trace': 'on' }, autoApprove: ['list-projects'] });
    expect(oauth.warnings).toEqual([]);
    apply(fileStep(oauth));
    expect(fileStep(await plan('cursor', request({ credential: { kind: 'oauth' } }))).after).toBe(after);

    const token = fileStep(await plan('cursor'));
    expect(JSON.parse((token.after ?? '').replace('// my tracing header', '')).mcpServers.mittwald).toEqual({
      url: SERVER_URL,
      headers: { 'X-Trace': 'on', Authorization: 'Bearer ${env:MITTWALD_API_TOKEN}' },
      autoApprove: ['list-projects'],
    });
  });

  it('drops the keys of an old local bridge under our name, saying which and why', async () => {
    write(CURSOR_FILE, JSON.stringify({ mcpServers: { mittwald: { command: 'npx', args: ['-y', 'mcp-remote', 'https://mcp.mittwald.de/sse'], env: { DEBUG: '1' }, disabled: false } } }, null, 2));
    const bridged = await plan('cursor');
    expect(JSON.parse(fileStep(bridged).after ?? '').mcpServers.mittwald).toEqual({ disabled: false, url: SERVER_URL, headers: { Authorization: 'Bearer ${env:MITTWALD_API_TOKEN}' } });
    for (const key of ['command', 'args', 'env']) {
      expect(bridged.warnings).toContainEqual(`${CURSOR_FILE}: dropped "${key}" from the "mittwald" entry: only a local (stdio) server uses it, and this entry connects to a URL.`);
    }
    apply(fileStep(bridged));
    const again = await plan('cursor');
    expect(fileStep(again).after).toBe(fileStep(again).before);
    expect(again.warnings).toEqual([]);
  });

  it('drops an SSE transport a tool would read instead of ours, and replaces one we own', async () => {
    write(CURSOR_FILE, JSON.stringify({ mcpServers: { mittwald: { type: 'sse', url: 'https://mcp.mittwald.de/sse' } } }));
    const cursor = await plan('cursor');
    expect(JSON.parse(fileStep(cursor).after ?? '').mcpServers.mittwald).not.toHaveProperty('type');
    expect(cursor.warnings).toContainEqual(`${CURSOR_FILE}: dropped "type" from the "mittwald" entry: it names the sse transport, and this entry is a streamable HTTP server.`);

    write(COPILOT_FILE, JSON.stringify({ mcpServers: { mittwald: { type: 'sse', url: 'https://mcp.mittwald.de/sse', tools: ['list'] } } }));
    const copilot = await plan('copilot');
    expect(JSON.parse(fileStep(copilot).after ?? '').mcpServers.mittwald).toEqual({ type: 'http', url: SERVER_URL, tools: ['list'], headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } });
    expect(copilot.warnings.join('\n')).not.toMatch(/dropped/);
  });

  it('keeps a disabled entry disabled and says so', async () => {
    write(COPILOT_FILE, JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: SERVER_URL, disabled: true } } }));
    const copilot = await plan('copilot', request({ credential: { kind: 'oauth' } }));
    expect(JSON.parse(fileStep(copilot).after ?? '').mcpServers.mittwald).toEqual({ type: 'http', url: SERVER_URL, disabled: true, tools: ['*'] });
    expect(copilot.warnings).toContainEqual(`The entry stays disabled: ${COPILOT_FILE} sets "disabled": true on "mittwald", which was kept; take it out (or enable the server in the tool) to use it.`);
  });

  it('owns only oauth.scopes and the Authorization header of a Claude Code entry, in any spelling', async () => {
    write(CLAUDE_FILE, JSON.stringify({ mcpServers: { mittwald: { type: 'http', url: SERVER_URL, headers: { authorization: 'Bearer x-old-0000000000', 'X-Trace': 'on' }, oauth: { clientId: 'my-client', scopes: 'user:read' } } } }, null, 2));
    const claude = await plan('claude-code');
    expect(JSON.parse(fileStep(claude).after ?? '').mcpServers.mittwald).toEqual({
      type: 'http',
      url: SERVER_URL,
      headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}', 'X-Trace': 'on' },
      oauth: { clientId: 'my-client' },
    });
  });
});

describe('a large servers map that never mentions mittwald', () => {
  // One search through the map's text stands in for a look at each entry; it must never hide an entry of
  // ours, however it is spelt, nor a map that is no map.
  const others = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`server-${i}`, { url: `https://mcp-${i}.example.com/mcp` }]));

  it('finds our entry and stale ones however the name or URL is spelt, and nothing in a map without them', async () => {
    const cursor = await loadAdapter('cursor');
    const inspect = () => cursor.inspect(environment, { name: 'mittwald', serverUrl: SERVER_URL });
    vol.mkdirSync(`${HOME}/.cursor`, { recursive: true });
    vol.writeFileSync(CURSOR_FILE, JSON.stringify({ mcpServers: others(2000) }));
    expect(await inspect()).toEqual([]);

    const spellings: Array<[string, string]> = [
      ['an escaped key', `"\\u006dittwald": {"url": "https://example.test/mcp"}`],
      ['a percent-encoded URL', `"old": {"url": "https://mcp.mittw%61ld.de/sse"}`],
      ['the server host in other case', `"old": {"url": "https://MCP.MITTWALD.DE/mcp"}`],
      ['a comment naming it (JSONC)', `/* mittwald */ "mittwald": {"url": "https://example.test/mcp"}`],
    ];
    for (const [what, member] of spellings) {
      const text = JSON.stringify({ mcpServers: others(2000) }).replace('{"server-0"', `{${member}, "server-0"`);
      vol.writeFileSync(CURSOR_FILE, text);
      expect((await inspect()).length, what).toBe(1);
    }
  });

  it('still refuses a servers "map" that is not an object', async () => {
    vol.mkdirSync(`${HOME}/.cursor`, { recursive: true });
    vol.writeFileSync(CURSOR_FILE, JSON.stringify({ mcpServers: 'none yet' }));
    await expect(plan('cursor')).rejects.toMatchObject({ code: 'CONFIG_PARSE', message: expect.stringContaining('"mcpServers" is not an object') });
  });
});
