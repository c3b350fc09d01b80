import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KeyLayout, MemoryStateStore, OutboxEvent } from '@lcm/state-store';
import { until } from '@lcm/testing';
import { matchesEventPattern } from './event-pattern';
import { OutboxClient } from './outbox-client';
import {
  BATCH_HANDLER,
  OutboxHandlerErrors,
  OutboxServer,
} from './outbox-server';
import { toOutboxEvent } from '../envelope/to-outbox-event';
import { ConsumedEvent } from '../outbox/consumed-event';

const received: { handler: string; id: string; type: string }[] = [];

@Controller()
class InstanceEventsHandler {
  @EventPattern('lcm.lablet.instance.*')
  onInstance(@Payload() event: OutboxEvent) {
    received.push({ handler: 'instance.*', id: event.id, type: event.type });
  }

  @EventPattern('lcm.scaling.up.requested')
  onScaleUp(@Payload() event: OutboxEvent) {
    received.push({
      handler: 'scaling.up.requested',
      id: event.id,
      type: event.type,
    });
  }
}

@Module({ controllers: [InstanceEventsHandler] })
class ConsumerModule {}

const batches: string[][] = [];

@Controller()
class BatchHandler {
  @EventPattern('lcm.worker.*', BATCH_HANDLER)
  onWorkers(@Payload() events: ConsumedEvent[]) {
    if (events.some(({ event }) => event.id === 'poison'))
      throw new Error('cannot handle poison');
    // Each event comes with where it was committed: increasing (revision, position).
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1], events[i]];
      if (
        b.revision < a.revision ||
        (b.revision === a.revision && b.position <= a.position)
      )
        throw new Error('batch out of commit order');
    }
    batches.push(events.map(({ event }) => event.id));
  }
}

@Module({ controllers: [BatchHandler] })
class BatchModule {}

describe('the outbox as a NestJS transport', () => {
  it('matches exact types and prefix.* patterns', () => {
    expect(
      matchesEventPattern(
        'lcm.lablet.instance.*',
        'lcm.lablet.instance.grading.completed',
      ),
    ).toBe(true);
    expect(
      matchesEventPattern('lcm.lablet.instance.*', 'lcm.worker.running'),
    ).toBe(false);
    expect(
      matchesEventPattern('lcm.worker.running', 'lcm.worker.running'),
    ).toBe(true);
    expect(matchesEventPattern('*', 'anything')).toBe(true);
  });

  it('delivers emitted events to matching @EventPattern handlers, once per event id', async () => {
    received.length = 0;
    const store = new MemoryStateStore();
    const keys = new KeyLayout('/transport');
    const app = await NestFactory.createMicroservice(ConsumerModule, {
      strategy: new OutboxServer({
        consumer: 'test',
        store,
        keys,
        startFrom: 'beginning',
      }),
      logger: false,
    });
    await app.listen();
    const client = new OutboxClient(store, keys, 'lcm/test', toOutboxEvent);
    try {
      const data = {
        template: 'personal-standard',
        reason: 'instance i1 has no capacity',
        instanceIds: ['i1'],
        estimatedReadyTime: '2026-11-23T10:20:00.000Z',
        timestamp: '2026-11-23T10:00:00.000Z',
        triggeredBy: 'lcm/scheduler',
      };
      const first = await client
        .emit('lcm.scaling.up.requested', {
          subject: 'personal-standard',
          data,
          id: 'scale-1',
        })
        .toPromise();
      const again = await client
        .emit('lcm.scaling.up.requested', {
          subject: 'personal-standard',
          data,
          id: 'scale-1',
        })
        .toPromise();
      expect(first).toMatchObject({ id: 'scale-1', stored: true });
      expect(again).toMatchObject({ id: 'scale-1', stored: false });
      await until(() => received.length >= 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(received).toEqual([
        {
          handler: 'scaling.up.requested',
          id: 'scale-1',
          type: 'lcm.scaling.up.requested',
        },
      ]);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('hands batch handlers whole batches, and dead-letters the event that keeps failing with its own error', async () => {
    batches.length = 0;
    const store = new MemoryStateStore();
    const keys = new KeyLayout('/transport');
    const worker = (id: string) => ({
      specversion: '1.0',
      id,
      source: 'lcm/test',
      type: 'lcm.worker.running',
      subject: 'w',
      time: '2026-11-23T10:00:00.000Z',
      datacontenttype: 'application/json',
      data: {},
    });
    const ids = ['w1', 'w2', 'poison', 'w3'];
    await store.txn({
      compare: [],
      success: ids.map((id) => ({
        type: 'put' as const,
        key: keys.event(id),
        value: JSON.stringify(worker(id)),
      })),
    });
    const server = new OutboxServer({
      consumer: 'batch',
      store,
      keys,
      startFrom: 'beginning',
      batchSize: 10,
      maxAttempts: 2,
      retryDelayMs: 1,
    });
    const app = await NestFactory.createMicroservice(BatchModule, {
      strategy: server,
      abortOnError: false,
    });
    app.useGlobalFilters(new OutboxHandlerErrors());
    await app.listen();
    try {
      await until(
        async () =>
          (await store.get(keys.deadLetter('batch', 'poison'))) !== undefined &&
          batches.flat().length === 3,
      );
      // One revision holds all four: tried as one batch, then one by one to isolate the poison.
      expect(batches).toEqual([['w1'], ['w2'], ['w3']]);
      const dead = JSON.parse(
        (await store.get(keys.deadLetter('batch', 'poison')))?.value ?? '{}',
      ) as Record<string, unknown>;
      expect(dead).toMatchObject({
        event: { id: 'poison' },
        error: 'cannot handle poison',
        attempts: 2,
      });

      await store.txn({
        compare: [],
        success: ['w4', 'w5'].map((id) => ({
          type: 'put' as const,
          key: keys.event(id),
          value: JSON.stringify(worker(id)),
        })),
      });
      await until(() => batches.flat().length === 5);
      expect(batches[3]).toEqual(['w4', 'w5']);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
