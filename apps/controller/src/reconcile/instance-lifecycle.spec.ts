import { completeGrading, startGrading } from '@lcm/domain';
import { OperationFailed } from '@lcm/providers';
import {
  ControllerHarness,
  MINUTE,
  type HarnessOptions,
} from '../../test/controller-harness';

const SCORE = {
  total: 8,
  max: 10,
  passed: true,
  breakdown: [{ criterion: 'ping', points: 8, max: 10 }],
};

describe('instance lifecycle (controller reconcilers on memory stores and the simulated fleet)', () => {
  let h: ControllerHarness;
  const open = async (options: HarnessOptions = {}) =>
    (h = await ControllerHarness.create(options));
  afterEach(() => h.close());

  /** An ASAP instance taken to running on a fresh worker. */
  async function running(options: { durationMinutes?: number } = {}) {
    const instance = await h.createInstance(options);
    await h.settle();
    expect((await h.instance(instance.id)).state).toBe('running');
    return instance.id;
  }

  it('ends a PENDING instance whose slot started TIMESLOT_GRACE_MINUTES ago without room: terminated, timeslot_missed, with its own event', async () => {
    await open({
      settings: {
        maxWorkers: 0,
        maxWorkersPerTemplate: 0,
        timeslotGraceMinutes: 5,
      },
    });
    const booked = await h.createInstance({ startInMinutes: 10 });
    const report = await h.settle();
    expect((await h.instance(booked.id)).state).toBe('pending');
    expect(report.nextDueAt).toBe(
      new Date(Date.parse(booked.timeslotStart) + 5 * MINUTE).toISOString(),
    );
    await h.clock.advance(14 * MINUTE);
    await h.settle();
    expect((await h.instance(booked.id)).state).toBe('pending');
    await h.clock.advance(1 * MINUTE);
    await h.settle();
    expect(await h.instance(booked.id)).toMatchObject({
      state: 'terminated',
      stateReason: 'timeslot_missed',
      terminatedAt: h.now,
    });
    expect(await h.eventTypes(booked.id)).toEqual([
      'lcm.lablet.instance.pending',
      'lcm.lablet.instance.terminated',
      'lcm.lablet.instance.timeslot.missed',
    ]);
    const [missed] = await h.events({
      type: 'lcm.lablet.instance.timeslot.missed',
      subject: booked.id,
    });
    expect(missed).toMatchObject({
      source: 'lcm/controller',
      data: { timeslotStart: booked.timeslotStart, graceMinutes: 5 },
    });
    expect(
      await h.metrics.registry.getSingleMetricAsString(
        'lcm_instances_timeslot_missed_total',
      ),
    ).toContain('lcm_instances_timeslot_missed_total 1');
  });

  it('measures the start on time: delay from the later of slot start and creation, late bookings counted, starting workers per template', async () => {
    await open({ fleet: { bootTimeMs: 2 * MINUTE, labStartMs: 60_000 } });
    await h.createInstance(); // ASAP: measured from creation, never late
    await h.pass();
    expect(
      await h.metrics.registry.getSingleMetricAsString('lcm_workers_starting'),
    ).toContain('lcm_workers_starting{template="personal-standard"} 1');
    await h.settle({ stepMs: 30_000 });
    const late = await h.createInstance({ startInMinutes: 0.5 }); // booked 30 s ahead: runs after its slot
    await h.settle({ stepMs: 30_000 });
    expect((await h.instance(late.id)).state).toBe('running');
    const delay = await h.metrics.registry.getSingleMetricAsString(
      'lcm_instance_start_delay_seconds',
    );
    expect(delay).toContain('lcm_instance_start_delay_seconds_count 2');
    expect(delay).toMatch(
      /lcm_instance_start_delay_seconds_bucket\{le="60"\} 1\n/,
    );
    expect(
      await h.metrics.registry.getSingleMetricAsString(
        'lcm_instances_started_late_total',
      ),
    ).toContain('lcm_instances_started_late_total 1');
    expect(
      await h.metrics.registry.getSingleMetricAsString('lcm_workers_starting'),
    ).not.toContain('template=');
  });

  it('instantiates an ASAP instance: YAML rewritten with its ports, imported once under its id, started, running with the grading Pod', async () => {
    await open();
    const id = await running();
    const instance = await h.instance(id);
    const worker = await h.worker(instance.workerId ?? '');
    expect(instance).toMatchObject({
      state: 'running',
      cmlLabId: expect.any(String),
      startedAt: h.now,
      allocatedPorts: { serial_1: 2000, serial_2: 2001, vnc_1: 2002 },
    });
    const labs = await h.labsOf(id);
    expect(labs).toEqual([
      { host: worker.hostname, labId: instance.cmlLabId, state: 'STARTED' },
    ]);
    // The engine got the rewritten YAML: the nodes carry the allocated ports.
    expect(
      await h.fleet.runtime.nodes(
        worker.hostname ?? '',
        instance.cmlLabId ?? '',
      ),
    ).toEqual([
      {
        label: 'vmanage-mock',
        state: 'STARTED',
        ports: [{ protocol: 'serial', port: 2000 }],
      },
      {
        label: 'ubuntu-desktop',
        state: 'STARTED',
        ports: [
          { protocol: 'serial', port: 2001 },
          { protocol: 'vnc', port: 2002 },
        ],
      },
    ]);
    expect(await h.eventTypes(id)).toEqual([
      'lcm.lablet.instance.pending',
      'lcm.lablet.instance.scheduled',
      'lcm.lablet.instance.provisioning.started',
      'lcm.lablet.instance.running',
    ]);
    const [runningEvent] = await h.events({
      type: 'lcm.lablet.instance.running',
      subject: id,
    });
    expect(runningEvent.source).toBe('lcm/controller');
    expect(runningEvent.data).toMatchObject({
      workerHostname: worker.hostname,
      cmlLabId: instance.cmlLabId,
      podAssigned: true,
      pod: {
        id,
        devices: [
          {
            label: 'vmanage-mock',
            hostname: 'vmanage-mock',
            collector: 'lcm',
            interfaces: [
              {
                name: 'console-vmanage-mock',
                protocol: 'console',
                host: worker.hostname,
                port: 2000,
                authentication: { scheme: 'none', properties: {} },
              },
            ],
          },
          {
            label: 'ubuntu-desktop',
            interfaces: [
              { protocol: 'console', port: 2001 },
              {
                name: 'vnc-ubuntu-desktop',
                protocol: 'vnc',
                port: 2002,
                authentication: { scheme: 'vnc_password', properties: {} },
              },
            ],
          },
        ],
      },
    });
    const [provisioning] = await h.events({
      type: 'lcm.lablet.instance.provisioning.started',
      subject: id,
    });
    expect(provisioning.data).toMatchObject({
      labYamlHash: h.definition.labYamlHash,
      allocatedPorts: instance.allocatedPorts,
    });
  });

  it('waits for the lead time: a future instance stays scheduled until timeslotStart - LEAD_TIME_MINUTES', async () => {
    await open({ settings: { leadTimeMinutes: 35 } });
    await running({ durationMinutes: 240 }); // a worker to place on
    const future = await h.createInstance({ startInMinutes: 120 });
    const report = await h.settle();
    expect((await h.instance(future.id)).state).toBe('scheduled');
    expect(report.nextDueAt).toBe(
      new Date(h.clock.now() + 85 * MINUTE).toISOString(),
    );
    await h.clock.advance(84 * MINUTE);
    await h.settle();
    expect((await h.instance(future.id)).state).toBe('scheduled');
    await h.clock.advance(1 * MINUTE);
    await h.settle();
    expect((await h.instance(future.id)).state).toBe('running');
  });

  it('stays instantiating while the lab is STARTING and reports waiting, then runs', async () => {
    await open({ fleet: { labStartMs: 90_000 } });
    const instance = await h.createInstance();
    const report = await h.settle();
    expect((await h.instance(instance.id)).state).toBe('instantiating');
    expect(report.waiting).toBe(true);
    await h.clock.advance(60_000);
    await h.settle();
    expect((await h.instance(instance.id)).state).toBe('instantiating');
    await h.clock.advance(30_000);
    await h.settle();
    expect((await h.instance(instance.id)).state).toBe('running');
    expect(await h.labsOf(instance.id)).toHaveLength(1);
    expect(h.metrics.instantiationDuration.get()).toBeDefined();
  });

  it('auto-collects at timeslotEnd, abandons a collection past COLLECTION_TIMEOUT_MINUTES, then stops, archives (lab deleted) and terminates, releasing ports and capacity', async () => {
    await open({
      settings: {
        autoCollectAtTimeslotEnd: true,
        collectionTimeoutMinutes: 10,
      },
    });
    const id = await running({ durationMinutes: 30 });
    const workerId = (await h.instance(id)).workerId ?? '';
    await h.clock.advance(30 * MINUTE);
    await h.settle();
    expect((await h.instance(id)).state).toBe('collecting');
    const [collecting] = await h.events({
      type: 'lcm.lablet.instance.collecting.started',
      subject: id,
    });
    expect(collecting.data).toMatchObject({
      collectionReason: 'timeslot_end',
      triggeredBy: 'system',
    });
    await h.clock.advance(10 * MINUTE);
    await h.settle();
    const done = await h.instance(id);
    expect(done).toMatchObject({ state: 'terminated', terminatedAt: h.now });
    expect(done.stateHistory.map((s) => s.to)).toEqual([
      'pending',
      'scheduled',
      'instantiating',
      'running',
      'collecting',
      'stopping',
      'stopped',
      'archived',
      'terminated',
    ]);
    expect(done.stateHistory.find((s) => s.to === 'stopping')?.reason).toBe(
      'collection_timeout',
    );
    expect(await h.labsOf(id)).toEqual([]);
    const view = await h.workers.require(workerId);
    expect(view.ports.value).toEqual({});
    expect(view.capacity.value.allocated).toEqual({
      cpuCores: 0,
      memoryGb: 0,
      storageGb: 0,
      maxNodes: 0,
    });
    const [terminated] = await h.events({
      type: 'lcm.lablet.instance.terminated',
      subject: id,
    });
    expect(terminated.data).toMatchObject({
      finalState: 'archived',
      forced: false,
      durationMinutes: 40,
    });
  });

  it('auto-stops at timeslotEnd when AUTO_COLLECT_AT_TIMESLOT_END is false', async () => {
    await open({ settings: { autoCollectAtTimeslotEnd: false } });
    const id = await running({ durationMinutes: 30 });
    await h.clock.advance(30 * MINUTE);
    await h.settle();
    const done = await h.instance(id);
    expect(done.state).toBe('terminated');
    expect(
      done.stateHistory.map((s) => `${s.to}${s.reason ? `:${s.reason}` : ''}`),
    ).toEqual(
      expect.arrayContaining([
        'stopping:timeslot_expired',
        'archived:timeslot_over',
        'terminated',
      ]),
    );
    expect(await h.eventTypes(id)).not.toContain(
      'lcm.lablet.instance.collecting.started',
    );
  });

  it('carries out stop, start and delete requests: stopped stays stopped while the timeslot is open, runs again, then is torn down', async () => {
    await open();
    const id = await running({ durationMinutes: 120 });
    await h.requestInstance(id, 'stop', 'user-1');
    await h.settle();
    const stopped = await h.instance(id);
    expect(stopped).toMatchObject({ state: 'stopped', requestedAction: null });
    expect((await h.labsOf(id))[0].state).toBe('STOPPED');
    const [stopping] = await h.events({
      type: 'lcm.lablet.instance.stopping',
      subject: id,
    });
    expect(stopping.data).toMatchObject({
      triggeredBy: 'user-1',
      reason: 'stop_requested',
    });

    await h.requestInstance(id, 'start', 'user-1');
    await h.settle();
    expect((await h.instance(id)).state).toBe('running');
    const restarted = (
      await h.events({ type: 'lcm.lablet.instance.running', subject: id })
    ).at(-1);
    expect(restarted?.data).toMatchObject({
      restarted: true,
      podAssigned: true,
      triggeredBy: 'user-1',
    });
    expect((await h.labsOf(id))[0].state).toBe('STARTED');

    await h.requestInstance(id, 'delete', 'user-1');
    await h.settle();
    expect((await h.instance(id)).state).toBe('terminated');
    expect(await h.labsOf(id)).toEqual([]);
  });

  it('carries out a collect request, and grading results (the api) lead to stop, archive and clean-up at once', async () => {
    await open();
    const id = await running({ durationMinutes: 120 });
    await h.requestInstance(id, 'collect', 'user-7');
    await h.settle();
    expect((await h.instance(id)).state).toBe('collecting');
    const [collecting] = await h.events({
      type: 'lcm.lablet.instance.collecting.started',
      subject: id,
    });
    expect(collecting.data).toMatchObject({
      collectionReason: 'manual',
      triggeredBy: 'user-7',
    });
    await h.commitInstance(id, (i) =>
      startGrading(
        i,
        { collectionId: 'c-1' },
        { now: h.now, triggeredBy: 'assessment' },
      ),
    );
    await h.commitInstance(id, (i) =>
      completeGrading(
        i,
        { score: SCORE },
        { now: h.now, triggeredBy: 'grading-engine' },
      ),
    );
    const workerId = (await h.instance(id)).workerId ?? '';
    await h.settle();
    // Graded: stopped, archived (lab removed) and terminated at once, long before the timeslot ends.
    const done = await h.instance(id);
    expect(done).toMatchObject({ state: 'terminated', terminatedAt: h.now });
    expect(
      done.stateHistory.map((s) => `${s.to}${s.reason ? `:${s.reason}` : ''}`),
    ).toEqual(
      expect.arrayContaining(['stopped', 'archived:graded', 'terminated']),
    );
    expect(await h.labsOf(id)).toEqual([]);
    expect((await h.workers.require(workerId)).ports.value).toEqual({});
    const [terminated] = await h.events({
      type: 'lcm.lablet.instance.terminated',
      subject: id,
    });
    expect(terminated.data).toMatchObject({
      finalState: 'archived',
      gradingScore: { total: 8, max: 10, passed: true },
    });
  });

  it('gives up a grading that never reports: forced to terminated, owner notified', async () => {
    await open({ settings: { collectionTimeoutMinutes: 5 } });
    const id = await running({ durationMinutes: 120 });
    await h.requestInstance(id, 'collect');
    await h.settle();
    await h.commitInstance(id, (i) =>
      startGrading(i, {}, { now: h.now, triggeredBy: 'assessment' }),
    );
    await h.clock.advance(5 * MINUTE);
    await h.settle();
    expect(await h.instance(id)).toMatchObject({
      state: 'terminated',
      stateReason: 'grading_timeout',
    });
    expect(await h.eventTypes(id)).toEqual(
      expect.arrayContaining([
        'lcm.lablet.instance.terminated',
        'lcm.lablet.instance.owner.notified',
      ]),
    );
    expect(await h.labsOf(id)).toEqual([]);
  });

  it('ends a deleted instance in grading after DELETE_GRACE_SECONDS: lab removed, forced to terminated with the reason, owner notified', async () => {
    await open({
      settings: { collectionTimeoutMinutes: 60, deleteGraceSeconds: 30 },
    });
    const id = await running({ durationMinutes: 120 });
    await h.requestInstance(id, 'collect');
    await h.settle();
    await h.commitInstance(id, (i) =>
      startGrading(i, {}, { now: h.now, triggeredBy: 'assessment' }),
    );
    await h.clock.advance(10 * MINUTE);
    await h.requestInstance(id, 'delete', 'user-1');
    const waiting = await h.settle();
    // Within the grace the result may still come; the pass is due again when the grace ends.
    expect((await h.instance(id)).state).toBe('grading');
    expect(waiting.nextDueAt).toBe(
      new Date(h.clock.now() + 30_000).toISOString(),
    );
    await h.clock.advance(30_000);
    await h.settle();
    const done = await h.instance(id);
    expect(done).toMatchObject({
      state: 'terminated',
      stateReason: 'delete_grace_expired',
    });
    expect(done.stateHistory.at(-1)).toMatchObject({
      from: 'grading',
      to: 'terminated',
      triggeredBy: 'user-1',
      reason: 'delete_grace_expired',
    });
    expect(await h.eventTypes(id)).toEqual(
      expect.arrayContaining([
        'lcm.lablet.instance.terminated',
        'lcm.lablet.instance.owner.notified',
      ]),
    );
    expect(await h.labsOf(id)).toEqual([]);
  });

  it('lets a grading result that arrives within the delete grace finish normally: stopped, archived with the score, terminated', async () => {
    await open({ settings: { deleteGraceSeconds: 30 } });
    const id = await running({ durationMinutes: 120 });
    await h.requestInstance(id, 'collect');
    await h.settle();
    await h.commitInstance(id, (i) =>
      startGrading(i, {}, { now: h.now, triggeredBy: 'assessment' }),
    );
    await h.requestInstance(id, 'delete', 'user-1');
    await h.settle();
    await h.clock.advance(10_000);
    await h.commitInstance(id, (i) =>
      completeGrading(
        i,
        { score: SCORE },
        { now: h.now, triggeredBy: 'assessment' },
      ),
    );
    await h.settle();
    const done = await h.instance(id);
    expect(done.state).toBe('terminated');
    expect(done.gradingScore).toMatchObject({ total: 8, max: 10 });
    expect(done.stateHistory.map((s) => s.to)).toEqual(
      expect.arrayContaining(['stopping', 'stopped', 'archived', 'terminated']),
    );
  });

  it('deletes instances that never ran: pending (nothing held), scheduled (resources released), instantiating (lab removed)', async () => {
    await open();
    const first = await running();
    const workerId = (await h.instance(first)).workerId ?? '';
    h.fleet.setLatency({ labStartMs: 10 * MINUTE });
    const scheduled = await h.createInstance({ startInMinutes: 600 });
    const instantiating = await h.createInstance();
    await h.settle();
    expect((await h.instance(scheduled.id)).state).toBe('scheduled');
    expect((await h.instance(instantiating.id)).state).toBe('instantiating');
    expect(await h.labsOf(instantiating.id)).toHaveLength(1);
    // An instance no worker can take stays pending.
    const pending = await h.createInstance({
      spec: { licenseAffinity: ['ENTERPRISE'] },
    });
    for (const id of [scheduled.id, instantiating.id, pending.id])
      await h.requestInstance(id, 'delete');
    await h.settle();
    for (const id of [scheduled.id, instantiating.id, pending.id])
      expect((await h.instance(id)).state).toBe('terminated');
    expect(await h.labsOf(instantiating.id)).toEqual([]);
    const ports = (await h.workers.require(workerId)).ports.value;
    expect(Object.keys(ports)).toEqual([first]);
  });

  it("gives a lab its definition's declared instantiation allowance before calling it stuck, when that is longer than the timeout", async () => {
    await open({
      settings: { instantiationTimeoutMinutes: 15 },
      fleet: { labStartMs: 30 * MINUTE },
    });
    const instance = await h.createInstance({
      durationMinutes: 120,
      spec: { instantiationAllowanceMinutes: 40 },
    });
    await h.settle();
    expect((await h.instance(instance.id)).state).toBe('instantiating');
    await h.clock.advance(15 * MINUTE + 1);
    await h.settle();
    expect((await h.instance(instance.id)).state).toBe('instantiating');
    await h.clock.advance(15 * MINUTE);
    await h.settle();
    expect((await h.instance(instance.id)).state).toBe('running');
  });

  it('fails an instantiation stuck past INSTANTIATION_TIMEOUT_MINUTES: terminated, resources released, owner notified', async () => {
    await open({
      settings: { instantiationTimeoutMinutes: 15 },
      fleet: { labStartMs: 60 * MINUTE },
    });
    const instance = await h.createInstance({ durationMinutes: 120 });
    await h.settle();
    await h.clock.advance(15 * MINUTE + 1);
    await h.settle();
    expect(await h.instance(instance.id)).toMatchObject({
      state: 'terminated',
      stateReason: 'instantiation_timeout',
    });
    const [notified] = await h.events({
      type: 'lcm.lablet.instance.owner.notified',
      subject: instance.id,
    });
    expect(notified.data).toMatchObject({
      notification: 'instance_failed',
      ownerId: 'user-1',
    });
    expect(await h.labsOf(instance.id)).toEqual([]);
  });

  it('retries a retryable import failure on the next pass (one lab in the end), and fails a non-retryable one', async () => {
    await open();
    await running(); // the worker
    const host = (await h.workerList())[0].hostname ?? '';
    h.fleet.failNextImport(host);
    const retried = await h.createInstance();
    const first = await h.settle();
    expect(first.waiting).toBe(false);
    expect((await h.instance(retried.id)).state).toBe('running');
    expect(await h.labsOf(retried.id)).toHaveLength(1);

    h.fleet.failNextImport(
      host,
      new OperationFailed('image not found', {
        retryable: false,
        reason: 'bad_image',
      }),
    );
    const failed = await h.createInstance();
    await h.settle();
    expect(await h.instance(failed.id)).toMatchObject({
      state: 'terminated',
      stateReason: 'operation_failed: image not found',
    });
  });

  it('retries on a draining worker at most 3 times (provisioning.retried), then fails with max_retries_exceeded', async () => {
    await open({ fleet: { labStartMs: 10 * MINUTE } });
    const id = await (async () => {
      const instance = await h.createInstance();
      await h.settle();
      return instance.id;
    })();
    const workerId = (await h.instance(id)).workerId ?? '';
    const host = (await h.worker(workerId)).hostname ?? '';
    await h.requestWorker(workerId, 'drain');
    await h.settle();
    expect((await h.worker(workerId)).state).toBe('draining');
    const broken = () =>
      new OperationFailed('node image corrupt', {
        retryable: false,
        reason: 'bad_image',
      });
    for (let attempt = 1; attempt <= 4; attempt++) {
      // Each attempt: the lab is removed, the retry imports afresh and the start fails again.
      h.fleet.failNextLabStart(host, broken());
      await h.clock.advance(16 * MINUTE);
      await h.settle();
    }
    const done = await h.instance(id);
    expect(done).toMatchObject({
      state: 'terminated',
      stateReason: 'max_retries_exceeded',
      retryCount: 3,
    });
    expect(
      await h.events({
        type: 'lcm.lablet.instance.provisioning.retried',
        subject: id,
      }),
    ).toHaveLength(3);
  });

  it('fails the instantiation of an instance whose definition is gone (owner notified)', async () => {
    await open();
    await running();
    const orphan = await h.createInstance({
      definition: { ...h.definition, id: 'def-deleted' },
    });
    await h.settle();
    expect(await h.instance(orphan.id)).toMatchObject({
      state: 'terminated',
      stateReason: 'definition_not_found: def-deleted',
    });
    expect(await h.eventTypes(orphan.id)).toContain(
      'lcm.lablet.instance.owner.notified',
    );
  });

  it('removes terminated instance records after TERMINATED_RETENTION_MINUTES', async () => {
    await open({ settings: { terminatedRetentionMinutes: 60 } });
    const id = await running();
    await h.requestInstance(id, 'delete');
    await h.settle();
    expect((await h.instance(id)).state).toBe('terminated');
    await h.clock.advance(59 * MINUTE);
    await h.settle();
    expect(await h.instances.get(id)).toBeDefined();
    await h.clock.advance(1 * MINUTE);
    await h.settle();
    expect(await h.instances.get(id)).toBeUndefined();
    expect(await h.store.get(h.keys.instance(id, 'worker'))).toBeUndefined();
  });
});
