/** Contract with the real opencode (opencode-ai, pinned in devDependencies, or the executable in
 * CONTRACT_OPENCODE_BIN: see ./clients.ts): what our built CLI's setup writes is what `opencode mcp list` reads
 * and connects with — "connected" for a token entry (by `{env:VAR}` reference and literally), "needs
 * authentication" for an OAuth entry against the stand-in's authorization server — and `remove` takes it out
 * again, the user's other servers and comments kept.
 *
 * opencode runs with HOME in a temp folder, its update check, model list and default plugins switched off,
 * and every proxy variable pointing at a local trap (which refuses the npm registry opencode asks for its plugin
 * package); the only servers it can reach are the stand-ins. One
 * `opencode mcp list` reads all entries (it takes ~20 s on a busy machine). */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'jsonc-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { startTrapProxy, type TrapProxy } from '../support/trap-proxy.js';
import { contractClient } from './clients.js';

const client = contractClient('opencode');
const TIMEOUT = 120_000;

let server: MittwaldTestServer;
/** A second server for the literal entry: one pointing at the same URL under another name is a duplicate,
 * which setup replaces. */
let literalServer: MittwaldTestServer;
let oauthMcp: MittwaldTestServer;
let as: OAuthServer;
let trap: TrapProxy;
const token = createTestToken();

beforeAll(async () => {
  server = await startMittwaldServer({ tokens: [[token, createTestUser()]], pageSize: 1_000 });
  literalServer = await startMittwaldServer({ tokens: [[token, createTestUser()]], pageSize: 1_000 });
  oauthMcp = await startMittwaldServer();
  as = await startOAuthServer({ resource: oauthMcp.mcpUrl });
  oauthMcp.setAuthorizationServer(as.issuer);
  oauthMcp.setAccessTokenVerifier((accessToken) => as.verifyAccessToken(accessToken));
  trap = await startTrapProxy();
}, TIMEOUT);
afterAll(async () => {
  await server?.close();
  await literalServer?.close();
  await oauthMcp?.close();
  await as?.close();
  if (trap) await new Promise((resolve) => trap.server.close(resolve));
});

/** `opencode mcp list` as a person would run it in the project, ANSI colours stripped. */
async function opencodeList(home: string, cwd: string, env: Record<string, string>): Promise<string> {
  const run = await execa(client.bin, ['mcp', 'list', '--pure'], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      NO_COLOR: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_SHARE: '1',
      OPENCODE_DISABLE_CLAUDE_CODE: '1',
      HTTP_PROXY: trap.url,
      HTTPS_PROXY: trap.url,
      http_proxy: trap.url,
      https_proxy: trap.url,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      ...env,
    },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: 90_000,
  });
  expect(run.exitCode, run.all).toBe(0);
  return (run.all ?? '').replace(/\x1b\[[0-9;]*m/g, '');
}

/** The state opencode shows after a server's name (`✓ mittwald connected`). */
function stateOf(listing: string, name: string): string | undefined {
  const line = listing.split('\n').find((candidate) => new RegExp(`[✓✗⚠○]\\s+${name}\\s`).test(candidate));
  return line?.replace(new RegExp(`^.*?${name}\\s+`), '').trim();
}

