// The scheduler's placement engine and commit path (the app's Scheduler class, in-process) against
// real etcd: 10,000 pending instances onto 1,000 running workers, then PENDING-to-SCHEDULED latency
// under steady arrivals; beside the raw etcd transaction rate measured in the same run (the ceiling).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import { startEtcd } from '@lcm/testing';
import {
  EtcdStateStore,
  InstanceStore,
  KeyLayout,
  WorkerStore,
} from '@lcm/state-store';
import {
  DEFAULT_SCHEDULER_SETTINGS,
  Scheduler,
} from '../../apps/scheduler/src';
import {
  aPendingInstance,
  aRunningWorker,
  aSpec,
  aTemplate,
} from '../../apps/scheduler/test';
import {
  BenchRow,
  latencyRow,
  percentile,
  report,
  rssMb,
  runConcurrent,
  throughputRow,
} from './bench-report';

const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 1000);
const PENDING = Number(process.env['BENCH_PENDING'] ?? 10_000);
const CONCURRENCY = 32;
const STEADY_SECONDS = Number(process.env['BENCH_STEADY_SECONDS'] ?? 10);
const STEADY_RATE = Number(process.env['BENCH_STEADY_RATE'] ?? 200);
const BATCH = Number(
  process.env['BENCH_BATCH'] ?? DEFAULT_SCHEDULER_SETTINGS.maxBatchSize,
);

