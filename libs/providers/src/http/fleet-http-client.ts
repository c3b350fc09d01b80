import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
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
  /**
   * Calls in a row that got no answer (after their retries) before the circuit opens and calls
   * fail at once, without a request (default 5). The data plane may be down for minutes: the
   * reconcilers then get a retryable error at once instead of waiting out every call's retries.
   */
  circuitFailures?: number;
  /** How long the circuit stays open before one trial call is let through (default 10 s). */
  circuitHalfOpenAfterMs?: number;
  /** For tests: replaces the global fetch. */
  fetch?: typeof fetch;
  /** For tests: told each backoff delay before it is waited. */
  onRetry?: (delayMs: number) => void;
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
  private readonly fetchImpl: typeof fetch;
  /** Retries (exponential backoff) inside a circuit breaker that counts the calls that got no answer. */
  private readonly policy: IPolicy;

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
    this.fetchImpl = options.fetch ?? fetch;
    const retries = retry(
      handleWhen(
        (error) =>
          error instanceof NoAnswer ||
          (options.retryRetryableErrors === true &&
            isRetryableProviderError(error)),
      ),
      {
        maxAttempts: this.retries,
        backoff: new ExponentialBackoff({
          initialDelay: options.retryDelayMs ?? 100,
          maxDelay: options.maxRetryDelayMs ?? 2_000,
          generator: noJitterGenerator,
        }),
      },
    );
    if (options.onRetry) {
      const onRetry = options.onRetry;
      retries.onRetry(({ delay }) => onRetry(delay));
    }
    const breaker = circuitBreaker(
      handleWhen((error) => error instanceof NoAnswer),
      {
        halfOpenAfter: options.circuitHalfOpenAfterMs ?? 10_000,
        breaker: new ConsecutiveBreaker(options.circuitFailures ?? 5),
      },
    );
    this.policy = wrap(breaker, retries);
  }

  /** Calls one method; resolves with its result (undefined when it returned nothing). */
  async call<T>(
    route: FleetRoute,
    args: Record<string, unknown> = {},
  ): Promise<T> {
    try {
      return await this.policy.execute(() => this.attempt<T>(route, args));
    } catch (error) {
      throw this.finalError(route, error);
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
    if (error instanceof BrokenCircuitError) {
      return new OperationFailed(
        `data plane at ${this.baseUrl} unreachable: ${route} not sent, the last calls got no answer (circuit open)`,
        { retryable: true, reason: 'circuit_open', cause: error },
      );
    }
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
