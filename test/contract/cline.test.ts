/** Contract with the real Cline CLI (cline, pinned in devDependencies, or the executable in CONTRACT_CLINE_BIN:
 * see ./clients.ts): what our built CLI's setup writes into `~/.cline/data/settings/cline_mcp_settings.json`
 * is what Cline reads and connects with. Cline 3.0.65 has no list command: its settings screen (`cline
 * config`, MCP tab, on a pseudo-terminal) marks each server with a coloured dot — green once connected (red
 * for a refused token or an unreachable server) — which is what is asserted, with what the stand-in saw. The entry it replaces
 * is in the nested `{ transport: { … } }` form `cline mcp add` writes; `remove` takes ours out again.
 *
 * Cline runs with HOME in a temp folder and every proxy variable pointing at a local trap (which refuses
 * whatever it asks of the internet; its screen works without); the only servers it can reach are the
 * stand-ins. Its settings screen takes ~20-30 s to come up on a busy machine. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import { createTestToken, createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { KEYS, PtySession } from '../support/pty.js';
import { startTrapProxy, type TrapProxy } from '../support/trap-proxy.js';
import { contractClient } from './clients.js';

const client = contractClient('cline');
const TIMEOUT = 120_000;
/** The dot colours of Cline's MCP tab (24-bit foreground, with COLORTERM=truecolor). */
const CONNECTED = '153;232;155';

let server: MittwaldTestServer;
let oauthMcp: MittwaldTestServer;
let as: OAuthServer;
let trap: TrapProxy;
const token = createTestToken();

beforeAll(async () => {
  server = await startMittwaldServer({ tokens: [[token, createTestUser()]], pageSize: 1_000 });
  oauthMcp = await startMittwaldServer();
  as = await startOAuthServer({ resource: oauthMcp.mcpUrl });
  oauthMcp.setAuthorizationServer(as.issuer);
  oauthMcp.setAccessTokenVerifier((accessToken) => as.verifyAccessToken(accessToken));
  trap = await startTrapProxy();
}, TIMEOUT);
afterAll(async () => {
  await server?.close();
  await oauthMcp?.close();
  await as?.close();
  if (trap) await new Promise((resolve) => trap.server.close(resolve));
});

