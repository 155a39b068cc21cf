/** Ways to break a valid document for the "never writes what does not parse" properties: insert one of
 * `chars`, delete a character, or cut the text short, at a generated position. */
import fc from 'fast-check';

export interface Breakage {
  at: number;
  kind: 'insert' | 'delete' | 'truncate';
  char: string;
}

export function breakages(chars: readonly [string, ...string[]]): fc.Arbitrary<Breakage> {
  return fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'delete', 'truncate'), char: fc.constantFrom(...chars) });
}

/** `valid` with `breakage` applied (the position wraps around the text's length). */
export function breakText(valid: string, { at, kind, char }: Breakage): string {
  const position = at % (valid.length + 1);
  if (kind === 'insert') return valid.slice(0, position) + char + valid.slice(position);
  if (kind === 'delete') return valid.slice(0, position) + valid.slice(position + 1);
  return valid.slice(0, position);
}
