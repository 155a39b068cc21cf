/** The one-pass validator that finds a JSONC text's comments and trailing commas while it checks the text
 * (jsonc-document.ts) against jsonc-parser, the parser whose verdict it stands in for: over generated texts
 * with comments and commas in every place they can go (and in some they cannot), and bytes broken at random,
 * a text is accepted exactly when jsonc-parser accepts it, with the same value, and an accepted text's
 * members are found where jsonc-parser finds them.
 * Seeded: a failure prints its seed and path; rerun with FC_SEED=<seed> to reproduce it. */
import fc from 'fast-check';
import { parse, type ParseError } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { getJsonValue, parseJsonDocument, selectJsonMembers } from '../../src/files/jsonc-document.js';

const SEED = Number(process.env.FC_SEED ?? 20_251_203);
const RUNS = Number(process.env.FC_RUNS ?? 2_000);

/** What may stand between two tokens: nothing, blanks, comments (a line comment ends its line). */
const trivia = fc.constantFrom('', ' ', '\n', '\r\n', '\t', '// note {[,\n', '/* a, "b" } */', '/**/', ' /* x */ // y\n');
const scalar = fc.constantFrom('1', '-0.5e3', 'true', 'false', 'null', '"s"', '"a\\"b"', '"//"', '"/*"', '"{,}"', '"\\u00e9"');

/** A value printed with trivia around every token, and now and then a trailing comma. */
function printed(depth: number): fc.Arbitrary<string> {
  if (depth === 0) return fc.tuple(trivia, scalar).map(([before, value]) => before + value);
  const member = fc.tuple(trivia, fc.constantFrom('"k"', '"a b"', '"k"', '"\\u006b"'), trivia, trivia, printed(depth - 1)).map(([a, key, b, c, value]) => `${a}${key}${b}:${c}${value}`);
  const items = (item: fc.Arbitrary<string>) =>
    fc.tuple(fc.array(fc.tuple(item, trivia), { maxLength: 4 }), fc.boolean(), trivia).map(([list, trailing, end]) => {
      const body = list.map(([text, after]) => text + after).join(',');
      return `${body}${trailing && list.length > 0 ? ',' : ''}${end}`;
    });
  return fc.oneof(
    { arbitrary: fc.tuple(trivia, scalar).map(([before, value]) => before + value), weight: 1 },
    { arbitrary: fc.tuple(trivia, items(member)).map(([before, inner]) => `${before}{${inner}}`), weight: 2 },
    { arbitrary: fc.tuple(trivia, items(printed(depth - 1))).map(([before, inner]) => `${before}[${inner}]`), weight: 2 },
  );
}

/** A document: an object at the top level, trivia after it. */
const documentText = fc
  .tuple(printed(3), trivia)
  .filter(([value]) => value.trimStart().replace(/^(\/\/[^\n]*\n|\/\*.*?\*\/|\s)*/s, '').startsWith('{'))
  .map(([value, after]) => value + after);

/** The same text, broken now and then: a character dropped, doubled or replaced. */
const maybeBroken = fc.tuple(documentText, fc.option(fc.tuple(fc.nat(), fc.constantFrom('drop', 'double', ',', '/', '*', '"', '}', ']')), { freq: 2 })).map(([text, breakage]) => {
  if (breakage === null || text.length === 0) return text;
  const [at, how] = breakage;
  const i = at % text.length;
  if (how === 'drop') return text.slice(0, i) + text.slice(i + 1);
  if (how === 'double') return text.slice(0, i) + text.slice(i, i + 1) + text.slice(i);
  return text.slice(0, i) + how + text.slice(i + 1);
});

function jsoncParserVerdict(text: string): { ok: true; value: unknown } | { ok: false } {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, allowEmptyContent: true });
  return errors.length === 0 ? { ok: true, value } : { ok: false };
}

describe('the JSONC validator against jsonc-parser', () => {
  it('accepts a text exactly when jsonc-parser does, with the same value and members', () => {
    fc.assert(
      fc.property(maybeBroken, (text) => {
        const expected = jsoncParserVerdict(text);
        const isObject = expected.ok && typeof expected.value === 'object' && expected.value !== null && !Array.isArray(expected.value);
        if (!expected.ok || (!isObject && expected.value !== undefined)) {
          expect(() => parseJsonDocument(text, 'f.json', 'jsonc')).toThrow();
          return;
        }
        expect(parseJsonDocument(text, 'f.json', 'jsonc')).toEqual(expected.value);
        if (!isObject) return;
        const value = expected.value as Record<string, unknown>;
        // The tree finds each member where it is (the last of duplicate keys counts).
        for (const key of Object.keys(value)) expect(getJsonValue(text, [key])).toEqual(value[key]);
        const members = selectJsonMembers(text, [], () => true);
        expect(Array.isArray(members) ? Object.fromEntries(members.map(({ key, value: member }) => [key, member])) : members).toEqual(value);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
