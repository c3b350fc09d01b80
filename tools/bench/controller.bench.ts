// The controller against real etcd with the simulated fleet at zero latency:
//  - one full reconcile pass over 100 workers and 1,000 running instances (time and RSS), beside an
//    etcd range read of the same keys (the floor of any pass: it must read them);
//  - 1,000 scheduled instances taken to running by one pass, and end-to-end throughput from 1,000
//    pending instances and no workers to all running (the controller scaling up, placement driven
//    in-process with @lcm/scheduling as the scheduler would), both beside the raw placement rate
//    (domain scheduleInstance + InstanceStore.commit in a loop) measured in the same run.
import { MemoryDocStore } from '@lcm/doc-store';
import {
  createInstance,
  instanceSpecOf,
  createWorker,
  markWorkerRunning,
  recordReportedLicense,
  scheduleInstance,
  startProvisioning,
  systemClock,
  type LabletInstance,
  type LabletDefinition,
} from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import { createSimulatedFleet, type SimulatedFleet } from '@lcm/providers';
import { orderPendingQueue, placeInstance } from '@lcm/scheduling';
import {
  EtcdStateStore,
  InstanceStore,
  KeyLayout,
  LeaderElection,
  WorkerStore,
  type Fence,
} from '@lcm/state-store';
import { startEtcd } from '@lcm/testing';
import {
  ControllerReconciler,
  LabYamlSource,
  TemplateCatalog,
  type ControllerSettings,
} from '../../apps/controller/src';
import { labDefinition, personalTemplate } from '../../apps/controller/test';
import {
  latencyRow,
  report,
  rssMb,
  throughputRow,
  type BenchRow,
} from './bench-report';

const INSTANCES = Number(process.env['BENCH_INSTANCES'] ?? 1000);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 100);
const PER_WORKER = Math.ceil(INSTANCES / WORKERS);
const REGION = 'bench';

const SETTINGS: ControllerSettings = {
  enabled: true,
  replicaId: 'bench',
  reconcileIntervalSeconds: 30,
  leaderLeaseTtlSeconds: 10,
  requeueDelayMs: 100,
  concurrency: 16,
  // The worst case: every pass describes every VM.
  statusSyncSeconds: 0,
  licenseSyncSeconds: 300,
  scaleDownGracePeriodMinutes: 30,
  leadTimeMinutes: 35,
  instantiationAllowanceMinutes: 15,
  instantiationTimeoutMinutes: 15,
  terminatedRetentionMinutes: 60,
  timeslotGraceMinutes: 5,
  autoCollectAtTimeslotEnd: true,
  collectionTimeoutMinutes: 60,
  deleteGraceSeconds: 60,
  minWarmWorkers: 0,
  maxWorkersPerTemplate: 1000,
  maxWorkers: 1000,
  maxScaleUpInFlight: 1000,
  region: REGION,
  orphanSweepSeconds: 300,
  orphanGraceMinutes: 30,
};

interface Cluster {
  keys: KeyLayout;
  instances: InstanceStore;
  workers: WorkerStore;
  fleet: SimulatedFleet;
  reconciler: ControllerReconciler;
  fence: Fence;
  election: LeaderElection;
}

const now = () => new Date().toISOString();

async function cluster(
  store: EtcdStateStore,
  docs: MemoryDocStore,
  name: string,
): Promise<Cluster> {
  const keys = new KeyLayout(
    `/bench_controller_${name}_${Date.now().toString(36)}`,
  );
  const instances = new InstanceStore(store, keys);
  const workers = new WorkerStore(store, keys);
  const fleet = createSimulatedFleet({ profile: 'zero', seed: name });
  const reconciler = new ControllerReconciler({
    instances,
    workers,
    provider: fleet.provider,
    runtime: fleet.runtime,
    templates: new TemplateCatalog(docs.templates),
    labs: new LabYamlSource(docs.definitions),
    clock: systemClock,
    settings: SETTINGS,
  });
  const election = new LeaderElection({
    store,
    key: keys.leader('controller'),
    candidateId: 'bench',
    ttlSeconds: 30,
  });
  const fence = await election.campaign();
  return { keys, instances, workers, fleet, reconciler, fence, election };
}

