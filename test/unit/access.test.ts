/** Access levels → OAuth scopes (mittwald's knowledge, one module), and the flags that choose them. */
import { describe, expect, it } from 'vitest';
import { ACCESS_LEVELS, describeAccess, grantedScopes, MITTWALD_DEFAULT_SCOPES as CORE_DEFAULTS, MITTWALD_RESOURCE_SCOPES, scopesForAccess } from '../../src/access.js';
import { parseCommandLine } from '../../src/cli/cli-args.js';
import { resolveOptions } from '../../src/cli/options.js';
import { MITTWALD_DEFAULT_SCOPES, MITTWALD_SCOPES } from '../support/mittwald-tools.js';

const options = (argv: string[], env: Record<string, string> = {}) =>
  resolveOptions(parseCommandLine(argv), { env, readStdin: async () => 'mw-fake-token-from-stdin-0000', colorCapable: false });

describe('access levels', () => {
  it('know the scopes the bridge knows, and its read-only defaults', () => {
    const stripped = new Set(['openid', 'offline_access', 'profile']);
    expect([...MITTWALD_RESOURCE_SCOPES].sort()).toEqual(MITTWALD_SCOPES.filter((scope) => !stripped.has(scope)).sort());
    expect(CORE_DEFAULTS).toEqual(MITTWALD_DEFAULT_SCOPES);
  });

  it('read is mittwald’s default; write reads and changes, never deletes or orders; all is everything', () => {
    expect(scopesForAccess('read')).toEqual(['user:read', 'customer:read', 'project:read', 'app:read']);
    const write = scopesForAccess('write');
    expect(write).toEqual(expect.arrayContaining(['database:read', 'database:write', 'domain:write', 'mail:write', 'order:domain-preview', ...scopesForAccess('read')]));
    expect(write.filter((scope) => scope.endsWith(':delete') || scope === 'order:domain-create')).toEqual([]);
    expect(scopesForAccess('all')).toEqual([...MITTWALD_RESOURCE_SCOPES]);
    expect(scopesForAccess('all')).toEqual(expect.arrayContaining(['project:delete', 'order:domain-create', 'conversation:write']));
  });

  it('names the level of a scope list in any order, else custom', () => {
    for (const level of ACCESS_LEVELS) expect(describeAccess([...scopesForAccess(level)].reverse()).level).toBe(level);
    expect(describeAccess(['user:read', 'project:write'])).toEqual({ level: 'custom', scopes: ['user:read', 'project:write'], text: 'custom scopes (user:read project:write)' });
    expect(describeAccess(scopesForAccess('read')).text).toBe('read only (user:read customer:read project:read app:read)');
  });

  it('grants the default access when nothing was asked for', () => {
    expect(grantedScopes({})).toEqual(scopesForAccess('read'));
    expect(grantedScopes({ scopes: [] })).toEqual(scopesForAccess('read'));
    expect(grantedScopes({ scopes: ['app:read'] })).toEqual(['app:read']);
  });
});

describe('--access and --scopes', () => {
  it('--access sets the scopes of its level', async () => {
    expect(await options(['--tool', 'codex', '--access', 'write'])).toMatchObject({ access: 'write', scopes: scopesForAccess('write') });
    const none = await options(['--tool', 'codex']);
    expect(none.access).toBeUndefined();
    expect(none.scopes).toBeUndefined();
    expect((await options(['--tool', 'codex', '--scopes', 'user:read,app:write'])).scopes).toEqual(['user:read', 'app:write']);
  });

  it('refuses both together, an unknown level, and either with an API token', async () => {
    await expect(options(['--tool', 'codex', '--access', 'read', '--scopes', 'user:read'])).rejects.toMatchObject({ code: 'USAGE', message: 'Use either --access or --scopes, not both.' });
    await expect(options(['--tool', 'codex', '--access', 'admin'])).rejects.toMatchObject({ code: 'USAGE', message: '--access must be read, write or all.' });
    await expect(options(['--tool', 'codex', '--access', 'all', '--token-stdin'])).rejects.toMatchObject({ code: 'USAGE', message: '--access applies to OAuth only.' });
    await expect(options(['--tool', 'codex', '--access', 'all'], { MITTWALD_API_TOKEN: 'mw-fake-env-token-0000' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
