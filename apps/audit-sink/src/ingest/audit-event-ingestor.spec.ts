import {
  AuditEventRepository,
  CloudEvent,
  MemoryDocStore,
  StoreUnavailableError,
} from '@lcm/doc-store';
import { KeyLayout, MemoryStateStore, OutboxEvent } from '@lcm/state-store';
import { Registry } from 'prom-client';
import {
  AUDIT_SINK_CONSUMER,
  AuditEventIngestor,
} from './audit-event-ingestor';
import { AuditSinkMetrics } from './audit-sink-metrics';

const keys = new KeyLayout('/lcm');

function outboxEvent(id: string, n = 0): OutboxEvent {
  return {
    specversion: '1.0',
    id,
    source: 'lcm/controller',
    type: 'lcm.lablet.instance.running',
    subject: `instance-${n % 7}`,
    time: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, n)).toISOString(),
    datacontenttype: 'application/json',
    data: { instanceId: `instance-${n % 7}`, n },
  };
}

async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function metricValue(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  return metric
    ? (await metric.get()).values.reduce((sum, v) => sum + v.value, 0)
    : 0;
}

/** The repository, except that `insertMany` fails as `fail` decides (poison events, outages). */
function wrapRepository(
  inner: AuditEventRepository,
  fail: (events: readonly CloudEvent[]) => Error | undefined,
): AuditEventRepository {
  return {
    insertMany: async (events) => {
      const error = fail(events);
      if (error) throw error;
      return inner.insertMany(events);
    },
    list: (query) => inner.list(query),
    count: (filter) => inner.count(filter),
    purgeExpired: () => inner.purgeExpired(),
  };
}