async function newPending(
  c: Cluster,
  definition: LabletDefinition,
  id: string,
): Promise<void> {
  const change = createInstance(
    {
      id,
      definitionId: definition.id,
      definitionName: definition.name,
      definitionVersion: definition.version,
      spec: instanceSpecOf(definition),
      ownerId: 'bench',
      timeslotStart: now(),
      timeslotEnd: new Date(Date.now() + 120 * 60_000).toISOString(),
    },
    { now: now(), triggeredBy: 'bench' },
  );
  await c.instances.commit(
    change,
    { instance: 'absent' },
    { events: toOutboxEvents(change.events, 'lcm/api') },
  );
}

/** Running workers whose VMs exist in the fleet (as the controller would have made them). */
function fail(message: string): never {
  throw new Error(message);
}

async function runningWorkers(c: Cluster, count: number): Promise<void> {
  for (let w = 0; w < count; w++) {
    const id = `w${String(w).padStart(4, '0')}`;
    const vm = await c.fleet.provider.provision({
      idempotencyKey: id,
      templateName: 'personal-standard',
      instanceType: 'm5zn.metal',
      amiPattern: 'CML-2.9.*',
      region: REGION,
      tags: {},
    });
    const ctx = { now: now(), triggeredBy: 'lcm/controller' };
    const created = createWorker(
      {
        id,
        name: id,
        templateName: 'personal-standard',
        licenseType: 'PERSONAL',
        region: REGION,
        portRange: { start: 2000, end: 9999 },
        declaredCapacity: {
          cpuCores: 48,
          memoryGb: 192,
          storageGb: 500,
          maxNodes: 20,
        },
        drainTimeoutHours: 4,
        startupTimeMinutes: 20,
      },
      ctx,
    );
    const provisioning = startProvisioning(
      created.worker,
      { providerInstanceId: vm.id, amiName: vm.amiName },
      ctx,
    );
    const running = markWorkerRunning(
      provisioning.worker,
      { hostname: vm.hostname ?? '' },
      ctx,
    );
    // A settled worker's record carries its engine's licence, as the controller recorded it.
    const licensed = recordReportedLicense(
      running.worker,
      {
        report: {
          licenseType: 'PERSONAL',
          status: 'REGISTERED',
          nodeLimit: 20,
          nodesInUse: 0,
          detail: null,
        },
        templateMaxNodes: 20,
        capacity: created.capacity ?? fail('createWorker made no capacity'),
      },
      ctx,
    );
    await c.workers.commit(
      { ...licensed, capacity: created.capacity, ports: created.ports },
      { worker: 'absent' },
      { events: [] },
    );
  }
}

/**
 * The scheduler's part: every pending instance in queue order onto the best running worker, one
 * commit each (the raw placement loop). Returns how many were placed.
 */
async function placeAll(c: Cluster): Promise<number> {
  const pending = (await c.instances.list()).items.filter(
    (i) => i.value.state === 'pending',
  );
  if (pending.length === 0) return 0;
  const views = new Map(
    (await c.workers.list()).items.map((v) => [v.worker.value.id, v] as const),
  );
  const revisions = new Map(
    pending.map((p) => [p.value.id, p.revision] as const),
  );
  let placed = 0;
  for (const instance of orderPendingQueue(
    pending.map((p) => p.value as LabletInstance),
  )) {
    const decision = placeInstance(
      instance,
      [...views.values()].map((v) => ({
        worker: v.worker.value,
        capacity: v.capacity.value,
        ports: v.ports.value,
      })),
    );
    if (decision.action !== 'assign') continue;
    const view = views.get(decision.workerId);
    if (!view) continue;
    const change = scheduleInstance(
      instance,
      {
        worker: view.worker.value,
        capacity: view.capacity.value,
        ports: view.ports.value,
      },
      { now: now(), triggeredBy: 'lcm/scheduler' },
    );
    const { revision } = await c.instances.commit(
      change,
      {
        instance: revisions.get(instance.id) ?? 0,
        capacity: view.capacity.revision,
        ports: view.ports.revision,
        workerState: view.worker.revision,
      },
      { events: toOutboxEvents(change.events, 'lcm/scheduler') },
    );
    views.set(view.worker.value.id, {
      ...view,
      capacity: { value: change.capacity ?? view.capacity.value, revision },
      ports: { value: change.ports ?? view.ports.value, revision },
    });
    placed++;
  }
  return placed;
}

