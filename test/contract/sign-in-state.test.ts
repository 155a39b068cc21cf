/** Sign-in state produced by the REAL tools' own logins (issue 10 item 5, issue 12): `claude mcp login` and
 * `codex mcp login` through a headless `$BROWSER` against the local stand-in's authorization server, with
 * access tokens that live 3 s, refreshes the bridge refuses and registrations it lost. What each tool writes
 * is read back by its adapter (signInState) the way `status` and `doctor` do, and `remove` takes Claude's
 * tokens out as `claude mcp remove` would. HOME is a temp folder; nothing leaves 127.0.0.1. */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import claudeCode, { claudeCredentialsFile } from '../../adapters/claude-code.js';
import codex, { codexCredentialsFile } from '../../adapters/codex.js';
import opencode, { opencodeAuthFile } from '../../adapters/opencode.js';
import { applyPlan } from '../../src/flow/apply.js';
import { registrationKnown } from '../../src/commands/doctor.js';
import { createHttpClient } from '../../src/net/http.js';
import type { Environment, InstalledEntry, SetupRequest } from '../../src/model.js';
import { planTools } from '../../src/flow/setup-steps.js';
import { startMittwaldServer, type MittwaldTestServer } from '../support/mittwald-server.js';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js';
import { PtySession } from '../support/pty.js';
import { contractClient } from './clients.js';

