/**
 * The audit-sink's path from the etcd outbox to MongoDB `audit_events`: the app's ingestor (an
 * OutboxConsumer with batches of 100 and AuditEventRepository.insertMany) in-process against real
 * etcd and MongoDB (FerretDB or a container via startEtcd/startMongo). Baseline, measured in the same
 * run on the same servers: AuditEventRepository.insertMany of the same events in batches of 100,
 * straight from memory into a database of its own.
 *
 *   BENCH_ONLY=audit-sink npm run bench
 *
 * Figures:
 * - drain: a backlog of BENCH_EVENTS (default 20000) outbox events written first, then the sink
 *   started; events/s until all are stored (the sink's own capacity).
 * - live: BENCH_LIVE_EVENTS (default 10000) written in txns of 2 at a steady rate (BENCH_LIVE_RATE
 *   events/s, default 500: well above LCM's real event rate, and sustainable on a small machine) while
 *   the sink runs; events/s end to end, and the lag of each event from its commit (txn acknowledged)
 *   to stored (insertMany acknowledged), p50 and p99.
 */
import { randomUUID } from 'node:crypto';
import {
  AuditEventRepository,
  CloudEvent,
  MongoDocStore,
} from '@lcm/doc-store';
import { EtcdStateStore, KeyLayout, OutboxEvent } from '@lcm/state-store';
import { startEtcd, startMongo } from '@lcm/testing';
import { Registry } from 'prom-client';
import {
  AuditEventIngestor,
  AuditSinkMetrics,
} from '../../apps/audit-sink/src';
import {
  latencyRow,
  percentile,
  report,
  runConcurrent,
  throughputRow,
} from './bench-report';

const BATCH = 100;
/**
 * Events per etcd txn, as a transition commits them (one or two). Not more: the etcd driver's watch
 * cannot yet receive a catch-up response over gRPC's 4 MiB default (1000 revisions x events per
 * revision x event size), so a backlog written in txns of 10 events stalls the consumer (reported).
 */
