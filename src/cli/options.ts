/** Turns raw command-line values and the environment into validated Options. The contract is in
 * shared/design.md; every violation is a one-line USAGE error naming the fix. */
import type { Command, ParsedArgs } from './cli-args.js';
import { usageError } from '../errors.js';
// The ids only, not the adapters: options are read before any adapter code is loaded.
import { EXAMPLE_TOOLS, TOOL_IDS } from '../../adapters/tool-ids.js';
import { ACCESS_LEVELS, scopesForAccess, type AccessLevel } from '../access.js';
import { CI_PROVIDERS, DEFAULT_API_URL, DEFAULT_ENTRY_NAME, DEFAULT_SERVER_URL, TOKEN_ENV_VAR, type CiProvider, type Scope, type ToolId } from '../model.js';

/** `--tool` values besides the tool ids. */
export const GROUP_SELECTORS = ['detected', 'all'] as const;
export const TOOL_SELECTORS: readonly string[] = [...TOOL_IDS, ...GROUP_SELECTORS];
/** A tool id, or `detected` / `all`. */
export type ToolSelector = ToolId | (typeof GROUP_SELECTORS)[number];

export type TokenSource = 'flag' | 'stdin' | 'env';

export interface Options {
  command: Command;
  tools: ToolSelector[];
  /** Raw token as given (cleaned later, so that fixes can be reported). */
  token?: { value: string; source: TokenSource };
  /** `--oauth` given, or no token anywhere. */
  oauth: boolean;
  /** `--oauth` was given explicitly (pre-answers the wizard's question). */
  oauthGiven: boolean;
  /** `--access` as given; with it, `scopes` holds its scopes. */
  access?: AccessLevel;
  /** The scopes asked for with `--scopes` or `--access`; undefined: the default access (see grantedScopes). */
  scopes?: string[];
  secret?: 'ref' | 'literal';
  scope: Scope;
  scopeGiven: boolean;
  serverUrl: string;
  apiUrl: string;
  name: string;
  dryRun: boolean;
  /** `ci`: the provider named after the command. */
  provider?: CiProvider;
  /** `ci --write`: add the pipeline file to the repository. */
  write: boolean;
  json: boolean;
  verify: boolean;
  browser: boolean;
  color: boolean;
  debug: boolean;
  yes: boolean;
  /** doctor: run the safe fixes (after asking, or with --yes). */
  fix: boolean;
}

function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], message: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw usageError(message, 'See mittwald-mcp-setup --help.');
  return value as T;
}

function httpUrl(flag: string, value: string): string {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw usageError(`${flag} must be an http(s) URL, e.g. https://mcp.mittwald.de/mcp`, 'See mittwald-mcp-setup --help.');
  return value;
}

/** The provider of `ci <provider>`. A pipeline takes its token from the CI's own secret store, so a token (or
 * OAuth) given here would be a misunderstanding: refused rather than ignored. */
function ciProvider(argument: string | undefined, values: ParsedArgs['values']): CiProvider {
  if (argument === undefined) throw usageError(`ci needs a provider: ${CI_PROVIDERS.join(' or ')}.`, `Example: mittwald-mcp-setup ci github --tool ${EXAMPLE_TOOLS.ci}`);
  if (!(CI_PROVIDERS as readonly string[]).includes(argument)) throw usageError(`Unknown CI provider "${argument}": use ${CI_PROVIDERS.join(' or ')}.`);
  if (values.token !== undefined || values['token-stdin'] || values.oauth || values.scopes) {
    throw usageError(`ci takes no credential: the pipeline reads the token from the ${TOKEN_ENV_VAR} secret of your CI.`, 'Drop --token / --token-stdin / --oauth / --scopes.');
  }
  return argument as CiProvider;
}

export interface OptionSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input (for --token-stdin). */
  readStdin: () => Promise<string>;
  /** Whether stdout supports colour (a TTY). */
  colorCapable: boolean;
}

