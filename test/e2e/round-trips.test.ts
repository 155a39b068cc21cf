/** What a verified run costs the server, read from the stand-in's request log: one MCP session per credential
 * and run, about five requests (mittwald allows 100 MCP requests a minute per user), and the tools' own
 * CLIs asked at the same time rather than one after another. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PATH_WITHOUT_PACKAGES, runCli, tempHome } from '../support/cli.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer, type RequestRecord } from '../support/mittwald-server.js';

const ada = createTestUser({ person: { firstName: 'Ada', lastName: 'Lovelace' } });
const grace = createTestUser({ person: { firstName: 'Grace', lastName: 'Hopper' } });
const adaToken = createTestToken();
const graceToken = createTestToken();
const FOUR_TOOLS = ['--tool', 'cursor,codex,claude-code,copilot'];

let server: MittwaldTestServer;
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  // mittwald's server answers tools/list in one page (the SDK's McpServer does not page).
  server = await startMittwaldServer({ tokens: [[adaToken, ada], [graceToken, grace]], pageSize: 1_000 });
});
afterAll(() => server.close());
beforeEach(async () => {
  home = await tempHome('mms-trips-');
  server.clearLog();
});
afterEach(() => home.cleanup());

const urls = () => ['--server-url', server.mcpUrl, '--api-url', server.apiUrl];
const mcpRequests = (): RequestRecord[] => server.log.filter((request) => request.target === 'mcp');
const apiRequests = (): RequestRecord[] => server.log.filter((request) => request.target === 'api');
const line = (request: RequestRecord): string => `${request.method} ${request.rpc.join(',')} ${request.status}`.replace('  ', ' ');

describe('a verified run with one token', () => {
  it('checks Cursor, Codex, Claude Code and Copilot with one MCP session of five requests and one REST request', async () => {
    const run = await runCli([...FOUR_TOOLS, '--token-stdin', ...urls(), '--json'], { home: home.dir, input: adaToken, env: { PATH: PATH_WITHOUT_PACKAGES } });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { tools: Array<{ tool: string; check?: { status: string; message: string } }> };
    expect(result.tools.map((tool) => [tool.tool, tool.check?.status])).toEqual([
      ['claude-code', 'connected'],
      ['codex', 'connected'],
      ['cursor', 'connected'],
      // The token came on stdin, so Copilot's portable entry holds it (0600), as Cursor's does.
      ['copilot', 'connected'],
    ]);
    expect(result.tools[0]?.check?.message).toBe(`Connected as Ada Lovelace <${ada.email}> — 116 tools`);

    const mcp = mcpRequests();
    expect(mcp.length).toBeLessThanOrEqual(5);
    expect(mcp.map(line).sort()).toEqual(['DELETE 200', 'POST initialize 200', 'POST notifications/initialized 202', 'POST tools/call 200', 'POST tools/list 200']);
    expect(new Set(mcp.flatMap((request) => (request.sessionId ? [request.sessionId] : []))).size).toBe(1);
    expect(apiRequests().map(line)).toEqual(['GET 200']);
    // mittwald's limit is 100 MCP requests a minute per user: this run fits in it twenty times.
    expect(Math.floor(100 / mcp.length)).toBeGreaterThanOrEqual(20);
  });
});

describe('a run whose entries send another credential than the one checked', () => {
  it('opens one session for each credential, shared by every entry that sends it', async () => {
    // --token is Grace's. Copilot for JetBrains (found here) takes the token literally: its entry sends
    // Grace's token, as checked before writing. The others refer to MITTWALD_API_TOKEN, which holds Ada's.
    await mkdir(path.join(home.dir, '.config', 'github-copilot', 'intellij'), { recursive: true });
    const run = await runCli([...FOUR_TOOLS, '--token', graceToken, '--secret', 'ref', ...urls(), '--json'], {
      home: home.dir,
      env: { PATH: PATH_WITHOUT_PACKAGES, MITTWALD_API_TOKEN: adaToken },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { auth: { identity: { name: string } }; tools: Array<{ tool: string; check?: { status: string; message: string } }> };
    expect(result.auth.identity.name).toBe('Grace Hopper');
    expect(result.tools.map((tool) => [tool.tool, tool.check?.message])).toEqual([
      ['claude-code', `Connected as Ada Lovelace <${ada.email}> — 116 tools`],
      ['codex', `Connected as Ada Lovelace <${ada.email}> — 116 tools`],
      ['cursor', `Connected as Ada Lovelace <${ada.email}> — 116 tools`],
      ['copilot', `Connected as Grace Hopper <${grace.email}> — 116 tools`],
    ]);

    const initializes = mcpRequests().filter((request) => request.rpc.includes('initialize'));
    expect(initializes.map((request) => request.headers['authorization']).sort()).toEqual([`Bearer ${adaToken}`, `Bearer ${graceToken}`].sort());
    expect(new Set(mcpRequests().flatMap((request) => (request.sessionId ? [request.sessionId] : []))).size).toBe(2);
    expect(mcpRequests().length).toBeLessThanOrEqual(10);
    // Only the token given is checked against the REST API.
    expect(apiRequests().map((request) => request.headers['authorization'])).toEqual([`Bearer ${graceToken}`]);
  });
});

describe('the tools’ own CLIs', () => {
  it('are asked at the same time: `claude mcp get` and `codex mcp get --json` overlap', async () => {
    // A `claude` and a `codex` whose `mcp get` answers only once the other one has started too (each gives
    // up after ten seconds without an answer, which is no verdict). Asked one after the other, neither
    // would confirm.
    const bin = path.join(home.dir, 'bin');
    await mkdir(bin, { recursive: true });
    const marker = (name: string) => JSON.stringify(path.join(home.dir, `${name}-asked`));
    const waitFor = (other: string, answer: string) =>
      [
        `const started = Date.now();`,
        `const wait = setInterval(() => {`,
        `  if (fs.existsSync(${marker(other)})) { clearInterval(wait); console.log(${answer}); process.exit(0); }`,
        `  if (Date.now() - started > 10_000) process.exit(3);`,
        `}, 20);`,
      ].join('\n');
    await writeFile(
      path.join(bin, 'claude'),
      [
        `#!${process.execPath}`,
        `const fs = require('node:fs');`,
        `const [, , , command, ...rest] = process.argv;`,
        `if (command === 'add-json') {`,
        `  const [, scope, name, json] = rest;`,
        `  if (scope !== 'user') process.exit(1);`,
        `  fs.writeFileSync(${JSON.stringify(path.join(home.dir, '.claude.json'))}, JSON.stringify({ mcpServers: { [name]: JSON.parse(json) } }));`,
        `  process.exit(0);`,
        `}`,
        `if (command !== 'get') process.exit(1);`,
        `fs.writeFileSync(${marker('claude')}, '');`,
        waitFor('codex', JSON.stringify(`mittwald:\n  URL: ${server.mcpUrl}`)),
      ].join('\n'),
      { mode: 0o755 },
    );
    await writeFile(
      path.join(bin, 'codex'),
      [
        `#!${process.execPath}`,
        `const fs = require('node:fs');`,
        `if (process.argv[3] !== 'get') process.exit(1);`,
        `fs.writeFileSync(${marker('codex')}, '');`,
        waitFor('claude', JSON.stringify(JSON.stringify({ name: 'mittwald', transport: { type: 'streamable_http', url: server.mcpUrl } }))),
      ].join('\n'),
      { mode: 0o755 },
    );
    const run = await runCli(['--tool', 'claude-code,codex', '--token', adaToken, ...urls(), '--json'], { home: home.dir, env: { PATH: `${bin}${path.delimiter}${PATH_WITHOUT_PACKAGES}` } });
    expect(run.exitCode, run.stderr).toBe(0);
    const tools = (JSON.parse(run.stdout) as { tools: Array<{ tool: string; confirmation?: { ok: boolean; detail: string } }> }).tools;
    expect(tools.map((tool) => [tool.tool, tool.confirmation])).toEqual([
      ['claude-code', { ok: true, detail: '`claude mcp get mittwald` shows it' }],
      ['codex', { ok: true, detail: '`codex mcp get mittwald --json` shows it', activation: { state: 'active' } }],
    ]);
  });
});
