/**
 * Audit event inserts per second through AuditEventRepository (batches of 100, as the audit-sink
 * writes them) beside a raw driver `insertMany` of the same stored documents, in the same run and
 * on the same server, with the same indexes.
 *
 *   BENCH_ONLY=doc-store npm run bench
 *
 * MONGODB_URI selects the server (else FerretDB / a container via startMongo()); BENCH_EVENTS sets
 * the events per measured round (default 20000).
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import {
  MongoDocStore,
  toAuditDocument,
  type AuditRecord,
  type CloudEvent,
} from '@lcm/doc-store';
import { startMongo } from '@lcm/testing';
import { report as reportRows, throughputRow } from './bench-report';

const BATCH = 100;
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 20_000);
const ROUNDS = 2;

function instanceEvents(count: number): CloudEvent[] {
  const states = [
    'pending',
    'scheduled',
    'provisioning.started',
    'running',
    'stopping',
    'stopped',
    'terminated',
  ];
  const start = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const instanceId = randomUUID();
    const state = states[i % states.length];
    return {
      specversion: '1.0',
      id: randomUUID(),
      source: i % 3 === 0 ? 'lcm/scheduler' : 'lcm/controller',
      type: `lcm.lablet.instance.${state}`,
      subject: instanceId,
      time: new Date(start + i).toISOString(),
      datacontenttype: 'application/json',
      data: {
        instanceId,
        definitionId: randomUUID(),
        definitionVersion: '1.0.3',
        previousState: 'scheduled',
        newState: state,
        workerId: `worker-${i % 50}`,
        allocatedPorts: {
          serial_1: 2000 + (i % 7000),
          serial_2: 2001 + (i % 7000),
          vnc_1: 2002 + (i % 7000),
        },
        timestamp: new Date(start + i).toISOString(),
      },
    };
  });
}

function batches<T>(items: T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) =>
    items.slice(i * BATCH, (i + 1) * BATCH),
  );
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const server = await startMongo();
  const database = `bench_audit_${Date.now().toString(36)}`;
  const url = new URL(server.uri);
  url.pathname = `/${database}`;
  const store = await MongoDocStore.open({ uri: url.toString() });
  const client = await new MongoClient(server.uri).connect();
  try {
    // The raw baseline gets the same indexes (the unique (source, id) index is what makes inserts idempotent).
    const raw = client.db(database).collection('audit_events_raw');
    const report = await store.ensureIndexes();
    for (const [keys, options] of store.models.auditEvents.schema.indexes()) {
      const { expireAfterSeconds, ...plain } = options as Record<
        string,
        unknown
      >;
      await raw.createIndex(
        keys as never,
        (report.ttlUnsupported.length > 0
          ? plain
          : { ...plain, expireAfterSeconds }) as never,
      );
    }

    // Warm-up: connections, JIT, SQLite pages.
    for (const batch of batches(instanceEvents(1000)))
      await store.auditEvents.insertMany(batch);
    for (const batch of batches(instanceEvents(1000)))
      await raw.insertMany(
        batch.map((event) => toAuditDocument(record(event))),
        { ordered: false },
      );

    const totals = { repo: 0, raw: 0, redelivery: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const repoEvents = batches(instanceEvents(EVENTS));
      // Raw inserts the stored form the repository would write, built before the clock starts.
      const rawDocs = batches(instanceEvents(EVENTS)).map((batch) =>
        batch.map((event) => toAuditDocument(record(event))),
      );
      // Alternate which path runs first, so neither always gets the warmer server.
      const runRepo = async (): Promise<void> => {
        totals.repo += await timed(async () => {
          for (const batch of repoEvents)
            await store.auditEvents.insertMany(batch);
        });
      };
      const runRaw = async (): Promise<void> => {
        totals.raw += await timed(async () => {
          for (const batch of rawDocs)
            await raw.insertMany(batch, { ordered: false });
        });
      };
      if (round % 2 === 0) {
        await runRepo();
        await runRaw();
      } else {
        await runRaw();
        await runRepo();
      }
      totals.redelivery += await timed(async () => {
        for (const batch of repoEvents) {
          const result = await store.auditEvents.insertMany(batch);
          if (result.duplicates !== batch.length)
            throw new Error(`re-delivery stored ${result.inserted} events`);
        }
      });
    }

    const events = EVENTS * ROUNDS;
    const rawRate = events / totals.raw;
    const rows: [string, number][] = [
      ['raw driver insertMany (ordered: false)', totals.raw],
      ['AuditEventRepository.insertMany', totals.repo],
      [
        'AuditEventRepository, re-delivered (all duplicates)',
        totals.redelivery,
      ],
    ];
    process.stdout.write(
      `\naudit event inserts, batches of ${BATCH}, ${events} events per path (${ROUNDS} rounds)\nserver: ${server.description}\n`,
    );
    process.stdout.write(
      `TTL index: ${report.ttlUnsupported.length > 0 ? 'unsupported (periodic purge)' : 'yes'}\n\n`,
    );
    process.stdout.write(
      `| path | seconds | events/s | vs raw |\n|---|---:|---:|---:|\n`,
    );
    for (const [name, seconds] of rows) {
      const rate = events / seconds;
      process.stdout.write(
        `| ${name} | ${seconds.toFixed(2)} | ${Math.round(rate)} | ${(rate / rawRate).toFixed(2)} |\n`,
      );
    }
    reportRows(
      'doc-store',
      [
        throughputRow(
          'AuditEventRepository.insertMany (batches of 100)',
          events / totals.repo,
          'raw driver insertMany, same documents',
          rawRate,
        ),
        throughputRow(
          're-delivered batches (all duplicates)',
          events / totals.redelivery,
          'raw driver insertMany, same documents',
          rawRate,
        ),
      ],
      { server: server.description, events, batch: BATCH },
    );
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
    await store.close();
    await server.stop();
  }
}

function record(event: CloudEvent): AuditRecord {
  return {
    event,
    timeAt: new Date(event.time).toISOString(),
    recordedAt: new Date().toISOString(),
    commitRevision: 0,
    commitPosition: 0,
  };
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
