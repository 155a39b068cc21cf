/** How each tool expands references inside a header value, so that a written entry can be checked with the
 * credential the tool itself will send. */

export type ReferenceSyntax =
  /** Cursor and VS Code: `${env:NAME}`; VS Code also `${input:id}` (a prompt we cannot answer). */
  | 'vscode'
  /** Claude Code: `${NAME}` and `${NAME:-default}`. */
  | 'shell';

export interface Resolved {
  /** The expanded value; undefined when something it refers to has no value here. */
  value: string | undefined;
  /** What had no value: variable names, or `input:<id>` for VS Code prompts. */
  unresolved: string[];
}

const VSCODE_REFERENCE = /\$\{(env|input):([^}]+)\}/g;
const SHELL_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function resolveReferences(value: string, syntax: ReferenceSyntax, env: Readonly<Record<string, string | undefined>>): Resolved {
  const unresolved: string[] = [];
  const expanded =
    syntax === 'vscode'
      ? value.replace(VSCODE_REFERENCE, (_match, kind: string, name: string) => {
          const found = kind === 'env' ? env[name] : undefined;
          if (found === undefined || found === '') unresolved.push(kind === 'env' ? name : `input:${name}`);
          return found ?? '';
        })
      : value.replace(SHELL_REFERENCE, (_match, name: string, fallback: string | undefined) => {
          const found = env[name];
          if (found !== undefined && found !== '') return found;
          if (fallback !== undefined) return fallback;
          unresolved.push(name);
          return '';
        });
  return { value: unresolved.length ? undefined : expanded, unresolved };
}

/** Whether a header value refers to a secret instead of holding it. */
export function hasReference(value: string, syntax: ReferenceSyntax): boolean {
  return new RegExp((syntax === 'vscode' ? VSCODE_REFERENCE : SHELL_REFERENCE).source).test(value);
}
