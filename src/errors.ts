/** Every failure the CLI reports is a SetupError: a stable code for scripts and `--json`, a one-line
 * message saying what happened, and a hint saying what to do next. */
export type ErrorCode =
  | 'USAGE'
  | 'CANCELLED'
  | 'CONFIG_PARSE'
  | 'CONFIG_READ_ONLY'
  | 'CONFIG_IO'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'TLS'
  | 'TOKEN_REJECTED'
  | 'SESSION_EXPIRED'
  | 'FORBIDDEN'
  | 'NOT_MCP'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'UNAVAILABLE'
  | 'PROTOCOL'
  | 'OAUTH'
  | 'OAUTH_DENIED'
  | 'OAUTH_STATE'
  | 'OAUTH_TIMEOUT'
  | 'OAUTH_UNSUPPORTED'
  | 'OAUTH_SCOPE'
  | 'PORT_IN_USE'
  | 'BROWSER_FAILED'
  | 'COMMAND_FAILED'
  | 'CREDENTIAL_MISSING'
  /** A literal secret would go into a project file, which is shared through git. */
  | 'SECRET_IN_SHARED_FILE';

export class SetupError extends Error {
  override readonly name = 'SetupError';
  readonly code: ErrorCode;
  /** What the user should do next; printed on its own line under the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(sentence(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint === undefined ? undefined : sentence(options.hint);
  }
}

/** `text` ending in exactly one sentence mark: messages often end in a detail quoted from elsewhere (a
 * server's "…expired.", our own "…pasted?") followed by the period of the sentence around it. */
export function sentence(text: string): string {
  return text.replace(/([.?!…])[.]+$/u, '$1');
}

/** Exit statuses of the command-line contract. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

export function usageError(message: string, hint?: string): SetupError {
  return new SetupError('USAGE', message, hint === undefined ? {} : { hint });
}

export function isSetupError(error: unknown): error is SetupError {
  return error instanceof SetupError;
}

/** An error as `--json` and the summary report it: its code, message and hint (INTERNAL for a bug). */
export function errorDetails(error: unknown): { code: string; message: string; hint?: string } {
  if (isSetupError(error)) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
