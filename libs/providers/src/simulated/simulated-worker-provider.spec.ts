import {
  InstanceNotFound,
  InvalidParameter,
  OperationFailed,
  QuotaExceeded,
} from '../ports/provider-errors';
import {
  makeFleet,
  MINUTE,
  provisionRequest,
  SECOND,
} from '../../test/simulated-fixtures';

describe('SimulatedWorkerProvider', () => {
  describe('VM lifecycle over time', () => {
    it('goes pending -> running -> stopping -> stopped -> pending -> running -> shutting-down -> terminated', async () => {
      const { fleet, clock } = makeFleet();
      const provider = fleet.provider;

      const created = await provider.provision(provisionRequest('w-1'));
      expect(created).toMatchObject({
        provider: 'simulated',
        state: 'pending',
        checks: 'insufficient-data',
        amiName: 'CML-2.9.0',
        instanceType: 'm5zn.metal',
        region: 'us-east-1',
        launchedAt: '2026-01-16T09:00:00.000Z',
      });
      expect(created.id).toMatch(/^i-[0-9a-f]{17}$/);
      expect(created.hostname).toMatch(/^w-[0-9a-f]{10}\.sim\.lcm\.internal$/);
      expect(created.privateIp).toMatch(/^10\.\d+\.\d+\.\d+$/);
      expect(created.publicIp).toBeDefined();
      const id = created.id;
      const state = async () => (await provider.describe(id))?.state;

      await clock.advance(10 * SECOND - 1);
      expect(await state()).toBe('pending');
      await clock.advance(1);
      expect(await provider.describe(id)).toMatchObject({
        state: 'running',
        checks: 'insufficient-data',
      });
      await clock.advance(5 * SECOND);
      expect((await provider.describe(id))?.checks).toBe('ok');

      await provider.stop(id);
      expect(await state()).toBe('stopping');
      await clock.advance(3 * SECOND);
      const stopped = await provider.describe(id);
      expect(stopped).toMatchObject({
        state: 'stopped',
        hostname: created.hostname,
        privateIp: created.privateIp,
      });
      expect(stopped?.publicIp).toBeUndefined();

      await provider.start(id);
      expect(await state()).toBe('pending');
      await clock.advance(4 * SECOND); // restartTimeMs, shorter than a fresh boot
      const restarted = await provider.describe(id);
      expect(restarted?.state).toBe('running');
      expect(restarted?.publicIp).toBeDefined();
      expect(restarted?.publicIp).not.toBe(created.publicIp);

      await provider.terminate(id);
      expect(await state()).toBe('shutting-down');
      await clock.advance(2 * SECOND);
      const gone = await provider.describe(id);
      expect(gone?.state).toBe('terminated');
      expect(gone?.hostname).toBeUndefined();
      expect(gone?.privateIp).toBeUndefined();
    });

    it('forgets a terminated VM after the retention period', async () => {
      const { fleet, clock } = makeFleet({
        terminatedRetentionMs: 10 * MINUTE,
      });
      const { id } = await fleet.provider.provision(provisionRequest('w-1'));
      await fleet.provider.terminate(id);
      await clock.advance(2 * SECOND + 10 * MINUTE - 1);
      expect((await fleet.provider.describe(id))?.state).toBe('terminated');
      await clock.advance(1);
      expect(await fleet.provider.describe(id)).toBeUndefined();
      await expect(fleet.provider.stop(id)).rejects.toBeInstanceOf(
        InstanceNotFound,
      );
    });

    it('allows a stop while pending, refuses a start while stopping and anything on a terminated VM', async () => {
      const { fleet, clock } = makeFleet();
      const { id } = await fleet.provider.provision(provisionRequest('w-1'));
      await fleet.provider.stop(id);
      await fleet.provider.stop(id); // no-op while stopping
      const whileStopping = await fleet.provider
        .start(id)
        .catch((e: unknown) => e);
      expect(whileStopping).toBeInstanceOf(OperationFailed);
      expect(whileStopping).toMatchObject({
        retryable: true,
        reason: 'incorrect_state',
      });
      await clock.advance(3 * SECOND);
      await fleet.provider.stop(id); // no-op when stopped
      expect((await fleet.provider.describe(id))?.state).toBe('stopped');
      await fleet.provider.start(id);
      await fleet.provider.start(id); // no-op while pending
      await fleet.provider.terminate(id);
      await expect(fleet.provider.start(id)).rejects.toMatchObject({
        code: 'OPERATION_FAILED',
        retryable: false,
      });
      await expect(fleet.provider.stop(id)).rejects.toMatchObject({
        code: 'OPERATION_FAILED',
        retryable: false,
      });
    });

    it('does not change the timing of a transition already under way when latency changes', async () => {
      const { fleet, clock } = makeFleet();
      const { id } = await fleet.provider.provision(provisionRequest('w-1'));
      fleet.setLatency({ bootTimeMs: 60 * SECOND });
      await clock.advance(10 * SECOND);
      expect((await fleet.provider.describe(id))?.state).toBe('running');
      const second = await fleet.provider.provision(provisionRequest('w-2'));
      await clock.advance(10 * SECOND);
      expect((await fleet.provider.describe(second.id))?.state).toBe('pending');
      expect(fleet.latency.bootTimeMs).toBe(60 * SECOND);
    });
  });

  describe('unknown ids', () => {
    it('describe gives undefined, terminate succeeds, start/stop/metrics throw InstanceNotFound', async () => {
      const { fleet } = makeFleet();
      expect(
        await fleet.provider.describe('i-00000000000000000'),
      ).toBeUndefined();
      await expect(
        fleet.provider.terminate('i-00000000000000000'),
      ).resolves.toBeUndefined();
      await expect(fleet.provider.start('i-0')).rejects.toBeInstanceOf(
        InstanceNotFound,
      );
      await expect(fleet.provider.stop('i-0')).rejects.toBeInstanceOf(
        InstanceNotFound,
      );
      await expect(fleet.provider.metrics('i-0')).rejects.toBeInstanceOf(
        InstanceNotFound,
      );
      await expect(fleet.provider.describe('')).rejects.toBeInstanceOf(
        InvalidParameter,
      );
    });

    it('terminate is idempotent', async () => {
      const { fleet, clock } = makeFleet();
      const { id } = await fleet.provider.provision(provisionRequest('w-1'));
      await fleet.provider.terminate(id);
      await fleet.provider.terminate(id);
      await clock.advance(2 * SECOND);
      await fleet.provider.terminate(id);
      expect((await fleet.provider.describe(id))?.state).toBe('terminated');
    });
  });

  describe('provision idempotency', () => {
    it('returns the same VM for the same key, and a new one once it is terminated', async () => {
      const { fleet, clock } = makeFleet();
      const first = await fleet.provider.provision(provisionRequest('w-1'));
      await clock.advance(30 * SECOND);
      const again = await fleet.provider.provision(provisionRequest('w-1'));
      expect(again.id).toBe(first.id);
      expect(again.state).toBe('running');
      const other = await fleet.provider.provision(provisionRequest('w-2'));
      expect(other.id).not.toBe(first.id);

      await fleet.provider.terminate(first.id);
      const replacement = await fleet.provider.provision(
        provisionRequest('w-1'),
      );
      expect(replacement.id).not.toBe(first.id);
      expect(replacement.hostname).not.toBe(first.hostname);
      expect(replacement.state).toBe('pending');
      await clock.advance(2 * SECOND); // the first one finishes shutting down
      expect(
        (await fleet.provider.listManaged()).map((s) => s.id).sort(),
      ).toEqual([other.id, replacement.id].sort());
    });

    it('returns one VM for concurrent calls with the same key', async () => {
      const { fleet, clock } = makeFleet({ apiLatencyMs: 100 });
      const calls = Promise.all(
        [1, 2, 3].map(() => fleet.provider.provision(provisionRequest('w-1'))),
      );
      await clock.advance(100);
      const ids = new Set((await calls).map((c) => c.id));
      expect(ids.size).toBe(1);
      fleet.setLatency({ apiLatencyMs: 0 });
      expect(await fleet.provider.listManaged()).toHaveLength(1);
    });

    it('refuses to reuse a key for a different instance type or region', async () => {
      const { fleet } = makeFleet();
      await fleet.provider.provision(provisionRequest('w-1'));
      await expect(
        fleet.provider.provision(
          provisionRequest('w-1', { instanceType: 'm5.large' }),
        ),
      ).rejects.toMatchObject({
        code: 'INVALID_PARAMETER',
        field: 'idempotencyKey',
      });
    });
  });

  describe('listManaged', () => {
    it('returns only VMs tagged ManagedBy=lcm, with the LCM tags, terminated ones on request', async () => {
      const { fleet, clock } = makeFleet();
      const a = await fleet.provider.provision(provisionRequest('w-a'));
      const b = await fleet.provider.provision(
        provisionRequest('w-b', { tags: { ManagedBy: 'nope' } }),
      );
      fleet.launchUnmanaged({ tags: { Owner: 'someone' } });
      fleet.launchUnmanaged({ tags: { ManagedBy: 'lcm' } }); // looks managed: reported as an orphan candidate
      await fleet.provider.terminate(b.id);
      await clock.advance(2 * SECOND);

      const managed = await fleet.provider.listManaged();
      expect(managed.map((s) => s.id)).toContain(a.id);
      expect(managed.map((s) => s.id)).not.toContain(b.id);
      expect(managed).toHaveLength(2);
      const listedA = managed.find((s) => s.id === a.id);
      expect(listedA?.tags).toMatchObject({
        Name: 'cml-worker-w-a',
        Team: 'labs',
        ManagedBy: 'lcm',
        'lcm:worker-id': 'w-a',
        'lcm:template': 'personal-standard',
      });
      const all = await fleet.provider.listManaged({ includeTerminated: true });
      expect(all.map((s) => s.id)).toContain(b.id);
      expect(all).toHaveLength(3);
    });
  });

  describe('validation and configuration', () => {
    it('rejects malformed requests with InvalidParameter', async () => {
      const { fleet } = makeFleet();
      for (const [field, overrides] of [
        ['idempotencyKey', { idempotencyKey: '' }],
        ['instanceType', { instanceType: ' ' }],
        ['region', { region: '' }],
        ['amiPattern', { amiPattern: '' }],
        ['templateName', { templateName: '' }],
        ['tags.x', { tags: { x: 1 as unknown as string } }],
      ] as const) {
        await expect(
          fleet.provider.provision(provisionRequest('w', overrides)),
        ).rejects.toMatchObject({
          code: 'INVALID_PARAMETER',
          field,
          retryable: false,
        });
      }
    });

    it('picks the newest AMI of the catalogue matching the pattern, or the pinned one', async () => {
      const { fleet } = makeFleet({
        amis: ['CML-2.8.1', 'CML-2.9.0', 'CML-2.9.1', 'CML-2.10.0-beta'],
      });
      expect(
        (await fleet.provider.provision(provisionRequest('w-1'))).amiName,
      ).toBe('CML-2.9.1');
      expect(
        (
          await fleet.provider.provision(
            provisionRequest('w-2', { amiName: 'CML-2.9.0' }),
          )
        ).amiName,
      ).toBe('CML-2.9.0');
      await expect(
        fleet.provider.provision(
          provisionRequest('w-3', { amiPattern: 'CML-3.*' }),
        ),
      ).rejects.toMatchObject({ field: 'amiPattern' });
      await expect(
        fleet.provider.provision(
          provisionRequest('w-4', { amiName: 'CML-9.9.9' }),
        ),
      ).rejects.toMatchObject({ field: 'amiName' });
    });

    it('accepts only configured instance types and regions', async () => {
      const { fleet } = makeFleet({
        instanceTypes: {
          'm5zn.metal': {
            cpuCores: 48,
            memoryGb: 192,
            storageGb: 500,
            maxNodes: 20,
          },
        },
        regions: ['us-east-1'],
      });
      await expect(
        fleet.provider.provision(provisionRequest('w-1')),
      ).resolves.toBeDefined();
      await expect(
        fleet.provider.provision(
          provisionRequest('w-2', { instanceType: 'c5.large' }),
        ),
      ).rejects.toMatchObject({ field: 'instanceType' });
      await expect(
        fleet.provider.provision(
          provisionRequest('w-3', { region: 'eu-west-1' }),
        ),
      ).rejects.toMatchObject({ field: 'region' });
    });

    it('enforces maxInstances with QuotaExceeded (stopped VMs do not count)', async () => {
      const { fleet, clock } = makeFleet({ maxInstances: 2 });
      const a = await fleet.provider.provision(provisionRequest('w-1'));
      await fleet.provider.provision(provisionRequest('w-2'));
      const refused = await fleet.provider
        .provision(provisionRequest('w-3'))
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(QuotaExceeded);
      expect(refused).toMatchObject({ retryable: true, limit: 2 });

      await fleet.provider.stop(a.id);
      await clock.advance(3 * SECOND);
      const c = await fleet.provider.provision(provisionRequest('w-3'));
      await expect(fleet.provider.start(a.id)).rejects.toBeInstanceOf(
        QuotaExceeded,
      );
      await fleet.provider.terminate(c.id);
      await clock.advance(2 * SECOND);
      await expect(fleet.provider.start(a.id)).resolves.toBeUndefined();
    });

    it('validates options', () => {
      expect(() => makeFleet({ bootTimeMs: -1 })).toThrow(/bootTimeMs/);
      expect(() => makeFleet({ provisionFailureRate: 2 })).toThrow(
        /provisionFailureRate/,
      );
      expect(() => makeFleet({ vanishRate: -1 })).toThrow(/vanishRate/);
      expect(() => makeFleet({ maxInstances: 1.5 })).toThrow(/maxInstances/);
      expect(() => makeFleet({ amis: [] })).toThrow(/amis/);
      const { fleet } = makeFleet();
      expect(() => fleet.setLatency({ labStartMs: Number.NaN })).toThrow(
        /labStartMs/,
      );
      expect(() =>
        fleet.setFailureRates({ labImportFailureRate: -0.1 }),
      ).toThrow(/labImportFailureRate/);
    });
  });

  describe('metrics', () => {
    it('reports idle utilisation for a running VM, zero when not running', async () => {
      const { fleet, clock } = makeFleet();
      const { id } = await fleet.provider.provision(provisionRequest('w-1'));
      expect(await fleet.provider.metrics(id)).toEqual({
        cpuUtilization: 0,
        memoryUtilization: 0,
      });
      await clock.advance(15 * SECOND);
      expect(await fleet.provider.metrics(id)).toEqual({
        cpuUtilization: 2,
        memoryUtilization: 5,
      });
    });
  });
});
