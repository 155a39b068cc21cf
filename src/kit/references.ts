/** How a tool expands references inside a header value, so that a written entry can be checked with the
 * credential the tool itself will send. A syntax is data: the adapter picks the one its tool documents. */

/** One spelling of references. `pattern` (global) matches one reference; its named groups say what it is:
 * `variable` (or `bare`, for a spelling without braces) an environment variable, `prompt` the id of a prompt the tool shows itself (its answer is not
 * ours to know), `fallback` the value used when the variable has none. */
export interface ReferenceSyntax {
  readonly pattern: RegExp;
}

/** `${env:NAME}`, and `${input:id}` for a prompt the tool shows. */
export const ENV_PREFIXED_SYNTAX: ReferenceSyntax = { pattern: /\$\{(?:env:(?<variable>[^}]+)|input:(?<prompt>[^}]+))\}/g };

/** `${NAME}` and `${NAME:-default}`, as a POSIX shell expands them. */
export const SHELL_BRACED_SYNTAX: ReferenceSyntax = { pattern: /\$\{(?<variable>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<fallback>[^}]*))?\}/g };

/** `$NAME` and `${NAME}` (no default), as a POSIX shell spells a variable without a fallback. */
export const SHELL_SYNTAX: ReferenceSyntax = { pattern: /\$(?:\{(?<variable>[A-Za-z_][A-Za-z0-9_]*)\}|(?<bare>[A-Za-z_][A-Za-z0-9_]*))/g };

/** `{env:NAME}`, braces without a dollar sign. */
export const BRACED_ENV_SYNTAX: ReferenceSyntax = { pattern: /\{env:(?<variable>[^}]+)\}/g };

/** For a tool that expands nothing: every header value is sent as written. */
export const NO_REFERENCES: ReferenceSyntax = { pattern: /(?!)/g };

export interface Resolved {
  /** The expanded value; undefined when something it refers to has no value here. */
  value: string | undefined;
  /** Variables that had no value. */
  unresolved: string[];
  /** Prompts the tool shows itself, by id: the value is the tool's, so it stays unknown. */
  prompts: string[];
}

export function resolveReferences(value: string, syntax: ReferenceSyntax, env: Readonly<Record<string, string | undefined>>): Resolved {
  const unresolved: string[] = [];
  const prompts: string[] = [];
  const expanded = value.replace(syntax.pattern, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    if (groups.prompt !== undefined) {
      prompts.push(groups.prompt);
      return '';
    }
    const name = groups.variable ?? groups.bare ?? '';
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (groups.fallback !== undefined) return groups.fallback;
    unresolved.push(name);
    return '';
  });
  return { value: unresolved.length || prompts.length ? undefined : expanded, unresolved, prompts };
}

/** Whether a header value refers to a secret instead of holding it. */
export function hasReference(value: string, syntax: ReferenceSyntax): boolean {
  return new RegExp(syntax.pattern.source).test(value);
}
