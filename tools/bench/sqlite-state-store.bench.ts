// The embedded default's state store: InstanceStore.commit (a SCHEDULED placement with ports,
// capacity and an outbox event) on the sqlite driver with synchronous = FULL (what `npm start` runs),
// beside a raw better-sqlite3 one-row transaction on the same settings and the same commits with
// synchronous = NORMAL, all measured in this run: the cost of the driver and of fsync per commit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InstanceStore,
  KeyLayout,
  openSqliteDatabase,
  SqliteStateStore,
  WorkerStore,
} from '@lcm/state-store';
import { newInstance } from '../../libs/state-store/test';
import { report, runConcurrent, throughputRow } from './bench-report';
import { placeAll, setUpPlacements } from './placement-workload';

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
    const load = {
      instances: new InstanceStore(store, keys),
      workers: new WorkerStore(store, keys),
      count: N,
      workerCount: WORKERS,
      concurrency: CONCURRENCY,
    };
    await setUpPlacements(load);
    const commits = await placeAll(load);
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
