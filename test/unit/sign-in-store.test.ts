import { fs as memfsFs, vol } from 'memfs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Environment, InstalledEntry } from '../../src/model.js';

vi.mock('node:fs/promises', () => ({ ...memfsFs.promises, default: memfsFs.promises }));
// The file plumbing's metadata calls are synchronous (src/files/config-file.ts): node:fs is memfs too.
vi.mock('node:fs', () => ({ ...memfsFs, default: memfsFs }));

const { default: claudeCode } = await import('../../adapters/claude-code.js');
const { default: codex } = await import('../../adapters/codex.js');
const { describeSignIn, serverStoreKey, signInFromTokens } = await import('../../src/kit/sign-in-store.js');

const HOME = '/home/ada';
const URL = 'https://mcp.mittwald.de/mcp';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const environment = (platform: Environment['platform'] = 'linux', env: Record<string, string> = {}): Environment => ({ platform, home: HOME, cwd: HOME, env: { HOME, ...env } });
const entry = (tool: InstalledEntry['tool']): InstalledEntry => ({ tool, scope: 'user', file: `${HOME}/.claude.json`, name: 'mittwald', url: URL, auth: 'oauth', unresolved: [] });

beforeEach(() => vol.reset());

describe('signInFromTokens', () => {
  it('tells signed in, expired with and without refresh, and no sign-in; the state never holds a token', () => {
    const future = signInFromTokens('/f', { accessToken: 'a-token-123', refreshToken: 'r-token-456', expiresAt: NOW + 3600_000, clientId: 'c' }, NOW);
    expect(future).toEqual({ state: { status: 'signed-in', file: '/f', expiresAt: '2026-12-01T13:00:00.000Z', refresh: true, client: { clientId: 'c' } }, accessToken: 'a-token-123', refreshToken: 'r-token-456' });
    expect(describeSignIn(future.state)).toBe('signed in (expires 2026-12-01 13:00 UTC, refresh available)');
    const expired = signInFromTokens('/f', { accessToken: 'a', expiresAt: NOW - 1 }, NOW).state;
    expect(expired).toMatchObject({ status: 'expired', refresh: false });
    expect(describeSignIn(expired)).toBe('sign-in expired 2026-12-01 11:59 UTC (no refresh token)');
    expect(signInFromTokens('/f', { accessToken: 'a', expiresAt: 0 }, NOW).state).toMatchObject({ status: 'expired' });
    expect(signInFromTokens('/f', { refreshToken: 'r' }, NOW).state).toEqual({ status: 'not-signed-in', file: '/f' });
    expect(JSON.stringify(future.state)).not.toMatch(/a-token|r-token/);
  });

  it('keys a record like the tools do: name|first 16 hex of SHA-256 over the http config', () => {
    // Both values seen in files the real Claude Code 2.1.332 and Codex 0.171.0 wrote.
    expect(serverStoreKey('mittwald', 'http://127.0.0.1:46263/mcp')).toBe('mittwald|19f1a2edd3a41e19');
    expect(serverStoreKey('mittwald', 'http://127.0.0.1:45657/mcp')).toBe('mittwald|408c5878cd6d1486');
  });
});

describe("Claude Code's sign-in", () => {
  const file = `${HOME}/.claude/.credentials.json`;
  it('reads mcpOAuth, by key or by stored URL; none on Linux is "not signed in", none on macOS is unknown (Keychain)', async () => {
    expect(await claudeCode.signInState!(environment(), entry('claude-code'))).toEqual({ state: { status: 'not-signed-in', file } });
    expect(await claudeCode.signInState!(environment('darwin'), entry('claude-code'))).toBeUndefined();
    vol.fromJSON({ [file]: JSON.stringify({ mcpOAuth: { 'mittwald|0000000000000000': { serverName: 'mittwald', serverUrl: URL, accessToken: 'tok-abc', refreshToken: 'ref-def', expiresAt: Date.now() + 60_000, redirectUri: 'http://localhost:3118/callback', clientId: 'cid', issuer: 'https://auth.mcp.mittwald.de' } } }) });
    const stored = await claudeCode.signInState!(environment(), entry('claude-code'));
    expect(stored?.state).toMatchObject({ status: 'signed-in', refresh: true, client: { clientId: 'cid', redirectUri: 'http://localhost:3118/callback' } });
    // Another URL under the same name is another server.
    expect((await claudeCode.signInState!(environment(), { ...entry('claude-code'), url: 'https://other.example/mcp' }))?.state.status).toBe('not-signed-in');
  });

  it('follows CLAUDE_CONFIG_DIR; a file that does not parse is a CONFIG_PARSE error that shows none of it', async () => {
    vol.fromJSON({ '/cfg/.credentials.json': '{"mcpOAuth": {"mittwald|x": {"accessToken": "secret-tok' });
    const failure = await claudeCode.signInState!(environment('linux', { CLAUDE_CONFIG_DIR: '/cfg' }), entry('claude-code')).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'CONFIG_PARSE' });
    expect(String((failure as Error).message)).not.toContain('secret-tok');
  });
});

describe("Codex's sign-in", () => {
  it('reads $CODEX_HOME/.credentials.json; without the file the tokens are in the keyring: unknown', async () => {
    expect(await codex.signInState!(environment('linux', { CODEX_HOME: '/ch' }), entry('codex'))).toBeUndefined();
    vol.fromJSON({ '/ch/.credentials.json': JSON.stringify({ [serverStoreKey('mittwald', URL)]: { server_name: 'mittwald', server_url: URL, client_id: 'c', access_token: 'at', expires_at: 1, scopes: ['user:read'] } }) });
    expect((await codex.signInState!(environment('linux', { CODEX_HOME: '/ch' }), entry('codex')))?.state).toMatchObject({ status: 'expired', refresh: false, scopes: ['user:read'], client: { clientId: 'c' } });
  });
});
