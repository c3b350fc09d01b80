import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { EventStreamRefused, followEventStream } from './follow-event-stream';
import { StreamEvent } from './sse-parser';

/** A real HTTP server whose answer to each connection the test scripts. */
async function serve(
  handler: (
    request: IncomingMessage,
    response: ServerResponse,
    connection: number,
  ) => void,
): Promise<{ url: string; server: Server; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    handler(request, response, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`,
    server,
    requests,
  };
}

const stream = (response: ServerResponse) =>
  response.writeHead(200, { 'content-type': 'text/event-stream' });

describe('followEventStream', () => {
  let server: Server | undefined;
  afterEach(
    () =>
      new Promise<void>((resolve) =>
        server ? server.close(() => resolve()) : resolve(),
      ),
  );

  it('resumes after a drop with Last-Event-ID, and after the server announces its shutdown; sends the headers on every connection', async () => {
    const s = await serve((request, response, connection) => {
      stream(response);
      if (connection === 1)
        response.end(
          'retry: 10\nevent: connected\ndata: {}\n\nid: 1\nevent: a\ndata: one\n\n',
        );
      else if (connection === 2)
        response.end(
          'data: no id\n\nid: 2\nevent: b\ndata: two\n\nevent: system.sse.shutdown\ndata: {}\n\n',
        );
      else response.write('id: 3\nevent: c\ndata: three\n\n');
    });
    server = s.server;
    const events: StreamEvent[] = [];
    const states: string[] = [];
    const abort = new AbortController();
    const done = followEventStream({
      url: s.url,
      headers: { authorization: 'Bearer t' },
      onEvent: (event) => {
        events.push(event);
        if (event.id === '3') abort.abort();
      },
      onState: (state, detail) =>
        states.push(detail ? `${state}: ${detail}` : state),
      signal: abort.signal,
      retryMs: 10,
    });
    await done;
    expect(events.map((e) => `${e.id ?? '-'} ${e.event} ${e.data}`)).toEqual([
      '1 a one',
      '- message no id',
      '2 b two',
      '3 c three',
    ]);
    expect(s.requests.map((r) => r.headers['last-event-id'])).toEqual([
      undefined,
      '1',
      '2',
    ]);
    expect(
      s.requests.every((r) => r.headers['authorization'] === 'Bearer t'),
    ).toBe(true);
    expect(states).toContain(
      'retrying: the server is restarting; reconnecting in 0s after event 2',
    );
    s.server.closeAllConnections();
  });

  it('retries a 5xx and a refused connection, and gives up on a 4xx with its body', async () => {
    const s = await serve((_request, response, connection) => {
      if (connection === 1) response.writeHead(503).end('busy');
      else
        response
          .writeHead(403, { 'content-type': 'application/problem+json' })
          .end('{"title":"Forbidden"}');
    });
    server = s.server;
    const failure = await followEventStream({
      url: s.url,
      onEvent: () => undefined,
      retryMs: 5,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EventStreamRefused);
    expect(failure).toMatchObject({
      status: 403,
      body: '{"title":"Forbidden"}',
    });
    expect(s.requests).toHaveLength(2);
  });

  it('keeps trying a server that is down until aborted', async () => {
    const s = await serve(() => undefined);
    const url = s.url;
    await new Promise<void>((resolve) => s.server.close(() => resolve()));
    const abort = new AbortController();
    const reasons: string[] = [];
    await followEventStream({
      url,
      onEvent: () => undefined,
      onState: (state, detail) => {
        if (state === 'retrying') reasons.push(detail ?? '');
        if (reasons.length === 3) abort.abort();
      },
      signal: abort.signal,
      retryMs: 5,
    });
    expect(reasons[0]).toMatch(/^ECONNREFUSED; reconnecting/);
  });
});