const claude = contractClient('claude');
const codexClient = contractClient('codex');
const opencodeClient = contractClient('opencode');
const TIMEOUT = 120_000;
const HEADLESS_BROWSER = path.resolve(import.meta.dirname, '../support/headless-browser.mjs');
const CLAUDE_ENV = { DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1', NO_COLOR: '1' };

let mcp: MittwaldTestServer;
let as: OAuthServer;

beforeAll(async () => {
  mcp = await startMittwaldServer();
  as = await startOAuthServer({ resource: mcp.mcpUrl, accessTokenTtl: 3 });
  mcp.setAuthorizationServer(as.issuer);
  mcp.setAccessTokenVerifier((accessToken) => as.verifyAccessToken(accessToken));
}, TIMEOUT);
afterAll(async () => {
  await mcp?.close();
  await as?.close();
});

async function sandbox(prefix: string): Promise<{ home: string; project: string; environment: Environment; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(path.join(os.tmpdir(), prefix));
  expect(home.startsWith(os.tmpdir())).toBe(true);
  const project = path.join(home, 'shop');
  await mkdir(path.join(project, '.git'), { recursive: true });
  return { home, project, environment: { platform: 'linux', home, cwd: project, env: { HOME: home, PATH: process.env.PATH ?? '' } }, cleanup: () => rm(home, { recursive: true, force: true }) };
}

const oauthRequest = (): SetupRequest => ({ serverUrl: mcp.mcpUrl, name: 'mittwald', scope: 'user', credential: { kind: 'oauth', scopes: ['user:read', 'project:read'] }, replaceStale: true });

async function writeEntry(adapter: typeof claudeCode, environment: Environment, home: string): Promise<InstalledEntry> {
  const [planned] = await planTools([adapter], environment, oauthRequest);
  await applyPlan(planned!.plan!, { backupDir: path.join(home, 'backups') });
  const [entry] = await adapter.inspect(environment, { name: 'mittwald', serverUrl: mcp.mcpUrl });
  return entry!;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!claude.present || process.env.SKIP_CLAUDE_CONTRACT === '1')(`Claude Code's own sign-in, read back (${claude.label})`, () => {
  it(
    'after `claude mcp login`: signed in with refresh; after a refused refresh: expired, refresh refused; a lost registration is seen; remove takes the tokens',
    async () => {
      const box = await sandbox('signin-claude-');
      try {
        const env = { HOME: box.home, PATH: process.env.PATH ?? '', ...CLAUDE_ENV };
        const run = (args: string[]) => execa(claude.bin, args, { cwd: box.project, env, extendEnv: false, reject: false, stdin: 'ignore', all: true, timeout: 60_000 });
        const entry = await writeEntry(claudeCode, box.environment, box.home);
        expect(await claudeCode.signInState!(box.environment, entry)).toEqual({ state: { status: 'not-signed-in', file: claudeCredentialsFile(box.environment) } });

        const session = new PtySession(['mcp', 'login', 'mittwald'], { home: box.home, cwd: box.project, program: claude.bin, cols: 400, env: { ...env, BROWSER: HEADLESS_BROWSER } });
        try {
          expect((await session.waitForExit(60_000)).exitCode, session.text).toBe(0);
        } finally {
          session.kill();
        }
        const signedIn = await claudeCode.signInState!(box.environment, entry);
        expect(signedIn?.state).toMatchObject({ status: 'signed-in', refresh: true, client: { issuer: as.issuer, redirectUri: expect.stringMatching(/^http:\/\/localhost:\d+\/callback$/) }, scopes: ['user:read', 'project:read'] });
        expect(signedIn?.accessToken?.split('.')).toHaveLength(3);
        // The state holds no secret.
        expect(JSON.stringify(signedIn!.state)).not.toContain(signedIn!.accessToken!);
        expect(JSON.stringify(signedIn!.state)).not.toContain(signedIn!.refreshToken!);
        const http = createHttpClient({ version: 'test' });
        const client = signedIn!.state.status === 'signed-in' ? signedIn!.state.client! : undefined;
        expect(await registrationKnown(http, client!.issuer!, client!.clientId)).toBe(true);

        // The access token runs out; the bridge refuses the refresh; Claude's own health check meets it.
        await wait(3500);
        expect((await claudeCode.signInState!(box.environment, entry))?.state).toMatchObject({ status: 'expired', refresh: true });
        as.failRefreshes();
        try {
          const listed = await run(['mcp', 'list']);
          expect(listed.all).toContain('Needs authentication');
        } finally {
          as.failRefreshes(false);
        }
        expect((await claudeCode.signInState!(box.environment, entry))?.state).toMatchObject({ status: 'expired', refresh: false, refreshRejected: true });

        as.dropRegistrations();
        expect(await registrationKnown(http, client!.issuer!, client!.clientId)).toBe(false);

        // remove: the entry and its tokens, as `claude mcp remove` does; other keys of the file stay.
        const [removal] = await claudeCode.planRemove(box.environment, { name: 'mittwald', scope: 'user' });
        expect(removal!.steps.map((step) => step.path)).toEqual([path.join(box.home, '.claude.json'), claudeCredentialsFile(box.environment)]);
        await applyPlan(removal!, { backupDir: path.join(box.home, 'backups') });
        const credentials = JSON.parse(await readFile(claudeCredentialsFile(box.environment), 'utf8')) as { mcpOAuth?: Record<string, unknown> };
        expect(Object.keys(credentials.mcpOAuth ?? {})).toEqual([]);
        expect((await run(['mcp', 'get', 'mittwald'])).all).toMatch(/No MCP server (named|found)/i);
      } finally {
        await box.cleanup();
      }
    },
    TIMEOUT,
  );
});

describe.skipIf(!codexClient.present)(`Codex's own sign-in, read back (${codexClient.label})`, () => {
  it(
    'after `codex mcp login`: signed in with refresh and the scopes asked for, in $CODEX_HOME/.credentials.json; expired once the token runs out',
    async () => {
      const box = await sandbox('signin-codex-');
      try {
        const codexHome = path.join(box.home, '.codex');
        await mkdir(codexHome, { recursive: true });
        const environment = { ...box.environment, env: { ...box.environment.env, CODEX_HOME: codexHome } };
        const entry = await writeEntry(codex, environment, box.home);
        expect(await codex.signInState!(environment, entry)).toBeUndefined();
        const login = await execa(codexClient.bin, ['mcp', 'login', 'mittwald', '--scopes', 'user:read,project:read'], {
          cwd: box.project,
          env: { HOME: box.home, CODEX_HOME: codexHome, PATH: process.env.PATH ?? '', NO_COLOR: '1', BROWSER: HEADLESS_BROWSER, NO_PROXY: '127.0.0.1,localhost' },
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
          timeout: 60_000,
        });
        expect(login.exitCode, login.stderr).toBe(0);
        const signedIn = await codex.signInState!(environment, entry);
        expect(signedIn?.state).toMatchObject({ status: 'signed-in', file: codexCredentialsFile(environment), refresh: true, client: { issuer: as.issuer }, scopes: expect.arrayContaining(['user:read', 'project:read']) });
        expect(JSON.stringify(signedIn!.state)).not.toContain(signedIn!.accessToken!);
        await wait(3500);
        expect((await codex.signInState!(environment, entry))?.state).toMatchObject({ status: 'expired', refresh: true });
      } finally {
        await box.cleanup();
      }
    },
    TIMEOUT,
  );
});

describe.skipIf(!opencodeClient.present)(`opencode's own sign-in, read back (${opencodeClient.label})`, () => {
  it(
    'after `opencode mcp auth`: signed in with refresh and scopes in <data folder>/opencode/mcp-auth.json (0600); expired once the token runs out; `opencode mcp logout` leaves none',
    async () => {
      const box = await sandbox('signin-opencode-');
      try {
        const entry = await writeEntry(opencode, box.environment, box.home);
        expect(await opencode.signInState!(box.environment, entry)).toEqual({ state: { status: 'not-signed-in', file: opencodeAuthFile(box.environment) } });
        // opencode opens the sign-in page with xdg-open (it does not follow $BROWSER): one that is the
        // headless browser.
        const bin = path.join(box.home, 'bin');
        await mkdir(bin);
        await writeFile(path.join(bin, 'xdg-open'), `#!/bin/sh\nexec "${process.execPath}" "${HEADLESS_BROWSER}" "$@"\n`, { mode: 0o755 });
        const env = {
          HOME: box.home,
          PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
          DISPLAY: ':0',
          NO_COLOR: '1',
          OPENCODE_DISABLE_AUTOUPDATE: '1',
          OPENCODE_DISABLE_MODELS_FETCH: '1',
          OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
          OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
          OPENCODE_DISABLE_SHARE: '1',
          OPENCODE_DISABLE_CLAUDE_CODE: '1',
          // Nothing may leave 127.0.0.1: a proxy that is not there for the rest.
          HTTP_PROXY: 'http://127.0.0.1:9',
          HTTPS_PROXY: 'http://127.0.0.1:9',
          NO_PROXY: '127.0.0.1,localhost',
        };
        const run = (args: string[]) => execa(opencodeClient.bin, args, { cwd: box.project, env, extendEnv: false, reject: false, stdin: 'ignore', all: true, timeout: 60_000 });
        const login = await run(['mcp', 'auth', 'mittwald']);
        expect(login.exitCode, login.all).toBe(0);
        const signedIn = await opencode.signInState!(box.environment, entry);
        expect(signedIn?.state).toMatchObject({ status: 'signed-in', file: path.join(box.home, '.local', 'share', 'opencode', 'mcp-auth.json'), refresh: true, client: { clientId: expect.any(String) } });
        expect(signedIn?.state.status === 'signed-in' && signedIn.state.scopes).toEqual(expect.arrayContaining(['user:read', 'project:read']));
        expect(signedIn?.accessToken?.split('.')).toHaveLength(3);
        expect(JSON.stringify(signedIn!.state)).not.toContain(signedIn!.accessToken!);
        expect(JSON.stringify(signedIn!.state)).not.toContain(signedIn!.refreshToken!);
        expect((await stat(opencodeAuthFile(box.environment))).mode & 0o777).toBe(0o600);
        await wait(3500);
        expect((await opencode.signInState!(box.environment, entry))?.state).toMatchObject({ status: 'expired', refresh: true });
        const logout = await run(opencode.logoutCommand!('mittwald').slice(1));
        expect(logout.exitCode, logout.all).toBe(0);
        expect((await opencode.signInState!(box.environment, entry))?.state).toEqual({ status: 'not-signed-in', file: opencodeAuthFile(box.environment) });
      } finally {
        await box.cleanup();
      }
    },
    TIMEOUT,
  );
});
