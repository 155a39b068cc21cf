/** Reads the command line into raw values with node:util only, so `--help` and `--version` stay instant.
 * Validation of the values (URLs, tool ids, scopes) happens afterwards in options.ts. */
import { parseArgs } from 'node:util';
import { usageError } from '../errors.js';

export const COMMANDS = ['setup', 'status', 'remove', 'doctor', 'report', 'ci'] as const;
export type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  tool: { type: 'string', multiple: true },
  token: { type: 'string' },
  'token-stdin': { type: 'boolean' },
  oauth: { type: 'boolean' },
  scopes: { type: 'string', multiple: true },
  access: { type: 'string' },
  secret: { type: 'string' },
  scope: { type: 'string' },
  'server-url': { type: 'string' },
  'api-url': { type: 'string' },
  name: { type: 'string' },
  'dry-run': { type: 'boolean' },
  write: { type: 'boolean' },
  json: { type: 'boolean' },
  'no-verify': { type: 'boolean' },
  'no-browser': { type: 'boolean' },
  'no-color': { type: 'boolean' },
  debug: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  fix: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export type RawArgs = ReturnType<typeof parseRaw>['values'];

function parseRaw(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

export interface ParsedArgs {
  command: Command;
  values: RawArgs;
  /** The word after a command that takes one (`ci github`), unchecked. */
  argument?: string;
}

/** Commands that take one word after them (validated in options.ts). */
const TAKES_ARGUMENT: readonly Command[] = ['ci'];

const FLAG_NAMES = Object.keys(OPTIONS).map((name) => `--${name}`);

/** Parses argv (without node and script). Throws a USAGE SetupError with a one-line message and a hint. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseRaw>;
  try {
    parsed = parseRaw(argv);
  } catch (error) {
    throw translateParseError(error, argv);
  }
  const [command = 'setup', ...extra] = parsed.positionals;
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw usageError(`Unknown command "${command}".`, `Commands: ${COMMANDS.join(', ')}. See mittwald-mcp-setup --help.`);
  }
  const [argument, ...more] = TAKES_ARGUMENT.includes(command as Command) ? extra : [undefined, ...extra];
  if (more.length > 0) throw usageError(`Unexpected argument "${more[0]}".`, 'See mittwald-mcp-setup --help.');
  return { command: command as Command, values: parsed.values, ...(argument === undefined ? {} : { argument }) };
}

function translateParseError(error: unknown, argv: readonly string[]): Error {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^'\s]+)/.exec(message)?.[1] ?? argv.find((arg) => arg.startsWith('-')) ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = flag.split('=')[0] ?? flag;
    const suggestion = closest(name, FLAG_NAMES);
    return usageError(`Unknown option ${name}.`, suggestion ? `Did you mean ${suggestion}? See mittwald-mcp-setup --help.` : 'See mittwald-mcp-setup --help.');
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--?[a-z-]+/.exec(message)?.[0] ?? flag;
    // "argument missing": last on the line; "ambiguous": followed by another flag (`--tool --yes`).
    if (/argument missing|ambiguous/.test(message)) return usageError(`Option ${name} needs a value.`, `Example: ${name} <value>. See mittwald-mcp-setup --help.`);
    return usageError(`Option ${name} does not take a value.`, 'See mittwald-mcp-setup --help.');
  }
  return usageError(message.split('\n')[0] ?? message, 'See mittwald-mcp-setup --help.');
}

/** The known flag nearest to a mistyped one (edit distance ≤ 3), for "did you mean". */
function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(input, name);
    if (distance <= 3 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
