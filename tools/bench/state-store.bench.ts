// InstanceStore.commit throughput (a SCHEDULED transition with ports, capacity and an outbox event)
// and watch delivery latency, against real etcd, beside raw etcd3 puts measured in the same run.
import { Etcd3 } from 'etcd3';
import { startEtcd } from '@lcm/testing';
import {
  EtcdStateStore,
  InstanceStore,
  KeyLayout,
  WorkerStore,
} from '@lcm/state-store';
import { newInstance } from '../../libs/state-store/test';
import {
  latencyRow,
  percentile,
  report,
  runConcurrent,
  throughputRow,
} from './bench-report';
import { placeAll, setUpPlacements } from './placement-workload';

const N = Number(process.env['BENCH_N'] ?? 3000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
const WORKERS = 100;

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const raw = new Etcd3({ hosts: etcd.endpoints });
  const store = new EtcdStateStore({ endpoints: etcd.endpoints });
  const keys = new KeyLayout(`/bench${Date.now()}`);
  const instances = new InstanceStore(store, keys);
  const workers = new WorkerStore(store, keys);
  try {
    // Baseline: raw puts of a record-sized value.
    const value = JSON.stringify(newInstance('baseline').instance);
    await runConcurrent(500, CONCURRENCY, (i) =>
      raw
        .put(`/warmup/${i}`)
        .value(value)
        .then(() => undefined),
    );
    const rawPuts = await runConcurrent(N, CONCURRENCY, (i) =>
      raw
        .put(`/raw/${i}`)
        .value(value)
        .then(() => undefined),
    );
    // Raw 4-key transactions (what a placement writes), the ceiling for a transactional commit.
    const rawTxns = await runConcurrent(N, CONCURRENCY, (i) =>
      raw
        .if(`/rawtxn/${i}/a`, 'Create', '==', 0)
        .then(
          raw.put(`/rawtxn/${i}/a`).value(value),
          raw.put(`/rawtxn/${i}/b`).value(value),
          raw.put(`/rawtxn/${i}/c`).value(value),
          raw.put(`/rawtxn/${i}/d`).value(value),
        )
        .commit()
        .then(() => undefined),
    );

    // Set-up: workers and pending instances.
    const load = {
      instances,
      workers,
      count: N,
      workerCount: WORKERS,
      concurrency: CONCURRENCY,
    };
    await setUpPlacements(load);

    // Watch latency: from just before the commit call to delivery of the instance's put.
    const startedAt = new Map<string, bigint>();
    const latencies: number[] = [];
    const watch = await store.watch(
      keys.instancesPrefix,
      (await store.revision()) + 1,
      {
        onBatch: (batch) => {
          const now = process.hrtime.bigint();
          for (const e of batch.events) {
            const t = startedAt.get(e.key);
            if (t !== undefined) latencies.push(Number(now - t) / 1e6);
          }
        },
        onCancelled: (e) => {
          throw e;
        },
      },
    );

    // Placement commits, each stamped just before its commit call.
    const commits = await placeAll(load, (id) =>
      startedAt.set(keys.instance(id), process.hrtime.bigint()),
    );
    await new Promise((r) => setTimeout(r, 500));
    await watch.cancel();

    // Raw put latency for the latency baseline.
    const rawLatency: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = process.hrtime.bigint();
      await raw.put(`/rawlat/${i}`).value(value);
      rawLatency.push(Number(process.hrtime.bigint() - t) / 1e6);
    }

    report(
      'state-store',
      [
        throughputRow(
          'InstanceStore.commit (scheduled: read+txn, ports, event)',
          commits,
          'raw etcd3 put',
          rawPuts,
          `includes 2 reads per commit; ${CONCURRENCY} in flight`,
        ),
        throughputRow(
          'InstanceStore.commit (same)',
          commits,
          'raw etcd3 4-key txn',
          rawTxns,
        ),
        latencyRow(
          'watch delivery p50 (commit start -> watcher)',
          percentile(latencies, 50),
          'raw etcd3 put round trip p50',
          percentile(rawLatency, 50),
        ),
        latencyRow(
          'watch delivery p99',
          percentile(latencies, 99),
          'raw etcd3 put round trip p99',
          percentile(rawLatency, 99),
        ),
      ],
      {
        etcd: etcd.description,
        n: N,
        concurrency: CONCURRENCY,
        delivered: latencies.length,
      },
    );
  } finally {
    raw.close();
    await store.close();
    await etcd.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
