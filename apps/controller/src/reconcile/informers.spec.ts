import {
  InstanceStore,
  WorkerStore,
  type StateStore,
  type WatchHandlers,
} from '@lcm/state-store';
import { ControllerHarness, until } from '../../test/controller-harness';
import type { ControllerSettings } from '../config';
import { ControllerRuntime } from '../runtime/controller-runtime';
import { ClusterView } from './cluster-view';
import { ControllerReconciler, type PassReport } from './controller-reconciler';
import type { ReconcilerDeps } from './pass-context';

/** The store's read calls (get, list, scan, revision, prefixStatus) and writes (txn), as they happen. */
function counting(store: StateStore) {
  const calls: string[] = [];
  const reads = new Set(['get', 'list', 'scan', 'revision', 'prefixStatus']);
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && (reads.has(prop) || prop === 'txn'))
          calls.push(
            `${prop}(${String(args[0] && typeof args[0] === 'string' ? args[0] : '')})`,
          );
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store: counted,
    calls,
    reads: () => calls.filter((c) => !c.startsWith('txn')),
  };
}

/** A store whose watches under `prefix` deliver nothing until `open()` (one informer behind the other). */
function holdingWatchesOf(store: StateStore, prefix: string) {
  let opened!: () => void;
  const gate = new Promise<void>((resolve) => (opened = resolve));
  const held = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'watch')
        return (watched: string, from: number, handlers: WatchHandlers) =>
          target.watch(
            watched,
            from,
            watched.startsWith(prefix)
              ? {
                  ...handlers,
                  onBatch: async (batch) => {
                    await gate;
                    await handlers.onBatch(batch);
                  },
                }
              : handlers,
          );
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: held, open: () => opened() };
}

/** The harness's reconciler again, with its own view, over `store` (a wrapper of the harness's). */
function reconcilerOver(
  h: ControllerHarness,
  store: StateStore,
  name: string,
  overrides: Partial<ReconcilerDeps> = {},
) {
  const instances = new InstanceStore(store, h.keys);
  const workers = new WorkerStore(store, h.keys);
  const view = new ClusterView({
    store,
    keys: h.keys,
    instances,
    workers,
    name,
  });
  const reconciler = new ControllerReconciler({
    ...h.reconciler.deps,
    ...overrides,
    view,
    instances,
    workers,
  });
  return { view, reconciler };
}

/** The harness's reconciler again, over a store whose calls are counted. */
function countedReconciler(
  h: ControllerHarness,
  overrides: Partial<ReconcilerDeps> = {},
) {
  const counted = counting(h.store);
  return {
    ...counted,
    ...reconcilerOver(h, counted.store, 'counted', overrides),
  };
}

/** Passes of the harness's own controller until its first worker runs. */
async function aRunningWorker(h: ControllerHarness) {
  for (let round = 0; round < 10; round++) {
    await h.pass();
    if ((await h.workerList()).some((w) => w.state === 'running')) break;
  }
  const workers = await h.workerList();
  expect(workers.map((w) => w.state)).toEqual(['running']);
  return workers[0];
}