export async function resolveOptions({ command, values, argument }: ParsedArgs, sources: OptionSources): Promise<Options> {
  const provider = command === 'ci' ? ciProvider(argument, values) : undefined;
  if (values.write && command !== 'ci') throw usageError('--write applies to the ci command only.', `Example: mittwald-mcp-setup ci github --tool ${EXAMPLE_TOOLS.ci} --write`);
  const tools = splitList(values.tool).map((tool) => {
    if (!TOOL_SELECTORS.includes(tool)) {
      throw usageError(`Unknown tool "${tool}".`, `Use one of: ${TOOL_SELECTORS.join(', ')}.`);
    }
    return tool;
  });
  if (values.tool !== undefined && tools.length === 0) {
    throw usageError('--tool is empty.', `Name at least one tool: ${TOOL_SELECTORS.join(', ')}.`);
  }
  if (values.fix && command !== 'doctor') throw usageError('--fix belongs to doctor.', 'Example: mittwald-mcp-setup doctor --fix');
  if (command === 'remove' && tools.length === 0) throw usageError('remove needs --tool <id>.', `Example: mittwald-mcp-setup remove --tool ${EXAMPLE_TOOLS.editor}`);

  if (values.token !== undefined && values['token-stdin']) throw usageError('Use either --token or --token-stdin, not both.');
  if (values.oauth && (values.token !== undefined || values['token-stdin'])) {
    throw usageError('Use either --oauth or an API token, not both.', 'Drop --oauth to use the token, or drop the token to sign in with OAuth.');
  }
  let token: Options['token'];
  if (values.token !== undefined) token = { value: values.token, source: 'flag' };
  else if (values['token-stdin']) token = { value: await sources.readStdin(), source: 'stdin' };
  else if (!values.oauth && sources.env[TOKEN_ENV_VAR]) token = { value: sources.env[TOKEN_ENV_VAR]!, source: 'env' };
  if (values.token !== undefined && values.token.trim() === '') throw usageError('--token is empty.', `Pass the API token, or set ${TOKEN_ENV_VAR}.`);

  const listed = splitList(values.scopes);
  if (values.access !== undefined && values.scopes !== undefined) {
    throw usageError('Use either --access or --scopes, not both.', '--access read|write|all picks a set of scopes; --scopes names them one by one.');
  }
  if ((listed.length > 0 || values.access !== undefined) && token) {
    throw usageError(`${values.access !== undefined ? '--access' : '--scopes'} applies to OAuth only.`, 'API tokens carry their own permissions (api_read / api_write).');
  }
  for (const scope of listed) {
    if (!/^[a-z_-]+(:[a-z_-]+)?$/.test(scope)) throw usageError(`"${scope}" is not a scope name.`, 'Scopes look like project:read or app:write.');
  }
  const access = values.access === undefined ? undefined : oneOf(values.access, ACCESS_LEVELS, '--access must be read, write or all.');
  const scopes = access ? scopesForAccess(access) : listed;

  const secret = values.secret === undefined ? undefined : oneOf(values.secret, ['ref', 'literal'], '--secret must be ref or literal.');
  const scope = oneOf<Scope>(values.scope ?? 'user', ['user', 'project'], '--scope must be user or project.');
  const serverUrl = httpUrl('--server-url', values['server-url'] ?? sources.env.MITTWALD_MCP_URL ?? DEFAULT_SERVER_URL);
  const apiUrl = httpUrl('--api-url', values['api-url'] ?? sources.env.MITTWALD_API_URL ?? DEFAULT_API_URL);
  const name = values.name ?? DEFAULT_ENTRY_NAME;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw usageError('--name may use letters, digits, - and _ only (every tool accepts those).', 'See mittwald-mcp-setup --help.');
  if (scope === 'project' && secret === 'literal') {
    throw usageError('--secret literal cannot go with --scope project: the project file is shared through git, so it never holds a token.', 'Drop --secret literal (the entry then refers to the token), or use --scope user.');
  }

  return {
    command,
    tools,
    ...(token ? { token } : {}),
    oauth: !token,
    oauthGiven: Boolean(values.oauth),
    ...(access ? { access } : {}),
    ...(scopes.length ? { scopes } : {}),
    ...(secret ? { secret } : {}),
    scope,
    scopeGiven: values.scope !== undefined,
    serverUrl: serverUrl.replace(/\/+$/, ''),
    apiUrl: apiUrl.replace(/\/+$/, ''),
    name,
    dryRun: Boolean(values['dry-run']),
    ...(provider ? { provider } : {}),
    write: Boolean(values.write),
    json: Boolean(values.json),
    verify: !values['no-verify'],
    browser: !values['no-browser'],
    color: !values['no-color'] && !sources.env.NO_COLOR && sources.colorCapable && !values.json,
    debug: Boolean(values.debug),
    yes: Boolean(values.yes),
    fix: Boolean(values.fix),
  };
}
