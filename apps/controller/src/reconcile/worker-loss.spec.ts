import { ControllerHarness, MINUTE } from '../../test/controller-harness';

describe('a worker vanishes', () => {
  let h: ControllerHarness;
  afterEach(() => h.close());

  it('terminates the worker and forces every instance on it to terminated: right events, ports and capacity released', async () => {
    h = await ControllerHarness.create({ fleet: { labStartMs: 5 * MINUTE } });
    // Three instances on one worker in three states: running, instantiating, scheduled (future).
    const runningOne = await h.createInstance({ durationMinutes: 240 });
    await h.settle({ stepMs: 5 * MINUTE });
    const instantiating = await h.createInstance({ durationMinutes: 240 });
    const scheduled = await h.createInstance({
      startInMinutes: 180,
      durationMinutes: 60,
    });
    await h.settle();
    const states = await Promise.all(
      [runningOne, instantiating, scheduled].map(
        async (i) => (await h.instance(i.id)).state,
      ),
    );
    expect(states).toEqual(['running', 'instantiating', 'scheduled']);
    const [worker] = await h.workerList();
    const before = await h.workers.require(worker.id);
    expect(Object.keys(before.ports.value).sort()).toEqual(
      [runningOne.id, instantiating.id, scheduled.id].sort(),
    );
    expect(before.capacity.value.allocated).toEqual({
      cpuCores: 12,
      memoryGb: 24,
      storageGb: 150,
      maxNodes: 6,
    });

    h.fleet.vanish(worker.providerInstanceId ?? '');
    await h.pass();

    expect(await h.worker(worker.id)).toMatchObject({
      state: 'terminated',
      stateReason: 'cloud_terminated',
      terminatedAt: h.now,
    });
    expect(await h.eventTypes(worker.id)).toContain('lcm.worker.terminated');
    const [terminatedWorker] = await h.events({
      type: 'lcm.worker.terminated',
      subject: worker.id,
    });
    expect(terminatedWorker.data).toMatchObject({
      previousState: 'running',
      reason: 'cloud_terminated',
    });

    for (const { id } of [runningOne, instantiating, scheduled]) {
      const instance = await h.instance(id);
      expect(instance).toMatchObject({
        state: 'terminated',
        stateReason: 'worker_terminated (cloud_terminated)',
        terminatedAt: h.now,
      });
      const events = await h.events({ subject: id });
      const terminated = events.find(
        (e) => e.type === 'lcm.lablet.instance.terminated',
      );
      const notified = events.find(
        (e) => e.type === 'lcm.lablet.instance.owner.notified',
      );
      expect(terminated?.source).toBe('lcm/controller');
      expect(terminated?.data).toMatchObject({
        forced: true,
        newState: 'terminated',
        workerId: worker.id,
        reason: 'worker_terminated (cloud_terminated)',
      });
      expect(notified?.data).toMatchObject({
        notification: 'instance_force_terminated',
        ownerId: 'user-1',
      });
      // The /worker key goes with the termination.
      expect(await h.store.get(h.keys.instance(id, 'worker'))).toBeUndefined();
    }
    const after = await h.workers.require(worker.id);
    expect(after.ports.value).toEqual({});
    expect(after.capacity.value.allocated).toEqual({
      cpuCores: 0,
      memoryGb: 0,
      storageGb: 0,
      maxNodes: 0,
    });

    // Nothing left to do: no new worker is needed (nothing is pending), a second pass writes nothing.
    expect((await h.pass()).writes).toBe(0);
    expect(await h.workerList()).toHaveLength(1);
  });

  it('notices a vanished VM at the next status sync (CONTROLLER_STATUS_SYNC_SECONDS), not at every pass', async () => {
    h = await ControllerHarness.create({ settings: { statusSyncSeconds: 30 } });
    const instance = await h.createInstance();
    await h.settle();
    const [worker] = await h.workerList();
    const describe = jest.spyOn(h.fleet.provider, 'describe');
    h.fleet.vanish(worker.providerInstanceId ?? '');
    for (let i = 0; i < 5; i++) await h.pass();
    expect(describe).not.toHaveBeenCalled();
    expect((await h.worker(worker.id)).state).toBe('running');
    await h.clock.advance(30_000);
    await h.pass();
    expect(describe).toHaveBeenCalledTimes(1);
    expect((await h.worker(worker.id)).state).toBe('terminated');
    expect((await h.instance(instance.id)).state).toBe('terminated');
  });

  it('forces an instance whose worker record is missing altogether (no resources to release)', async () => {
    h = await ControllerHarness.create();
    const instance = await h.createInstance();
    await h.settle();
    const { workerId } = await h.instance(instance.id);
    const view = await h.workers.require(workerId ?? '');
    // etcd lost the worker (not something LCM does; a restore from an old snapshot could).
    await h.store.txn({
      compare: [],
      success: [
        { type: 'deletePrefix', prefix: `${h.keys.workersPrefix}${workerId}/` },
      ],
    });
    h.fleet.vanish(view.worker.value.providerInstanceId ?? '');
    await h.pass();
    expect(await h.instance(instance.id)).toMatchObject({
      state: 'terminated',
      stateReason: 'worker_missing',
    });
  });
});