async function countRunning(c: Cluster): Promise<number> {
  return (await c.instances.list()).items.filter(
    (i) => i.value.state === 'running',
  ).length;
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const store = new EtcdStateStore({ endpoints: etcd.endpoints });
  const docs = await MemoryDocStore.open();
  const clusters: Cluster[] = [];
  try {
    await docs.templates.create(personalTemplate({ region: REGION }));
    const definition = await docs.definitions.create(labDefinition());

    // --- A fleet of WORKERS running workers, INSTANCES pending; the placement loop is the baseline.
    const a = await cluster(store, docs, 'pass');
    clusters.push(a);
    await runningWorkers(a, WORKERS);
    for (let i = 0; i < INSTANCES; i++)
      await newPending(a, definition, `i${String(i).padStart(5, '0')}`);
    const placeStarted = performance.now();
    const placed = await placeAll(a);
    const placementRate = placed / ((performance.now() - placeStarted) / 1000);

    // One pass instantiates every scheduled instance (import, start, running with the Pod).
    const workPass = await a.reconciler.runPass(a.fence);
    const running = await countRunning(a);
    if (running !== INSTANCES)
      throw new Error(`only ${running} of ${INSTANCES} running after one pass`);
    const instantiationRate = INSTANCES / (workPass.durationMs / 1000);

    // The steady pass (nothing to do), timed a few times; the floor is reading the same keys.
    const rssBefore = rssMb();
    const steady: number[] = [];
    for (let i = 0; i < 5; i++) {
      const pass = await a.reconciler.runPass(a.fence);
      if (pass.writes !== 0)
        throw new Error(`a steady pass wrote ${pass.writes} times`);
      steady.push(pass.durationMs);
    }
    const rssAfter = rssMb();
    const reads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await Promise.all([
        store.list(a.keys.instancesPrefix),
        store.list(a.keys.workersPrefix),
      ]);
      reads.push(performance.now() - t);
    }
    const median = (xs: number[]) =>
      [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

    // --- End to end: INSTANCES pending, no workers; the controller scales up, the scheduler places.
    const e = await cluster(store, docs, 'e2e');
    clusters.push(e);
    for (let i = 0; i < INSTANCES; i++)
      await newPending(e, definition, `e${String(i).padStart(5, '0')}`);
    const e2eStarted = performance.now();
    let passes = 0;
    for (;;) {
      await placeAll(e);
      await e.reconciler.runPass(e.fence);
      passes++;
      if ((await countRunning(e)) === INSTANCES) break;
      if (passes > INSTANCES) throw new Error('end to end did not converge');
    }
    const e2eSeconds = (performance.now() - e2eStarted) / 1000;
    const e2eWorkers = (await e.workers.list()).items.length;

    const rss: BenchRow = {
      figure: `RSS after steady passes (${WORKERS} workers, ${INSTANCES} instances)`,
      value: rssAfter,
      unit: 'MB',
      baseline: 'RSS before them',
      baselineValue: rssBefore,
      ratio: rssBefore / rssAfter,
    };
    report(
      'controller',
      [
        latencyRow(
          `reconcile pass, steady (${WORKERS} workers, ${INSTANCES} running)`,
          median(steady),
          'etcd range read of the same keys',
          median(reads),
          `median of 5; a pass reads, describes ${WORKERS} VMs, decides, writes nothing`,
        ),
        rss,
        throughputRow(
          `one pass: ${INSTANCES} scheduled -> running`,
          instantiationRate,
          'raw placement (scheduleInstance + commit)',
          placementRate,
          `${workPass.writes} commits in ${workPass.durationMs.toFixed(0)} ms`,
        ),
        throughputRow(
          `end to end: ${INSTANCES} pending, no workers -> all running`,
          INSTANCES / e2eSeconds,
          'raw placement (scheduleInstance + commit)',
          placementRate,
          `${e2eWorkers} workers scaled up one at a time, ${passes} passes, ${e2eSeconds.toFixed(1)} s`,
        ),
      ],
      {
        etcd: etcd.description,
        instances: INSTANCES,
        workers: WORKERS,
        perWorker: PER_WORKER,
        steadyPassesMs: steady,
        rangeReadsMs: reads,
        rssBeforeMb: rssBefore,
        rssAfterMb: rssAfter,
      },
    );
  } finally {
    for (const c of clusters) await c.election.resign().catch(() => undefined);
    await docs.close();
    await store.close();
    await etcd.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
