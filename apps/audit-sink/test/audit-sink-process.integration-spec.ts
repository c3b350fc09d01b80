import { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Collection, Document, MongoClient } from 'mongodb';
import { EtcdStateStore, KeyLayout, OutboxEvent } from '@lcm/state-store';
import {
  captureOutput,
  describeWithServers,
  etcdEndpoints,
  freePort,
  mongoUri,
  mongoUriForDatabase,
  spawnServer,
  stopProcess,
  uniqueName,
  workspaceRoot,
} from '@lcm/testing';

/**
 * The built audit-sink (`node dist/apps/audit-sink/main.js`, from `nx build audit-sink`) against real
 * etcd and MongoDB: a SIGKILL in the middle of a stream, and an etcd compaction while it is down.
 * Every event must end up in `audit_events` exactly once.
 */
const MAIN = join(workspaceRoot(), 'dist/apps/audit-sink/main.js');
const SECRET = 'audit-sink-integration-secret-0123456789';

interface SinkProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function outboxEvent(id: string, n: number): OutboxEvent {
  const instanceId = `instance-${n % 97}`;
  return {
    specversion: '1.0',
    id,
    source: n % 2 === 0 ? 'lcm/controller' : 'lcm/scheduler',
    type:
      n % 2 === 0
        ? 'lcm.lablet.instance.running'
        : 'lcm.lablet.instance.scheduled',
    subject: instanceId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      instanceId,
      workerId: `worker-${n % 13}`,
      allocatedPorts: { serial: 2000 + (n % 1000) },
      n,
    },
  };
}

/** Exited on its own after SIGTERM (Nest re-raises the signal once closed), not killed after the grace period. */
function exitedCleanly(child: ChildProcess): boolean {
  return child.exitCode === 0 || child.signalCode === 'SIGTERM';
}