describe.skipIf(!client.present)(`opencode contract (real opencode: ${client.label})`, () => {
  it(
    'setup writes entries opencode connects with (token by {env:} reference and literally) or asks to authenticate (OAuth); remove takes ours out',
    async () => {
      const home = await tempHome('opencode-contract-');
      try {
        const project = path.join(home.dir, 'shop');
        await mkdir(path.join(project, '.git'), { recursive: true });
        const userFile = path.join(home.dir, '.config', 'opencode', 'opencode.json');
        await mkdir(path.dirname(userFile), { recursive: true });
        // The user's own file, with a comment and a server of theirs, as JSONC.
        await writeFile(userFile, '{\n  // my servers\n  "mcp": {\n    "theirs": { "type": "remote", "url": "http://127.0.0.1:9/mcp", "enabled": false }\n  }\n}\n');
        const urls = ['--server-url', server.mcpUrl, '--api-url', server.apiUrl];
        const setup = (args: string[], input?: string) =>
          runCli(['--tool', 'opencode', '--yes', ...args], { home: home.dir, cwd: project, env: { MITTWALD_API_TOKEN: token }, ...(input === undefined ? {} : { input }) });

        const byReference = await setup([...urls, '--secret', 'ref', '--json']);
        expect(byReference.exitCode, byReference.stderr).toBe(0);
        expect(JSON.parse(byReference.stdout).tools[0].check.status).toBe('connected');
        const literal = await setup(['--server-url', literalServer.mcpUrl, '--api-url', server.apiUrl, '--token-stdin', '--secret', 'literal', '--name', 'mw-literal'], token);
        expect(literal.exitCode, literal.stderr).toBe(0);
        const oauth = await setup(['--oauth', '--no-verify', '--name', 'mw-oauth', '--server-url', oauthMcp.mcpUrl, '--api-url', server.apiUrl]);
        expect(oauth.exitCode, oauth.stderr).toBe(0);
        expect(oauth.stdout).toContain('opencode mcp auth mw-oauth');

        const written = await readFile(userFile, 'utf8');
        expect(written).toContain('// my servers');
        const config = parse(written) as { mcp: Record<string, unknown> };
        expect(config.mcp['mittwald']).toEqual({ type: 'remote', url: server.mcpUrl, headers: { Authorization: 'Bearer {env:MITTWALD_API_TOKEN}' }, enabled: true });
        expect(config.mcp['mw-literal']).toMatchObject({ url: literalServer.mcpUrl, headers: { Authorization: `Bearer ${token}` } });
        expect(config.mcp['mw-oauth']).toEqual({ type: 'remote', url: oauthMcp.mcpUrl, enabled: true });

        server.clearLog();
        const listing = await opencodeList(home.dir, project, { MITTWALD_API_TOKEN: token });
        expect(stateOf(listing, 'mittwald'), listing).toBe('connected');
        expect(stateOf(listing, 'mw-literal'), listing).toBe('connected');
        expect(stateOf(listing, 'mw-oauth'), listing).toBe('needs authentication');
        // What opencode sent for the {env:} reference: the variable's value.
        expect(server.log.some((record) => record.headers.authorization === `Bearer ${token}` && record.rpc.includes('initialize'))).toBe(true);
        // opencode tries to install its plugin package from the npm registry (refused here, and it works
        // without): nothing else leaves 127.0.0.1.
        expect(trap.requests.filter((request) => request !== 'CONNECT registry.npmjs.org:443'), 'opencode tried to leave 127.0.0.1').toEqual([]);

        const status = await runCli(['status', '--tool', 'opencode', '--json', ...urls], { home: home.dir, cwd: project, env: { MITTWALD_API_TOKEN: token } });
        const entries = (JSON.parse(status.stdout) as { tools: Array<{ entries: Array<{ name: string; auth: string }> }> }).tools[0]!.entries;
        // Status reports the entries for this server URL (the others point elsewhere).
        expect(entries.map((entry) => [entry.name, entry.auth])).toEqual([['mittwald', 'token-ref']]);

        const removed = await runCli(['remove', '--tool', 'opencode', '--yes'], { home: home.dir, cwd: project });
        expect(removed.exitCode, removed.stderr).toBe(0);
        const left = parse(await readFile(userFile, 'utf8')) as { mcp: Record<string, unknown> };
        expect(Object.keys(left.mcp).sort()).toEqual(['mw-literal', 'mw-oauth', 'theirs']);
        expect(await readFile(userFile, 'utf8')).toContain('// my servers');
      } finally {
        await home.cleanup();
      }
    },
    TIMEOUT,
  );
});
