import { ControllerHarness, MINUTE } from '../../test/controller-harness';

const SECOND = 1_000;

describe("worker licences (the controller reads each running worker's lab engine licence; memory stores, simulated fleet)", () => {
  let h: ControllerHarness;
  afterEach(() => h.close());

  /** One running worker, started the way the autoscaler starts one, and its VM's cloud id. */
  async function runningWorker(): Promise<{ id: string; cloudId: string }> {
    await h.createInstance({ durationMinutes: 240 });
    await h.settle({ stepMs: 10 * SECOND });
    const [worker] = await h.workerList();
    expect(worker.state).toBe('running');
    return { id: worker.id, cloudId: worker.providerInstanceId ?? '' };
  }

  const capacityOf = async (id: string) =>
    (await h.workers.require(id)).capacity.value;

  it('records the licence the engine reports as soon as the worker runs, and writes nothing while it stays the same', async () => {
    h = await ControllerHarness.create();
    const { id } = await runningWorker();
    const worker = await h.worker(id);
    expect(worker.reportedLicense).toEqual({
      licenseType: 'PERSONAL',
      status: 'REGISTERED',
      nodeLimit: 20,
      nodesInUse: 0, // read before its first lab started; usage alone is not rewritten
      detail: null,
      readAt: expect.any(String),
    });
    // Read in the pass that saw the worker become running.
    const running = worker.stateHistory.find((s) => s.to === 'running');
    expect(
      Date.parse(worker.reportedLicense?.readAt ?? ''),
    ).toBeGreaterThanOrEqual(Date.parse(running?.at ?? ''));
    const generation = worker.generation;
    await h.clock.advance(MINUTE);
    expect((await h.pass()).writes).toBe(0);
    expect((await h.worker(id)).generation).toBe(generation);
    // A healthy first report is quiet: a licence read is not a state change.
    expect(await h.eventTypes(id)).not.toContain('lcm.worker.license.changed');
  });

  it('caps the node capacity the worker offers at the reported node limit, and gives it back when the licence grows', async () => {
    h = await ControllerHarness.create();
    const { id, cloudId } = await runningWorker();
    expect((await capacityOf(id)).declared.maxNodes).toBe(20);
    h.fleet.setLicense(cloudId, { nodeLimit: 3 });
    await h.pass();
    expect((await h.worker(id)).reportedLicense?.nodeLimit).toBe(3);
    const capped = await capacityOf(id);
    expect(capped.declared.maxNodes).toBe(3);
    expect(capped.allocated.maxNodes).toBe(2); // what runs keeps running

    // A second two-node lab no longer fits (3 nodes licensed, 2 in use): it waits for a new worker.
    const second = await h.createInstance({ durationMinutes: 60 });
    await h.place();
    expect((await h.instance(second.id)).state).toBe('pending');

    h.fleet.setLicense(cloudId, { nodeLimit: 20 });
    await h.pass();
    expect((await capacityOf(id)).declared.maxNodes).toBe(20);
    await h.place();
    expect((await h.instance(second.id)).workerId).toBe(id);
  });

  it('offers a worker whose engine reports an expired licence to no new instance, and starts another worker for one that waits', async () => {
    h = await ControllerHarness.create();
    const { id, cloudId } = await runningWorker();
    h.fleet.setLicense(cloudId, { status: 'EXPIRED' });
    await h.pass();
    const expired = await h.worker(id);
    expect(expired.reportedLicense?.status).toBe('EXPIRED');
    // Visible in the audit trail and on the stream: the outbox carries the change.
    const [changed] = await h.events({
      type: 'lcm.worker.license.changed',
      subject: id,
    });
    expect(changed).toMatchObject({
      source: 'lcm/controller',
      data: { status: 'EXPIRED', previousStatus: 'REGISTERED', nodeLimit: 20 },
    });
    expect(expired.state).toBe('running'); // its instances go on
    const waiting = await h.createInstance({ durationMinutes: 60 });
    await h.settle({ stepMs: 10 * SECOND });
    const placedOn = (await h.instance(waiting.id)).workerId;
    expect(placedOn).not.toBeNull();
    expect(placedOn).not.toBe(id);
    expect(await h.workerList()).toHaveLength(2);
  });

  it('reads a settled worker again only every licenseSyncSeconds', async () => {
    h = await ControllerHarness.create({
      settings: { licenseSyncSeconds: 300 },
    });
    const { id, cloudId } = await runningWorker();
    h.fleet.setLicense(cloudId, { status: 'INVALID' });
    await h.clock.advance(60 * SECOND);
    await h.pass();
    expect((await h.worker(id)).reportedLicense?.status).toBe('REGISTERED');
    await h.clock.advance(240 * SECOND);
    const report = await h.pass();
    expect((await h.worker(id)).reportedLicense?.status).toBe('INVALID');
    expect(report.writes).toBeGreaterThanOrEqual(1);
  });

  it('passes the template licence to the provider at provisioning (a simulated engine registers it)', async () => {
    h = await ControllerHarness.create();
    const { cloudId } = await runningWorker();
    const vm = h.fleet.snapshot().vms.find((v) => v.id === cloudId);
    expect(vm?.license).toEqual({
      licenseType: 'PERSONAL',
      status: 'REGISTERED',
      nodeLimit: 20,
    });
  });
});
