import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('dispatches on a blank line: id, event, multi-line data; comments ignored; default type message', () => {
    const parser = new SseParser();
    const events = parser.push(
      ': heartbeat\n\nid: 7\nevent: lcm.worker.running\ndata: {"a":1,\ndata: "b":2}\n\ndata: plain\n\n',
    );
    expect(events).toEqual([
      { id: '7', event: 'lcm.worker.running', data: '{"a":1,\n"b":2}' },
      { event: 'message', data: 'plain' },
    ]);
  });

  it('accepts fields split across chunks and CRLF / CR line ends (a CR at a chunk end waits for its LF)', () => {
    const parser = new SseParser();
    expect(parser.push('ev')).toEqual([]);
    expect(parser.push('ent: x\r')).toEqual([]);
    expect(parser.push('\ndata: 1\r\n\r')).toEqual([]);
    expect(parser.push('\ndata: 2\r\r')).toEqual([{ event: 'x', data: '1' }]);
    expect(parser.push('\n')).toEqual([{ event: 'message', data: '2' }]);
  });

  it('keeps the retry the server asks for and ignores one that is not a number', () => {
    const parser = new SseParser();
    parser.push('retry: 2000\n\n');
    parser.push('retry: soon\n\n');
    expect(parser.retryMs).toBe(2000);
  });

  it('does not carry an id or type from an event into the next', () => {
    const parser = new SseParser();
    expect(parser.push('id: 1\nevent: a\ndata: x\n\ndata: y\n\n')).toEqual([
      { id: '1', event: 'a', data: 'x' },
      { event: 'message', data: 'y' },
    ]);
  });
});