/** The last colour each server's dot was drawn in on the MCP tab, by name. */
function dotColours(raw: string): Map<string, string> {
  const colours = new Map<string, string>();
  for (const match of raw.matchAll(/\u001b\[38;2;(\d+;\d+;\d+)m(?:\u001b\[48;2;[\d;]+m)?[▸ ]*[●○] ([^\s\u001b]+)/g)) colours.set(match[2]!, match[1]!);
  return colours;
}

/** Opens `cline config`, switches to its MCP tab and waits until `done` holds for the dots drawn there. */
async function mcpTab(home: string, cwd: string, done: (colours: Map<string, string>) => boolean): Promise<{ colours: Map<string, string>; text: string }> {
  const proxy = { HTTP_PROXY: trap.url, HTTPS_PROXY: trap.url, http_proxy: trap.url, https_proxy: trap.url, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
  const session = new PtySession(['config'], { program: client.bin, home, cwd, cols: 120, rows: 40, env: { ...proxy, NO_COLOR: undefined, COLORTERM: 'truecolor' } });
  try {
    await session.expect(/General\s+MCP\s+Skills/, 60_000);
    // Its tab bar takes the application-mode arrow (ESC O C) once the screen has settled: press it until the
    // MCP tab shows (once is enough when the screen was ready).
    const start = session.output.length;
    for (let attempt = 1; ; attempt++) {
      await session.send(KEYS.right.replace('[', 'O'));
      try {
        await session.expect(/MCP \(\d+\)/, 10_000);
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const colours = dotColours(session.output.slice(start));
      if (done(colours)) return { colours, text: session.text };
      if (Date.now() > deadline) return { colours, text: session.text };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    session.kill();
  }
}

describe.skipIf(!client.present)(`Cline CLI contract (real cline: ${client.label})`, () => {
  it(
    'setup replaces the nested entry `cline mcp add` wrote with ours, which Cline connects with; an OAuth entry is tried without a credential; remove takes ours out',
    async () => {
      const home = await tempHome('cline-contract-');
      try {
        const project = path.join(home.dir, 'shop');
        await mkdir(path.join(project, '.git'), { recursive: true });
        const file = path.join(home.dir, '.cline', 'data', 'settings', 'cline_mcp_settings.json');
        await mkdir(path.dirname(file), { recursive: true });
        // As `cline mcp add --yes --transport http --header … mittwald <url>` writes it, with a stale token.
        const nested = { transport: { type: 'streamableHttp', url: server.mcpUrl, headers: { Authorization: 'Bearer an-old-revoked-token' } } };
        await writeFile(file, `${JSON.stringify({ mcpServers: { mittwald: nested, theirs: { type: 'streamableHttp', url: 'http://127.0.0.1:9/mcp', disabled: true } } }, null, 2)}\n`);
        const env = { PATH: `${client.binDir}${path.delimiter}${process.env.PATH ?? ''}` };

        const literal = await runCli(['--tool', 'cline', '--yes', '--token-stdin', '--server-url', server.mcpUrl, '--api-url', server.apiUrl, '--json'], { home: home.dir, cwd: project, env, input: token });
        expect(literal.exitCode, literal.stderr).toBe(0);
        const result = JSON.parse(literal.stdout) as { tools: Array<{ target: string; check: { status: string } }> };
        expect(result.tools.map((tool) => [tool.target, tool.check.status])).toEqual([['Cline CLI (user)', 'connected']]);
        const oauth = await runCli(['--tool', 'cline', '--yes', '--oauth', '--no-verify', '--name', 'mw-oauth', '--server-url', oauthMcp.mcpUrl, '--api-url', server.apiUrl], { home: home.dir, cwd: project, env });
        expect(oauth.exitCode, oauth.stderr).toBe(0);

        const written = JSON.parse(await readFile(file, 'utf8')) as { mcpServers: Record<string, unknown> };
        expect(written.mcpServers['mittwald']).toEqual({ type: 'streamableHttp', url: server.mcpUrl, headers: { Authorization: `Bearer ${token}` }, disabled: false });
        expect(written.mcpServers['theirs']).toEqual({ type: 'streamableHttp', url: 'http://127.0.0.1:9/mcp', disabled: true });

        server.clearLog();
        const { colours, text } = await mcpTab(home.dir, project, (seen) => seen.get('mittwald') === CONNECTED && seen.has('mw-oauth') && oauthMcp.log.length > 0);
        expect(colours.get('mittwald'), text.slice(-1500)).toBe(CONNECTED);
        expect(text).toMatch(/mittwald\s*streamableHttp, static headers/);
        expect(server.log.some((record) => record.headers.authorization === `Bearer ${token}` && record.rpc.includes('initialize') && record.status === 200)).toBe(true);
        // The OAuth entry is read and tried without a credential (the stand-in answers 401). How Cline 3.0.65
        // then shows it varies (a green dot with "no auth" here, a red one with "oauth error" in a run by
        // hand), so only the attempt is asserted.
        expect(colours.has('mw-oauth')).toBe(true);
        expect(oauthMcp.log.some((record) => record.method === 'POST' && record.status === 401)).toBe(true);
        expect(server.log.some((record) => record.headers.authorization === 'Bearer an-old-revoked-token')).toBe(false);

        const removed = await runCli(['remove', '--tool', 'cline', '--yes'], { home: home.dir, cwd: project, env });
        expect(removed.exitCode, removed.stderr).toBe(0);
        const left = JSON.parse(await readFile(file, 'utf8')) as { mcpServers: Record<string, unknown> };
        expect(Object.keys(left.mcpServers).sort()).toEqual(['mw-oauth', 'theirs']);
      } finally {
        await home.cleanup();
      }
    },
    TIMEOUT,
  );
});
