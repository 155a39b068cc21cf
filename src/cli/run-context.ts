/** What every command needs from the process, created once in run.ts and injected. */
import type { HttpClient } from '../net/http.js';
import type { Environment } from '../model.js';
import type { Output } from './output.js';

export interface RunContext {
  environment: Environment;
  out: Output;
  /** Both stdin and stdout are terminals: prompting is possible. */
  interactive: boolean;
  /** The HTTP client, created on first use (keeps undici out of --help / --version). */
  http(): Promise<HttpClient>;
}
