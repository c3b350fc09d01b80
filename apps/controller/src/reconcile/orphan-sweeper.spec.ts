import { ControllerHarness, MINUTE } from '../../test/controller-harness';

describe("orphan VMs (tagged as LCM's, no live worker record)", () => {
  let h: ControllerHarness;
  afterEach(() => h.close());

  it("terminates an orphan once it has been orphaned for the grace period, and leaves workers' VMs and foreign VMs alone", async () => {
    h = await ControllerHarness.create({
      settings: { orphanSweepSeconds: 60, orphanGraceMinutes: 10 },
    });
    await h.createInstance({ durationMinutes: 240 });
    await h.settle();
    const [worker] = await h.workerList();
    const orphan = h.fleet.launchUnmanaged({
      tags: { ManagedBy: 'lcm', 'lcm:worker-id': 'w-deleted-long-ago' },
    });
    const untagged = h.fleet.launchUnmanaged({ tags: { ManagedBy: 'lcm' } });
    const foreign = h.fleet.launchUnmanaged({ tags: { Team: 'someone-else' } });

    await h.clock.advance(MINUTE);
    expect((await h.pass()).orphansTerminated).toBeUndefined();
    // Within the grace: seen, reported, not touched; sweeps are at most one a minute.
    await h.clock.advance(5 * MINUTE);
    expect((await h.pass()).orphansTerminated).toBeUndefined();
    expect((await h.fleet.provider.describe(orphan.id))?.state).toBe('running');

    await h.clock.advance(5 * MINUTE);
    const report = await h.pass();
    expect(report.orphansTerminated?.sort()).toEqual(
      [orphan.id, untagged.id].sort(),
    );
    for (const id of [orphan.id, untagged.id])
      expect(['shutting-down', 'terminated']).toContain(
        (await h.fleet.provider.describe(id))?.state,
      );
    expect((await h.fleet.provider.describe(foreign.id))?.state).toBe(
      'running',
    );
    expect(
      (await h.fleet.provider.describe(worker.providerInstanceId ?? ''))?.state,
    ).toBe('running');
    expect((await h.worker(worker.id)).state).toBe('running');
  });

  it('never sweeps with CONTROLLER_ORPHAN_SWEEP_SECONDS=0', async () => {
    h = await ControllerHarness.create({
      settings: { orphanSweepSeconds: 0, orphanGraceMinutes: 0 },
    });
    const orphan = h.fleet.launchUnmanaged({ tags: { ManagedBy: 'lcm' } });
    await h.clock.advance(60 * MINUTE);
    await h.pass();
    expect((await h.fleet.provider.describe(orphan.id))?.state).toBe('running');
  });
});