function metric(text: string, name: string): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describeWithServers(['etcd', 'mongo'])(
  'the audit-sink process on etcd and MongoDB',
  () => {
    const children = new Set<ChildProcess>();
    let store: EtcdStateStore;
    let mongo: MongoClient;
    const databases: string[] = [];

    beforeAll(async () => {
      if (!existsSync(MAIN))
        throw new Error(
          `${MAIN} is missing: build it first (npx nx build audit-sink; the integration target does)`,
        );
      store = new EtcdStateStore({ endpoints: etcdEndpoints() });
      mongo = await new MongoClient(mongoUri()).connect();
    });

    afterAll(async () => {
      for (const child of children) await stopProcess(child, 'SIGKILL');
      for (const database of databases)
        await mongo
          ?.db(database)
          .dropDatabase()
          .catch(() => undefined);
      await mongo?.close();
      await store?.close();
    });

    /** A fresh prefix and database for one test. */
    function setting(): {
      keys: KeyLayout;
      database: string;
      audit: Collection<Document>;
    } {
      const keys = new KeyLayout(`/${uniqueName('audit_sink')}`);
      const database = uniqueName('audit_sink');
      databases.push(database);
      return {
        keys,
        database,
        audit: mongo.db(database).collection('audit_events'),
      };
    }

    async function startSink(
      keys: KeyLayout,
      database: string,
    ): Promise<SinkProcess> {
      const port = await freePort();
      const child = spawnServer(process.execPath, [MAIN], {
        cwd: workspaceRoot(),
        env: {
          PATH: process.env['PATH'],
          ETCD_ENDPOINTS: etcdEndpoints().join(','),
          ETCD_PREFIX: keys.prefix,
          MONGODB_URI: mongoUriForDatabase(database),
          AUDIT_SINK_PORT: String(port),
          AUDIT_SINK_HOST: '127.0.0.1',
          AUTH_JWT_SECRET: SECRET,
          LOG_LEVEL: 'warn',
        },
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      const output = captureOutput(child);
      const url = `http://127.0.0.1:${port}`;
      await until(
        'the audit-sink to be ready',
        async () => {
          if (child.exitCode !== null || child.signalCode !== null)
            throw new Error(
              `audit-sink exited (${child.exitCode ?? child.signalCode}):\n${output()}`,
            );
          const res = await fetch(`${url}/readyz`).catch(() => undefined);
          return res?.status === 200;
        },
        30_000,
        50,
      );
      return { child, url, output };
    }

    async function publish(
      keys: KeyLayout,
      events: OutboxEvent[],
    ): Promise<void> {
      await store.txn({
        compare: [],
        success: events.map((e) => ({
          type: 'put' as const,
          key: keys.event(e.id),
          value: JSON.stringify(e),
        })),
      });
    }

    /** Every stored (source, id), and the ids stored more than once. */
    async function storedIds(
      audit: Collection<Document>,
    ): Promise<{ total: number; distinct: Set<string>; repeated: string[] }> {
      const docs = await audit
        .find({}, { projection: { _id: 0, id: 1, source: 1 } })
        .toArray();
      const counts = new Map<string, number>();
      for (const doc of docs)
        counts.set(String(doc['id']), (counts.get(String(doc['id'])) ?? 0) + 1);
      return {
        total: docs.length,
        distinct: new Set(counts.keys()),
        repeated: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
      };
    }

    async function expectExactlyOnce(
      audit: Collection<Document>,
      events: OutboxEvent[],
    ): Promise<void> {
      const stored = await storedIds(audit);
      expect(stored.repeated).toEqual([]);
      expect(stored.total).toBe(events.length);
      expect(events.filter((e) => !stored.distinct.has(e.id))).toEqual([]);
      const indexes = await audit.indexes();
      expect(indexes).toContainEqual(
        expect.objectContaining({
          name: 'audit_source_id_unique',
          key: { source: 1, id: 1 },
          unique: true,
        }),
      );
    }

    it('stores each of 5,000 events exactly once although the process is SIGKILLed mid-stream and restarted', async () => {
      const { keys, database, audit } = setting();
      const TOTAL = 5_000;
      const PER_TXN = 5;
      const events = Array.from({ length: TOTAL }, (_, i) =>
        outboxEvent(`ev-${String(i).padStart(5, '0')}`, i),
      );

      const first = await startSink(keys, database);
      let written = 0;
      const writer = (async () => {
        for (let i = 0; i < TOTAL; i += PER_TXN) {
          await publish(keys, events.slice(i, i + PER_TXN));
          written += PER_TXN;
          // Paced, so the stream is still being written when the sink dies.
          await sleep(2);
        }
      })();

      // The sink's own counter is cheaper to poll than a count, so the kill lands close to half.
      const storedByFirst = async () =>
        metric(
          await (await fetch(`${first.url}/metrics`)).text(),
          'lcm_audit_events_stored_total',
        );
      await until(
        'half of the events to be stored',
        async () => (await storedByFirst()) >= TOTAL / 2,
        60_000,
        5,
      );
      const writtenAtKill = written;
      const exited = new Promise<void>((resolve) =>
        first.child.once('exit', () => resolve()),
      );
      first.child.kill('SIGKILL');
      await exited;
      // An insert the server received just before the kill may still be applied: let it land first.
      await sleep(500);
      const storedAtKill = await audit.countDocuments();
      const cursorAtKill = JSON.parse(
        (await store.get(keys.consumer('audit-sink')))?.value ??
          '{"revision":0}',
      ) as { revision: number };

      const second = await startSink(keys, database);
      await writer;
      await until(
        'every event to be stored',
        async () => (await audit.countDocuments()) >= TOTAL,
        120_000,
        50,
      );
      const text = await (await fetch(`${second.url}/metrics`)).text();
      await expectExactlyOnce(audit, events);

      process.stdout.write(
        `\n[audit-sink SIGKILL] ${TOTAL} events in txns of ${PER_TXN}: killed with ${storedAtKill} stored and ${writtenAtKill} written (cursor at revision ${cursorAtKill.revision}); ` +
          `the restarted process stored ${metric(text, 'lcm_audit_events_stored_total')} and found ${metric(text, 'lcm_audit_events_duplicates_total')} re-delivered duplicates; ` +
          `audit_events holds ${TOTAL}, each id once\n`,
      );
      expect(storedAtKill).toBeLessThan(TOTAL);
      expect(metric(text, 'lcm_audit_events_stored_total') + storedAtKill).toBe(
        TOTAL,
      );
      expect(metric(text, 'lcm_outbox_dead_letters_total')).toBe(0);
      await stopProcess(second.child, 'SIGTERM');
    }, 180_000);

    it('loses nothing when etcd is compacted while the sink is down (outbox keys are live keys)', async () => {
      const { keys, database, audit } = setting();
      const before = Array.from({ length: 100 }, (_, i) =>
        outboxEvent(`before-${i}`, i),
      );
      const whileDown = Array.from({ length: 300 }, (_, i) =>
        outboxEvent(`down-${i}`, i),
      );
      const after = Array.from({ length: 50 }, (_, i) =>
        outboxEvent(`after-${i}`, i),
      );

      const first = await startSink(keys, database);
      for (let i = 0; i < before.length; i += 10)
        await publish(keys, before.slice(i, i + 10));
      await until(
        'the first events to be stored',
        async () => (await audit.countDocuments()) === before.length,
        30_000,
      );
      await stopProcess(first.child, 'SIGTERM');
      expect(exitedCleanly(first.child)).toBe(true);

      for (let i = 0; i < whileDown.length; i += 3)
        await publish(keys, whileDown.slice(i, i + 3));
      // Other writes after the outbox, so the compaction also removes history past the last event.
      await store.txn({
        compare: [],
        success: [{ type: 'put', key: `${keys.prefix}/noise`, value: 'x' }],
      });
      const head = await store.revision();
      await store.compact(head);
      const cursor = JSON.parse(
        (await store.get(keys.consumer('audit-sink')))?.value ??
          '{"revision":0}',
      ) as { revision: number };
      // The sink's next watch (cursor + 1) starts in compacted history: it must re-list.
      expect(cursor.revision + 1).toBeLessThan(head);

      const second = await startSink(keys, database);
      await until(
        'the events written while down to be stored',
        async () =>
          (await audit.countDocuments()) === before.length + whileDown.length,
        60_000,
      );
      for (let i = 0; i < after.length; i += 5)
        await publish(keys, after.slice(i, i + 5));
      await until(
        'the events written after the restart to be stored',
        async () =>
          (await audit.countDocuments()) ===
          before.length + whileDown.length + after.length,
        30_000,
      );
      await expectExactlyOnce(audit, [...before, ...whileDown, ...after]);
      await stopProcess(second.child, 'SIGTERM');
      expect(exitedCleanly(second.child)).toBe(true);
    }, 120_000);
  },
);
