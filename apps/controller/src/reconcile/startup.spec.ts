import { createWorker, rewriteLabYaml, startInstantiation } from '@lcm/domain';
import { ControllerHarness } from '../../test/controller-harness';

describe('start-up reconcile: what a dead leader left half done', () => {
  let h: ControllerHarness;
  afterEach(() => h.close());

  it('a worker provisioned but never recorded as provisioning gets the same VM, not a second one', async () => {
    h = await ControllerHarness.create();
    const change = createWorker(
      {
        id: 'w-half',
        name: 'w-half',
        templateName: 'personal-standard',
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
        startupTimeMinutes: 20,
      },
      { now: h.now, triggeredBy: 'lcm/controller' },
    );
    await h.commitWorker(undefined, change, 'lcm/controller');
    // The old leader's provision call reached the cloud; it died before committing.
    const vm = await h.fleet.provider.provision({
      idempotencyKey: 'w-half',
      templateName: 'personal-standard',
      instanceType: 'm5zn.metal',
      amiPattern: 'CML-2.9.*',
      region: 'local',
      tags: {},
    });
    await h.pass(true);
    expect(await h.worker('w-half')).toMatchObject({
      state: 'running',
      providerInstanceId: vm.id,
    });
    expect(await h.fleet.provider.listManaged()).toHaveLength(1);
  });

  it('an instance left instantiating with its lab already imported continues with that lab: never imported twice', async () => {
    h = await ControllerHarness.create({ fleet: { labStartMs: 60_000 } });
    await h.createInstance({ id: 'i-first' });
    await h.settle({ stepMs: 60_000 });
    const instance = await h.createInstance({ id: 'i-half' });
    await h.place();
    // The old leader: instantiating committed, lab imported and started, then it died.
    await h.commitInstance(
      instance.id,
      (i) =>
        startInstantiation(i, { now: h.now, triggeredBy: 'lcm/controller' }),
      'lcm/controller',
    );
    const placed = await h.instance(instance.id);
    const host = (await h.worker(placed.workerId ?? '')).hostname ?? '';
    const { labId } = await h.fleet.runtime.importLab(host, {
      idempotencyKey: instance.id,
      title: 'x',
      yaml: rewriteLabYaml(h.definition.labYaml, placed.allocatedPorts ?? {}),
    });
    await h.fleet.runtime.startLab(host, labId);
    await h.pass(true); // the new leader: lab still starting
    expect((await h.instance(instance.id)).state).toBe('instantiating');
    await h.clock.advance(60_000);
    await h.pass();
    expect(await h.instance(instance.id)).toMatchObject({
      state: 'running',
      cmlLabId: labId,
    });
    expect(await h.labsOf(instance.id)).toEqual([
      { host, labId, state: 'STARTED' },
    ]);
  });

  it('adopts a VM LCM made whose worker record is gone; reports unknown VMs and stray labs, deletes nothing', async () => {
    h = await ControllerHarness.create();
    const vm = await h.fleet.provider.provision({
      idempotencyKey: 'w-lost',
      templateName: 'personal-standard',
      instanceType: 'm5zn.metal',
      amiPattern: 'CML-2.9.*',
      region: 'local',
      tags: {},
    });
    const unknown = h.fleet.launchUnmanaged({ tags: { ManagedBy: 'lcm' } });
    await h.fleet.runtime.importLab(vm.hostname ?? '', {
      idempotencyKey: 'i-nobody',
      title: 'stray',
      yaml: 'nodes: []\n',
    });
    const report = await h.pass(true);
    expect(report.adoption?.adopted).toEqual(['w-lost']);
    expect(report.adoption?.reported).toEqual([
      expect.stringContaining(`VM ${unknown.id}`),
    ]);
    expect(await h.worker('w-lost')).toMatchObject({
      state: 'running',
      providerInstanceId: vm.id,
      stateHistory: [
        expect.objectContaining({ reason: 'adopted_from_provider' }),
        expect.anything(),
        expect.anything(),
      ],
    });
    const again = await h.pass(true);
    expect(again.adoption?.reported).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`VM ${unknown.id}`),
        expect.stringContaining('key i-nobody'),
      ]),
    );
    expect((await h.fleet.provider.describe(unknown.id))?.state).toBe(
      'running',
    );
    expect(await h.fleet.runtime.listLabs(vm.hostname ?? '')).toHaveLength(1);
  });
});