const PER_TXN = 2;
const LIVE_IN_FLIGHT = 32;
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 20_000);
const LIVE_EVENTS = Number(process.env['BENCH_LIVE_EVENTS'] ?? 10_000);

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function instanceEvents(count: number, tag: string): OutboxEvent[] {
  const states = [
    'pending',
    'scheduled',
    'provisioning.started',
    'running',
    'stopping',
    'stopped',
    'terminated',
  ];
  return Array.from({ length: count }, (_, i) => {
    const instanceId = `${tag}-instance-${i % 500}`;
    const state = states[i % states.length];
    const time = new Date().toISOString();
    return {
      specversion: '1.0',
      id: randomUUID(),
      source: i % 3 === 0 ? 'lcm/scheduler' : 'lcm/controller',
      type: `lcm.lablet.instance.${state}`,
      subject: instanceId,
      time,
      datacontenttype: 'application/json',
      data: {
        instanceId,
        definitionId: `${tag}-definition-${i % 20}`,
        definitionVersion: '1.0.3',
        previousState: 'scheduled',
        newState: state,
        workerId: `worker-${i % 50}`,
        allocatedPorts: {
          serial_1: 2000 + (i % 7000),
          serial_2: 2001 + (i % 7000),
          vnc_1: 2002 + (i % 7000),
        },
        timestamp: time,
      },
    };
  });
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

async function until(
  what: string,
  condition: () => boolean,
  timeoutMs: number,
  progress: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} ${progress()}`);
    await sleep(1);
  }
}

/** The repository, noting when each event's insertMany was acknowledged. */
function timedRepository(
  inner: AuditEventRepository,
  storedAt: Map<string, number>,
): AuditEventRepository {
  return {
    insertMany: async (events) => {
      const result = await inner.insertMany(events);
      const t = now();
      for (const e of events) if (!storedAt.has(e.id)) storedAt.set(e.id, t);
      return result;
    },
    list: (query) => inner.list(query),
    count: (filter) => inner.count(filter),
    purgeExpired: () => inner.purgeExpired(),
  };
}

function databaseUri(serverUri: string, database: string): string {
  const url = new URL(serverUri);
  url.pathname = `/${database}`;
  return url.toString();
}

async function main(): Promise<void> {
  const [etcd, mongo] = await Promise.all([startEtcd(), startMongo()]);
  const run = Date.now().toString(36);
  const baselineDocs = await MongoDocStore.open({
    uri: databaseUri(mongo.uri, `bench_sink_raw_${run}`),
  });
  const sinkDocs = await MongoDocStore.open({
    uri: databaseUri(mongo.uri, `bench_sink_${run}`),
  });
  const state = new EtcdStateStore({ endpoints: etcd.endpoints });
  const keys = new KeyLayout(`/bench_sink_${run}`);
  const storedAt = new Map<string, number>();
  const ingestor = new AuditEventIngestor({
    store: state,
    keys,
    repository: timedRepository(sinkDocs.auditEvents, storedAt),
    metrics: new AuditSinkMetrics(new Registry()),
    batchSize: BATCH,
    maxAttempts: 5,
  });
  try {
    const backlog = instanceEvents(EVENTS, 'backlog');
    const live = instanceEvents(LIVE_EVENTS, 'live');

    // Warm-up of both paths' connections and server pages.
    for (const batch of chunks(instanceEvents(1000, 'warm'), BATCH))
      await baselineDocs.auditEvents.insertMany(batch as CloudEvent[]);
    for (const batch of chunks(instanceEvents(1000, 'warm'), BATCH))
      await sinkDocs.auditEvents.insertMany(batch as CloudEvent[]);

    // Baseline: the repository alone, the same events (its own database, so none is a duplicate).
    const insertLatency: number[] = [];
    const baselineStart = now();
    for (const batch of chunks([...backlog, ...live], BATCH)) {
      const t = now();
      await baselineDocs.auditEvents.insertMany(batch as CloudEvent[]);
      insertLatency.push(now() - t);
    }
    const baselineRate =
      (backlog.length + live.length) / ((now() - baselineStart) / 1000);

    // Drain: the backlog is in the outbox before the sink starts.
    await runConcurrent(Math.ceil(EVENTS / PER_TXN), 8, async (i) => {
      const txn = backlog.slice(i * PER_TXN, (i + 1) * PER_TXN);
      await state.txn({
        compare: [],
        success: txn.map((e) => ({
          type: 'put' as const,
          key: keys.event(e.id),
          value: JSON.stringify(e),
        })),
      });
    });
    const drainStart = now();
    await ingestor.start();
    await until(
      'the backlog to be stored',
      () => storedAt.size >= EVENTS,
      120_000,
      () => `(${storedAt.size} stored, cursor ${ingestor.revision})`,
    );
    const drainRate = EVENTS / ((now() - drainStart) / 1000);

    // Live: a steady writer while the sink runs; lag per event from commit to stored.
    const targetRate = Number(process.env['BENCH_LIVE_RATE'] ?? 500);
    const committedAt = new Map<string, number>();
    const liveStart = now();
    const txns = chunks(live, PER_TXN);
    const inFlight = new Set<Promise<void>>();
    for (let k = 0; k < txns.length; k++) {
      const due = liveStart + (k * PER_TXN * 1000) / targetRate;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      // Each txn leaves on time, not after the previous one returned (bounded in flight).
      while (inFlight.size >= LIVE_IN_FLIGHT) await Promise.race(inFlight);
      const txn = txns[k];
      const commit = state
        .txn({
          compare: [],
          success: txn.map((e) => ({
            type: 'put' as const,
            key: keys.event(e.id),
            value: JSON.stringify(e),
          })),
        })
        .then(() => {
          const t = now();
          for (const e of txn) committedAt.set(e.id, t);
        });
      inFlight.add(commit);
      commit.finally(() => inFlight.delete(commit)).catch(() => undefined);
    }
    await Promise.all(inFlight);
    const writtenIn = (now() - liveStart) / 1000;
    await until(
      'the live events to be stored',
      () => storedAt.size >= EVENTS + LIVE_EVENTS,
      120_000,
      () => `(${storedAt.size} stored, cursor ${ingestor.revision})`,
    );
    const lastStored = Math.max(...live.map((e) => storedAt.get(e.id) ?? 0));
    const liveRate = LIVE_EVENTS / ((lastStored - liveStart) / 1000);
    const lags = live.map((e) =>
      Math.max(0, (storedAt.get(e.id) ?? 0) - (committedAt.get(e.id) ?? 0)),
    );

    const stored = await sinkDocs.auditEvents.count();
    if (stored !== EVENTS + LIVE_EVENTS + 1000)
      throw new Error(
        `expected ${EVENTS + LIVE_EVENTS + 1000} stored events, found ${stored}`,
      );

    process.stdout.write(
      `\naudit-sink: etcd outbox -> audit_events, batches of ${BATCH}, txns of ${PER_TXN} events\n` +
        `servers: ${etcd.description}; ${mongo.description}\n` +
        `live writer: ${LIVE_EVENTS} events at a target of ${targetRate}/s (written in ${writtenIn.toFixed(2)} s)\n`,
    );
    report(
      'audit-sink',
      [
        throughputRow(
          `drain of a ${EVENTS}-event outbox backlog -> stored`,
          drainRate,
          'AuditEventRepository.insertMany x100',
          baselineRate,
          'the sink alone: etcd watch + cursor + insertMany',
        ),
        throughputRow(
          `live: outbox commit -> stored (writer at ${targetRate}/s)`,
          liveRate,
          'AuditEventRepository.insertMany x100',
          baselineRate,
          'bounded by the paced writer',
        ),
        latencyRow(
          'live lag p50 (txn acknowledged -> insertMany acknowledged)',
          percentile(lags, 50),
          'one insertMany of 100, p50',
          percentile(insertLatency, 50),
        ),
        latencyRow(
          'live lag p99',
          percentile(lags, 99),
          'one insertMany of 100, p99',
          percentile(insertLatency, 99),
        ),
      ],
      {
        etcd: etcd.description,
        mongo: mongo.description,
        events: EVENTS,
        liveEvents: LIVE_EVENTS,
        liveRate: targetRate,
        batch: BATCH,
        eventsPerTxn: PER_TXN,
      },
    );
  } finally {
    await ingestor.stop().catch(() => undefined);
    await state
      .txn({
        compare: [],
        success: [{ type: 'deletePrefix', prefix: `${keys.prefix}/` }],
      })
      .catch(() => undefined);
    await state.close();
    await baselineDocs.models.auditEvents.db
      .dropDatabase()
      .catch(() => undefined);
    await sinkDocs.models.auditEvents.db.dropDatabase().catch(() => undefined);
    await baselineDocs.close();
    await sinkDocs.close();
    await etcd.stop();
    await mongo.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