describe('the controller works from informers: a pass reads nothing from the store', () => {
  let h: ControllerHarness;
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await h.close();
  });

  it('a full pass over unchanged state, after the informers listed, makes no store call at all', async () => {
    h = await ControllerHarness.create();
    for (let i = 0; i < 25; i++)
      await h.createInstance({ durationMinutes: 240 });
    await h.createInstance({ startInMinutes: 200 });
    await h.settle();
    const c = countedReconciler(h);
    cleanup.push(() => c.view.stop());
    await c.view.synced();
    expect(c.reads().length).toBeGreaterThan(0); // the lists (and one revision) of the start

    c.calls.length = 0;
    const fence = await h.fence();
    const first = await c.reconciler.runPass(fence);
    const second = await c.reconciler.runPass(fence);
    expect(c.calls).toEqual([]);
    for (const report of [first, second])
      expect(report).toMatchObject({
        writes: 0,
        errors: 0,
        instances: 26,
        workers: 3,
        // Every record and the autoscaler.
        items: 26 + 3 + 1,
      });
  });

  it('the view holds what its instances repeat once: the instances of one definition share one spec', async () => {
    h = await ControllerHarness.create();
    for (let i = 0; i < 5; i++)
      await h.createInstance({ durationMinutes: 240 });
    await h.settle();
    const { view } = reconcilerOver(h, h.store, 'sharing');
    cleanup.push(() => view.stop());
    await view.synced();
    const instances = view.instanceList();
    expect(instances).toHaveLength(5);
    for (const instance of instances) {
      expect(instance.spec).toBe(instances[0].spec);
      expect(instance).toEqual(await h.instance(instance.id));
    }
  });

  it('a change by another writer reaches the pass through the watch: acted on without reading, its commit applied to the view at once', async () => {
    h = await ControllerHarness.create();
    const instance = await h.createInstance({ durationMinutes: 240 });
    await h.settle();
    const c = countedReconciler(h);
    cleanup.push(() => c.view.stop());
    await c.view.synced();
    await h.requestInstance(instance.id, 'stop');
    await until(
      () => c.view.instances.get(instance.id)?.value.requestedAction !== null,
      2000,
      'the request watched',
    );
    c.calls.length = 0;
    const report = await c.reconciler.runPass(await h.fence(), {
      only: [`instance/${instance.id}`],
    });
    expect(report).toMatchObject({ items: 1, errors: 0 });
    expect(report.writes).toBeGreaterThan(0);
    expect(c.reads()).toEqual([]);
    // Stopping, stopped: each step decided on the view its own previous commit updated.
    expect((await h.instance(instance.id)).state).toBe('stopped');
    expect(c.view.instances.get(instance.id)?.value.state).toBe('stopped');
    expect(c.view.instances.get(instance.id)?.revision).toBe(
      (await h.instances.require(instance.id)).revision,
    );
  });

  it('does not end an instance as worker_missing while the worker informer lags its worker', async () => {
    h = await ControllerHarness.create();
    const held = holdingWatchesOf(h.store, h.keys.workersPrefix);
    const { view, reconciler } = reconcilerOver(h, held.store, 'lagging');
    cleanup.push(() => view.stop());
    await view.synced();
    // Another replica's view starts the worker; the scheduler places the lab on it.
    const lab = await h.createInstance();
    const worker = await aRunningWorker(h);
    expect(await h.place()).toBe(1);
    await until(
      () => view.instances.get(lab.id)?.value.state === 'scheduled',
      2000,
      'the placement in the instance informer',
    );
    expect(view.workers.get(worker.id)).toBeUndefined();
    setTimeout(() => held.open(), 200);
    await reconciler.runPass(await h.fence(), { only: [`instance/${lab.id}`] });
    const after = await h.instance(lab.id);
    expect(after.state).not.toBe('terminated');
    expect(after.workerId).toBe(worker.id);
  });

  it('does not carry out an admin stop at once while the instance informer lags a placement on the worker', async () => {
    h = await ControllerHarness.create();
    const lab = await h.createInstance();
    const worker = await aRunningWorker(h);
    const held = holdingWatchesOf(h.store, h.keys.instancesPrefix);
    const { view, reconciler } = reconcilerOver(h, held.store, 'lagging');
    cleanup.push(() => view.stop());
    await view.synced();
    expect(await h.place()).toBe(1);
    await h.requestWorker(worker.id, 'stop');
    await until(
      () => view.workers.get(worker.id)?.worker.value.requestedAction !== null,
      2000,
      'the stop request in the worker informer',
    );
    expect(view.instances.get(lab.id)?.value.state).toBe('pending');
    setTimeout(() => held.open(), 200);
    await reconciler.runPass(await h.fence(), {
      only: [`worker/${worker.id}`],
    });
    // One lab on it: the stop drains it (the lab finishes) instead of stopping it under the lab.
    expect((await h.worker(worker.id)).state).toBe('draining');
  });

  it('asks for no worker while the instance informer lags a placement the worker informer already shows', async () => {
    h = await ControllerHarness.create();
    // One lab that fills a worker's storage: placed, its worker has no room for anything.
    const lab = await h.createInstance({
      spec: {
        requirements: {
          cpuCores: 4,
          memoryGb: 8,
          storageGb: 500,
          nestedVirt: true,
        },
      },
    });
    const worker = await aRunningWorker(h);
    expect((await h.instance(lab.id)).state).toBe('pending');

    const held = holdingWatchesOf(h.store, h.keys.instancesPrefix);
    const { view, reconciler } = reconcilerOver(h, held.store, 'lagging');
    cleanup.push(() => view.stop());
    await view.synced();
    // The scheduler places it: the worker's capacity reaches the view, the instance does not.
    expect(await h.place()).toBe(1);
    await until(
      () =>
        (view.workers.get(worker.id)?.capacity.value.allocated.storageGb ?? 0) >
        0,
      2000,
      'the placement in the worker informer',
    );
    expect(view.instances.get(lab.id)?.value.state).toBe('pending');
    setTimeout(() => held.open(), 200);
    await reconciler.runPass(await h.fence(), { only: ['autoscaler'] });
    expect((await h.workerList()).map((w) => w.id)).toEqual([worker.id]);
  });
});

