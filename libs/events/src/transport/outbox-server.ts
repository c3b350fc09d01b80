import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import {
  CustomTransportStrategy,
  MessageHandler,
  Server,
} from '@nestjs/microservices';
import { KeyLayout, StateStore, StoreLogger } from '@lcm/state-store';
import { Observable, throwError } from 'rxjs';
import { ConsumedEvent } from '../outbox/consumed-event';
import { OutboxConsumer } from '../outbox/outbox-consumer';
import { OutboxMetrics } from '../outbox/outbox-metrics';
import { matchesEventPattern } from './event-pattern';

export const OUTBOX_TRANSPORT = Symbol('lcm:outbox-transport');

export interface OutboxServerOptions {
  /** Consumer (cursor) name, e.g. 'controller'. */
  consumer: string;
  store: StateStore;
  keys: KeyLayout;
  startFrom?: 'beginning' | 'now';
  maxAttempts?: number;
  /** Events per delivery (default 1): `{ batch: true }` handlers receive up to this many at once. */
  batchSize?: number;
  /** How long a partial batch may wait for more events (default 25 ms). */
  lingerMs?: number;
  /** First retry delay of a failed delivery, doubled each attempt (default 100 ms). */
  retryDelayMs?: number;
  logger?: StoreLogger;
  metrics?: OutboxMetrics;
}

/**
 * `@EventPattern(pattern, BATCH_HANDLER)`: the handler receives the delivery's matching events as one
 * array of ConsumedEvent (each event with the revision and position it was committed at).
 */
export const BATCH_HANDLER = { batch: true } as const;

/**
 * NestJS microservice transport over the etcd outbox: `app.connectMicroservice({ strategy: new
 * OutboxServer(...) })` and every outbox event reaches the `@EventPattern(type)` handlers whose
 * pattern matches (exact or `prefix.*`), in order, once the previous event was handled. An event no
 * handler matches is acknowledged.
 *
 * Delivery is the OutboxConsumer's: events come in batches of up to `batchSize`; the cursor advances
 * only once every handler of the batch resolved; a failing batch is retried, then split so the event
 * that keeps failing goes to the dead letters with its handler's error. A handler declared with
 * `BATCH_HANDLER` gets the batch's matching events at once (one write per batch); the others get
 * them one by one. Handlers that must wait (a database outage) simply do not resolve yet.
 */
export class OutboxServer extends Server implements CustomTransportStrategy {
  override readonly transportId = OUTBOX_TRANSPORT;
  private consumer?: OutboxConsumer;

  constructor(private readonly options: OutboxServerOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.consumer = new OutboxConsumer({
      name: this.options.consumer,
      store: this.options.store,
      keys: this.options.keys,
      startFrom: this.options.startFrom ?? 'now',
      maxAttempts: this.options.maxAttempts,
      batchSize: this.options.batchSize,
      lingerMs: this.options.lingerMs,
      retryDelayMs: this.options.retryDelayMs,
      logger: this.options.logger,
      metrics: this.options.metrics,
      handle: (events) => this.dispatch(events),
    });
    this.consumer.start().then(() => callback(), callback);
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  on(): void {
    throw new Error('OutboxServer has no status events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async dispatch(events: ConsumedEvent[]): Promise<void> {
    const handlers = [...this.messageHandlers.entries()].filter(
      ([, handler]) => handler.isEventHandler,
    );
    const single = handlers.filter(
      ([, handler]) => handler.extras?.['batch'] !== true,
    );
    const batched = handlers.filter(
      ([, handler]) => handler.extras?.['batch'] === true,
    );
    for (const { event } of events) {
      for (const [pattern, handler] of single)
        if (matchesEventPattern(pattern, event.type))
          await this.invoke(handler, event);
    }
    for (const [pattern, handler] of batched) {
      const matching: ConsumedEvent[] = events.filter((item) =>
        matchesEventPattern(pattern, item.event.type),
      );
      if (matching.length > 0) await this.invoke(handler, matching);
    }
  }

  private async invoke(handler: MessageHandler, event: unknown): Promise<void> {
    const result = await handler(event);
    // Handlers may return observables (Nest convention): wait for them to complete.
    if (
      result &&
      typeof (result as { subscribe?: unknown }).subscribe === 'function'
    ) {
      await new Promise<void>((resolve, reject) =>
        (result as { subscribe(o: object): void }).subscribe({
          complete: resolve,
          error: reject,
        }),
      );
    }
  }
}

/**
 * Lets a handler's own error reach the transport (and so the retry log and the dead letter), instead
 * of Nest's default RPC filter turning every error into "Internal server error":
 * `microservice.useGlobalFilters(new OutboxHandlerErrors())`.
 */
@Catch()
export class OutboxHandlerErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
