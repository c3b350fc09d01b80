import { createWorker } from '@lcm/domain';
import { QuotaExceeded } from '@lcm/providers';
import {
  ControllerHarness,
  MINUTE,
  personalTemplate,
  type HarnessOptions,
} from '../../test/controller-harness';

const SECOND = 1_000;

describe('worker lifecycle (controller reconcilers on memory stores and the simulated fleet)', () => {
  let h: ControllerHarness;
  const open = async (options: HarnessOptions = {}) =>
    (h = await ControllerHarness.create(options));
  afterEach(() => h.close());

  /** A worker made the way the autoscaler makes one (an ASAP instance needs it), returned once running. */
  async function runningWorker(): Promise<string> {
    await h.createInstance({ durationMinutes: 240 });
    await h.settle({ stepMs: 10 * SECOND });
    const [worker] = await h.workerList();
    expect(worker.state).toBe('running');
    return worker.id;
  }

  /** A pending worker record, as an admin (or the autoscaler) would create it. */
  async function pendingWorker(
    id: string,
    overrides: { startupTimeMinutes?: number; templateName?: string } = {},
  ): Promise<void> {
    const change = createWorker(
      {
        id,
        name: id,
        templateName: overrides.templateName ?? 'personal-standard',
        licenseType: 'PERSONAL',
        region: 'local',
        portRange: { start: 2000, end: 9999 },
        declaredCapacity: {
          cpuCores: 48,
          memoryGb: 192,
          storageGb: 500,
          maxNodes: 20,
        },
        drainTimeoutHours: 4,
        startupTimeMinutes: overrides.startupTimeMinutes ?? 20,
      },
      { now: h.now, triggeredBy: 'admin' },
    );
    await h.commitWorker(undefined, change);
  }

  it('provisions pending -> provisioning -> running once the VM runs and its lab engine is AVAILABLE', async () => {
    await open({
      fleet: { bootTimeMs: 60 * SECOND, serviceStartMs: 30 * SECOND },
    });
    await pendingWorker('w-a');
    await h.pass();
    const provisioning = await h.worker('w-a');
    expect(provisioning).toMatchObject({
      state: 'provisioning',
      providerInstanceId: expect.stringMatching(/^i-/),
      amiName: 'CML-2.9.0',
    });
    const vm = await h.fleet.provider.describe(
      provisioning.providerInstanceId ?? '',
    );
    expect(vm?.tags).toMatchObject({
      ManagedBy: 'lcm',
      'lcm:worker-id': 'w-a',
      'lcm:template': 'personal-standard',
      Environment: 'test',
    });
    await h.clock.advance(60 * SECOND); // VM running, engine still starting
    expect((await h.pass()).waiting).toBe(true);
    expect((await h.worker('w-a')).state).toBe('provisioning');
    await h.clock.advance(30 * SECOND);
    await h.pass();
    expect(await h.worker('w-a')).toMatchObject({
      state: 'running',
      hostname: vm?.hostname,
    });
    expect(await h.eventTypes('w-a')).toEqual([
      'lcm.worker.pending',
      'lcm.scaling.up.requested',
      'lcm.worker.provisioning.started',
      'lcm.worker.running',
      'lcm.scaling.up.completed',
    ]);
    // One VM for the worker, however often the pass ran.
    expect(await h.fleet.provider.listManaged()).toHaveLength(1);
  });

  it('fails a worker not ready within 2 x startupTimeMinutes, terminates its VM, then the worker', async () => {
    await open({ fleet: { bootTimeMs: 30 * MINUTE } });
    await pendingWorker('w-slow', { startupTimeMinutes: 10 });
    await h.pass();
    await h.clock.advance(20 * MINUTE + 1);
    await h.pass();
    const worker = await h.worker('w-slow');
    expect(worker).toMatchObject({ state: 'terminated' });
    expect(worker.stateHistory.map((s) => `${s.to}:${s.reason}`)).toEqual([
      'pending:scale_up',
      'provisioning:provider_create_called',
      'failed:provisioning_timeout',
      'terminated:provisioning_timeout',
    ]);
    expect(
      (await h.fleet.provider.describe(worker.providerInstanceId ?? ''))?.state,
    ).toMatch(/shutting-down|terminated/);
    expect(await h.eventTypes('w-slow')).toContain('lcm.worker.failed');
  });

  it('retries a retryable provision failure (quota) and fails a refused one (unknown instance type)', async () => {
    await open({
      fleet: {
        instanceTypes: {
          'm5zn.metal': {
            cpuCores: 48,
            memoryGb: 192,
            storageGb: 500,
            maxNodes: 20,
          },
        },
      },
    });
    await h.docs.templates.create(
      personalTemplate({ name: 'odd', instanceType: 'x9.huge' }),
    );
    h.fleet.failNextProvision(new QuotaExceeded('vCPU limit', 96));
    await pendingWorker('w-quota');
    expect((await h.pass()).waiting).toBe(true);
    expect((await h.worker('w-quota')).state).toBe('pending');
    await h.pass();
    expect((await h.worker('w-quota')).state).toBe('running');

    await pendingWorker('w-odd', { templateName: 'odd' });
    await h.pass();
    const odd = await h.worker('w-odd');
    expect(odd.state).toBe('terminated');
    expect(odd.stateHistory.find((s) => s.to === 'failed')?.reason).toMatch(
      /^provision_failed: instanceType: unknown instance type x9.huge/,
    );
  });

  it('terminates a worker still provisioning on request: its VM terminated, failed, then terminated', async () => {
    await open({ fleet: { bootTimeMs: 10 * MINUTE } });
    await pendingWorker('w-unwanted');
    await h.pass();
    const provisioning = await h.worker('w-unwanted');
    expect(provisioning.state).toBe('provisioning');
    await h.requestWorker('w-unwanted', 'terminate');
    await h.pass();
    const worker = await h.worker('w-unwanted');
    expect(
      worker.stateHistory.slice(-2).map((s) => `${s.to}:${s.reason}`),
    ).toEqual(['failed:terminate_requested', 'terminated:terminate_requested']);
    expect(
      (await h.fleet.provider.describe(provisioning.providerInstanceId ?? ''))
        ?.state,
    ).toMatch(/shutting-down|terminated/);
  });

  it('drains on an admin request, stops the drained worker, and cancels a drain', async () => {
    await open();
    const id = await runningWorker();
    const [instance] = await h.instanceList();
    await h.requestWorker(id, 'drain');
    await h.settle();
    const draining = await h.worker(id);
    expect(draining).toMatchObject({
      state: 'draining',
      stateReason: 'admin_drain',
      drainStartedAt: h.now,
    });
    const [event] = await h.events({
      type: 'lcm.worker.draining',
      subject: id,
    });
    expect(event.data).toMatchObject({
      runningInstancesCount: 1,
      triggeredBy: 'admin',
    });
    // The instance keeps running on a draining worker.
    expect((await h.instance(instance.id)).state).toBe('running');

    await h.requestWorker(id, 'cancel_drain');
    await h.settle();
    expect(await h.worker(id)).toMatchObject({
      state: 'running',
      drainStartedAt: null,
    });
    expect(
      (await h.events({ type: 'lcm.worker.drain.cancelled', subject: id }))[0]
        .data,
    ).toMatchObject({ cancelledBy: 'admin', reason: 'admin_action' });

    await h.requestWorker(id, 'drain');
    await h.settle();
    await h.requestInstance(instance.id, 'delete');
    await h.settle({ stepMs: SECOND });
    const stopped = await h.worker(id);
    expect(stopped.state).toBe('stopped');
    expect(
      stopped.stateHistory.slice(-3).map((s) => `${s.to}:${s.reason}`),
    ).toEqual([
      'draining:admin_drain',
      'stopping:drain_complete',
      'stopped:cloud_stopped',
    ]);
    expect(await h.eventTypes(id)).toEqual(
      expect.arrayContaining([
        'lcm.scaling.down.requested',
        'lcm.worker.stopping',
        'lcm.worker.stopped',
        'lcm.scaling.down.completed',
      ]),
    );
    expect(
      (await h.fleet.provider.describe(stopped.providerInstanceId ?? ''))
        ?.state,
    ).toBe('stopped');
  });

  it('stops an idle worker on request, starts it again (same VM), and terminates a stopped one', async () => {
    await open({
      fleet: { stopTimeMs: 5 * SECOND, restartTimeMs: 5 * SECOND },
    });
    const id = await runningWorker();
    const [instance] = await h.instanceList();
    await h.requestInstance(instance.id, 'delete');
    await h.settle();
    await h.requestWorker(id, 'stop');
    await h.pass();
    expect((await h.worker(id)).state).toBe('stopping');
    await h.clock.advance(5 * SECOND);
    await h.pass();
    const stopped = await h.worker(id);
    expect(stopped).toMatchObject({ state: 'stopped' });
    expect(stopped.stateHistory.find((s) => s.to === 'stopping')?.reason).toBe(
      'admin_stop',
    );

    await h.requestWorker(id, 'start');
    await h.settle({ stepMs: 5 * SECOND });
    const restarted = await h.worker(id);
    expect(restarted).toMatchObject({
      state: 'running',
      providerInstanceId: stopped.providerInstanceId,
    });
    expect(restarted.stateHistory.slice(-3).map((s) => s.to)).toEqual([
      'pending',
      'provisioning',
      'running',
    ]);
    expect(await h.fleet.provider.listManaged()).toHaveLength(1);

    await h.requestWorker(id, 'stop');
    await h.settle({ stepMs: 5 * SECOND });
    await h.requestWorker(id, 'terminate');
    await h.settle();
    expect(await h.worker(id)).toMatchObject({
      state: 'terminated',
      stateReason: 'admin_terminate',
    });
    expect(
      (await h.fleet.provider.describe(stopped.providerInstanceId ?? ''))
        ?.state,
    ).toMatch(/shutting-down|terminated/);
  });

  it('terminates a running worker on request: the VM goes, the worker follows, its instances are forced', async () => {
    await open();
    const id = await runningWorker();
    const [instance] = await h.instanceList();
    await h.requestWorker(id, 'terminate');
    await h.settle({ stepMs: SECOND });
    expect(await h.worker(id)).toMatchObject({
      state: 'terminated',
      stateReason: 'terminate_requested',
    });
    expect(await h.instance(instance.id)).toMatchObject({
      state: 'terminated',
      stateReason: expect.stringMatching(/^worker_terminated/),
    });
  });

  it('force-stops a worker past its drain timeout: remaining instances force-terminated (owner notified), then stopped', async () => {
    await open({ templates: [personalTemplate({ drainTimeoutHours: 1 })] });
    const id = await runningWorker();
    const [instance] = await h.instanceList();
    await h.requestWorker(id, 'drain');
    await h.settle();
    await h.clock.advance(60 * MINUTE + 1);
    await h.settle({ stepMs: SECOND });
    expect(await h.instance(instance.id)).toMatchObject({
      state: 'terminated',
      stateReason: 'drain_timeout',
    });
    expect(await h.eventTypes(instance.id)).toEqual(
      expect.arrayContaining([
        'lcm.lablet.instance.terminated',
        'lcm.lablet.instance.owner.notified',
      ]),
    );
    const worker = await h.worker(id);
    expect(worker.state).toBe('stopped');
    expect(worker.stateHistory.find((s) => s.to === 'stopping')?.reason).toBe(
      'drain_timeout',
    );
    expect(await h.labsOf(instance.id)).toEqual([]);
  });

  it('terminates a worker whose VM the cloud no longer knows, and removes its keys after the retention', async () => {
    await open({
      fleet: { terminatedRetentionMs: 0 },
      settings: { terminatedRetentionMinutes: 30 },
    });
    const id = await runningWorker();
    const vm = (await h.worker(id)).providerInstanceId ?? '';
    await h.fleet.provider.terminate(vm); // someone terminated it outside LCM
    await h.clock.advance(SECOND);
    expect(await h.fleet.provider.describe(vm)).toBeUndefined();
    await h.settle();
    expect(await h.worker(id)).toMatchObject({
      state: 'terminated',
      stateReason: 'cloud_not_found',
    });
    await h.clock.advance(31 * MINUTE);
    await h.settle();
    expect(await h.workers.get(id)).toBeUndefined();
    expect((await h.store.list(`${h.keys.workersPrefix}${id}/`)).kvs).toEqual(
      [],
    );
  });
});
