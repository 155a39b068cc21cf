/** What the tools may do at mittwald, as OAuth scopes: three access levels a person can choose between
 * (`--access read|write|all`, or the wizard's question), or the exact scopes (`--scopes`). This is mittwald's
 * knowledge — the bridge's scope list and its read-only defaults (shared/reference/mittwald-service.md) — not a
 * tool's: each adapter only decides whether its entry can carry the scopes. */

export type AccessLevel = 'read' | 'write' | 'all';

export const ACCESS_LEVELS: readonly AccessLevel[] = ['read', 'write', 'all'];

/** What the bridge grants when a client asks for no scope: read-only (write tools answer 403). */
export const MITTWALD_DEFAULT_SCOPES: readonly string[] = ['user:read', 'customer:read', 'project:read', 'app:read'];

/** Every `resource:action` scope the bridge knows (its list also has `openid offline_access profile`,
 * which it accepts and strips). */
export const MITTWALD_RESOURCE_SCOPES: readonly string[] = [
  'app:read', 'app:write', 'app:delete',
  'backup:read', 'backup:write', 'backup:delete',
  'contract:read', 'contract:write',
  'cronjob:read', 'cronjob:write', 'cronjob:delete',
  'customer:read', 'customer:write',
  'database:read', 'database:write', 'database:delete',
  'domain:read', 'domain:write', 'domain:delete',
  'extension:read', 'extension:write', 'extension:delete',
  'mail:read', 'mail:write', 'mail:delete',
  'order:domain-create', 'order:domain-preview',
  'project:read', 'project:write', 'project:delete',
  'registry:read', 'registry:write', 'registry:delete',
  'sshuser:read', 'sshuser:write', 'sshuser:delete',
  'stack:read', 'stack:write', 'stack:delete',
  'user:read', 'user:write',
  'conversation:read', 'conversation:write',
];

/** The default when nothing is chosen: mittwald's own read-only defaults. */
export const DEFAULT_ACCESS: AccessLevel = 'read';

/** The scopes of an access level.
 * - read: mittwald's read-only defaults (user, customers, projects, apps), what the bridge grants unasked.
 * - write: reading and changing everything (every `:read` and `:write` scope, and previewing a domain order),
 *   but no deleting and no ordering.
 * - all: every scope mittwald has, deleting, ordering domains and support conversations included. */
export function scopesForAccess(level: AccessLevel): string[] {
  switch (level) {
    case 'read':
      return [...MITTWALD_DEFAULT_SCOPES];
    case 'write':
      return MITTWALD_RESOURCE_SCOPES.filter((scope) => /:(read|write)$/.test(scope) || scope === 'order:domain-preview');
    case 'all':
      return [...MITTWALD_RESOURCE_SCOPES];
  }
}

/** How the wizard offers each level, and how the summary names it. */
export const ACCESS_CHOICES: Readonly<Record<AccessLevel, { label: string; hint: string }>> = {
  read: { label: 'Read only', hint: 'view user, customers, projects, apps; no changes' },
  write: { label: 'Read and change', hint: 'read and change everything; never delete or order' },
  all: { label: 'Everything', hint: 'also delete, order domains, write to support' },
};

/** What was granted, for the summary and `--json`: the level whose scopes these are exactly, else `custom`. */
export function describeAccess(scopes: readonly string[]): { level: AccessLevel | 'custom'; scopes: string[]; text: string } {
  const sorted = [...scopes].sort();
  const level = ACCESS_LEVELS.find((candidate) => {
    const wanted = scopesForAccess(candidate).sort();
    return wanted.length === sorted.length && wanted.every((scope, index) => scope === sorted[index]);
  });
  const name = level ? ACCESS_CHOICES[level].label.toLowerCase() : 'custom scopes';
  return { level: level ?? 'custom', scopes: [...scopes], text: `${name} (${scopes.join(' ')})` };
}

/** The scopes a run grants: those asked for (`--scopes`, `--access`, the wizard), else the default access. */
export function grantedScopes(options: { scopes?: readonly string[] }): string[] {
  return options.scopes?.length ? [...options.scopes] : scopesForAccess(DEFAULT_ACCESS);
}

/** Whether `scopes` let the tools change anything at mittwald: one scope of the bridge's list beyond reading.
 * Without one every write tool answers 403 (the bridge's default grant is read-only). */
export function grantsWrites(scopes: readonly string[]): boolean {
  return scopes.some((scope) => MITTWALD_RESOURCE_SCOPES.includes(scope) && !scope.endsWith(':read'));
}
