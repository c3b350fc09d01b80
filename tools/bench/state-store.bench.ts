// InstanceStore.commit throughput (a SCHEDULED transition with ports, capacity and an outbox event)
// and watch delivery latency, against real etcd, beside raw etcd3 puts measured in the same run.
import { Etcd3 } from 'etcd3';
import { scheduleInstance } from '@lcm/domain';
import { startEtcd } from '@lcm/testing';
import {
  EtcdStateStore,
  InstanceStore,
  KeyLayout,
  WorkerStore,
} from '@lcm/state-store';
import {
  ctx,
  envelope,
  newInstance,
  newRunningWorker,
} from '../../libs/state-store/test';
import {
  latencyRow,
  percentile,
  report,
  runConcurrent,
  throughputRow,
} from './bench-report';

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

    // Placement commits: worker i % 100, so writers contend as little as a real scheduler would.
    // Workers are placed on in order per writer slot: one in-flight commit per worker at a time.
    const perWorker = new Map<number, Promise<void>>();
    const commits = await runConcurrent(N, CONCURRENCY, async (i) => {
      const w = i % WORKERS;
      const prior = perWorker.get(w) ?? Promise.resolve();
      const mine = prior.then(async () => {
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
        startedAt.set(keys.instance(`i${i}`), process.hrtime.bigint());
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