// A full GC before reading the heap, so the scheduler's retained memory is measured, not garbage.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const raw = new Etcd3({ hosts: etcd.endpoints });
  const store = new EtcdStateStore({ endpoints: etcd.endpoints });
  const keys = new KeyLayout(`/bench_sched_${Date.now()}`);
  const instances = new InstanceStore(store, keys);
  const workers = new WorkerStore(store, keys);
  const spec = aSpec({
    cpuCores: 2,
    memoryGb: 4,
    storageGb: 20,
    nodeCount: 1,
    portCount: 2,
  });
  const registry = new Registry();
  let scheduler: Scheduler | undefined;
  try {
    // The ceiling: raw 4-key transactions (what one placement writes) and raw put round trips.
    const value = JSON.stringify(
      aPendingInstance('baseline', { spec }).instance,
    );
    await runConcurrent(500, CONCURRENCY, (i) =>
      raw
        .put(`/warmup/${i}`)
        .value(value)
        .then(() => undefined),
    );
    const rawTxns = await runConcurrent(3000, CONCURRENCY, (i) =>
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
    const rawLatency: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = process.hrtime.bigint();
      await raw.put(`/rawlat/${i}`).value(value);
      rawLatency.push(Number(process.hrtime.bigint() - t) / 1e6);
    }

    // 1,000 running workers (room for 32 such instances each) and 10,000 pending instances.
    await runConcurrent(WORKERS, CONCURRENCY, async (w) => {
      const id = `w${String(w).padStart(4, '0')}`;
      const { created, running } = aRunningWorker(id, {
        capacity: {
          cpuCores: 64,
          memoryGb: 256,
          storageGb: 1000,
          maxNodes: 40,
        },
      });
      await workers.commit(
        { ...running, capacity: created.capacity, ports: created.ports },
        { worker: 'absent' },
        { events: [] },
      );
    });
    await runConcurrent(PENDING, CONCURRENCY, async (i) => {
      await instances.commit(
        aPendingInstance(`i${String(i).padStart(5, '0')}`, { spec }),
        { instance: 'absent' },
        { events: [] },
      );
    });
    const heapBefore = heapMb();
    const rssBefore = rssMb();

    // Watch what the scheduler writes: when each instance's SCHEDULED record lands.
    const scheduledAt = new Map<string, number>();
    const watch = await store.watch(
      keys.instancesPrefix,
      (await store.revision()) + 1,
      {
        onBatch: (batch) => {
          const now = performance.now();
          for (const e of batch.events)
            if (
              e.type === 'put' &&
              e.key.endsWith('/state') &&
              e.kv.value.includes('"state":"scheduled"')
            )
              scheduledAt.set(e.key, now);
        },
        onCancelled: (e) => {
          throw e;
        },
      },
    );

    // Backlog: elected, lists 1,000 workers and 10,000 instances, places them all.
    scheduler = new Scheduler({
      store,
      keys,
      instances,
      workers,
      templates: { list: async () => [aTemplate()] },
      registry,
      settings: {
        ...DEFAULT_SCHEDULER_SETTINGS,
        replicaId: 'bench',
        reconcileIntervalSeconds: 3600,
        maxBatchSize: BATCH,
      },
    });
    const started = performance.now();
    scheduler.start();
    await scheduler.whenLeading();
    const listed = performance.now();
    await scheduler.whenIdle();
    const drained = performance.now();
    const backlogSeconds = (drained - started) / 1000;
    const placements =
      (
        await registry.getSingleMetric('lcm_scheduling_decisions_total')?.get()
      )?.values.find((v) => v.labels['action'] === 'assign')?.value ?? 0;
    const txns =
      (
        await registry.getSingleMetric('lcm_scheduler_commits_total')?.get()
      )?.values.find((v) => v.labels['kind'] === 'placement')?.value ?? 0;
    const backlogLatency = [...scheduledAt.values()].map((t) => t - started);
    // Let the watches deliver the backlog's last echoes before measuring latency on a quiet scheduler.
    while (scheduledAt.size < PENDING)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfterBacklog = rssMb();
    const heapAfterBacklog = heapMb();

    // Steady arrivals: PENDING-to-SCHEDULED as an instance sees it (its createdAt to its SCHEDULED record in a watch).
    const createdAt = new Map<string, number>();
    const steadyCount = STEADY_RATE * STEADY_SECONDS;
    const steadyStart = performance.now();
    for (let i = 0; i < steadyCount; i++) {
      const due = steadyStart + (i * 1000) / STEADY_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const id = `s${String(i).padStart(5, '0')}`;
      createdAt.set(keys.instance(id), performance.now());
      void instances.commit(
        aPendingInstance(id, { spec }),
        { instance: 'absent' },
        { events: [] },
      );
    }
    const deadline = performance.now() + 30_000;
    while (
      [...createdAt.keys()].some((k) => !scheduledAt.has(k)) &&
      performance.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 50));
    await scheduler.whenIdle();
    const steadyLatency = [...createdAt].flatMap(([key, t]) =>
      scheduledAt.has(key) ? [(scheduledAt.get(key) as number) - t] : [],
    );
    await watch.cancel();

    const rows: BenchRow[] = [
      throughputRow(
        `placements/s: ${PENDING} pending onto ${WORKERS} running workers`,
        PENDING / backlogSeconds,
        'raw etcd3 4-key txn (ceiling, 1/placement)',
        rawTxns,
        `from start (election + list) to the last commit; ${(placements / Math.max(1, txns)).toFixed(1)} placements per txn`,
      ),
      throughputRow(
        'placements/s after the initial list',
        PENDING / ((drained - listed) / 1000),
        'raw etcd3 4-key txn',
        rawTxns,
      ),
      latencyRow(
        `PENDING->SCHEDULED p50, steady ${STEADY_RATE}/s`,
        percentile(steadyLatency, 50),
        'raw etcd3 put round trip p50',
        percentile(rawLatency, 50),
        'create commit -> SCHEDULED record in a watch',
      ),
      latencyRow(
        `PENDING->SCHEDULED p99, steady ${STEADY_RATE}/s`,
        percentile(steadyLatency, 99),
        'raw etcd3 put round trip p99',
        percentile(rawLatency, 99),
      ),
      latencyRow(
        `backlog: time to SCHEDULED p99 (${PENDING} queued at start)`,
        percentile(backlogLatency, 99),
        'raw etcd3 put round trip p99',
        percentile(rawLatency, 99),
        'dominated by queue position',
      ),
      {
        figure: 'process RSS after the backlog (scheduler in-process)',
        value: rssAfterBacklog,
        unit: 'MB',
        baseline: 'RSS before the scheduler started',
        baselineValue: rssBefore,
        ratio: rssBefore / rssAfterBacklog,
        note: 'the whole bench process, seeding included',
      },
      {
        figure: 'heap the scheduler retains (leader, 1,000 workers in view)',
        value: heapAfterBacklog - heapBefore,
        unit: 'MB',
        baseline: 'heap used before it started (after GC)',
        baselineValue: heapBefore,
        ratio: heapBefore / Math.max(0.1, heapAfterBacklog - heapBefore),
        note: 'after GC',
      },
    ];
    report('scheduler', rows, {
      etcd: etcd.description,
      workers: WORKERS,
      pending: PENDING,
      placements,
      placementTransactions: txns,
      backlogSeconds,
      listSeconds: (listed - started) / 1000,
      steady: {
        rate: STEADY_RATE,
        seconds: STEADY_SECONDS,
        placed: steadyLatency.length,
        of: steadyCount,
      },
      maxBatchSize: BATCH,
      rssMb: {
        beforeStart: rssBefore,
        afterBacklog: rssAfterBacklog,
        end: rssMb(),
      },
      heapMb: { beforeStart: heapBefore, afterBacklog: heapAfterBacklog },
    });
  } finally {
    await scheduler?.stop();
    raw.close();
    await store.close();
    await etcd.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
