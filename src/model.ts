/** The vocabulary shared by the core and the adapters: tools, scopes, credentials, and the plan of changes. */

/** An adapter's id (`--tool <id>`). Which ids exist is the adapter registry's knowledge (adapters/index.ts),
 * not the core's: the core handles every tool alike. */
export type ToolId = string;

export type Scope = 'user' | 'project';

/** Where an installed entry was found: one of our scopes, or `local`, a tool's own scope that holds entries
 * private to the person in one project (they are found and reported, never written). */
export type EntryScope = Scope | 'local';

export const DEFAULT_SERVER_URL = 'https://mcp.mittwald.de/mcp';
export const DEFAULT_API_URL = 'https://api.mittwald.de';
export const DEFAULT_ENTRY_NAME = 'mittwald';
/** The variable mittwald's docs and CLI use for an API token; secret references point at it. */
export const TOKEN_ENV_VAR = 'MITTWALD_API_TOKEN';

/** The CI services `ci <provider>` writes a pipeline for. */
export const CI_PROVIDERS = ['github', 'gitlab'] as const;
export type CiProvider = (typeof CI_PROVIDERS)[number];

/** Where the CLI runs. Injected everywhere so that Windows and macOS paths are testable on Linux. */
export interface Environment {
  platform: 'linux' | 'darwin' | 'win32';
  home: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** How a tool will authenticate to the MCP server. */
export type Credential =
  | { kind: 'oauth'; scopes?: readonly string[] }
  /** `storage: 'ref'` writes the tool's own reference to `envVar` (or VS Code's secret prompt) instead of
   * the token itself. */
  | { kind: 'token'; token: string; storage: 'ref' | 'literal'; envVar: string };

/** How an entry found in a config authenticates. */
export type AuthMode = 'oauth' | 'token-literal' | 'token-ref';

export interface SetupRequest {
  serverUrl: string;
  name: string;
  scope: Scope;
  credential: Credential;
  /** Replace mittwald entries stored under other names (old `/sse`, `*.fly.dev` or duplicate URLs). */
  replaceStale: boolean;
  /** Set when an OAuth sign-in from here succeeded: who signed in (for settings-screen instructions). */
  oauthVerifiedAs?: string;
}

/** One file the plan creates or changes. `before === null`: the file does not exist yet;
 * `after === null`: the file is deleted. */
export interface FileStep {
  kind: 'file';
  path: string;
  before: string | null;
  after: string | null;
  /** The new contents hold a literal secret: written with mode 0600, masked in diffs. */
  secret: boolean;
  /** Permission bits to write the file with, over `secret`: the mode a file had before setup tightened it,
   * given back by `remove` once the secret is gone. */
  mode?: number;
  /** What to note in the setup state (src/files/setup-state.ts) once the step is written. */
  record?: FileRecordChange;
}

/** What a written step did to a file, for `remove` to give it back as it was. Key paths are JSON ones. */
export type FileRecordChange =
  | {
      kind: 'setup';
      /** The file's real path (symlinks resolved). */
      realPath: string;
      entry: string;
      /** The entry holds a literal secret. */
      secret: boolean;
      /** The file did not exist. */
      created: boolean;
      /** Its mode before setup made it 0600 (only when it did). */
      mode?: number;
      /** Key paths absent before that setup added. */
      added: ReadonlyArray<readonly (string | number)[]>;
    }
  | {
      kind: 'remove';
      realPath: string;
      entry: string;
      /** Key paths setup had added that remove took out. */
      removed: ReadonlyArray<readonly (string | number)[]>;
      modeRestored: boolean;
      /** The file setup created was deleted again. */
      deleted: boolean;
    };

/** An entry, under any name, that points at mittwald and will be replaced (or reported). */
export interface StaleEntry {
  name: string;
  url: string;
  file: string;
  /** `overrides`: an entry of our name in a scope that wins over the one being written (in `project`). */
  reason: 'legacy-sse' | 'legacy-fly' | 'duplicate' | 'overrides';
  /** Set for an entry of a per-project scope (`local`): the project it applies to. */
  project?: string;
}

/** What one tool (or one Copilot host) needs: steps to apply, or instructions for a settings screen. */
export interface ToolPlan {
  tool: ToolId;
  /** e.g. "Cursor (user)", "VS Code Insiders (project)". */
  target: string;
  /** Set for tools with several hosts (Copilot). */
  host?: string;
  steps: FileStep[];
  stale: StaleEntry[];
  /** Stale entries found but kept because replacing them was not allowed. */
  staleKept: StaleEntry[];
  /** Rendered text for settings-screen apps. */
  instructions?: string;
  /** What the person must still do, in order. */
  nextSteps: string[];
  /** How a running tool picks up a change (e.g. "Reload Cursor …"): added to the next steps only when the
   * plan changes something. */
  reloadStep?: string;
  /** Warnings worth showing before applying. */
  warnings: string[];
}

export type DetectionState = 'installed' | 'config-found' | 'not-installed';

export interface Detection {
  tool: ToolId;
  state: DetectionState;
  /** Copilot: each host found, e.g. ['VS Code', 'Copilot CLI']. */
  hosts: string[];
  /** Why we think so: a path or command found. */
  evidence: string[];
  /** What the tool list says instead of the state, for a tool where "installed" means nothing (a web app). */
  note?: string;
}

/** An entry as a tool will read it, for `status` and for checking after a write. */
/** Whether the tool uses an entry it reads, by its own rules (approval of a shared project file, trust of the
 * folder, an entry switched off or overridden by one of another scope). Decided by the adapter. */
export interface Activation {
  state: 'active' | 'pending-approval' | 'untrusted-project' | 'disabled' | 'overridden';
  /** The one thing the person does for the tool to use the entry; absent when active. */
  step?: string;
}

export interface InstalledEntry {
  tool: ToolId;
  scope: EntryScope;
  /** The project a `local` entry applies to. */
  project?: string;
  host?: string;
  file: string;
  name: string;
  url: string;
  auth: AuthMode;
  /** The header value the tool will send, with references resolved from the environment; absent for OAuth
   * or when a referenced variable is unset. */
  authorization?: string;
  /** Variables the entry refers to that have no value here. */
  unresolved: string[];
  /** Prompts the tool shows itself for a value of the entry (their answers are the tool's, never known here). */
  prompts?: string[];
  /** Whether the tool uses the entry here; absent when the adapter cannot tell (taken as in use). */
  activation?: Activation;
}
