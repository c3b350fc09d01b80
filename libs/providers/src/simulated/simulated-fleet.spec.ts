import { ValidationError, ManualClock } from '@lcm/domain';
import {
  isProviderError,
  OperationFailed,
  QuotaExceeded,
} from '../ports/provider-errors';
import type { SimulatedFleetOptions } from './fleet-config';
import { createSimulatedFleet, SimulatedFleet } from './simulated-fleet';
import {
  LAB_YAML,
  makeFleet,
  MINUTE,
  provisionRequest,
  readyWorker,
  SECOND,
  TEST_TIMING,
} from '../../test/simulated-fixtures';

const HOUR = 60 * MINUTE;
const labFor = (key: string) => ({
  idempotencyKey: key,
  title: key,
  yaml: LAB_YAML,
});

describe('SimulatedFleet', () => {
  describe('failure injection', () => {
    it('failNextProvision fails the next new VM with a typed error, once', async () => {
      const { fleet } = makeFleet();
      const existing = await fleet.provider.provision(provisionRequest('w-1'));
      fleet.failNextProvision();
      // An idempotent repeat creates nothing, so it does not consume the fault.
      expect((await fleet.provider.provision(provisionRequest('w-1'))).id).toBe(
        existing.id,
      );
      const error = await fleet.provider
        .provision(provisionRequest('w-2'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationFailed);
      expect(error).toMatchObject({ retryable: true, reason: 'injected' });
      await expect(
        fleet.provider.provision(provisionRequest('w-2')),
      ).resolves.toMatchObject({ state: 'pending' });

      fleet.failNextProvision(new QuotaExceeded('vCPU limit', 96));
      await expect(
        fleet.provider.provision(provisionRequest('w-3')),
      ).rejects.toBeInstanceOf(QuotaExceeded);
    });

    it('provisionFailureRate 1 fails every provision as insufficient capacity', async () => {
      const { fleet } = makeFleet({ provisionFailureRate: 1 });
      await expect(
        fleet.provider.provision(provisionRequest('w-1')),
      ).rejects.toMatchObject({
        code: 'OPERATION_FAILED',
        reason: 'insufficient_capacity',
        retryable: true,
      });
      expect(await fleet.provider.listManaged()).toEqual([]);
      fleet.setFailureRates({ provisionFailureRate: 0 });
      await expect(
        fleet.provider.provision(provisionRequest('w-1')),
      ).resolves.toBeDefined();
    });

    it('failNextImport fails one import (on the given host only) after its latency; no lab is left', async () => {
      const { fleet, clock } = makeFleet({ labImportMs: 0 });
      const one = await readyWorker(fleet, clock, 'w-1');
      const two = await readyWorker(fleet, clock, 'w-2');
      fleet.failNextImport(two.host);
      await expect(
        fleet.runtime.importLab(one.host, labFor('inst-1')),
      ).resolves.toMatchObject({ created: true });
      await expect(
        fleet.runtime.importLab(two.host, labFor('inst-2')),
      ).rejects.toMatchObject({
        code: 'OPERATION_FAILED',
        retryable: true,
      });
      expect(await fleet.runtime.listLabs(two.host)).toEqual([]);
      await expect(
        fleet.runtime.importLab(two.host, labFor('inst-2')),
      ).resolves.toMatchObject({ created: true });

      fleet.failNextImport();
      await expect(
        fleet.runtime.importLab(one.host, labFor('inst-3')),
      ).rejects.toBeInstanceOf(OperationFailed);
    });

    it('labImportFailureRate and labStartFailureRate make those calls fail', async () => {
      const { fleet, clock } = makeFleet({
        labImportMs: 0,
        labImportFailureRate: 1,
      });
      const { host } = await readyWorker(fleet, clock);
      await expect(
        fleet.runtime.importLab(host, labFor('inst-1')),
      ).rejects.toMatchObject({ reason: 'import_failed' });
      fleet.setFailureRates({
        labImportFailureRate: 0,
        labStartFailureRate: 1,
      });
      const { labId } = await fleet.runtime.importLab(host, labFor('inst-1'));
      await expect(fleet.runtime.startLab(host, labId)).rejects.toMatchObject({
        reason: 'start_failed',
        retryable: true,
      });
      expect(await fleet.runtime.labState(host, labId)).toBe('DEFINED');
      fleet.setFailureRates({ labStartFailureRate: 0 });
      fleet.failNextLabStart(host);
      await expect(fleet.runtime.startLab(host, labId)).rejects.toMatchObject({
        reason: 'injected',
      });
      await fleet.runtime.startLab(host, labId);
      expect(await fleet.runtime.labState(host, labId)).toBe('STARTING');
    });

    it('engineFailureRate 1 brings the engine up in ERROR', async () => {
      const { fleet, clock } = makeFleet({ engineFailureRate: 1 });
      const { host } = await readyWorker(fleet, clock);
      expect((await fleet.runtime.health(host)).status).toBe('ERROR');
    });

    it('setImpaired makes the status checks report impaired', async () => {
      const { fleet, clock } = makeFleet();
      const { cloudId } = await readyWorker(fleet, clock);
      fleet.setImpaired(cloudId);
      expect((await fleet.provider.describe(cloudId))?.checks).toBe('impaired');
      fleet.setImpaired(cloudId, false);
      expect((await fleet.provider.describe(cloudId))?.checks).toBe('ok');
    });
  });

  describe('vanishing VMs', () => {
    it('vanish() terminates a VM at once: describe says terminated, then undefined; labs are gone', async () => {
      const { fleet, clock } = makeFleet({
        labImportMs: 0,
        terminatedRetentionMs: 5 * MINUTE,
      });
      const { cloudId, host } = await readyWorker(fleet, clock);
      await fleet.runtime.importLab(host, labFor('inst-1'));
      fleet.vanish(cloudId);
      expect((await fleet.provider.describe(cloudId))?.state).toBe(
        'terminated',
      );
      expect((await fleet.runtime.health(host)).status).toBe('UNAVAILABLE');
      await expect(fleet.runtime.listLabs(host)).rejects.toMatchObject({
        code: 'LAB_ENGINE_UNAVAILABLE',
      });
      expect(await fleet.provider.listManaged()).toEqual([]);
      fleet.vanish(cloudId); // already gone: no-op
      await clock.advance(5 * MINUTE);
      expect(await fleet.provider.describe(cloudId)).toBeUndefined();
      expect(() => fleet.vanish(cloudId)).toThrow(/not found/);
      // The worker id can be provisioned again.
      const again = await fleet.provider.provision(provisionRequest('w-1'));
      expect(again.id).not.toBe(cloudId);
    });

    it('vanishRate terminates running VMs over time (never while pending)', async () => {
      const { fleet, clock } = makeFleet({ vanishRate: 2 }); // 2 per VM-hour
      const ids: string[] = [];
      for (let i = 0; i < 50; i++)
        ids.push(
          (await fleet.provider.provision(provisionRequest(`w-${i}`))).id,
        );
      await clock.advance(10 * SECOND - 1);
      expect(fleet.stats().instances.pending).toBe(50);
      await clock.advance(3 * HOUR);
      const states = await Promise.all(
        ids.map(async (id) => (await fleet.provider.describe(id))?.state),
      );
      // Vanished VMs read as terminated, then (after the 1 h retention) as unknown.
      const vanished = states.filter(
        (s) => s === 'terminated' || s === undefined,
      ).length;
      expect(vanished).toBeGreaterThan(40); // P(survive 3 h) = e^-6
      expect(
        states.every(
          (s) => s === 'terminated' || s === undefined || s === 'running',
        ),
      ).toBe(true);
    });
  });

  describe('seeded randomness', () => {
    async function scenario(seed: number | string): Promise<string[]> {
      const { fleet, clock } = makeFleet({
        seed,
        provisionFailureRate: 0.3,
        labImportFailureRate: 0.3,
        labStartFailureRate: 0.3,
        vanishRate: 0.5,
        labImportMs: 0,
      });
      const log: string[] = [];
      const record = (e: unknown) =>
        log.push(isProviderError(e) ? e.code : String(e));
      const hosts: string[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          const vm = await fleet.provider.provision(provisionRequest(`w-${i}`));
          log.push(`${vm.id} ${vm.hostname} ${vm.privateIp}`);
          hosts.push(vm.hostname ?? '');
        } catch (e) {
          record(e);
        }
      }
      await clock.advance(15 * SECOND);
      for (const [i, host] of hosts.entries()) {
        try {
          const { labId } = await fleet.runtime.importLab(
            host,
            labFor(`inst-${i}`),
          );
          log.push(labId);
          await fleet.runtime.startLab(host, labId);
          log.push('started');
        } catch (e) {
          record(e);
        }
      }
      await clock.advance(2 * HOUR);
      for (const s of await fleet.provider.listManaged({
        includeTerminated: true,
      }))
        log.push(`${s.id}:${s.state}`);
      return log;
    }

    it('gives the same ids and outcomes for the same seed, and different ones for another', async () => {
      const a = await scenario(1234);
      const b = await scenario(1234);
      expect(b).toEqual(a);
      expect(a.filter((l) => l === 'OPERATION_FAILED').length).toBeGreaterThan(
        0,
      );
      expect(a.some((l) => l.endsWith(':terminated'))).toBe(true);
      expect(await scenario('another seed')).not.toEqual(a);
    });
  });

  describe('snapshot and restore', () => {
    async function populated(): Promise<{
      fleet: SimulatedFleet;
      clock: ManualClock;
      ids: Record<string, string>;
      host: string;
      labId: string;
    }> {
      const { fleet, clock } = makeFleet({ labImportMs: 0 });
      const ready = await readyWorker(fleet, clock, 'w-ready');
      const { labId } = await fleet.runtime.importLab(
        ready.host,
        labFor('inst-1'),
      );
      await fleet.runtime.startLab(ready.host, labId);
      const stopped = await fleet.provider.provision(
        provisionRequest('w-stopped'),
      );
      await fleet.provider.stop(stopped.id);
      const terminated = await fleet.provider.provision(
        provisionRequest('w-gone'),
      );
      await fleet.provider.terminate(terminated.id);
      await clock.advance(5 * SECOND);
      const booting = await fleet.provider.provision(
        provisionRequest('w-booting'),
      );
      fleet.launchUnmanaged();
      return {
        fleet,
        clock,
        ids: {
          ready: ready.cloudId,
          stopped: stopped.id,
          terminated: terminated.id,
          booting: booting.id,
        },
        host: ready.host,
        labId,
      };
    }

    it('round-trips through JSON: same statuses, labs, indexes and counters', async () => {
      const { fleet, clock, ids, host, labId } = await populated();
      const json = JSON.stringify(fleet.snapshot());
      const restored = createSimulatedFleet({
        ...TEST_TIMING,
        clock,
        labImportMs: 0,
        snapshot: JSON.parse(json),
      });

      expect(JSON.stringify(restored.snapshot())).toBe(json);
      expect(
        await restored.provider.listManaged({ includeTerminated: true }),
      ).toEqual(await fleet.provider.listManaged({ includeTerminated: true }));
      for (const id of Object.values(ids)) {
        expect(await restored.provider.describe(id)).toEqual(
          await fleet.provider.describe(id),
        );
      }
      expect(await restored.runtime.listLabs(host)).toEqual(
        await fleet.runtime.listLabs(host),
      );
      expect(restored.stats()).toEqual(fleet.stats());

      // Idempotency survives: same VM for the same worker id, same lab for the same instance id.
      expect(
        (await restored.provider.provision(provisionRequest('w-booting'))).id,
      ).toBe(ids.booting);
      expect(await restored.runtime.importLab(host, labFor('inst-1'))).toEqual({
        labId,
        created: false,
      });
      const replacement = await restored.provider.provision(
        provisionRequest('w-gone'),
      );
      expect(replacement.id).not.toBe(ids.terminated);
      const usedIps = (
        JSON.parse(json) as { vms: { privateIp: string }[] }
      ).vms.map((vm) => vm.privateIp);
      expect(usedIps).not.toContain(replacement.privateIp); // address counters were restored too

      // Transitions in progress carry on from their timestamps.
      await clock.advance(10 * SECOND);
      expect((await restored.provider.describe(ids.booting))?.state).toBe(
        'running',
      );
      expect(await restored.runtime.labState(host, labId)).toBe('STARTED');
    });

    it('counts the time that passed between snapshot and restore', async () => {
      const { fleet, ids } = await populated();
      const snapshot = JSON.parse(JSON.stringify(fleet.snapshot()));
      const later = new ManualClock(fleet.clock.now() + HOUR);
      const restored = createSimulatedFleet({
        ...TEST_TIMING,
        clock: later,
        snapshot,
      });
      expect((await restored.provider.describe(ids.booting))?.state).toBe(
        'running',
      );
      expect((await restored.provider.describe(ids.stopped))?.state).toBe(
        'stopped',
      );
      expect(await restored.provider.describe(ids.terminated)).toBeUndefined(); // past retention
    });

    it('restore replaces the state of a live fleet; a malformed snapshot is a ValidationError', async () => {
      const { fleet, clock, ids } = await populated();
      const snapshot = fleet.snapshot();
      const other = createSimulatedFleet({ ...TEST_TIMING, clock });
      await other.provider.provision(provisionRequest('w-x'));
      other.restore(snapshot);
      expect(
        (await other.provider.listManaged()).map((s) => s.id).sort(),
      ).toEqual([ids.ready, ids.stopped, ids.booting].sort());
      for (const bad of [
        null,
        { ...snapshot, format: 'x' },
        { ...snapshot, version: 2 },
        { ...snapshot, vms: 'nope' },
        { ...snapshot, counters: {} },
        { ...snapshot, vms: [{ ...snapshot.vms[0], phase: 'flying' }] },
        { ...snapshot, vms: [snapshot.vms[0], snapshot.vms[0]] },
      ]) {
        expect(() => other.restore(bad as never)).toThrow(ValidationError);
      }
    });
  });

  describe('zero-latency mode', () => {
    it('completes every operation immediately on the real clock', async () => {
      const fleet = createSimulatedFleet({ profile: 'zero' });
      expect(fleet.latency).toEqual({
        apiLatencyMs: 0,
        bootTimeMs: 0,
        restartTimeMs: 0,
        serviceStartMs: 0,
        stopTimeMs: 0,
        terminateTimeMs: 0,
        labImportMs: 0,
        labStartMs: 0,
        labStopMs: 0,
      });
      const vm = await fleet.provider.provision(provisionRequest('w-1'));
      expect(vm.state).toBe('running');
      const host = vm.hostname ?? '';
      expect((await fleet.runtime.health(host)).status).toBe('AVAILABLE');
      const { labId } = await fleet.runtime.importLab(host, labFor('inst-1'));
      await fleet.runtime.startLab(host, labId);
      expect(await fleet.runtime.labState(host, labId)).toBe('STARTED');
      await fleet.runtime.stopLab(host, labId);
      expect(await fleet.runtime.labState(host, labId)).toBe('STOPPED');
      await fleet.provider.stop(vm.id);
      expect((await fleet.provider.describe(vm.id))?.state).toBe('stopped');
      await fleet.provider.start(vm.id);
      expect((await fleet.provider.describe(vm.id))?.state).toBe('running');
      await fleet.provider.terminate(vm.id);
      expect((await fleet.provider.describe(vm.id))?.state).toBe('terminated');
    });

    it('handles a thousand workers with labs quickly', async () => {
      const fleet = createSimulatedFleet({ profile: 'zero', seed: 'bench' });
      const started = Date.now();
      const vms = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          fleet.provider.provision(provisionRequest(`w-${i}`)),
        ),
      );
      await Promise.all(
        vms.map(async (vm, i) => {
          const { labId } = await fleet.runtime.importLab(
            vm.hostname ?? '',
            labFor(`inst-${i}`),
          );
          await fleet.runtime.startLab(vm.hostname ?? '', labId);
        }),
      );
      expect(new Set(vms.map((v) => v.hostname)).size).toBe(1000);
      expect(new Set(vms.map((v) => v.privateIp)).size).toBe(1000);
      expect(fleet.stats()).toEqual({
        instances: {
          pending: 0,
          running: 1000,
          stopping: 0,
          stopped: 0,
          'shutting-down': 0,
          terminated: 0,
        },
        labs: { DEFINED: 0, STARTING: 0, STARTED: 1000, STOPPED: 0, WIPED: 0 },
      });
      expect(await fleet.provider.listManaged()).toHaveLength(1000);
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });

  describe('configuration and inspection', () => {
    it('defaults to the realistic profile (SPEC: a 15-20 minute boot)', () => {
      const fleet = createSimulatedFleet();
      expect(
        fleet.latency.bootTimeMs + fleet.latency.serviceStartMs,
      ).toBeGreaterThanOrEqual(15 * MINUTE);
      expect(
        fleet.latency.bootTimeMs + fleet.latency.serviceStartMs,
      ).toBeLessThanOrEqual(20 * MINUTE);
      expect(fleet.failureRates).toEqual({
        provisionFailureRate: 0,
        labImportFailureRate: 0,
        labStartFailureRate: 0,
        vanishRate: 0,
        engineFailureRate: 0,
      });
    });

    it('lets individual timings override the profile', () => {
      const options: SimulatedFleetOptions = {
        profile: 'fast',
        bootTimeMs: 123,
      };
      const fleet = createSimulatedFleet(options);
      expect(fleet.latency.bootTimeMs).toBe(123);
      expect(fleet.latency.serviceStartMs).toBe(1000);
      expect(() => createSimulatedFleet({ profile: 'slow' as never })).toThrow(
        ValidationError,
      );
    });

    it('finds the VM behind a host, and bumps the revision only on changes', async () => {
      const { fleet, clock } = makeFleet();
      const r0 = fleet.revision;
      const { cloudId, host } = await readyWorker(fleet, clock);
      expect(fleet.instanceForHost(host)?.id).toBe(cloudId);
      expect(fleet.instanceForHost('nope')).toBeUndefined();
      const r1 = fleet.revision;
      expect(r1).toBeGreaterThan(r0);
      await fleet.provider.describe(cloudId);
      await fleet.runtime.health(host);
      expect(fleet.revision).toBe(r1);
      await fleet.provider.stop(cloudId);
      expect(fleet.revision).toBeGreaterThan(r1);
    });

    it('applies latency to every call (apiLatencyMs) and to lab imports', async () => {
      const { fleet, clock } = makeFleet({ apiLatencyMs: 50 });
      let done = false;
      const call = fleet.provider
        .provision(provisionRequest('w-1'))
        .then(() => (done = true));
      await clock.advance(49);
      expect(done).toBe(false);
      await clock.advance(1);
      await call;
      expect(done).toBe(true);
    });
  });
});