describe('ControllerRuntime: a work queue keyed by object', () => {
  let h: ControllerHarness;
  let runtime: ControllerRuntime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
    await h.close();
  });

  function start(
    reconcileIntervalSeconds: number,
    overrides: Partial<ReconcilerDeps> = {},
    settings: Partial<ControllerSettings> = {},
  ) {
    const c = countedReconciler(h, overrides);
    const reports: PassReport[] = [];
    runtime = new ControllerRuntime({
      // The election's own calls are not the pass's: only the view and the reconciler are counted.
      store: h.store,
      keys: h.keys,
      reconciler: c.reconciler,
      view: c.view,
      settings: {
        ...h.settings,
        replicaId: 'queue',
        requeueDelayMs: 20,
        reconcileIntervalSeconds,
        ...settings,
      },
      clock: h.clock,
    });
    runtime.onPass((r) => reports.push(r));
    runtime.start();
    return { ...c, reports };
  }

  it('the first pass of a term takes everything; a change then queues only its object, its worker and the autoscaler', async () => {
    h = await ControllerHarness.create();
    for (let i = 0; i < 12; i++)
      await h.createInstance({ durationMinutes: 240 });
    await h.settle();
    const target = (await h.instanceList())[0];
    await h.resign();
    const { reports, reads, calls } = start(3600);
    await until(() => reports.length > 0, 5000, 'the first pass');
    expect(reports[0]).toMatchObject({ items: 12 + 2 + 1, writes: 0 });
    await until(
      () => runtime?.queueStatus().ready === 0,
      5000,
      'the queue drained',
    );
    // Settled: nothing is under way, so nothing runs until something changes (the resync is an hour away).
    await new Promise((r) => setTimeout(r, 100));
    const settled = reports.length;
    calls.length = 0;
    await new Promise((r) => setTimeout(r, 100));
    expect(reports.length).toBe(settled);

    await h.requestInstance(target.id, 'stop');
    await until(
      async () => (await h.instance(target.id)).state === 'stopped',
      5000,
      'stopped by the runtime',
    );
    const after = reports.slice(settled);
    // The watched request: the instance, its worker and the autoscaler; then what its commits touched.
    expect(after[0].items).toBe(3);
    for (const report of after) expect(report.items).toBeLessThanOrEqual(3);
    // Everything it needed came from the informers: no reads, only the transitions' commits.
    expect(reads()).toEqual([]);
    expect(calls.length).toBeGreaterThan(0);
  }, 15_000);

  it('a resync goes in slices of CONTROLLER_PASS_MAX_ITEMS, passes back to back, each record once', async () => {
    h = await ControllerHarness.create();
    for (let i = 0; i < 12; i++)
      await h.createInstance({ durationMinutes: 240 });
    await h.settle();
    await h.resign();
    const { reports, reads } = start(3600, {}, { passMaxItems: 4 });
    await until(
      () =>
        reports.reduce((sum, r) => sum + r.items, 0) >= 12 + 2 + 1 &&
        runtime?.queueStatus().ready === 0,
      5000,
      'the first resync',
    );
    // 12 instances, 2 workers and the autoscaler: four slices, the start-up reconcile with the first.
    expect(reports.map((r) => r.items)).toEqual([4, 4, 4, 3]);
    expect(reports[0].adoption).toBeDefined();
    expect(reports.slice(1).every((r) => r.adoption === undefined)).toBe(true);
    expect(reports.every((r) => r.writes === 0 && r.errors === 0)).toBe(true);
    expect(reads()).toEqual([
      `scan(${h.keys.instancesPrefix})`,
      `scan(${h.keys.workersPrefix})`,
    ]);
  }, 15_000);

  it('the queue holds only what falls due before the next resync: records due later wait for a resync, not a timer each', async () => {
    h = await ControllerHarness.create();
    for (let i = 0; i < 6; i++)
      await h.createInstance({ durationMinutes: 240 });
    await h.settle();
    await h.resign();
    // Each instance falls due at its timeslot's end, in 4 hours: beyond an hour's resync...
    let { reports } = start(3600);
    await until(() => reports.length > 0, 5000, 'the first pass');
    expect(reports[0]).toMatchObject({ instances: 6, errors: 0 });
    expect(runtime?.queueStatus().delayed).toBeLessThan(6);
    await runtime?.stop();
    // ...and within a 5-hour one: then each is queued for its time.
    ({ reports } = start(5 * 3600));
    await until(() => reports.length > 0, 5000, 'the first pass');
    expect(runtime?.queueStatus().delayed).toBeGreaterThanOrEqual(6);
  }, 15_000);

  it('the resync still queues every record at the reconcile interval', async () => {
    h = await ControllerHarness.create();
    for (let i = 0; i < 5; i++)
      await h.createInstance({ durationMinutes: 240 });
    await h.settle();
    await h.resign();
    const { reports, reads, view } = start(0.2);
    await until(() => reports.length >= 3, 5000, 'three passes');
    // Every pass is a resync here (nothing changes): all 5 instances, the worker and the autoscaler.
    for (const report of reports.slice(0, 3))
      expect(report).toMatchObject({ items: 5 + 1 + 1, writes: 0 });
    // The informers' two lists (page by page) at the start of the term, and nothing since.
    expect(reads()).toEqual([
      `scan(${h.keys.instancesPrefix})`,
      `scan(${h.keys.workersPrefix})`,
    ]);
    // A replica that no longer leads keeps no informers and no picture.
    await runtime?.stop();
    expect(view.started).toBe(false);
    expect(view.instances.size).toBe(0);
    expect(view.workers.size).toBe(0);
  }, 15_000);

  it('an item whose reconcile throws is retried with backoff (not at every requeue), and succeeds once it can', async () => {
    h = await ControllerHarness.create();
    const templates = h.reconciler.deps.templates;
    let failing = true;
    let lists = 0;
    const flaky: ReconcilerDeps['templates'] = {
      byName: (name) => templates.byName(name),
      list: async () => {
        lists++;
        if (failing) throw new Error('documents unavailable');
        return templates.list();
      },
    };
    const { reports } = start(3600, { templates: flaky });
    await until(() => reports.length > 0, 5000, 'the first pass');
    await h.createInstance(); // ASAP: the autoscaler must ask for a worker, and cannot list templates
    await until(() => lists >= 2, 5000, 'the autoscaler retried');
    const from = lists;
    await new Promise((r) => setTimeout(r, 600));
    // A retry at every requeue (20 ms) would be about 30; backing off from 20 ms doubles each time.
    expect(lists - from).toBeLessThanOrEqual(6);
    failing = false;
    await until(
      async () => (await h.workerList()).length === 1,
      10_000,
      'the worker asked for once the templates answer',
    );
  }, 20_000);
});
