/** One Server-Sent Event: `id` only when the server sent one with it. */
export interface StreamEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Incremental `text/event-stream` parser (the WHATWG rules that matter here): lines end in LF, CR
 * or CRLF, a blank line dispatches, `:` lines are comments, multi-line `data:` joins with LF, an
 * event without `event:` is a `message`, `retry:` sets the reconnection delay.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  /** The last `retry:` the server asked for (ms). */
  retryMs: number | undefined;

  push(chunk: string): StreamEvent[] {
    this.buffer += chunk;
    const events: StreamEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone CR at the end may be the first half of CRLF: wait for more.
      if (
        !match ||
        (match[0] === '\r' && match.index === this.buffer.length - 1)
      )
        break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): StreamEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        this.id = undefined;
        return undefined;
      }
      const event: StreamEvent = {
        event: this.event || 'message',
        data: this.data.join('\n'),
        ...(this.id !== undefined ? { id: this.id } : {}),
      };
      this.data = [];
      this.event = '';
      this.id = undefined;
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value))
      this.retryMs = Number(value);
    return undefined;
  }
}
