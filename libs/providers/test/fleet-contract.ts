// One behaviour, two transports: the scenarios every implementation of the data-plane ports must
// pass, run against the in-process simulated fleet and against the same fleet behind the HTTP
// server with the HTTP clients (src/http/fleet-contract.spec.ts). Not exported from the library.
import { ManualClock } from '@lcm/domain';
import type { LabRuntime } from '../src/ports/lab-runtime';
import {
  InstanceNotFound,
  InvalidParameter,
  LabEngineUnavailable,
  LabNotFound,
  OperationFailed,
  QuotaExceeded,
  type ProviderError,
} from '../src/ports/provider-errors';
import type { WorkerProvider } from '../src/ports/worker-provider';
import type { SimulatedFleetOptions } from '../src/simulated/fleet-config';
import {
  LAB_YAML,
  provisionRequest,
  SECOND,
  TEST_TIMING,
} from './simulated-fixtures';

/** The fleet's test hooks, as both transports offer them (in-process: sync; HTTP: async). */
export interface FleetHooks {
  vanish(cloudId: string): Promise<void> | void;
  failNextProvision(error?: ProviderError): Promise<void> | void;
  failNextImport(host?: string, error?: ProviderError): Promise<void> | void;
  failNextLabStart(host?: string, error?: ProviderError): Promise<void> | void;
  setEngineError(cloudId: string, on?: boolean): Promise<void> | void;
}

export interface FleetUnderTest {
  provider: WorkerProvider;
  runtime: LabRuntime;
  hooks: FleetHooks;
  clock: ManualClock;
  close(): Promise<void>;
}

/**
 * Timings every call can complete under a manual clock without advancing it inside the call
 * (imports, stops and the API round trip are instant; boots and lab starts are computed lazily).
 */
export const CONTRACT_TIMING: SimulatedFleetOptions = {
  ...TEST_TIMING,
  apiLatencyMs: 0,
  labImportMs: 0,
  labStopMs: 0,
};

