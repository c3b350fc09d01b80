import { SseParser, StreamEvent } from './sse-parser';

/** The server refused the stream (4xx): retrying would not help. */
export class EventStreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`event stream refused: HTTP ${status}`);
  }
}

export type StreamState = 'connecting' | 'open' | 'retrying';

export interface FollowOptions {
  /** The stream's URL (query filters included; never a token). */
  url: string;
  /** Sent on every (re)connection, e.g. `authorization`. */
  headers?: Record<string, string>;
  /** Resume after this id on the first connection too. */
  lastEventId?: string;
  onEvent(event: StreamEvent): void;
  /** Connection changes, for a status line (`retrying` carries why). */
  onState?(state: StreamState, detail?: string): void;
  signal?: AbortSignal;
  /** First delay before reconnecting (the server's `retry:` replaces it); doubled per failure up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  fetch?: typeof fetch;
}

/** The event the api sends before it closes every stream on shutdown. */
const SHUTDOWN_EVENT = 'system.sse.shutdown';

/**
 * Follows an SSE stream until `signal` aborts, reconnecting after every drop with `Last-Event-ID`
 * (the last id received), so no event is missed or repeated across reconnections. Resolves when
 * aborted; rejects with EventStreamRefused on a 4xx answer.
 */
export async function followEventStream(options: FollowOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  const maxRetry = options.maxRetryMs ?? 10_000;
  let lastEventId = options.lastEventId;
  let retry = options.retryMs ?? 1000;
  let failures = 0;
  while (!options.signal?.aborted) {
    options.onState?.('connecting');
    let reason: string;
    try {
      const response = await doFetch(options.url, {
        headers: {
          accept: 'text/event-stream',
          ...options.headers,
          ...(lastEventId !== undefined
            ? { 'last-event-id': lastEventId }
            : {}),
        },
        signal: options.signal,
        cache: 'no-store',
      });
      if (response.status >= 400 && response.status < 500)
        throw new EventStreamRefused(
          response.status,
          await response.text().catch(() => ''),
        );
      if (!response.ok || !response.body) {
        reason = `HTTP ${response.status}`;
      } else {
        options.onState?.('open');
        const parser = new SseParser();
        const reader = response.body
          .pipeThrough(new TextDecoderStream())
          .getReader();
        let shutdown = false;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.push(value)) {
            if (event.id !== undefined) lastEventId = event.id;
            if (event.event === SHUTDOWN_EVENT) shutdown = true;
            else if (event.event !== 'connected') options.onEvent(event);
            failures = 0;
          }
          if (shutdown) break;
        }
        await reader.cancel().catch(() => undefined);
        if (parser.retryMs !== undefined) retry = parser.retryMs;
        reason = shutdown ? 'the server is restarting' : 'the connection ended';
      }
    } catch (error) {
      if (error instanceof EventStreamRefused) throw error;
      if (options.signal?.aborted) return;
      const cause = (error as { cause?: { code?: string; message?: string } })
        .cause;
      reason =
        cause?.code ??
        cause?.message ??
        (error instanceof Error ? error.message : String(error));
    }
    const delay = Math.min(retry * 2 ** failures, maxRetry);
    failures += 1;
    options.onState?.(
      'retrying',
      `${reason}; reconnecting in ${Math.round(delay / 100) / 10}s${lastEventId !== undefined ? ` after event ${lastEventId}` : ''}`,
    );
    await sleep(delay, options.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
