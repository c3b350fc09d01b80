// A Server-Sent Events client over fetch for tests: keeps every raw field (comments included) so a
// test can check ids, event names and heartbeats, and wait for what it expects to arrive.
export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

export interface SseClient {
  status: number;
  headers: Headers;
  messages: SseMessage[];
  /** Resolves once `predicate` holds for the messages received (or rejects after `timeoutMs`). */
  waitFor(
    predicate: (messages: SseMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<SseMessage[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A minimal EventSource over fetch (tests need the raw fields, comments included). */
export async function openStream(
  url: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      ...headers,
    },
    signal: abort.signal,
  });
  const messages: SseMessage[] = [];
  const listeners = new Set<() => void>();
  let buffer = '';
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message.comment = line.slice(1).trim();
            else {
              const colon = line.indexOf(':');
              const field = line.slice(0, colon);
              const value = line.slice(colon + 1).replace(/^ /, '');
              if (field === 'id' || field === 'event' || field === 'data')
                message[field] = value;
            }
          }
          messages.push(message);
          listeners.forEach((listener) => listener());
        }
      }
    } catch {
      // aborted by close()
    }
    listeners.forEach((listener) => listener());
  })();
  return {
    status: response.status,
    headers: response.headers,
    messages,
    ended,
    close: () => abort.abort(),
    waitFor: (predicate, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(messages)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `timed out waiting for SSE messages; got ${JSON.stringify(messages)}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
