import { followEventStream, EventStreamRefused } from '@lcm/sse-client';
import { API_BASE } from './api';

export interface LiveEvent {
  id: string;
  type: string;
  subject?: string;
  source: string;
  time: string;
  data?: Record<string, unknown>;
}

type Listener = (event: LiveEvent) => void;

/**
 * The one event stream of the page: fetch-based SSE with the Authorization header (EventSource
 * cannot send it, and the token never goes into a URL), resuming with Last-Event-ID after a drop.
 * Views subscribe to refresh what an event changes; the last events are kept for the overview.
 */
export class LiveFeed {
  private readonly listeners = new Set<Listener>();
  private readonly abort = new AbortController();
  readonly recent: LiveEvent[] = [];
  state = 'connecting';

  constructor(
    token: string,
    private readonly onStatus: (text: string) => void,
  ) {
    void followEventStream({
      url: `${API_BASE}/api/v1/events/stream`,
      headers: { authorization: `Bearer ${token}` },
      signal: this.abort.signal,
      maxRetryMs: 5000,
      onEvent: (message) => {
        let event: LiveEvent;
        try {
          event = JSON.parse(message.data) as LiveEvent;
        } catch {
          return;
        }
        this.recent.unshift(event);
        this.recent.splice(50);
        for (const listener of this.listeners) listener(event);
      },
      onState: (state, detail) => {
        this.state = state;
        this.onStatus(
          state === 'open'
            ? 'Live'
            : state === 'connecting'
              ? 'Connecting…'
              : `Reconnecting: ${detail ?? ''}`,
        );
      },
    }).catch((error: unknown) => {
      this.state = 'refused';
      this.onStatus(
        error instanceof EventStreamRefused
          ? `Live updates unavailable (HTTP ${error.status})`
          : 'Live updates stopped',
      );
    });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.abort.abort();
    this.listeners.clear();
  }
}
