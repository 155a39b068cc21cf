/** The text/event-stream format (WHATWG HTML §9.2) as far as an MCP client needs it: the server's replies to
 * POSTs arrive as `message` events whose data is a JSON-RPC message. */

export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/** Incremental parser of the event-stream format: fields `event`, `data` (several lines joined by "\n"),
 * `id`; comments and `retry` ignored; lines end in CRLF, LF or CR; a blank line dispatches the event. */
export class EventStreamParser {
  /** Text after the last complete line, in the pieces it came in: a long `data:` line (a tools/list reply
   * is a few hundred kB) arrives in many reads, and is joined once, when its line ends. */
  private pending: string[] = [];
  private data: string[] = [];
  private eventType = '';
  private lastId: string | undefined;

  /** Feeds text; returns the events completed by it. `end` also completes a last event that lacks its blank
   * line: the format says to drop it, but a server that closes the stream early still meant it. */
  push(text: string, end = false): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    // Only the new text can end a line (a CR kept back at the end of the last piece is looked at again).
    const held = this.pending.length > 0 && this.pending[this.pending.length - 1]!.endsWith('\r');
    if (!end && !held && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
      if (text !== '') this.pending.push(text);
      return events;
    }
    this.pending.push(text);
    const buffer = this.pending.length === 1 ? text : this.pending.join('');
    this.pending = [];
    let start = 0;
    // The next LF and CR at or after `start`, each searched for again only once `start` has passed it (a text
    // of many LF lines and no CR is not searched to its end for every line).
    let lf = buffer.indexOf('\n');
    let cr = buffer.indexOf('\r');
    for (;;) {
      if (lf >= 0 && lf < start) lf = buffer.indexOf('\n', start);
      if (cr >= 0 && cr < start) cr = buffer.indexOf('\r', start);
      const index = cr < 0 || (lf >= 0 && lf < cr) ? lf : cr;
      if (index < 0) break;
      // A lone CR at the end of the text may be the first half of CRLF: wait for more.
      if (index === cr && index === buffer.length - 1 && !end) break;
      const event = this.line(buffer.slice(start, index));
      if (event) events.push(event);
      start = index + (index === cr && buffer.charCodeAt(index + 1) === 10 ? 2 : 1);
    }
    const rest = buffer.slice(start);
    if (end) {
      if (rest !== '') this.line(rest);
      const last = this.dispatch();
      if (last) events.push(last);
    } else if (rest !== '') {
      this.pending.push(rest);
    }
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const hasData = this.data.length > 0;
    const event: ServerSentEvent = {
      event: this.eventType || 'message',
      data: this.data.join('\n'),
      ...(this.lastId !== undefined ? { id: this.lastId } : {}),
    };
    this.data = [];
    this.eventType = '';
    return hasData ? event : undefined;
  }
}
