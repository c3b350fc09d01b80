// The embedded default's state store: InstanceStore.commit (a SCHEDULED placement with ports,
// capacity and an outbox event) on the sqlite driver with synchronous = FULL (what `npm start` runs),
// beside a raw better-sqlite3 one-row transaction on the same settings and the same commits with
// synchronous = NORMAL, all measured in this run: the cost of the driver and of fsync per commit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scheduleInstance } from '@lcm/domain';
import {
  InstanceStore,
  KeyLayout,
  openSqliteDatabase,
  SqliteStateStore,
  WorkerStore,
} from '@lcm/state-store';
import {
  ctx,
  envelope,
  newInstance,
  newRunningWorker,
} from '../../libs/state-store/test';
import { report, runConcurrent, throughputRow } from './bench-report';

const N = Number(process.env['BENCH_N'] ?? 2000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const WORKERS = 20;

/** Placement commits per second on a fresh database with the given synchronous mode. */
async function placements(
  synchronous: 'FULL' | 'NORMAL',
): Promise<{ commits: number; raw: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lcm-bench-sqlite-'));
  const database = openSqliteDatabase(join(dir, 'lcm.db'));
  database.pragma(`synchronous = ${synchronous}`);
  const store = new SqliteStateStore({ database });
  try {
    const value = JSON.stringify(newInstance('baseline').instance);
    database.exec('CREATE TABLE raw (k TEXT PRIMARY KEY, v TEXT)');
    const insert = database.prepare(
      'INSERT OR REPLACE INTO raw (k, v) VALUES (?, ?)',
    );
    const raw = await runConcurrent(
      N,
      CONCURRENCY,
      async (i) =>
        void database
          .transaction(() => insert.run(`/raw/${i}`, value))
          .immediate(),
    );

    const keys = new KeyLayout('/bench');
    const instances = new InstanceStore(store, keys);
    const workers = new WorkerStore(store, keys);
    for (let w = 0; w < WORKERS; w++) {
      const { created, running } = newRunningWorker(`w${w}`, {
        cpuCores: 1000,
      });
      await workers.commit(created, { worker: 'absent' }, { events: [] });
      await workers.commit(
        running,
        { worker: (await workers.require(`w${w}`)).worker.revision },
        { events: [] },
      );
    }
    await runConcurrent(N, CONCURRENCY, async (i) => {
      const c = newInstance(`i${i}`);
      await instances.commit(
        c,
        { instance: 'absent' },
        { events: envelope(c.events) },
      );
    });
    const perWorker = new Map<number, Promise<void>>();
    const commits = await runConcurrent(N, CONCURRENCY, async (i) => {
      const w = i % WORKERS;
      const mine = (perWorker.get(w) ?? Promise.resolve()).then(async () => {
        const instance = await instances.require(`i${i}`);
        const worker = await workers.require(`w${w}`);
        const change = scheduleInstance(
          instance.value,
          {
            worker: worker.worker.value,
            capacity: worker.capacity.value,
            ports: worker.ports.value,
          },
          ctx('lcm/scheduler'),
        );
        await instances.commit(
          change,
          {
            instance: instance.revision,
            capacity: worker.capacity.revision,
            ports: worker.ports.revision,
            workerState: worker.worker.revision,
          },
          { events: envelope(change.events, 'lcm/scheduler') },
        );
      });
      perWorker.set(w, mine);
      await mine;
    });
    return { commits, raw };
  } finally {
    await store.close();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const full = await placements('FULL');
  const normal = await placements('NORMAL');
  report(
    'sqlite-state-store',
    [
      throughputRow(
        'sqlite InstanceStore.commit (scheduled, synchronous FULL)',
        full.commits,
        'raw better-sqlite3 1-row txn (FULL)',
        full.raw,
        'each commit fsynced; includes 2 reads per commit',
      ),
      throughputRow(
        'sqlite InstanceStore.commit (same, FULL)',
        full.commits,
        'same commits, synchronous NORMAL',
        normal.commits,
        'the price of FULL over NORMAL',
      ),
    ],
    { n: N, concurrency: CONCURRENCY },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
