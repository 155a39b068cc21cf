/** The part of js-yaml 4 (a dev dependency of a dev dependency, with no type declarations of its own) that
 * the tests use to prove generated YAML parses. */
declare module 'js-yaml' {
  export function load(text: string, options?: { filename?: string; json?: boolean }): unknown;
}
