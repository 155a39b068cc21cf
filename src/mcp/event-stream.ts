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
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private lastId: string | undefined;

  /** Feeds text; returns the events completed by it. `end` also completes a last event that lacks its blank
   * line: the format says to drop it, but a server that closes the stream early still meant it. */
  push(text: string, end = false): ServerSentEvent[] {
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone CR at the end of the buffer may be the first half of CRLF: wait for more.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1 && !end)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    if (end) {
      if (this.buffer !== '') this.line(this.buffer);
      this.buffer = '';
      const last = this.dispatch();
      if (last) events.push(last);
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
