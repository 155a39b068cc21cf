/** The interface every tool module in adapters/ implements. Adapters hold tool knowledge only (paths, entry
 * shape, how the tool resolves references); reading, editing and writing files, HTTP and output are the core's.
 * Adapters never write anything: they return plans, which the core shows, checks and applies. */
import type { Activation, CiProvider, Detection, Environment, InstalledEntry, Scope, SetupRequest, ToolId, ToolPlan } from '../model.js';
import type { StoredSignIn } from './sign-in-store.js';

export type { SignInState, StoredSignIn } from './sign-in-store.js';

/** A tool's own verdict on our entry. `detail` names the command that gave it. */
export interface Confirmation {
  ok: boolean;
  detail: string;
  /** What the tool's own state line says about using the entry (e.g. "Pending approval"), over what the
   * adapter read from its files. */
  activation?: Activation;
}

/** How a tool runs on a CI runner or headless server, for `ci <provider>`: the pipeline installs the tool's
 * CLI, then runs the setup (which finds it) from the token secret. */
export interface CiSupport {
  /** Shell command that installs the tool's CLI on a runner that has Node and npm. */
  install: string;
  /** The agent run, for the commented example step: the variables it needs itself (its vendor's key) and
   * its non-interactive command line (argv) for a prompt, allowed to use the entry `name`. */
  example: { secrets: readonly string[]; argv(name: string, prompt: string): string[] };
  /** An agent of this tool that the CI provider hosts itself and configures in its repository settings. */
  hosted?: HostedAgent;
}

/** An agent run by a CI provider on its own machines (e.g. one set up in a repository's settings): it cannot
 * be configured from a file, so `ci` prints what to paste where. */
export interface HostedAgent {
  provider: CiProvider;
  /** Display name. */
  name: string;
  /** One line on how it is configured (and why it needs a token). */
  note: string;
  /** The secret the configuration refers to, in the hosted agent's own secret store. */
  secret: string;
  /** The configuration text to paste (referencing `secret`, never holding a token). */
  configuration(request: { name: string; serverUrl: string }): string;
  /** Where to paste it and where to add the secret, in order. */
  steps: readonly string[];
  /** Pages the text was taken from. */
  sources: readonly string[];
}

export interface Adapter {
  readonly id: ToolId;
  /** Display name, e.g. "Cursor". */
  readonly name: string;
  /** 'config': the adapter writes files or runs the tool's CLI. 'instructions': settings-screen apps. */
  readonly kind: 'config' | 'instructions';
  readonly scopes: readonly Scope[];
  /** Whether the tool can use an API token at all (settings-screen apps take OAuth only). */
  readonly acceptsToken: boolean;
  /** The token reference a `--secret ref` entry uses: an environment variable the user must export, or a
   * prompt the tool shows itself (VS Code `${input:…}`), or none (literal only). */
  readonly secretReference: 'env' | 'prompt' | 'none';

  detect(environment: Environment): Promise<Detection>;
  /** One plan per configured target (Copilot returns one per detected host). Pure: reads, never writes. */
  plan(environment: Environment, request: SetupRequest): Promise<ToolPlan[]>;
  /** Plans taking out the entry named `name` (and only what we added with it). */
  planRemove(environment: Environment, options: { name: string; scope: Scope }): Promise<ToolPlan[]>;
  /** Its OAuth entry carries the scopes asked for (e.g. Claude Code `oauth.scopes`, Codex `scopes`), and the
   * tool's own sign-in asks for exactly those. Without it the tool picks the scopes at its own sign-in. */
  readonly entryCarriesScopes?: boolean;
  /** The tool's own OAuth sign-in command for an OAuth entry (e.g. `claude mcp login mittwald`), if it has one;
   * with `noBrowser` (an SSH session) the form that prints the URL and takes the pasted redirect. */
  loginCommand?(name: string, scopes?: readonly string[], options?: { noBrowser?: boolean }): string[];
  /** The tool's own command that forgets its stored sign-in for an entry (e.g. `claude mcp logout mittwald`):
   * the first step when the registration it holds no longer exists at the server. */
  logoutCommand?(name: string): string[];
  /** The tool's OAuth sign-in for an OAuth entry, read from the file where the tool keeps it. Undefined when
   * this tool (or this install: a keychain instead of a file) keeps it where we cannot read it. */
  signInState?(environment: Environment, entry: InstalledEntry): Promise<StoredSignIn | undefined>;
  /** The safe change that makes the tool use `entry`, which its activation says it does not (e.g. the approval
   * of a shared project file's server): plans the core shows and applies like a setup's. Empty when the tool
   * has no such change for this state (a folder's trust is the person's decision, never made for them). */
  planActivation?(environment: Environment, entry: InstalledEntry): Promise<ToolPlan[]>;
  /** Fixed loopback ports the tool's OAuth redirect for `entry` listens on (Cursor 8787): a sign-in fails
   * while another program holds one. A port the tool registered itself comes from its sign-in state instead. */
  callbackPorts?(entry: InstalledEntry): number[];
  /** The tool's command that prints its version (`claude --version`), for the support report. */
  readonly versionCommand?: readonly string[];
  /** The tool's own command that lists its servers with their state, run after its login to report its verdict. */
  readonly listCommand?: readonly string[];
  /** Asks the tool itself whether it reads the entry as written (e.g. `claude mcp get`), after a write.
   * Undefined when the tool's CLI is not installed or cannot tell for this scope. */
  confirm?(environment: Environment, request: SetupRequest): Promise<Confirmation | undefined>;
  /** Set for tools that run on a CI runner (see `ci`). */
  readonly ci?: CiSupport;
  /** Settings-screen apps: the page where the person adds the server (the wizard offers to open it). */
  settingsUrl?(request: Pick<SetupRequest, 'name' | 'serverUrl'>): string;
  /** Entries pointing at `serverUrl` (or legacy mittwald URLs), or named `name`, as the tool will read them. */
  inspect(environment: Environment, options: { name: string; serverUrl: string }): Promise<InstalledEntry[]>;
}
