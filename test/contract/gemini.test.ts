/** Contract with the real Gemini CLI (@google/gemini-cli, pinned in devDependencies, or the executable in
 * CONTRACT_GEMINI_BIN: see ./clients.ts): what our built CLI's setup writes is what `gemini mcp list` reads
 * and connects with — "Connected" for a token entry (by `${VAR}` reference and literally) — while an OAuth
 * entry, before its sign-in, is "Disconnected" after the server's 401 (Gemini's list has no
 * needs-authentication state); in a folder that is not trusted every server is "Disabled", as our next
 * steps say. `remove` takes our entry out again, the user's other servers and comments kept.
 *
 * Gemini runs with HOME in a temp folder, without its self-relaunch, and every proxy variable pointing at a
 * local trap; the only servers it can reach are the stand-ins. Each `gemini mcp list` takes ~10-20 s. */
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

const client = contractClient('gemini');
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

/** `gemini mcp list` in the project folder. */
async function geminiList(home: string, cwd: string, env: Record<string, string>): Promise<string> {
  const run = await execa(client.bin, ['mcp', 'list'], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      NO_COLOR: '1',
      GEMINI_CLI_NO_RELAUNCH: 'true',
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
  return run.all ?? '';
}

/** What Gemini lists for a server: `✓ mittwald: <url> (http) - Connected`. */
function lineOf(listing: string, name: string): string {
  return listing.split('\n').find((line) => line.includes(` ${name}: `))?.trim() ?? `(no line for ${name} in:\n${listing})`;
}

describe.skipIf(!client.present)(`Gemini CLI contract (real gemini: ${client.label})`, () => {
  it(
    'setup writes entries Gemini connects with (token by ${VAR} reference and literally); OAuth is Disconnected before sign-in; untrusted folders disable all; remove takes ours out',
    async () => {
      const home = await tempHome('gemini-contract-');
      try {
        const project = path.join(home.dir, 'shop');
        await mkdir(path.join(project, '.git'), { recursive: true });
        const userFile = path.join(home.dir, '.gemini', 'settings.json');
        await mkdir(path.dirname(userFile), { recursive: true });
        await writeFile(userFile, '{\n  // my settings\n  "ui": { "theme": "GitHub" },\n  "mcpServers": {\n    "theirs": { "httpUrl": "http://127.0.0.1:9/mcp" }\n  }\n}\n');
        const setup = (args: string[], input?: string) =>
          runCli(['--tool', 'gemini', '--yes', ...args], { home: home.dir, cwd: project, env: { MITTWALD_API_TOKEN: token }, ...(input === undefined ? {} : { input }) });

        const byReference = await setup(['--server-url', server.mcpUrl, '--api-url', server.apiUrl, '--secret', 'ref', '--json']);
        expect(byReference.exitCode, byReference.stderr).toBe(0);
        expect(JSON.parse(byReference.stdout).tools[0].check.status).toBe('connected');
        const literal = await setup(['--server-url', literalServer.mcpUrl, '--api-url', server.apiUrl, '--token-stdin', '--secret', 'literal', '--name', 'mw-literal'], token);
        expect(literal.exitCode, literal.stderr).toBe(0);
        const oauth = await setup(['--oauth', '--no-verify', '--name', 'mw-oauth', '--server-url', oauthMcp.mcpUrl, '--api-url', server.apiUrl]);
        expect(oauth.exitCode, oauth.stderr).toBe(0);
        expect(oauth.stdout).toContain('/mcp auth mw-oauth');

        const written = await readFile(userFile, 'utf8');
        expect(written).toContain('// my settings');
        const settings = parse(written) as { ui: unknown; mcpServers: Record<string, unknown> };
        expect(settings.ui).toEqual({ theme: 'GitHub' });
        expect(settings.mcpServers['mittwald']).toEqual({ httpUrl: server.mcpUrl, headers: { Authorization: 'Bearer ${MITTWALD_API_TOKEN}' } });
        expect(settings.mcpServers['mw-oauth']).toEqual({ httpUrl: oauthMcp.mcpUrl });

        server.clearLog();
        oauthMcp.clearLog();
        const trusted = await geminiList(home.dir, project, { MITTWALD_API_TOKEN: token, GEMINI_CLI_TRUST_WORKSPACE: 'true' });
        expect(lineOf(trusted, 'mittwald')).toBe(`✓ mittwald: ${server.mcpUrl} (http) - Connected`);
        expect(lineOf(trusted, 'mw-literal')).toBe(`✓ mw-literal: ${literalServer.mcpUrl} (http) - Connected`);
        expect(lineOf(trusted, 'mw-oauth')).toBe(`✗ mw-oauth: ${oauthMcp.mcpUrl} (http) - Disconnected`);
        expect(server.log.some((record) => record.headers.authorization === `Bearer ${token}` && record.rpc.includes('initialize'))).toBe(true);
        expect(oauthMcp.log.some((record) => record.status === 401)).toBe(true);

        const untrusted = await geminiList(home.dir, project, { MITTWALD_API_TOKEN: token });
        expect(untrusted).toContain('disabled because this folder is untrusted');
        expect(lineOf(untrusted, 'mittwald')).toBe(`○ mittwald: ${server.mcpUrl} (http) - Disabled`);
        expect(trap.requests, 'gemini tried to leave 127.0.0.1').toEqual([]);

        const removed = await runCli(['remove', '--tool', 'gemini', '--yes'], { home: home.dir, cwd: project });
        expect(removed.exitCode, removed.stderr).toBe(0);
        const left = await readFile(userFile, 'utf8');
        expect(Object.keys((parse(left) as { mcpServers: Record<string, unknown> }).mcpServers).sort()).toEqual(['mw-literal', 'mw-oauth', 'theirs']);
        expect(left).toContain('// my settings');
      } finally {
        await home.cleanup();
      }
    },
    TIMEOUT,
  );
});