const lab = (key: string, yaml = LAB_YAML) => ({
  idempotencyKey: key,
  title: key,
  yaml,
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

export function describeFleetContract(
  name: string,
  setup: (clock: ManualClock) => Promise<FleetUnderTest>,
): void {
  describe(`data-plane contract: ${name}`, () => {
    let fleet: FleetUnderTest;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock('2026-01-16T09:00:00.000Z');
      fleet = await setup(clock);
    });
    afterEach(() => fleet.close());

    async function readyWorker(
      workerId = 'w-1',
    ): Promise<{ cloudId: string; host: string }> {
      const vm = await fleet.provider.provision(provisionRequest(workerId));
      await clock.advance(10 * SECOND + 5 * SECOND);
      if (!vm.hostname) throw new Error('no hostname');
      return { cloudId: vm.id, host: vm.hostname };
    }

    it('takes a VM through pending, running, stopped, running again and terminated', async () => {
      const { provider } = fleet;
      const vm = await provider.provision(provisionRequest('w-1'));
      expect(vm).toMatchObject({
        state: 'pending',
        provider: 'simulated',
        region: 'us-east-1',
        instanceType: 'm5zn.metal',
      });
      expect(vm.hostname).toMatch(/\.sim\.lcm\.internal$/);
      await clock.advance(10 * SECOND);
      expect(await provider.describe(vm.id)).toMatchObject({
        state: 'running',
        checks: 'insufficient-data',
        hostname: vm.hostname,
      });
      await provider.stop(vm.id);
      expect((await provider.describe(vm.id))?.state).toBe('stopping');
      await provider.stop(vm.id); // no-op while stopping
      await clock.advance(3 * SECOND);
      expect((await provider.describe(vm.id))?.state).toBe('stopped');
      await provider.start(vm.id);
      expect((await provider.describe(vm.id))?.state).toBe('pending');
      await clock.advance(4 * SECOND);
      expect((await provider.describe(vm.id))?.state).toBe('running');
      await provider.terminate(vm.id);
      expect((await provider.describe(vm.id))?.state).toBe('shutting-down');
      await clock.advance(2 * SECOND);
      expect((await provider.describe(vm.id))?.state).toBe('terminated');
      await provider.terminate(vm.id); // idempotent
    });

    it('provisions idempotently by key and refuses to reuse a key for another instance type', async () => {
      const first = await fleet.provider.provision(provisionRequest('w-1'));
      const again = await fleet.provider.provision(provisionRequest('w-1'));
      expect(again.id).toBe(first.id);
      const error = await caught(
        fleet.provider.provision(
          provisionRequest('w-1', { instanceType: 'm5.large' }),
        ),
      );
      expect(error).toBeInstanceOf(InvalidParameter);
      expect(error).toMatchObject({
        field: 'idempotencyKey',
        retryable: false,
        code: 'INVALID_PARAMETER',
      });
      expect(
        await caught(fleet.provider.provision(provisionRequest('', {}))),
      ).toMatchObject({ code: 'INVALID_PARAMETER', field: 'idempotencyKey' });
    });

    it('reports unknown ids as undefined (describe), success (terminate) or InstanceNotFound', async () => {
      const unknown = 'i-00000000000000000';
      expect(await fleet.provider.describe(unknown)).toBeUndefined();
      await expect(fleet.provider.terminate(unknown)).resolves.toBeUndefined();
      for (const call of [
        fleet.provider.start(unknown),
        fleet.provider.stop(unknown),
        fleet.provider.metrics(unknown),
      ]) {
        const error = await caught(call);
        expect(error).toBeInstanceOf(InstanceNotFound);
        expect(error).toMatchObject({ cloudId: unknown, retryable: false });
      }
      expect(await caught(fleet.provider.describe(''))).toBeInstanceOf(
        InvalidParameter,
      );
    });

    it('refuses a start while stopping (retryable) and anything on a terminated VM (not retryable)', async () => {
      const { cloudId } = await readyWorker();
      await fleet.provider.stop(cloudId);
      expect(await caught(fleet.provider.start(cloudId))).toMatchObject({
        code: 'OPERATION_FAILED',
        retryable: true,
        reason: 'incorrect_state',
      });
      await fleet.provider.terminate(cloudId);
      await clock.advance(2 * SECOND);
      const error = await caught(fleet.provider.start(cloudId));
      expect(error).toBeInstanceOf(OperationFailed);
      expect(error).toMatchObject({
        retryable: false,
        reason: 'incorrect_state',
      });
    });

    it('lists managed VMs with the LCM tags, terminated ones only on request, and reports metrics', async () => {
      const a = await readyWorker('w-a');
      await fleet.provider.provision(provisionRequest('w-b'));
      await fleet.provider.terminate(a.cloudId);
      await clock.advance(2 * SECOND);
      const live = await fleet.provider.listManaged();
      expect(live.map((s) => s.tags['lcm:worker-id'])).toEqual(['w-b']);
      expect(live[0].tags).toMatchObject({
        ManagedBy: 'lcm',
        'lcm:template': 'personal-standard',
        Name: 'cml-worker-w-b',
        Team: 'labs',
      });
      const all = await fleet.provider.listManaged({ includeTerminated: true });
      expect(all.map((s) => s.state).sort()).toEqual(['pending', 'terminated']);
      const b = await readyWorker('w-c');
      expect(await fleet.provider.metrics(b.cloudId)).toEqual({
        cpuUtilization: 2,
        memoryUtilization: 5,
      });
    });

    it('follows the engine: UNAVAILABLE for unknown hosts and while booting, STARTING, then AVAILABLE', async () => {
      expect(await fleet.runtime.health('nowhere.example')).toEqual({
        status: 'UNAVAILABLE',
      });
      const vm = await fleet.provider.provision(provisionRequest('w-1'));
      const host = vm.hostname ?? '';
      expect((await fleet.runtime.health(host)).status).toBe('UNAVAILABLE');
      await clock.advance(10 * SECOND);
      expect((await fleet.runtime.health(host)).status).toBe('STARTING');
      await clock.advance(5 * SECOND);
      expect(await fleet.runtime.health(host)).toEqual({
        status: 'AVAILABLE',
        version: '2.9.0',
      });
    });

    it('imports once per key, starts through STARTING to STARTED, lists, stops, wipes and deletes a lab', async () => {
      const { host } = await readyWorker();
      const { runtime } = fleet;
      const first = await runtime.importLab(host, lab('inst-1'));
      expect(first.created).toBe(true);
      expect(await runtime.importLab(host, lab('inst-1'))).toEqual({
        labId: first.labId,
        created: false,
      });
      expect(await runtime.labState(host, first.labId)).toBe('DEFINED');
      await runtime.startLab(host, first.labId);
      expect(await runtime.labState(host, first.labId)).toBe('STARTING');
      await clock.advance(2 * SECOND);
      expect(await runtime.labState(host, first.labId)).toBe('STARTED');
      const labs = await runtime.listLabs(host);
      expect(labs).toEqual([
        expect.objectContaining({
          labId: first.labId,
          idempotencyKey: 'inst-1',
          state: 'STARTED',
          nodeCount: 3,
          title: 'inst-1',
        }),
      ]);
      const nodes = await runtime.nodes?.(host, first.labId);
      expect(nodes?.find((n) => n.label === 'ubuntu-desktop')).toEqual({
        label: 'ubuntu-desktop',
        state: 'STARTED',
        ports: [
          { protocol: 'serial', port: 5042 },
          { protocol: 'vnc', port: 5044 },
        ],
      });
      await runtime.stopLab(host, first.labId);
      expect(await runtime.labState(host, first.labId)).toBe('STOPPED');
      await runtime.wipeLab(host, first.labId);
      expect(await runtime.labState(host, first.labId)).toBe('WIPED');
      await runtime.deleteLab(host, first.labId);
      expect(await runtime.labState(host, first.labId)).toBeUndefined();
      await expect(
        runtime.deleteLab(host, first.labId),
      ).resolves.toBeUndefined();
      expect((await runtime.importLab(host, lab('inst-1'))).created).toBe(true);
    });

    it('answers lab calls with typed errors: LabNotFound, LabEngineUnavailable, InvalidParameter', async () => {
      const { host, cloudId } = await readyWorker();
      const missing = await caught(fleet.runtime.startLab(host, 'lab-unknown'));
      expect(missing).toBeInstanceOf(LabNotFound);
      expect(missing).toMatchObject({
        host,
        labId: 'lab-unknown',
        retryable: false,
      });
      const placeholders = await caught(
        fleet.runtime.importLab(
          host,
          lab(
            'inst-2',
            'nodes:\n  - label: a\n    tags: [serial:${PORT_SERIAL_1}]\n',
          ),
        ),
      );
      expect(placeholders).toBeInstanceOf(InvalidParameter);
      expect(placeholders).toMatchObject({ field: 'yaml' });
      await fleet.provider.stop(cloudId);
      const down = await caught(fleet.runtime.listLabs(host));
      expect(down).toBeInstanceOf(LabEngineUnavailable);
      expect(down).toMatchObject({
        host,
        status: 'UNAVAILABLE',
        retryable: true,
      });
    });

    it('injects one-shot faults with the error given', async () => {
      await fleet.hooks.failNextProvision(new QuotaExceeded('vCPU limit', 96));
      const quota = await caught(
        fleet.provider.provision(provisionRequest('w-1')),
      );
      expect(quota).toBeInstanceOf(QuotaExceeded);
      expect(quota).toMatchObject({
        limit: 96,
        message: 'vCPU limit',
        retryable: true,
      });
      const { host } = await readyWorker('w-1');
      await fleet.hooks.failNextImport(host);
      expect(
        await caught(fleet.runtime.importLab(host, lab('inst-1'))),
      ).toMatchObject({
        code: 'OPERATION_FAILED',
        retryable: true,
        reason: 'injected',
      });
      const { labId } = await fleet.runtime.importLab(host, lab('inst-1'));
      await fleet.hooks.failNextLabStart(
        undefined,
        new OperationFailed('broken image', {
          retryable: false,
          reason: 'bad_image',
        }),
      );
      expect(await caught(fleet.runtime.startLab(host, labId))).toMatchObject({
        code: 'OPERATION_FAILED',
        retryable: false,
        reason: 'bad_image',
        message: 'broken image',
      });
      await fleet.runtime.startLab(host, labId);
      expect(await fleet.runtime.labState(host, labId)).toBe('STARTING');
    });

    it('a vanished VM is terminated and its engine unreachable; a broken engine reports ERROR', async () => {
      const one = await readyWorker('w-1');
      const two = await readyWorker('w-2');
      await fleet.runtime.importLab(one.host, lab('inst-1'));
      await fleet.hooks.vanish(one.cloudId);
      expect((await fleet.provider.describe(one.cloudId))?.state).toBe(
        'terminated',
      );
      expect(await caught(fleet.runtime.listLabs(one.host))).toBeInstanceOf(
        LabEngineUnavailable,
      );
      await fleet.hooks.setEngineError(two.cloudId, true);
      expect((await fleet.runtime.health(two.host)).status).toBe('ERROR');
      await fleet.hooks.setEngineError(two.cloudId, false);
      expect((await fleet.runtime.health(two.host)).status).toBe('AVAILABLE');
    });
  });
}
