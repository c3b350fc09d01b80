import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { KeyLayout, MemoryStateStore, OutboxEvent } from '@lcm/state-store';
import { until } from '@lcm/testing';
import { matchesEventPattern } from './event-pattern';
import { OutboxClient } from './outbox-client';
import { OutboxServer } from './outbox-server';
import { toOutboxEvent } from '../envelope/to-outbox-event';

const received: { handler: string; id: string; type: string }[] = [];

@Controller()
class InstanceEventsHandler {
  @EventPattern('lcm.lablet.instance.*')
  onInstance(@Payload() event: OutboxEvent) {
    received.push({ handler: 'instance.*', id: event.id, type: event.type });
  }

  @EventPattern('lcm.scaling.up.requested')
  onScaleUp(@Payload() event: OutboxEvent) {
    received.push({ handler: 'scaling.up.requested', id: event.id, type: event.type });
  }
}

@Module({ controllers: [InstanceEventsHandler] })
class ConsumerModule {}

describe('the outbox as a NestJS transport', () => {
  it('matches exact types and prefix.* patterns', () => {
    expect(matchesEventPattern('lcm.lablet.instance.*', 'lcm.lablet.instance.grading.completed')).toBe(true);
    expect(matchesEventPattern('lcm.lablet.instance.*', 'lcm.worker.running')).toBe(false);
    expect(matchesEventPattern('lcm.worker.running', 'lcm.worker.running')).toBe(true);
    expect(matchesEventPattern('*', 'anything')).toBe(true);
  });

  it('delivers emitted events to matching @EventPattern handlers, once per event id', async () => {
    received.length = 0;
    const store = new MemoryStateStore();
    const keys = new KeyLayout('/transport');
    const app = await NestFactory.createMicroservice(ConsumerModule, { strategy: new OutboxServer({ consumer: 'test', store, keys, startFrom: 'beginning' }), logger: false });
    await app.listen();
    const client = new OutboxClient(store, keys, 'lcm/test', toOutboxEvent);
    try {
      const data = { template: 'personal-standard', reason: 'instance i1 has no capacity', instanceIds: ['i1'], estimatedReadyTime: '2026-11-23T10:20:00.000Z', timestamp: '2026-11-23T10:00:00.000Z', triggeredBy: 'lcm/scheduler' };
      const first = await client.emit('lcm.scaling.up.requested', { subject: 'personal-standard', data, id: 'scale-1' }).toPromise();
      const again = await client.emit('lcm.scaling.up.requested', { subject: 'personal-standard', data, id: 'scale-1' }).toPromise();
      expect(first).toMatchObject({ id: 'scale-1', stored: true });
      expect(again).toMatchObject({ id: 'scale-1', stored: false });
      await until(() => received.length >= 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(received).toEqual([{ handler: 'scaling.up.requested', id: 'scale-1', type: 'lcm.scaling.up.requested' }]);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
