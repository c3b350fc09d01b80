import {
  fenceCompare,
  NotLeaderError,
  type Fence,
  type WatchBatch,
} from '@lcm/state-store';
import { ControllerHarness, until } from '../../test/controller-harness';
import type {
  ControllerReconciler,
  PassReport,
} from '../reconcile/controller-reconciler';
import { ControllerRuntime } from './controller-runtime';

function runtimeOf(
  h: ControllerHarness,
  replicaId: string,
  reconciler: ControllerReconciler = h.reconciler,
): ControllerRuntime {
  return new ControllerRuntime({
    store: h.store,
    keys: h.keys,
    reconciler,
    view: h.view,
    settings: {
      ...h.settings,
      replicaId,
      leaderLeaseTtlSeconds: 2,
      requeueDelayMs: 20,
      reconcileIntervalSeconds: 0.2,
    },
    metrics: h.metrics,
    clock: h.clock,
  });
}

describe('ControllerRuntime: one fenced leader, watch-triggered passes', () => {
  const runtimes: ControllerRuntime[] = [];
  const harnesses: ControllerHarness[] = [];
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.stop();
    for (const h of harnesses.splice(0).reverse()) await h.close();
  });

  async function cluster() {
    const h = await ControllerHarness.create();
    harnesses.push(h);
    const a = runtimeOf(h, 'replica-a');
    const b = runtimeOf(h, 'replica-b');
    runtimes.push(a, b);
    return { h, a, b };
  }

  it('elects one leader; its passes run on watched changes and take an instance to running; the standby takes over when it stops', async () => {
    const { h, a, b } = await cluster();
    a.start();
    await until(() => a.status().leader, 5000, 'a leads');
    b.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(b.status().leader).toBe(false);
    expect(await b.currentLeader()).toBe('replica-a');
    expect(
      await h.metrics.registry.getSingleMetricAsString('lcm_leader'),
    ).toContain('lcm_leader 1');

    const first = await h.createInstance();
    await until(
      async () =>
        (await h.place()) >= 0 &&
        (await h.instance(first.id)).state === 'running',
      5000,
      'first instance running',
    );
    expect(a.status().passes).toBeGreaterThan(0);

    await a.stop();
    await until(() => b.status().leader, 5000, 'b takes over');
    const second = await h.createInstance();
    await until(
      async () =>
        (await h.place()) >= 0 &&
        (await h.instance(second.id)).state === 'running',
      5000,
      'second instance running',
    );
    expect(await h.workerList()).toHaveLength(1);
  });

  it('scales up by itself, as many workers as a burst needs and no more: nothing comes from the scheduler', async () => {
    const { h, a } = await cluster();
    a.start();
    await until(() => a.status().leader, 5000, 'a leads');
    await h.createInstance({ startInMinutes: 240 }); // beyond the look-ahead: no scale-up yet
    for (let i = 0; i < 25; i++) await h.createInstance(); // 10 fit a worker
    await until(
      async () => (await h.workerList()).length === 3,
      5000,
      'three workers',
    );
    await new Promise((r) => setTimeout(r, 150));
    const workers = await h.workerList();
    expect(workers).toHaveLength(3);
  });

  it('steps down when a commit is refused by the fence (NotLeaderError), then campaigns again', async () => {
    const h = await ControllerHarness.create();
    harnesses.push(h);
    let calls = 0;
    const reports: PassReport[] = [];
    const flaky = {
      runPass: async (...args: Parameters<ControllerReconciler['runPass']>) => {
        calls++;
        if (calls === 1) throw new NotLeaderError(args[0]);
        return h.reconciler.runPass(...args);
      },
    } as unknown as ControllerReconciler;
    const runtime = runtimeOf(h, 'replica-x', flaky);
    runtimes.push(runtime);
    runtime.onPass((r) => reports.push(r));
    runtime.start();
    await until(() => reports.length > 0, 5000, 'a pass after re-election');
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(runtime.status().leader).toBe(true);
  });

  it("a keepalive failure and a re-election in the middle of a pass: the old term's failing pass does not end the new term (no flap, gauge 1)", async () => {
    const h = await ControllerHarness.create();
    harnesses.push(h);
    const fences: Fence[] = [];
    let releaseFirstPass!: () => void;
    const firstPassMayCommit = new Promise<void>(
      (resolve) => (releaseFirstPass = resolve),
    );
    const slow = {
      runPass: async (...args: Parameters<ControllerReconciler['runPass']>) => {
        const [fence] = args;
        fences.push(fence);
        if (fences.length === 1) {
          await firstPassMayCommit;
          // The old term's commit, as every reconcile write is: fenced on the term it began under.
          const result = await h.store.txn({
            compare: [fenceCompare(fence)],
            success: [
              { type: 'put', key: `${h.keys.prefix}/probe`, value: 'old term' },
            ],
          });
          if (!result.succeeded) throw new NotLeaderError(fence);
        }
        return h.reconciler.runPass(...args);
      },
    } as unknown as ControllerReconciler;
    const leaderKey = h.keys.leader('controller');
    const keyEvents: string[] = [];
    const watch = await h.store.watch(
      leaderKey,
      (await h.store.revision()) + 1,
      {
        onBatch: (batch: WatchBatch) =>
          void keyEvents.push(
            ...batch.events.map((e) => `${e.type}@${e.kv.createRevision}`),
          ),
        onCancelled: () => undefined,
      },
    );
    const runtime = runtimeOf(h, 'replica-x', slow);
    runtimes.push(runtime);
    runtime.start();
    await until(() => fences.length === 1, 5000, 'the first pass running');
    const first = fences[0];

    // The keepalive fails: the lease is lost (its key goes), the replica wins a new term mid-pass.
    h.store.expireLease(first.leaseId);
    await until(
      async () => {
        const kv = await h.store.get(leaderKey);
        return (
          runtime.status().leader &&
          kv !== undefined &&
          kv.createRevision !== first.createRevision
        );
      },
      5000,
      'a new term of the same replica',
    );
    const second = (await h.store.get(leaderKey))?.createRevision;
    expect(
      await h.metrics.registry.getSingleMetricAsString('lcm_leader'),
    ).toContain('lcm_leader 1');

    // The old pass now commits under its old fence, fails, and its step-down names the old term.
    releaseFirstPass();
    await until(() => fences.length >= 2, 5000, 'a pass of the new term');
    await new Promise((r) => setTimeout(r, 300));
    expect(fences.slice(1).every((f) => f.createRevision === second)).toBe(
      true,
    );
    expect((await h.store.get(leaderKey))?.createRevision).toBe(second);
    // Exactly one re-election (the lease loss), no resign of the new term.
    expect(keyEvents).toEqual([
      `put@${first.createRevision}`,
      'delete@0',
      `put@${second}`,
    ]);
    expect(runtime.status()).toMatchObject({ leader: true });
    expect(runtime.knownLeader()).toBe('replica-x');
    expect(
      await h.metrics.registry.getSingleMetricAsString('lcm_leader'),
    ).toContain('lcm_leader 1');
    await watch.cancel();
  });

  it('does not campaign when CONTROLLER_ENABLED is false', async () => {
    const h = await ControllerHarness.create();
    harnesses.push(h);
    const runtime = new ControllerRuntime({
      store: h.store,
      keys: h.keys,
      reconciler: h.reconciler,
      view: h.view,
      settings: { ...h.settings, enabled: false },
    });
    runtimes.push(runtime);
    runtime.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(runtime.status()).toMatchObject({
      enabled: false,
      leader: false,
      passes: 0,
    });
    expect(await h.store.get(h.keys.leader('controller'))).toBeUndefined();
  });
});
