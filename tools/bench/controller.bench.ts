// The controller against real etcd with the simulated fleet at zero latency:
//  - one full reconcile pass over 100 workers and 1,000 running instances, from the informer-fed
//    ClusterView (time and RSS), beside an etcd range read of the same keys (what a pass that
//    re-lists must at least do), and the store calls such a pass makes (goal: none);
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
  type StateStore,
} from '@lcm/state-store';
import { startEtcd } from '@lcm/testing';
import {
  ClusterView,
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
/** Steady passes timed (and range reads), after 3 untimed ones. */
const PASSES = 21;
const REGION = 'bench';

const SETTINGS: ControllerSettings = {
  enabled: true,
  replicaId: 'bench',
  reconcileIntervalSeconds: 30,
  leaderLeaseTtlSeconds: 10,
  requeueDelayMs: 100,
  concurrency: 16,
  passMaxItems: 1000,
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
  view: ClusterView;
  /** Store calls of the controller's view and reconciler (reads and txns), by method. */
  calls: Map<string, number>;
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
  const calls = new Map<string, number>();
  const counted = countCalls(store, calls);
  const instances = new InstanceStore(counted, keys);
  const workers = new WorkerStore(counted, keys);
  const view = new ClusterView({
    store: counted,
    keys,
    instances,
    workers,
    name: `bench-${name}`,
  });
  const fleet = createSimulatedFleet({ profile: 'zero', seed: name });
  const reconciler = new ControllerReconciler({
    view,
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
  return {
    keys,
    view,
    calls,
    instances,
    workers,
    fleet,
    reconciler,
    fence,
    election,
  };
}

const READS = ['get', 'list', 'revision', 'prefixStatus'];

/** The store, with every call of a read (and txn) counted by method name. */
function countCalls(store: StateStore, calls: Map<string, number>): StateStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (typeof prop !== 'string' || ![...READS, 'txn'].includes(prop))
        return value.bind(target);
      return (...args: unknown[]) => {
        calls.set(prop, (calls.get(prop) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function readsOf(calls: Map<string, number>): number {
  return READS.reduce((sum, m) => sum + (calls.get(m) ?? 0), 0);
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

    // One pass instantiates every scheduled instance (import, start, running with the Pod). The
    // informers list first and catch up with the placements (the runtime's passes follow the watch).
    await a.view.synced();
    const workPass = await a.reconciler.runPass(a.fence);
    const running = await countRunning(a);
    if (running !== INSTANCES)
      throw new Error(`only ${running} of ${INSTANCES} running after one pass`);
    const instantiationRate = INSTANCES / (workPass.durationMs / 1000);

    // The steady pass (nothing to do: every record and the autoscaler, as the resync runs it),
    // timed a few times with the store calls it makes, each beside a range read of the same keys
    // (interleaved, so that both see the same load on a shared machine).
    await a.view.synced();
    const rssBefore = rssMb();
    const steady: number[] = [];
    const reads: number[] = [];
    // Warm-up (JIT, and the garbage of the work pass), not timed; the store calls are counted.
    a.calls.clear();
    for (let i = 0; i < 3; i++) await a.reconciler.runPass(a.fence);
    let passCalls = readsOf(a.calls);
    for (let i = 0; i < PASSES; i++) {
      const before = readsOf(a.calls);
      const pass = await a.reconciler.runPass(a.fence);
      passCalls += readsOf(a.calls) - before;
      if (pass.writes !== 0)
        throw new Error(`a steady pass wrote ${pass.writes} times`);
      if (pass.items !== WORKERS + INSTANCES + 1)
        throw new Error(`a full pass took ${pass.items} items`);
      steady.push(pass.durationMs);
      const t = performance.now();
      await Promise.all([
        store.list(a.keys.instancesPrefix),
        store.list(a.keys.workersPrefix),
      ]);
      reads.push(performance.now() - t);
    }
    const steadyCalls = Object.fromEntries(a.calls);
    const readsPerPass = passCalls / (PASSES + 3);
    const rssAfter = rssMb();
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
      await e.view.synced();
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
          `controller pass, ${WORKERS} workers / ${INSTANCES.toLocaleString('en-US')} instances`,
          median(steady),
          'range read of the same keys',
          median(reads),
          `median of ${PASSES} full passes from the informers (3 warm-up); ${(median(steady) / median(reads)).toFixed(2)} x the range read (goal < 0.2 x); describes ${WORKERS} VMs, decides, writes nothing`,
        ),
        {
          figure: 'store reads in a pass over unchanged state',
          value: readsPerPass,
          unit: 'reads',
          baseline: 'a pass that re-lists (one per prefix)',
          baselineValue: 2,
          // The share of a re-listing pass's reads avoided (1: none made; goal 0 reads).
          ratio: (2 - readsPerPass) / 2,
          note: `get, list, revision, prefixStatus calls over ${PASSES + 3} passes: ${JSON.stringify(steadyCalls)}`,
        },
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
        steadyPassStoreCalls: steadyCalls,
        rangeReadsMs: reads,
        rssBeforeMb: rssBefore,
        rssAfterMb: rssAfter,
      },
    );
  } finally {
    for (const c of clusters) await c.view.stop().catch(() => undefined);
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
