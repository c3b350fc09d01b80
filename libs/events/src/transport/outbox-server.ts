import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { KeyLayout, StateStore, StoreLogger } from '@lcm/state-store';
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
  logger?: StoreLogger;
  metrics?: OutboxMetrics;
}

/**
 * NestJS microservice transport over the etcd outbox: `app.connectMicroservice({ strategy: new
 * OutboxServer(...) })` and every outbox event reaches the `@EventPattern(type)` handlers whose
 * pattern matches (exact or `prefix.*`), in order, once the previous event was handled. An event no
 * handler matches is acknowledged.
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
    for (const { event } of events) {
      const handlers = [...this.messageHandlers.entries()].filter(([pattern, handler]) => handler.isEventHandler && matchesEventPattern(pattern, event.type));
      for (const [, handler] of handlers) await this.invoke(handler, event);
    }
  }

  private async invoke(handler: MessageHandler, event: unknown): Promise<void> {
    const result = await handler(event);
    // Handlers may return observables (Nest convention): wait for them to complete.
    if (result && typeof (result as { subscribe?: unknown }).subscribe === 'function') {
      await new Promise<void>((resolve, reject) => (result as { subscribe(o: object): void }).subscribe({ complete: resolve, error: reject }));
    }
  }
}
