import { randomUUID } from 'node:crypto';
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { DomainEvent } from '@lcm/domain';
import { KeyLayout, OutboxEvent, StateStore } from '@lcm/state-store';

export interface StandaloneEvent {
  subject: string;
  data: unknown;
  /** Give a deterministic id to make a retried emit a no-op. */
  id?: string;
  time?: string;
}

/**
 * `client.emit(type, { subject, data, id? })` writes a standalone CloudEvent (one not tied to a
 * state change) to the outbox. Writing is create-only on the event id: emitting the same id twice
 * stores one event. Request-response (`send`) is not supported: services talk through events.
 */
export class OutboxClient extends ClientProxy {
  constructor(
    private readonly store: StateStore,
    private readonly keys: KeyLayout,
    private readonly source: string,
    private readonly envelope: (
      event: DomainEvent,
      source: string,
    ) => OutboxEvent,
  ) {
    super();
  }

  async connect(): Promise<void> {
    return undefined;
  }

  close(): void {
    return undefined;
  }

  unwrap<T>(): T {
    return this.store as T;
  }

  protected publish(
    _packet: ReadPacket,
    callback: (packet: WritePacket) => void,
  ): () => void {
    callback({
      err: new Error('the outbox transport carries events only: use emit()'),
      isDisposed: true,
    });
    return () => undefined;
  }

  protected async dispatchEvent<T = unknown>(
    packet: ReadPacket<StandaloneEvent>,
  ): Promise<T> {
    const { subject, data, id, time } = packet.data;
    const event = this.envelope(
      {
        id: id ?? randomUUID(),
        type: String(packet.pattern),
        subject,
        time: time ?? new Date().toISOString(),
        data,
      },
      this.source,
    );
    const key = this.keys.event(event.id);
    const result = await this.store.txn({
      compare: [{ key, target: 'createRevision', op: '=', value: 0 }],
      success: [{ type: 'put', key, value: JSON.stringify(event) }],
    });
    return {
      id: event.id,
      stored: result.succeeded,
      revision: result.revision,
    } as T;
  }
}
