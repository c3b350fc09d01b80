import {
  isRetryableProviderError,
  OperationFailed,
  type ProviderError,
} from '../ports/provider-errors';
import {
  errorForStatus,
  fromWireError,
  isWireErrorBody,
  type FleetRoute,
} from './fleet-wire';

export interface FleetHttpClientOptions {
  /** Where the data-plane server listens, e.g. `http://127.0.0.1:4010`. */
  baseUrl: string;
  /** Per attempt (default 30 s; a lab stop may take that long on a slow engine). */
  timeoutMs?: number;
  /** Extra attempts when no answer came back: network error, timeout, 408/502/503/504 without a typed body (default 3). */
  retries?: number;
  /** First backoff (default 100 ms), doubled each retry up to `maxRetryDelayMs` (default 2 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /**
   * Also retry typed errors the server marked retryable (default false). A typed error is an
   * answer, and the caller (the controller's reconcilers) owns that retry policy and its deadlines.
   */
  retryRetryableErrors?: boolean;
  /** Sent as `Authorization: Bearer <token>` when given. */
  token?: string;
  /** For tests: replaces the global fetch and the backoff sleep. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const GATEWAY_STATUSES = new Set([408, 502, 503, 504]);

/** A failure with no answer from the server: the call may be repeated (every port method is idempotent). */
class NoAnswer extends Error {
  constructor(
    message: string,
    readonly reason: 'network' | 'timeout' | 'gateway',
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The JSON-over-HTTP call both data-plane clients share: one POST per port method, a timeout per
 * attempt, retries with exponential backoff when no answer came back, and the server's typed
 * errors rebuilt as the same ProviderError classes. Safe to retry because every port method is
 * idempotent (provision and importLab by their idempotency keys, the rest by definition).
 */
export class FleetHttpClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: FleetHttpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`invalid data-plane URL "${options.baseUrl}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(
        `data-plane URL must be http(s), got "${options.baseUrl}"`,
      );
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = Math.max(0, options.retries ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 2_000;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Calls one method; resolves with its result (undefined when it returned nothing). */
  async call<T>(
    route: FleetRoute,
    args: Record<string, unknown> = {},
  ): Promise<T> {
    let delay = this.retryDelayMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt<T>(route, args);
      } catch (error) {
        const again =
          attempt < this.retries &&
          (error instanceof NoAnswer ||
            (this.options.retryRetryableErrors === true &&
              isRetryableProviderError(error)));
        if (!again) throw this.finalError(route, error);
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.maxRetryDelayMs);
      }
    }
  }

  /** GET `path` answers 2xx within the timeout (readiness of the data plane). */
  async ping(path = '/healthz'): Promise<boolean> {
    try {
      const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        signal: AbortSignal.timeout(Math.min(this.timeoutMs, 5_000)),
      });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  private async attempt<T>(
    route: FleetRoute,
    args: Record<string, unknown>,
  ): Promise<T> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.options.token)
      headers['authorization'] = `Bearer ${this.options.token}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${route}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(args),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new NoAnswer(
          `${route}: no answer within ${this.timeoutMs} ms`,
          'timeout',
          undefined,
          { cause: error },
        );
      }
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const detail =
        typeof cause?.code === 'string'
          ? cause.code
          : error instanceof Error
            ? error.message
            : String(error);
      throw new NoAnswer(`${route}: ${detail}`, 'network', undefined, {
        cause: error,
      });
    }
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (response.ok) {
      return (
        typeof body === 'object' && body !== null
          ? (body as { result?: T }).result
          : undefined
      ) as T;
    }
    if (isWireErrorBody(body)) throw fromWireError(body.error);
    if (GATEWAY_STATUSES.has(response.status)) {
      throw new NoAnswer(
        `${route}: HTTP ${response.status}`,
        'gateway',
        response.status,
      );
    }
    throw errorForStatus(response.status, text.slice(0, 200));
  }

  private finalError(route: FleetRoute, error: unknown): ProviderError | Error {
    if (!(error instanceof NoAnswer)) return error as Error;
    if (error.reason === 'gateway' && error.status !== undefined) {
      return errorForStatus(
        error.status,
        `${route} (after ${this.retries + 1} attempts)`,
      );
    }
    return new OperationFailed(
      `data plane at ${this.baseUrl} unreachable: ${error.message} (after ${this.retries + 1} attempts)`,
      { retryable: true, reason: error.reason, cause: error.cause },
    );
  }
}
