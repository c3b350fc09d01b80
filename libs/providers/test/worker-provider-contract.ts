// The WorkerProvider contract: what every cloud behind the port must do, written against the port
// only, so it runs on the simulated fleet (manual clock) and on Ec2WorkerProvider against moto
// (real time). Cloud time is let pass through `elapse`; states are awaited, never assumed instant.
import { randomBytes } from 'node:crypto';
import {
  InstanceNotFound,
  InvalidParameter,
  OperationFailed,
} from '../src/ports/provider-errors';
import type {
  CloudInstanceState,
  CloudInstanceStatus,
  ProvisionRequest,
  WorkerProvider,
} from '../src/ports/worker-provider';

export interface ProviderUnderTest {
  provider: WorkerProvider;
  /** The `provider` name its VMs report. */
  providerName: string;
  /** A request this cloud accepts for the given worker id. */
  request(
    workerId: string,
    overrides?: Partial<ProvisionRequest>,
  ): ProvisionRequest;
  /** An instance type the cloud accepts other than the one `request` uses. */
  otherInstanceType: string;
  /** Lets cloud time pass: a manual clock advances, a real cloud is given a moment. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

export function describeWorkerProviderContract(
  name: string,
  setup: () => Promise<ProviderUnderTest>,
): void {
  describe(`WorkerProvider contract: ${name}`, () => {
    let cloud: ProviderUnderTest;
    /** Worker ids of this test only: a real cloud is shared with other suites. */
    let prefix: string;
    const id = (worker: string) => `${prefix}-${worker}`;

    beforeEach(async () => {
      cloud = await setup();
      prefix = `ct${randomBytes(4).toString('hex')}`;
    });
    afterEach(() => cloud.close());

    /** Describes until the VM reaches one of `states` (undefined = gone), letting time pass. */
    async function reach(
      cloudId: string,
      states: (CloudInstanceState | undefined)[],
    ): Promise<CloudInstanceStatus | undefined> {
      let status: CloudInstanceStatus | undefined;
      for (let i = 0; i < 60; i += 1) {
        status = await cloud.provider.describe(cloudId);
        if (states.includes(status?.state)) return status;
        await cloud.elapse(1_000);
      }
      throw new Error(
        `${cloudId} never reached ${states.join('|')}: last ${status?.state}`,
      );
    }

    it('takes a VM through pending, running, stopped, running again and terminated', async () => {
      const { provider } = cloud;
      const request = cloud.request(id('w-1'));
      const vm = await provider.provision(request);
      expect(['pending', 'running']).toContain(vm.state);
      expect(vm).toMatchObject({
        provider: cloud.providerName,
        region: request.region,
        instanceType: request.instanceType,
      });
      expect(vm.id).not.toBe('');
      expect(vm.tags).toMatchObject({
        ManagedBy: 'lcm',
        'lcm:worker-id': id('w-1'),
        'lcm:template': request.templateName,
      });
      const running = await reach(vm.id, ['running']);
      expect(running?.hostname).toEqual(expect.any(String));
      expect(running?.amiName).toMatch(/^CML-2\.9\./);
      expect(Date.parse(running?.launchedAt ?? '')).not.toBeNaN();
      await provider.stop(vm.id);
      expect(['stopping', 'stopped']).toContain(
        (await provider.describe(vm.id))?.state,
      );
      await provider.stop(vm.id); // no-op while stopping or stopped
      await reach(vm.id, ['stopped']);
      await provider.start(vm.id);
      expect(['pending', 'running']).toContain(
        (await provider.describe(vm.id))?.state,
      );
      await provider.start(vm.id); // no-op while pending or running
      await reach(vm.id, ['running']);
      await provider.terminate(vm.id);
      await reach(vm.id, ['terminated', undefined]);
      await provider.terminate(vm.id); // idempotent
    });

    it('provisions idempotently by key, refuses a key reused for another instance type, and starts anew after termination', async () => {
      const { provider } = cloud;
      const first = await provider.provision(cloud.request(id('w-1')));
      const again = await provider.provision(cloud.request(id('w-1')));
      expect(again.id).toBe(first.id);
      const error = await caught(
        provider.provision(
          cloud.request(id('w-1'), { instanceType: cloud.otherInstanceType }),
        ),
      );
      expect(error).toBeInstanceOf(InvalidParameter);
      expect(error).toMatchObject({
        field: 'idempotencyKey',
        retryable: false,
        code: 'INVALID_PARAMETER',
      });
      expect(await caught(provider.provision(cloud.request('')))).toMatchObject(
        { code: 'INVALID_PARAMETER', field: 'idempotencyKey' },
      );
      await provider.terminate(first.id);
      await reach(first.id, ['terminated', undefined]);
      const next = await provider.provision(cloud.request(id('w-1')));
      expect(next.id).not.toBe(first.id);
      expect(next.tags['lcm:worker-id']).toBe(id('w-1'));
    });

    it('reports unknown ids as undefined (describe), success (terminate) or InstanceNotFound', async () => {
      const unknown = 'i-00000000000000000';
      expect(await cloud.provider.describe(unknown)).toBeUndefined();
      await expect(cloud.provider.terminate(unknown)).resolves.toBeUndefined();
      for (const call of [
        () => cloud.provider.start(unknown),
        () => cloud.provider.stop(unknown),
        () => cloud.provider.metrics(unknown),
      ]) {
        const error = await caught(call());
        expect(error).toBeInstanceOf(InstanceNotFound);
        expect(error).toMatchObject({ cloudId: unknown, retryable: false });
      }
      expect(await caught(cloud.provider.describe(''))).toBeInstanceOf(
        InvalidParameter,
      );
    });

    it('refuses to start or stop a terminated VM, for good (not retryable)', async () => {
      const vm = await cloud.provider.provision(cloud.request(id('w-1')));
      await reach(vm.id, ['running']);
      await cloud.provider.terminate(vm.id);
      const gone = await reach(vm.id, ['terminated', undefined]);
      if (gone === undefined) return; // the cloud forgot it: InstanceNotFound, covered above
      for (const call of [
        () => cloud.provider.start(vm.id),
        () => cloud.provider.stop(vm.id),
      ]) {
        const error = await caught(call());
        expect(error).toBeInstanceOf(OperationFailed);
        expect(error).toMatchObject({
          retryable: false,
          reason: 'incorrect_state',
        });
      }
    });

    it('lists the VMs it manages with the LCM tags, terminated ones only on request', async () => {
      const a = await cloud.provider.provision(cloud.request(id('w-a')));
      const b = await cloud.provider.provision(cloud.request(id('w-b')));
      await cloud.provider.terminate(a.id);
      await reach(a.id, ['terminated', undefined]);
      const mine = (statuses: CloudInstanceStatus[]) =>
        statuses.filter((s) => s.tags['lcm:worker-id']?.startsWith(prefix));
      const live = mine(await cloud.provider.listManaged());
      expect(live.map((s) => s.id)).toEqual([b.id]);
      expect(live[0].tags).toMatchObject({
        ManagedBy: 'lcm',
        'lcm:worker-id': id('w-b'),
        'lcm:template': 'personal-standard',
        Name: `cml-worker-${id('w-b')}`,
        Team: 'labs',
      });
      const all = mine(
        await cloud.provider.listManaged({ includeTerminated: true }),
      );
      const terminated = all.filter((s) => s.state === 'terminated');
      expect(all.map((s) => s.id).sort()).toEqual(
        terminated.length === 0 ? [b.id] : [a.id, b.id].sort(),
      );
      expect(terminated.map((s) => s.id)).toEqual(
        terminated.length === 0 ? [] : [a.id],
      );
    });
  });
}
