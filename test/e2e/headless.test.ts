/** A sign-in over SSH on the built CLI: no display, SSH_CONNECTION set, --no-browser. The person opens the
 * printed URL in a browser on their own machine (the headless browser, which there cannot reach the CLI's
 * loopback listener), and pastes the address it ended on into the terminal, as a user would. Against the
 * local OAuth stand-in and the mittwald stand-in; HOME is a temp folder. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, PATH_WITHOUT_PACKAGES, tempHome } from '../support/cli.js';
import { runBrowser } from '../support/headless-browser.mjs';
import { createTestUser, startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';

const user = createTestUser({ person: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.test' });
const SSH = { SSH_CONNECTION: '203.0.113.7 50022 198.51.100.2 22', SSH_TTY: '/dev/pts/3', DISPLAY: undefined, WAYLAND_DISPLAY: undefined, BROWSER: undefined };

let mcp: MittwaldTestServer;
let as: OAuthServer;
let home: Awaited<ReturnType<typeof tempHome>>;

beforeEach(async () => {
  mcp = await startMittwaldServer();
  as = await startOAuthServer({ user, resource: mcp.mcpUrl });
  mcp.setAuthorizationServer(as.issuer);
  mcp.setAccessTokenVerifier((token) => as.verifyAccessToken(token));
  home = await tempHome('mms-ssh-');
});
afterEach(async () => {
  await Promise.all([mcp.close(), as.close(), home.cleanup()]);
});

/** The CLI as started in an SSH session, its stdin a pipe the test types into. */
function startOverSsh(args: readonly string[]): ResultPromise<{ reject: false; stdin: 'pipe'; timeout: number }> {
  return execa(process.execPath, [CLI, ...args, '--server-url', mcp.mcpUrl, '--api-url', mcp.apiUrl], {
    cwd: home.dir,
    env: cleanEnv(home.dir, { ...SSH, PATH: PATH_WITHOUT_PACKAGES }),
    extendEnv: false,
    reject: false,
    stdin: 'pipe',
    timeout: 60_000,
  });
}

/** Resolves with the stderr so far once `pattern` shows up in it. */
function waitForStderr(child: ResultPromise, pattern: RegExp, seen: { text: string }): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const match = pattern.exec(seen.text);
      if (match) resolve(match);
      return match;
    };
    if (look()) return;
    child.stderr?.on('data', (chunk: Buffer) => {
      seen.text += chunk.toString('utf8');
      look();
    });
    void child.then(() => reject(new Error(`the CLI exited first: ${seen.text}`)));
  });
}

describe('OAuth sign-in over SSH with --no-browser', () => {
  it('completes when the person pastes the address their browser ended on; a wrong paste is explained and the wait goes on', async () => {
    const child = startOverSsh(['--tool', 'claude-code,codex', '--oauth', '--no-browser']);
    const stderr = { text: '' };
    // The URL on a line of its own, and how to hand back the address the browser ends on.
    const [, url] = await waitForStderr(child, /Sign in to mittwald: open this URL in a browser:\n(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)\n.*paste it here, then press Enter/, stderr);

    // On the person's own machine: sign in, and end on the redirect, which cannot reach the CLI from there.
    const visit = await runBrowser(url!, { action: 'elsewhere' });
    const redirect = visit.redirectUrl!;
    expect(visit.status).toBeUndefined();
    expect(redirect.pathname).toBe('/callback');
    const code = redirect.searchParams.get('code');
    expect(code).toBeTruthy();

    // A mistyped paste first: said why, and the sign-in keeps waiting.
    child.stdin!.write('code=oops\n');
    await waitForStderr(child, /⚠ That is not a web address/, stderr);
    child.stdin!.write(`\n  ${redirect.href}  \n`);
    const result = await child;

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✓ Signed in as Ada Lovelace <ada@example.test> via OAuth');
    expect(as.requests).toContain('POST /token');
    const entry = JSON.parse(await readFile(path.join(home.dir, '.claude.json'), 'utf8')).mcpServers.mittwald;
    // The entry carries what the tools may do: mittwald's read-only defaults when no --access was given.
    expect(entry).toEqual({ type: 'http', url: mcp.mcpUrl, oauth: { scopes: 'user:read customer:read project:read app:read' } });
    // Each tool signs in itself next, the SSH way: its own --no-browser login takes a pasted redirect too.
    expect(result.stdout).toContain('run `claude mcp login mittwald --no-browser`, open the URL it prints on your own machine');
    expect(result.stdout).toMatch(/run `codex mcp login mittwald(?: --scopes \S+)? --no-browser`, open the URL it prints on your own machine/);
    expect(await readFile(path.join(home.dir, '.codex', 'config.toml'), 'utf8')).toContain(`url = "${mcp.mcpUrl}"`);
    // The code pasted here is never echoed.
    expect(result.stdout + result.stderr).not.toContain(code!);
  });

  it('a pasted response of another sign-in (its state differs) ends the run with OAUTH_STATE, nothing written', async () => {
    const child = startOverSsh(['--tool', 'claude-code', '--oauth', '--no-browser', '--json']);
    const stderr = { text: '' };
    const [, url] = await waitForStderr(child, /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)\n/, stderr);
    const redirect = (await runBrowser(url!, { action: 'elsewhere' })).redirectUrl!;
    redirect.searchParams.set('state', 'from-an-older-tab');
    child.stdin!.write(`${redirect.href}\n`);
    const result = await child;

    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'OAUTH_STATE' } });
    await expect(readFile(path.join(home.dir, '.claude.json'), 'utf8')).rejects.toThrow();
  });

  it('the browser reaching the listener still works when nothing is pasted (stdin closed)', async () => {
    const child = startOverSsh(['--tool', 'claude-code', '--oauth', '--no-browser']);
    child.stdin!.end();
    const stderr = { text: '' };
    const [, url] = await waitForStderr(child, /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)\n/, stderr);
    const visit = await runBrowser(url!, { action: 'approve' });
    expect(visit.status).toBe(200);
    const result = await child;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✓ Signed in as Ada Lovelace');
  });
});