describe('AuditEventIngestor (memory stores)', () => {
  let state: MemoryStateStore;
  let docs: MemoryDocStore;
  let registry: Registry;
  let metrics: AuditSinkMetrics;
  const running: AuditEventIngestor[] = [];

  beforeEach(async () => {
    state = new MemoryStateStore();
    docs = await MemoryDocStore.open();
    registry = new Registry();
    metrics = new AuditSinkMetrics(registry);
  });
  afterEach(async () => {
    for (const ingestor of running.splice(0)) await ingestor.stop();
    await state.close();
    await docs.close();
  });

  const publish = (...events: OutboxEvent[]) =>
    state.txn({
      compare: [],
      success: events.map((e) => ({
        type: 'put' as const,
        key: keys.event(e.id),
        value: JSON.stringify(e),
      })),
    });
  const ingestor = async (
    repository: AuditEventRepository = docs.auditEvents,
    options: { batchSize?: number; metrics?: AuditSinkMetrics } = {},
  ) => {
    const started = new AuditEventIngestor({
      store: state,
      keys,
      repository,
      metrics: options.metrics ?? metrics,
      batchSize: options.batchSize ?? 100,
      maxAttempts: 3,
      retryDelayMs: 5,
    });
    running.push(started);
    await started.start();
    return started;
  };
  const stored = () => docs.auditEvents.count();
  const cursor = async () =>
    (
      JSON.parse(
        (await state.get(keys.consumer(AUDIT_SINK_CONSUMER)))?.value ??
          '{"revision":-1}',
      ) as { revision: number }
    ).revision;

  it('stores every event written to the outbox exactly once, in batches, and advances its cursor past them', async () => {
    const events = Array.from({ length: 250 }, (_, i) =>
      outboxEvent(`e-${i}`, i),
    );
    for (let i = 0; i < events.length; i += 5)
      await publish(...events.slice(i, i + 5));
    const head = await state.revision();
    const batches: number[] = [];
    const counting = wrapRepository(
      docs.auditEvents,
      (batch) => void batches.push(batch.length),
    );
    const sink = await ingestor(counting);

    await until(
      async () => (await stored()) === 250 && (await cursor()) >= head,
    );
    expect(batches.every((size) => size <= 100)).toBe(true);
    expect(batches.length).toBeLessThan(10);
    const page = await docs.auditEvents.list({ limit: 500 });
    expect(new Set(page.items.map((e) => e.id)).size).toBe(250);
    expect(page.items.find((e) => e.id === 'e-42')).toEqual(events[42]);
    expect(sink.revision).toBeGreaterThanOrEqual(head);
    expect(await metricValue(registry, 'lcm_audit_events_stored_total')).toBe(
      250,
    );
    expect(await metricValue(registry, 'lcm_outbox_events_handled_total')).toBe(
      250,
    );
    expect(
      await metricValue(registry, 'lcm_audit_events_duplicates_total'),
    ).toBe(0);

    // Events written while it runs arrive too.
    await publish(outboxEvent('late-1', 1), outboxEvent('late-2', 2));
    await until(async () => (await stored()) === 252);
  });

  it('stores a re-delivered event once: after a restart from an older cursor, and from a second replica', async () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      outboxEvent(`e-${i}`, i),
    );
    await publish(...events.slice(0, 10));
    await publish(...events.slice(10));
    const first = await ingestor();
    await until(async () => (await stored()) === 30);
    await first.stop();

    // A crash after the insert but before the cursor moved: the cursor is older than what was stored.
    await state.txn({
      compare: [],
      success: [
        {
          type: 'put',
          key: keys.consumer(AUDIT_SINK_CONSUMER),
          value: JSON.stringify({
            revision: 0,
            updatedAt: new Date().toISOString(),
          }),
        },
      ],
    });
    await ingestor();
    await until(
      async () =>
        (await metricValue(registry, 'lcm_audit_events_duplicates_total')) ===
        30,
    );
    expect(await stored()).toBe(30);

    // Two replicas read the same stream: each event still stored once.
    const replicaRegistry = new Registry();
    await ingestor(docs.auditEvents, {
      metrics: new AuditSinkMetrics(replicaRegistry),
    });
    await publish(
      ...Array.from({ length: 20 }, (_, i) => outboxEvent(`both-${i}`, i)),
    );
    const seenBy = async (r: Registry) =>
      (await metricValue(r, 'lcm_audit_events_stored_total')) +
      (await metricValue(r, 'lcm_audit_events_duplicates_total'));
    // This registry: 30 first stored, 30 re-delivered, then the 20 new ones (stored or duplicates).
    await until(
      async () =>
        (await seenBy(registry)) === 80 &&
        (await seenBy(replicaRegistry)) >= 20,
    );
    expect(await stored()).toBe(50);

    // The same id written to the outbox again (a new revision) is also a re-delivery.
    const duplicatesBefore = await metricValue(
      registry,
      'lcm_audit_events_duplicates_total',
    );
    await publish(outboxEvent('e-3', 3));
    await until(
      async () =>
        (await metricValue(registry, 'lcm_audit_events_duplicates_total')) ===
        duplicatesBefore + 1,
    );
    expect(await stored()).toBe(50);
  });

  it('moves an event MongoDB refuses to the dead letters and keeps the stream moving', async () => {
    await publish(outboxEvent('good-1', 1));
    await publish(outboxEvent('poison', 2), outboxEvent('good-2', 3));
    await publish(outboxEvent('good-3', 4));
    const poisoned = wrapRepository(docs.auditEvents, (events) =>
      events.some((e) => e.id === 'poison')
        ? new Error('cannot store this event')
        : undefined,
    );
    await ingestor(poisoned, { batchSize: 10 });

    await until(
      async () =>
        (await state.get(keys.deadLetter(AUDIT_SINK_CONSUMER, 'poison'))) !==
          undefined && (await stored()) === 3,
    );
    const dead = JSON.parse(
      (await state.get(keys.deadLetter(AUDIT_SINK_CONSUMER, 'poison')))
        ?.value ?? '{}',
    ) as Record<string, unknown>;
    expect(dead).toMatchObject({
      event: { id: 'poison' },
      error: 'cannot store this event',
      attempts: 3,
    });
    expect(
      (await docs.auditEvents.list()).items.map((e) => e.id).sort(),
    ).toEqual(['good-1', 'good-2', 'good-3']);
    expect(await metricValue(registry, 'lcm_outbox_dead_letters_total')).toBe(
      1,
    );

    await publish(outboxEvent('good-4', 5));
    await until(async () => (await stored()) === 4);
  });

  it('waits while MongoDB is unavailable instead of dead-lettering, then stores everything', async () => {
    let outage = true;
    const flaky = wrapRepository(docs.auditEvents, () =>
      outage
        ? new StoreUnavailableError('MongoDB unavailable: connection refused')
        : undefined,
    );
    await publish(
      ...Array.from({ length: 5 }, (_, i) => outboxEvent(`e-${i}`, i)),
    );
    await ingestor(flaky);
    await until(
      async () =>
        (await metricValue(registry, 'lcm_audit_store_unavailable_total')) >= 6,
    );
    outage = false;
    await until(async () => (await stored()) === 5);
    expect((await state.list(`${keys.prefix}/dead-letters/`)).kvs).toHaveLength(
      0,
    );
    expect(await metricValue(registry, 'lcm_outbox_dead_letters_total')).toBe(
      0,
    );
  });

  it('stops promptly during an outage and leaves the events for the next start', async () => {
    const down = wrapRepository(
      docs.auditEvents,
      () => new StoreUnavailableError('MongoDB unavailable'),
    );
    await publish(outboxEvent('e-1', 1));
    const sink = await ingestor(down);
    await until(
      async () =>
        (await metricValue(registry, 'lcm_audit_store_unavailable_total')) >= 1,
    );
    const before = Date.now();
    await sink.stop();
    expect(Date.now() - before).toBeLessThan(1_000);
    expect(await cursor()).toBe(0);
    expect((await state.list(`${keys.prefix}/dead-letters/`)).kvs).toHaveLength(
      0,
    );

    await ingestor();
    await until(async () => (await stored()) === 1);
  });

  it('reports its lag behind the store head', async () => {
    const sink = await ingestor();
    await publish(outboxEvent('e-1', 1));
    await until(async () => (await stored()) === 1);
    await until(async () => (await sink.lag()) <= 1);
    expect(
      await metricValue(registry, 'lcm_outbox_consumer_lag_revisions'),
    ).toBeLessThanOrEqual(1);
  });
});
