import { NotLeaderError } from '@lcm/state-store';
import { ControllerHarness, MINUTE } from '../../test/controller-harness';

describe('reconciling is level-triggered and safe to re-run', () => {
  let h: ControllerHarness;
  afterEach(() => h.close());

  it('a second pass in a row changes nothing: the store revision does not move', async () => {
    h = await ControllerHarness.create({
      settings: { autoCollectAtTimeslotEnd: true, minWarmWorkers: 0 },
    });
    // A cluster in many states at once: running, collecting, stopped (timeslot open), scheduled for
    // later, terminated (within retention), a pending one no template can host, a stopped worker.
    const running = await h.createInstance({ durationMinutes: 240 });
    const collecting = await h.createInstance({ durationMinutes: 240 });
    const stopped = await h.createInstance({ durationMinutes: 240 });
    const later = await h.createInstance({ startInMinutes: 200 });
    const deleted = await h.createInstance();
    await h.settle();
    await h.requestInstance(collecting.id, 'collect');
    await h.requestInstance(stopped.id, 'stop');
    await h.requestInstance(deleted.id, 'delete');
    await h.createInstance({ spec: { licenseAffinity: ['EVALUATION'] } });
    await h.settle();
    const states = await Promise.all(
      [running, collecting, stopped, later, deleted].map(
        async (i) => (await h.instance(i.id)).state,
      ),
    );
    expect(states).toEqual([
      'running',
      'collecting',
      'stopped',
      'scheduled',
      'terminated',
    ]);
    await h.clock.advance(10 * MINUTE);

    const first = await h.pass();
    const revision = await h.store.revision();
    const second = await h.pass();
    expect(second).toMatchObject({
      writes: 0,
      conflicts: 0,
      errors: 0,
      waiting: false,
    });
    expect(await h.store.revision()).toBe(revision);
    expect(first.errors).toBe(0);
    // And the same from a fresh start-up reconcile (adoption finds nothing to adopt).
    const startup = await h.pass(true);
    expect(startup).toMatchObject({
      writes: 0,
      adoption: { adopted: [], reported: [] },
    });
    expect(await h.store.revision()).toBe(revision);
  });

  it('a deposed leader cannot write (NotLeaderError, nothing changed); two passes racing commit each transition once', async () => {
    h = await ControllerHarness.create();
    const other = await ControllerHarness.create({ replicaOf: h });
    try {
      await h.createInstance();
      await h.settle();
      // `other` would act on a stop request, but its fence is stale: the commit is refused, the pass stops.
      const instance = (await h.instanceList())[0];
      await h.requestInstance(instance.id, 'stop');
      const revision = await h.store.revision();
      await expect(
        other.reconciler.runPass({ ...(await h.fence()), createRevision: 1 }),
      ).rejects.toBeInstanceOf(NotLeaderError);
      expect(await h.store.revision()).toBe(revision);
      expect((await h.instance(instance.id)).state).toBe('running');
      const [a, b] = await Promise.all([h.pass(), h.pass()]);
      expect(a.writes + b.writes).toBeGreaterThan(0);
      expect((await h.instance(instance.id)).state).toBe('stopped');
      expect(
        await h.events({
          type: 'lcm.lablet.instance.stopped',
          subject: instance.id,
        }),
      ).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
