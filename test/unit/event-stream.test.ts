import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventStreamParser, type ServerSentEvent } from '../../src/mcp/event-stream.js';

function parse(pieces: readonly string[]): ServerSentEvent[] {
  const parser = new EventStreamParser();
  const events = pieces.flatMap((piece) => parser.push(piece));
  return [...events, ...parser.push('', true)];
}

const STREAM =
  ': keep-alive\r\n\r\n' +
  'event: message\r\ndata: {"a":1}\r\n\r\n' +
  'data: first line\ndata: second line\n\n' +
  'id: 7\rdata:no space\r\r' +
  'data: {"long":"' + 'x'.repeat(5_000) + '"}\r\n\r\n' +
  'data: ends without its blank line';

describe('EventStreamParser', () => {
  it('reads every field, each line end (CRLF, LF, CR), and a last event without its blank line', () => {
    expect(parse([STREAM])).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: 'first line\nsecond line' },
      { event: 'message', data: 'no space', id: '7' },
      { event: 'message', data: `{"long":"${'x'.repeat(5_000)}"}`, id: '7' },
      { event: 'message', data: 'ends without its blank line', id: '7' },
    ]);
  });

  it('gives the same events however the text is cut into pieces (a CR and its LF in different pieces too)', () => {
    const whole = parse([STREAM]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 40 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
        const pieces = at.slice(1).map((end, index) => STREAM.slice(at[index], end));
        expect(parse(pieces)).toEqual(whole);
      }),
      { numRuns: 500, seed: 7 },
    );
    // Every single cut, including each one between a CR and its LF.
    for (let cut = 1; cut < STREAM.length; cut++) expect(parse([STREAM.slice(0, cut), STREAM.slice(cut)])).toEqual(whole);
  });

  it('a CR that ends a piece waits for the next piece, which says whether an LF completes it', () => {
    const parser = new EventStreamParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\r')).toEqual([]);
    expect(parser.push('data: b\n\n')).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
  });
});
