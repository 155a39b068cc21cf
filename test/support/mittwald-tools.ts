/** The stand-in's tool catalogue and scope vocabulary: named like mittwald's (`mittwald_<resource>_<action>`),
 * as many as the real server has (~116), each tied to the OAuth scope that guards it. */

/** Every scope mittwald's protected-resource metadata lists (46): `resource:action`, plus the three OIDC-ish
 * scopes the bridge accepts and strips. */
export const MITTWALD_SCOPES: readonly string[] = [
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
  'openid', 'offline_access', 'profile',
];

/** What the bridge grants when no scope is asked for: read-only, so write tools answer 403. */
export const MITTWALD_DEFAULT_SCOPES: readonly string[] = ['user:read', 'customer:read', 'project:read', 'app:read'];

export interface ToolSpec {
  name: string;
  description: string;
  /** The scope a caller must hold; API tokens map their role onto scopes (api_read → every `:read`). */
  scope: string;
}

const EXTRA_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  user: ['session_list', 'api_token_list', 'ssh_key_list', 'email_update'],
  project: ['filesystem_usage', 'membership_list', 'invite_create', 'invite_list'],
  app: ['install', 'uninstall', 'upgrade', 'copy', 'versions', 'dependency_list'],
  database: ['mysql_list', 'mysql_create', 'redis_list', 'redis_create', 'user_list'],
  domain: ['dns_get', 'dns_update', 'virtualhost_list', 'virtualhost_create', 'certificate_list'],
  mail: ['address_list', 'address_create', 'deliverybox_list', 'deliverybox_create'],
  backup: ['schedule_list', 'schedule_create', 'export'],
  cronjob: ['execution_list', 'execute'],
  stack: ['container_list', 'container_restart'],
  customer: ['membership_list', 'invite_list'],
  conversation: ['message_list', 'message_send'],
  contract: ['invoice_list'],
};

const RESOURCES = [
  'user', 'project', 'app', 'customer', 'database', 'domain', 'mail', 'backup', 'cronjob',
  'sshuser', 'stack', 'registry', 'extension', 'contract', 'conversation',
] as const;

const BASE_ACTIONS = ['get', 'list', 'create', 'update', 'delete'] as const;

const READ_ACTION = /(^|_)(get|list|usage|versions)$/;

function scopeFor(resource: string, action: string): string {
  if (READ_ACTION.test(action)) return `${resource}:read`;
  if (action === 'delete' && MITTWALD_SCOPES.includes(`${resource}:delete`)) return `${resource}:delete`;
  return `${resource}:write`;
}

/** The catalogue, `count` long (default 116, like mittwald's); padded with numbered read tools when more are
 * asked for than the realistic names cover. `mittwald_user_get`, `mittwald_project_list` and
 * `mittwald_app_list` are always among the first ones. */
export function mittwaldTools(count = 116): ToolSpec[] {
  const tools: ToolSpec[] = [];
  for (const resource of RESOURCES) {
    for (const action of [...BASE_ACTIONS, ...(EXTRA_ACTIONS[resource] ?? [])]) {
      tools.push({
        name: `mittwald_${resource}_${action}`,
        description: `${action.replace(/_/g, ' ')} (${resource})`,
        scope: scopeFor(resource, action),
      });
    }
  }
  tools.push(
    { name: 'mittwald_order_domain_create', description: 'order a domain', scope: 'order:domain-create' },
    { name: 'mittwald_order_domain_preview', description: 'preview a domain order', scope: 'order:domain-preview' },
  );
  for (let n = tools.length; n < count; n++) {
    tools.push({ name: `mittwald_extra${n}_get`, description: `padding tool ${n}`, scope: 'user:read' });
  }
  return tools.slice(0, count);
}

/** The scopes an API token's role grants: `api_read` every `:read` scope, `api_write` all of them. */
export function scopesForRole(role: 'api_read' | 'api_write'): readonly string[] {
  const real = MITTWALD_SCOPES.filter((scope) => scope.includes(':'));
  return role === 'api_write' ? real : real.filter((scope) => scope.endsWith(':read'));
}
