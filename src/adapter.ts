/** The interface every tool module in adapters/ implements. Adapters hold tool knowledge only (paths, entry
 * shape, how the tool resolves references); reading, editing and writing files, HTTP and output are the core's.
 * Adapters never write anything: they return plans, which the core shows, checks and applies. */
import type { Activation, Detection, Environment, InstalledEntry, Scope, SetupRequest, ToolId, ToolPlan } from './model.js';

/** A tool's own verdict on our entry. `detail` names the command that gave it. */
export interface Confirmation {
  ok: boolean;
  detail: string;
  /** What the tool's own state line says about using the entry (e.g. "Pending approval"), over what the
   * adapter read from its files. */
  activation?: Activation;
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
  /** The tool's own OAuth sign-in command for an OAuth entry (e.g. `claude mcp login mittwald`), if it has one. */
  loginCommand?(name: string, scopes?: readonly string[]): string[];
  /** The tool's own command that lists its servers with their state, run after its login to report its verdict. */
  readonly listCommand?: readonly string[];
  /** Asks the tool itself whether it reads the entry as written (e.g. `claude mcp get`), after a write.
   * Undefined when the tool's CLI is not installed or cannot tell for this scope. */
  confirm?(environment: Environment, request: SetupRequest): Promise<Confirmation | undefined>;
  /** Settings-screen apps: the page where the person adds the server (the wizard offers to open it). */
  settingsUrl?(request: Pick<SetupRequest, 'name' | 'serverUrl'>): string;
  /** Entries pointing at `serverUrl` (or legacy mittwald URLs), or named `name`, as the tool will read them. */
  inspect(environment: Environment, options: { name: string; serverUrl: string }): Promise<InstalledEntry[]>;
}
