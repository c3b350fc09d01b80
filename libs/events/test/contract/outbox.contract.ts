import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { KeyLayout, OutboxEvent, StateStore } from '@lcm/state-store';
import {
  ConsumedEvent,
  OutboxConsumer,
  OutboxJanitor,
  OutboxMetrics,
} from '../../src';
import { settle, until } from '@lcm/testing';

export interface OutboxSubject {
  store: StateStore;
  cleanup(): Promise<void>;
}

function event(
  id: string,
  type = 'lcm.lablet.instance.pending',
  time = new Date().toISOString(),
): OutboxEvent {
  return {
    specversion: '1.0',
    id,
    source: 'lcm/test',
    type,
    subject: 'i1',
    time,
    datacontenttype: 'application/json',
    data: { n: id },
  };
}

/** The outbox consumer and janitor over any StateStore driver. */
export function describeOutboxContract(
  driver: string,
  subject: () => Promise<OutboxSubject>,
): void {
  describe(`outbox on the ${driver} driver`, () => {
    let s: OutboxSubject;
    let store: StateStore;
    let keys: KeyLayout;
    beforeAll(async () => {
      s = await subject();
      store = s.store;
    });
    afterAll(() => s.cleanup());
    beforeEach(() => {
      keys = new KeyLayout(`/outbox-${randomBytes(4).toString('hex')}`);
    });

    const publish = (...events: OutboxEvent[]) =>
      store.txn({
        compare: [],
        success: events.map((e) => ({
          type: 'put' as const,
          key: keys.event(e.id),
          value: JSON.stringify(e),
        })),
      });
    const cursorOf = async (name: string) =>
      JSON.parse(
        (await store.get(keys.consumer(name)))?.value ?? '{"revision":-1}',
      ).revision as number;

    it('delivers events in revision order and resumes after its cursor when restarted', async () => {
      await publish(event('e1'));
      await publish(event('e2'), event('e3'));
      const seen: string[] = [];
      const consumer = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        startFrom: 'beginning',
        handle: async (batch) =>
          void seen.push(...batch.map((b) => b.event.id)),
      });
      await consumer.start();
      await until(() => seen.length === 3);
      await consumer.stop();
      expect(seen).toEqual(['e1', 'e2', 'e3']);
      const afterFirstRun = await cursorOf('c');

      await publish(event('e4'));
      const again: string[] = [];
      const restarted = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        handle: async (batch) =>
          void again.push(...batch.map((b) => b.event.id)),
      });
      await restarted.start();
      await until(() => again.length === 1);
      await restarted.stop();
      expect(again).toEqual(['e4']);
      expect(await cursorOf('c')).toBeGreaterThan(afterFirstRun);
    });

    it('does not advance its cursor past an event whose handler has not succeeded (crash = re-delivery)', async () => {
      await publish(event('e1'));
      let calls = 0;
      const consumer = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        startFrom: 'beginning',
        maxAttempts: 1000,
        retryDelayMs: 20,
        handle: async () => {
          calls++;
          throw new Error('down');
        },
      });
      await consumer.start();
      await until(() => calls >= 2);
      await consumer.stop();
      expect(await cursorOf('c')).toBe(0);
    });

    it('never records a cursor in the middle of a revision (a crash re-delivers the whole revision)', async () => {
      await publish(event('e1'));
      const both = await publish(event('e2'), event('e3'));
      let release: () => void = () => undefined;
      const blocked = new Promise<void>((r) => (release = r));
      const seen: string[] = [];
      const consumer = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        startFrom: 'beginning',
        maxAttempts: 1000,
        retryDelayMs: 10,
        handle: async ([item]) => {
          if (item.event.id === 'e3') {
            await blocked;
            throw new Error('crashed while handling e3');
          }
          seen.push(item.event.id);
        },
      });
      await consumer.start();
      await until(() => seen.includes('e2'));
      await settle(50);
      expect(await cursorOf('c')).toBe(both.revision - 1);
      release();
      await consumer.stop();
      expect(await cursorOf('c')).toBe(both.revision - 1);
    });

    it('retries a failing handler with backoff and then moves on', async () => {
      await publish(event('e1'), event('e2'));
      let failures = 2;
      const seen: string[] = [];
      const registry = new Registry();
      const metrics = new OutboxMetrics(registry);
      const consumer = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        startFrom: 'beginning',
        retryDelayMs: 10,
        metrics,
        handle: async (batch) => {
          if (failures-- > 0) throw new Error('transient');
          seen.push(...batch.map((b) => b.event.id));
        },
      });
      await consumer.start();
      await until(() => seen.length === 2);
      await consumer.stop();
      expect(seen).toEqual(['e1', 'e2']);
      expect(
        await registry.getSingleMetricAsString(
          'lcm_outbox_handler_retries_total',
        ),
      ).toMatch(/consumer="c"} 2/);
    });

    it('moves a poison event to a dead-letter key with its error, counts it, and does not block the stream', async () => {
      await publish(event('good-1'));
      await publish(event('poison'), event('good-2'));
      await publish(event('good-3'));
      const seen: string[] = [];
      const registry = new Registry();
      const consumer = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        startFrom: 'beginning',
        batchSize: 10,
        maxAttempts: 3,
        retryDelayMs: 5,
        metrics: new OutboxMetrics(registry),
        handle: async (batch) => {
          if (batch.some((b) => b.event.id === 'poison'))
            throw new Error('cannot store this one');
          seen.push(...batch.map((b) => b.event.id));
        },
      });
      await consumer.start();
      await until(() => seen.length === 3);
      await consumer.stop();
      expect(seen).toEqual(['good-1', 'good-2', 'good-3']);
      const dead = await store.get(keys.deadLetter('c', 'poison'));
      expect(JSON.parse(dead?.value ?? '{}')).toMatchObject({
        event: { id: 'poison' },
        error: 'cannot store this one',
        attempts: 3,
      });
      expect(
        await registry.getSingleMetricAsString('lcm_outbox_dead_letters_total'),
      ).toMatch(/consumer="c"} 1/);
    });

    it('hands events over in batches no larger than batchSize, every event exactly once', async () => {
      const all = Array.from({ length: 250 }, (_, i) =>
        event(`e${String(i).padStart(3, '0')}`),
      );
      for (let i = 0; i < all.length; i += 25)
        await publish(...all.slice(i, i + 25));
      const batches: ConsumedEvent[][] = [];
      const consumer = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        startFrom: 'beginning',
        batchSize: 100,
        handle: async (b) => void batches.push(b),
      });
      await consumer.start();
      await until(() => batches.flat().length === 250);
      await consumer.stop();
      expect(batches.every((b) => b.length <= 100)).toBe(true);
      expect(batches.length).toBeLessThan(10);
      expect(batches.flat().map((b) => b.event.id)).toEqual(
        [...all.map((e) => e.id)].sort(),
      );
    });

    it('loses nothing when the store compacts while the consumer is down', async () => {
      await publish(event('e1'));
      const first: string[] = [];
      const consumer = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        startFrom: 'beginning',
        handle: async (b) => void first.push(...b.map((x) => x.event.id)),
      });
      await consumer.start();
      await until(() => first.length === 1);
      await consumer.stop();
      await publish(event('e2'));
      await publish(event('e3'));
      await store.txn({
        compare: [],
        success: [{ type: 'put', key: `${keys.prefix}/noise`, value: 'x' }],
      });
      await store.compact(await store.revision());

      const second: string[] = [];
      const restarted = new OutboxConsumer({
        name: 'c',
        store,
        keys,
        handle: async (b) => void second.push(...b.map((x) => x.event.id)),
      });
      await restarted.start();
      await until(() => second.length === 2);
      await publish(event('e4'));
      await until(() => second.length === 3);
      await restarted.stop();
      expect(second).toEqual(['e2', 'e3', 'e4']);
    });

    it('janitor deletes events every consumer is past once retention passed, and keeps the rest', async () => {
      const old = new Date(Date.now() - 3_600_000).toISOString();
      await publish(event('old-1', undefined, old));
      await publish(event('old-2', undefined, old));
      await publish(event('fresh'));
      const a: string[] = [];
      const fast = new OutboxConsumer({
        name: 'fast',
        store,
        keys,
        startFrom: 'beginning',
        handle: async (b) => void a.push(...b.map((x) => x.event.id)),
      });
      await fast.start();
      await until(() => a.length === 3);
      await fast.stop();
      // A second consumer that has only seen the first event.
      const firstRevision =
        (await store.get(keys.event('old-1')))?.modRevision ?? 0;
      await store.txn({
        compare: [],
        success: [
          {
            type: 'put',
            key: keys.consumer('slow'),
            value: JSON.stringify({ revision: firstRevision, updatedAt: old }),
          },
        ],
      });

      const janitor = new OutboxJanitor({ store, keys, retentionMs: 60_000 });
      expect((await janitor.sweep()).deleted).toBe(1);
      const left = (await store.list(keys.eventsPrefix)).kvs.map(
        (kv) => JSON.parse(kv.value).id,
      );
      expect(left).toEqual(['fresh', 'old-2']);
    });
  });
}
