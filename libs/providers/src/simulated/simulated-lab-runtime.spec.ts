import {
  InvalidParameter,
  isRetryableProviderError,
  LabEngineUnavailable,
  LabNotFound,
} from '../ports/provider-errors';
import {
  LAB_YAML,
  makeFleet,
  provisionRequest,
  readyWorker,
  SECOND,
} from '../../test/simulated-fixtures';

const importRequest = (instanceId: string, yaml = LAB_YAML) => ({
  idempotencyKey: instanceId,
  title: `lab for ${instanceId}`,
  yaml,
});

describe('SimulatedLabRuntime', () => {
  describe('licensing', () => {
    it('reports the licence the worker was provisioned with, until a test changes it', async () => {
      const { fleet, clock } = makeFleet();
      const { id, hostname } = await fleet.provider.provision({
        ...provisionRequest('w-ent'),
        license: { licenseType: 'ENTERPRISE', maxNodes: 500 },
      });
      await clock.advance(15 * SECOND);
      const host = hostname ?? '';
      expect(await fleet.runtime.licensing(host)).toEqual({
        licenseType: 'ENTERPRISE',
        status: 'REGISTERED',
        nodeLimit: 500,
        nodesInUse: 0,
      });
      fleet.setLicense(id, { status: 'EXPIRED', nodeLimit: 10 });
      expect(await fleet.runtime.licensing(host)).toMatchObject({
        licenseType: 'ENTERPRISE',
        status: 'EXPIRED',
        nodeLimit: 10,
      });
      // It is part of the fleet's saved state.
      expect(fleet.snapshot().vms.find((vm) => vm.id === id)?.license).toEqual({
        licenseType: 'ENTERPRISE',
        status: 'EXPIRED',
        nodeLimit: 10,
      });
    });

    it('is unavailable while the engine is, like every lab call', async () => {
      const { fleet } = makeFleet();
      const { hostname } = await fleet.provider.provision(
        provisionRequest('w-boot'),
      );
      await expect(fleet.runtime.licensing(hostname ?? '')).rejects.toThrow(
        LabEngineUnavailable,
      );
    });
  });

  describe('health', () => {
    it('follows the VM: UNAVAILABLE while pending, STARTING after boot, then AVAILABLE', async () => {
      const { fleet, clock } = makeFleet();
      const { hostname } = await fleet.provider.provision(
        provisionRequest('w-1'),
      );
      const host = hostname ?? '';
      expect(await fleet.runtime.health(host)).toEqual({
        status: 'UNAVAILABLE',
      });
      await clock.advance(10 * SECOND);
      expect(await fleet.runtime.health(host)).toEqual({
        status: 'STARTING',
        version: '2.9.0',
      });
      await clock.advance(5 * SECOND);
      expect(await fleet.runtime.health(host)).toEqual({
        status: 'AVAILABLE',
        version: '2.9.0',
      });
      expect(await fleet.runtime.health('nowhere.sim.lcm.internal')).toEqual({
        status: 'UNAVAILABLE',
      });
    });

    it('reports ERROR when the engine is broken, until the VM boots again', async () => {
      const { fleet, clock } = makeFleet();
      const { cloudId, host } = await readyWorker(fleet, clock);
      fleet.setEngineError(cloudId);
      expect((await fleet.runtime.health(host)).status).toBe('ERROR');
      await expect(fleet.runtime.listLabs(host)).rejects.toMatchObject({
        code: 'LAB_ENGINE_UNAVAILABLE',
        status: 'ERROR',
      });
      await fleet.provider.stop(cloudId);
      await clock.advance(3 * SECOND);
      await fleet.provider.start(cloudId);
      await clock.advance(4 * SECOND + 5 * SECOND);
      expect((await fleet.runtime.health(host)).status).toBe('AVAILABLE');
    });
  });

  describe('lab lifecycle', () => {
    it('imports DEFINED, starts through STARTING to STARTED, stops, wipes, deletes', async () => {
      const { fleet, clock } = makeFleet();
      const { host } = await readyWorker(fleet, clock);
      const runtime = fleet.runtime;

      const importing = runtime.importLab(host, importRequest('inst-1'));
      await clock.advance(1 * SECOND);
      const { labId, created } = await importing;
      expect(created).toBe(true);
      expect(labId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(await runtime.labState(host, labId)).toBe('DEFINED');

      await runtime.startLab(host, labId);
      expect(await runtime.labState(host, labId)).toBe('STARTING');
      await runtime.startLab(host, labId); // no-op while starting
      await clock.advance(2 * SECOND);
      expect(await runtime.labState(host, labId)).toBe('STARTED');

      const stopping = runtime.stopLab(host, labId);
      await clock.advance(1 * SECOND);
      await stopping;
      expect(await runtime.labState(host, labId)).toBe('STOPPED');
      await runtime.stopLab(host, labId); // no-op when stopped

      await runtime.wipeLab(host, labId);
      expect(await runtime.labState(host, labId)).toBe('WIPED');
      await runtime.startLab(host, labId); // a wiped lab can start again
      await clock.advance(2 * SECOND);
      expect(await runtime.labState(host, labId)).toBe('STARTED');

      const deleting = runtime.deleteLab(host, labId); // stops it first
      await clock.advance(1 * SECOND);
      await deleting;
      expect(await runtime.labState(host, labId)).toBeUndefined();
      await runtime.deleteLab(host, labId); // unknown lab: success
      await expect(runtime.startLab(host, labId)).rejects.toBeInstanceOf(
        LabNotFound,
      );
    });

    it('lists labs and their nodes with ports', async () => {
      const { fleet, clock } = makeFleet({ labImportMs: 0 });
      const { host, cloudId } = await readyWorker(fleet, clock);
      const { labId } = await fleet.runtime.importLab(
        host,
        importRequest('inst-1'),
      );
      await fleet.runtime.importLab(
        host,
        importRequest('inst-2', 'lab:\n  title: empty\n'),
      );
      await fleet.runtime.startLab(host, labId);

      expect(await fleet.runtime.listLabs(host)).toEqual([
        expect.objectContaining({
          labId,
          title: 'lab for inst-1',
          idempotencyKey: 'inst-1',
          nodeCount: 3,
          state: 'STARTING',
          createdAt: clock.iso(),
        }),
        expect.objectContaining({
          idempotencyKey: 'inst-2',
          nodeCount: 0,
          state: 'DEFINED',
        }),
      ]);
      expect(await fleet.runtime.nodes(host, labId)).toEqual([
        {
          label: 'vmanage-mock',
          state: 'STARTING',
          ports: [{ protocol: 'serial', port: 5041 }],
        },
        {
          label: 'ubuntu-desktop',
          state: 'STARTING',
          ports: [
            { protocol: 'serial', port: 5042 },
            { protocol: 'vnc', port: 5044 },
          ],
        },
        { label: 'router', state: 'STARTING' },
      ]);
      await clock.advance(2 * SECOND);
      // 3 started nodes x 2 vCPU of 48, x 8 GB of 192 over the idle baseline
      expect(await fleet.provider.metrics(cloudId)).toEqual({
        cpuUtilization: 14.5,
        memoryUtilization: 17.5,
      });
    });

    it('rejects bad imports with InvalidParameter', async () => {
      const { fleet, clock } = makeFleet();
      const { host } = await readyWorker(fleet, clock);
      await expect(
        fleet.runtime.importLab(
          host,
          importRequest(
            'i',
            'nodes:\n  - id: n0\n    tags: [serial:${PORT_SERIAL_1}]\n',
          ),
        ),
      ).rejects.toMatchObject({ code: 'INVALID_PARAMETER', field: 'yaml' });
      await expect(
        fleet.runtime.importLab(host, importRequest('')),
      ).rejects.toBeInstanceOf(InvalidParameter);
      await expect(
        fleet.runtime.importLab(host, importRequest('i', '')),
      ).rejects.toBeInstanceOf(InvalidParameter);
      await expect(
        fleet.runtime.importLab(
          host,
          importRequest('i', `lab: {}\n#${'x'.repeat(1024 * 1024)}`),
        ),
      ).rejects.toMatchObject({ field: 'yaml' });
      expect(await fleet.runtime.listLabs(host)).toEqual([]);
    });
  });

  describe('import idempotency', () => {
    it('returns the same lab for a repeated key, and a new one after delete', async () => {
      const { fleet, clock } = makeFleet({ labImportMs: 0 });
      const { host } = await readyWorker(fleet, clock);
      const first = await fleet.runtime.importLab(
        host,
        importRequest('inst-1'),
      );
      const again = await fleet.runtime.importLab(host, {
        ...importRequest('inst-1'),
        title: 'other title',
      });
      expect(again).toEqual({ labId: first.labId, created: false });
      expect(await fleet.runtime.listLabs(host)).toHaveLength(1);

      await fleet.runtime.deleteLab(host, first.labId);
      const fresh = await fleet.runtime.importLab(
        host,
        importRequest('inst-1'),
      );
      expect(fresh.created).toBe(true);
      expect(fresh.labId).not.toBe(first.labId);
    });

    it('joins an import already in flight instead of creating a second lab', async () => {
      const { fleet, clock } = makeFleet();
      const { host } = await readyWorker(fleet, clock);
      const a = fleet.runtime.importLab(host, importRequest('inst-1'));
      await clock.advance(500);
      const b = fleet.runtime.importLab(host, importRequest('inst-1'));
      await clock.advance(500);
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra.created).toBe(true);
      expect(rb).toEqual({ labId: ra.labId, created: false });
      expect(await fleet.runtime.listLabs(host)).toHaveLength(1);
    });
  });

  describe('unreachable engine', () => {
    it('throws a retryable LabEngineUnavailable while the VM is not running', async () => {
      const { fleet, clock } = makeFleet({ labImportMs: 0 });
      const { id: cloudId, hostname } = await fleet.provider.provision(
        provisionRequest('w-1'),
      );
      const host = hostname ?? '';

      const whileBooting = await fleet.runtime
        .importLab(host, importRequest('inst-1'))
        .catch((e: unknown) => e);
      expect(whileBooting).toBeInstanceOf(LabEngineUnavailable);
      expect(whileBooting).toMatchObject({
        status: 'UNAVAILABLE',
        retryable: true,
      });
      await clock.advance(10 * SECOND);
      await expect(fleet.runtime.listLabs(host)).rejects.toMatchObject({
        status: 'STARTING',
        retryable: true,
      });
      await clock.advance(5 * SECOND);
      const { labId } = await fleet.runtime.importLab(
        host,
        importRequest('inst-1'),
      );
      await fleet.runtime.startLab(host, labId);

      await fleet.provider.stop(cloudId);
      expect((await fleet.runtime.health(host)).status).toBe('UNAVAILABLE');
      for (const call of [
        () => fleet.runtime.startLab(host, labId),
        () => fleet.runtime.stopLab(host, labId),
        () => fleet.runtime.wipeLab(host, labId),
        () => fleet.runtime.deleteLab(host, labId),
        () => fleet.runtime.labState(host, labId),
        () => fleet.runtime.listLabs(host),
        () => fleet.runtime.nodes(host, labId),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LabEngineUnavailable);
        expect(isRetryableProviderError(error)).toBe(true);
      }
      await expect(
        fleet.runtime.listLabs('unknown.host'),
      ).rejects.toBeInstanceOf(LabEngineUnavailable);
    });

    it('keeps labs across a VM stop/start (as STOPPED) and loses them on terminate', async () => {
      const { fleet, clock } = makeFleet({ labImportMs: 0, labStartMs: 0 });
      const { cloudId, host } = await readyWorker(fleet, clock);
      const { labId } = await fleet.runtime.importLab(
        host,
        importRequest('inst-1'),
      );
      await fleet.runtime.startLab(host, labId);
      expect(await fleet.runtime.labState(host, labId)).toBe('STARTED');

      await fleet.provider.stop(cloudId);
      await clock.advance(3 * SECOND);
      await fleet.provider.start(cloudId);
      await clock.advance(9 * SECOND);
      expect(await fleet.runtime.labState(host, labId)).toBe('STOPPED');

      await fleet.provider.terminate(cloudId);
      await clock.advance(2 * SECOND);
      expect((await fleet.runtime.health(host)).status).toBe('UNAVAILABLE');
      expect(fleet.stats().labs).toEqual({
        DEFINED: 0,
        STARTING: 0,
        STARTED: 0,
        STOPPED: 0,
        WIPED: 0,
      });
    });

    it('fails an import whose VM stopped while it ran', async () => {
      const { fleet, clock } = makeFleet();
      const { cloudId, host } = await readyWorker(fleet, clock);
      const importing = fleet.runtime
        .importLab(host, importRequest('inst-1'))
        .catch((e: unknown) => e);
      await clock.advance(500);
      await fleet.provider.stop(cloudId);
      await clock.advance(500);
      expect(await importing).toBeInstanceOf(LabEngineUnavailable);
    });
  });
});
