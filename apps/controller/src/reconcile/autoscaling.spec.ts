import { restartEstimateMinutes } from '@lcm/scheduling';
import {
  ControllerHarness,
  labDefinition,
  MINUTE,
  personalTemplate,
  T0,
} from '../../test/controller-harness';

const SECOND = 1_000;

describe('autoscaling', () => {
  let h: ControllerHarness;
  afterEach(() => h.close());

  it('50 instances and no workers: the right workers per template asked for at once, never more, all run; idle workers drain and stop after the grace period', async () => {
    h = await ControllerHarness.create({
      templates: [
        personalTemplate(),
        personalTemplate({
          name: 'enterprise-large',
          licenseType: 'ENTERPRISE',
          maxNodes: 500,
        }),
      ],
      settings: {
        autoCollectAtTimeslotEnd: false,
        scaleDownGracePeriodMinutes: 30,
      },
      fleet: {
        bootTimeMs: 2 * MINUTE,
        serviceStartMs: 1 * MINUTE,
        labStartMs: 30 * SECOND,
        stopTimeMs: 20 * SECOND,
      },
    });
    // 40 personal labs (10 fit a personal worker: storage and nodes) and 10 enterprise labs
    // (25 nodes, too many for PERSONAL; 5 fit an enterprise worker by storage).
    const enterprise = await h.docs.definitions.create(
      labDefinition({
        name: 'big-topology',
        licenseAffinity: ['ENTERPRISE'],
        nodeCount: 25,
        resourceRequirements: {
          cpuCores: 8,
          memoryGb: 16,
          storageGb: 100,
          nestedVirt: true,
        },
      }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 40; i++)
      ids.push((await h.createInstance({ durationMinutes: 60 })).id);
    for (let i = 0; i < 10; i++)
      ids.push(
        (
          await h.createInstance({
            durationMinutes: 60,
            definition: enterprise,
          })
        ).id,
      );

    let most = 0;
    for (let round = 0; round < 200; round++) {
      await h.settle({ stepMs: 0 });
      const workers = await h.workerList();
      most = Math.max(most, workers.length);
      // All of them in the first pass: never more than the packing needs.
      expect(workers).toHaveLength(6);
      if ((await h.instanceList()).every((i) => i.state === 'running')) break;
      await h.clock.advance(30 * SECOND);
    }
    const workers = await h.workerList();
    expect(
      workers.filter((w) => w.templateName === 'personal-standard'),
    ).toHaveLength(4);
    expect(
      workers.filter((w) => w.templateName === 'enterprise-large'),
    ).toHaveLength(2);
    expect(most).toBe(6);
    expect(workers.every((w) => w.state === 'running')).toBe(true);
    expect((await h.instanceList()).every((i) => i.state === 'running')).toBe(
      true,
    );
    const created = await h.events({ type: 'lcm.worker.pending' });
    expect(created.map((e) => e.time)).toEqual(Array(6).fill(T0));
    const [firstScaleUp] = await h.events({ type: 'lcm.scaling.up.requested' });
    expect(firstScaleUp.data).toMatchObject({
      template: 'personal-standard',
      reason: expect.stringMatching(
        /instances approaching timeslot with no capacity/,
      ),
    });
    for (const id of ids) expect(await h.labsOf(id)).toHaveLength(1);

    // Timeslots end: instances stop and terminate; workers stay for the grace period, then drain and stop.
    await h.clock.advance(60 * MINUTE);
    await h.settle({ stepMs: 20 * SECOND });
    expect(
      (await h.instanceList()).every((i) => i.state === 'terminated'),
    ).toBe(true);
    expect((await h.workerList()).every((w) => w.state === 'running')).toBe(
      true,
    );
    await h.clock.advance(30 * MINUTE);
    await h.settle({ stepMs: 20 * SECOND });
    const after = await h.workerList();
    expect(after.map((w) => w.state)).toEqual(Array(6).fill('stopped'));
    for (const worker of after) {
      expect(
        worker.stateHistory.slice(-3).map((s) => `${s.to}:${s.reason}`),
      ).toEqual([
        'draining:scale_down_idle',
        'stopping:drain_complete',
        'stopped:cloud_stopped',
      ]);
    }
    expect(await h.events({ type: 'lcm.scaling.down.requested' })).toHaveLength(
      6,
    );
    expect(await h.events({ type: 'lcm.scaling.down.completed' })).toHaveLength(
      6,
    );
    const metrics = await h.metrics.registry.getSingleMetricAsString(
      'lcm_scaling_actions_total',
    );
    expect(metrics).toContain(
      'lcm_scaling_actions_total{action="scale_up",template="personal-standard"} 4',
    );
    expect(metrics).toContain(
      'lcm_scaling_actions_total{action="drain",template="enterprise-large"} 2',
    );
    expect(metrics).toContain(
      'lcm_scaling_actions_total{action="stop",template="personal-standard"} 4',
    );
  });

  it('restarts a stopped worker of the template rather than creating one', async () => {
    h = await ControllerHarness.create({
      settings: { scaleDownGracePeriodMinutes: 10 },
    });
    const first = await h.createInstance({ durationMinutes: 60 });
    await h.settle();
    await h.requestInstance(first.id, 'delete');
    await h.settle();
    await h.clock.advance(10 * MINUTE);
    await h.settle();
    const [stopped] = await h.workerList();
    expect(stopped.state).toBe('stopped');
    const second = await h.createInstance();
    await h.settle();
    expect(await h.workerList()).toHaveLength(1);
    const restarted = await h.worker(stopped.id);
    expect(restarted.state).toBe('running');
    expect(
      restarted.stateHistory.find((s, i) => i > 0 && s.from === 'stopped')
        ?.reason,
    ).toMatch(/restarting stopped worker/);
    expect((await h.instance(second.id)).state).toBe('running');
  });

  it("restarts a stopped worker for a booking when the slot minus the allowance and the template's learned restart time comes, not its start-up", async () => {
    h = await ControllerHarness.create({
      settings: {
        scaleDownGracePeriodMinutes: 10,
        instantiationAllowanceMinutes: 15,
      },
      fleet: {
        bootTimeMs: 15 * MINUTE,
        restartTimeMs: 3 * MINUTE,
        serviceStartMs: 3 * MINUTE,
        stopTimeMs: MINUTE,
        labStartMs: 2 * MINUTE,
      },
    });
    const step = { stepMs: MINUTE, maxRounds: 200 };
    /** An ASAP lab until it runs, then deleted and its worker idle until stopped. */
    const useOnce = async () => {
      const lab = await h.createInstance({ durationMinutes: 60 });
      await h.settle(step);
      expect((await h.instance(lab.id)).state).toBe('running');
      await h.requestInstance(lab.id, 'delete');
      await h.settle(step);
      await h.clock.advance(10 * MINUTE);
      await h.settle(step);
    };
    await useOnce(); // a fresh boot
    await useOnce(); // a restart: 3 + 3 min, learned
    const [worker] = await h.workerList();
    expect(worker.state).toBe('stopped');
    const restart = restartEstimateMinutes(
      personalTemplate(),
      await h.workerList(),
    );
    expect(restart).toBeLessThan(personalTemplate().startupTimeMinutes);

    const slot = h.clock.now() + 120 * MINUTE;
    const booked = await h.createInstance({ startInMinutes: 120 });
    await h.settle();
    // Due for a worker at the slot - 20 (start-up) - 15; the stopped one is held, not restarted.
    await h.clock.advance(slot - 35 * MINUTE - h.clock.now());
    await h.settle();
    expect(await h.workerList()).toEqual([
      expect.objectContaining({ id: worker.id, state: 'stopped' }),
    ]);
    const restartAt = slot - (15 + restart) * MINUTE;
    await h.clock.advance(restartAt - h.clock.now() - MINUTE);
    await h.settle();
    expect((await h.worker(worker.id)).state).toBe('stopped');
    await h.clock.advance(MINUTE);
    await h.settle(step);
    const restarted = await h.worker(worker.id);
    expect(
      restarted.stateHistory.filter((s) => s.from === 'stopped').at(-1)?.at,
    ).toBe(new Date(restartAt).toISOString());
    const ran = (await h.instance(booked.id)).stateHistory.find(
      (s) => s.to === 'running',
    );
    expect(Date.parse(ran?.at ?? '')).toBeLessThanOrEqual(slot);
    expect(await h.workerList()).toHaveLength(1);
  });

  it('stays within MAX_WORKERS_PER_TEMPLATE and MAX_WORKERS', async () => {
    h = await ControllerHarness.create({
      settings: { maxWorkersPerTemplate: 2, maxWorkers: 5 },
    });
    for (let i = 0; i < 30; i++) await h.createInstance();
    await h.settle();
    expect(await h.workerList()).toHaveLength(2);
    const pending = (await h.instanceList()).filter(
      (i) => i.state === 'pending',
    );
    expect(pending).toHaveLength(10);
    expect((await h.pass()).writes).toBe(0);
  });

  it("asks for a booking's worker when its start-up and the instantiation allowance before the slot begin, and no sooner", async () => {
    h = await ControllerHarness.create({
      settings: { instantiationAllowanceMinutes: 15 },
      fleet: { bootTimeMs: 15 * MINUTE, labStartMs: 2 * MINUTE },
    });
    const later = await h.createInstance({ startInMinutes: 180 });
    const report = await h.settle();
    expect(await h.workerList()).toHaveLength(0);
    // personal-standard starts in 20 min: due at 180 - 20 - 15 = 145 min.
    expect(report.nextDueAt).toBe(
      new Date(Date.parse(T0) + 145 * MINUTE).toISOString(),
    );
    await h.clock.advance(144 * MINUTE);
    await h.settle();
    expect(await h.workerList()).toHaveLength(0);
    await h.clock.advance(1 * MINUTE);
    await h.settle({ stepMs: MINUTE, maxRounds: 40 });
    const [worker] = await h.workerList();
    expect(worker.stateHistory[0].at).toBe(
      new Date(Date.parse(T0) + 145 * MINUTE).toISOString(),
    );
    const ran = (await h.instance(later.id)).stateHistory.find(
      (s) => s.to === 'running',
    );
    expect(Date.parse(ran?.at ?? '')).toBeLessThanOrEqual(
      Date.parse(T0) + 180 * MINUTE,
    );
    expect((await h.pass()).writes).toBe(0);
  });

  it('keeps MIN_WARM_WORKERS of each template of the region running, even when idle', async () => {
    h = await ControllerHarness.create({
      settings: { minWarmWorkers: 1, scaleDownGracePeriodMinutes: 5 },
    });
    await h.docs.templates.create(
      personalTemplate({ name: 'elsewhere', region: 'eu-west-1' }),
    );
    await h.settle();
    const [warm] = await h.workerList();
    expect(warm).toMatchObject({
      templateName: 'personal-standard',
      state: 'running',
      stateReason: 'worker_ready',
    });
    expect(warm.stateHistory[0].reason).toBe('min_warm_workers: 0 of 1 warm');
    await h.clock.advance(60 * MINUTE);
    await h.settle();
    expect(await h.workerList()).toEqual([
      expect.objectContaining({ id: warm.id, state: 'running' }),
    ]);
  });
});
