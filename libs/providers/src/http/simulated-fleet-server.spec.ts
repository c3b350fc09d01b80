import { ManualClock } from '@lcm/domain';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTRACT_TIMING } from '../../test/fleet-contract';
import { provisionRequest } from '../../test/simulated-fixtures';
import { createSimulatedFleet } from '../simulated/simulated-fleet';
import {
  FleetStateFile,
  readFleetStateFile,
} from '../simulated/fleet-state-file';
import { FLEET_ROUTES } from './fleet-wire';
import { HttpWorkerProvider } from './http-worker-provider';
import { SimulatedFleetControl } from './simulated-fleet-control';
import { createSimulatedFleetServer } from './simulated-fleet-server';

describe('createSimulatedFleetServer', () => {
  const clock = new ManualClock('2026-01-16T09:00:00.000Z');

  it('serves /healthz, refuses unknown routes and malformed bodies with typed errors', async () => {
    const fleet = createSimulatedFleet({ ...CONTRACT_TIMING, clock });
    const server = await createSimulatedFleetServer(fleet);
    try {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', revision: 0 });
      expect(
        (await fetch(`${server.url}/v1/provider/explode`, { method: 'POST' }))
          .status,
      ).toBe(404);
      const bad = await fetch(`${server.url}${FLEET_ROUTES.describe}`, {
        method: 'POST',
        body: '{not json',
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({
        error: { code: 'INVALID_PARAMETER', field: 'body' },
      });
      const array = await fetch(`${server.url}${FLEET_ROUTES.describe}`, {
        method: 'POST',
        body: '[1]',
      });
      expect(array.status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('refuses a body over the limit', async () => {
    const fleet = createSimulatedFleet({ ...CONTRACT_TIMING, clock });
    const server = await createSimulatedFleetServer(fleet, {
      maxBodyBytes: 1024,
    });
    try {
      const response = await fetch(`${server.url}${FLEET_ROUTES.importLab}`, {
        method: 'POST',
        body: JSON.stringify({
          host: 'h',
          request: { yaml: 'x'.repeat(5000) },
        }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'INVALID_PARAMETER', field: 'body' },
      });
    } finally {
      await server.close();
    }
  });

  it('exposes the fleet hooks: info, stats, latency, unmanaged VMs, snapshot and restore', async () => {
    const fleet = createSimulatedFleet({ ...CONTRACT_TIMING, clock });
    let changes = 0;
    const server = await createSimulatedFleetServer(fleet, {
      onChange: () => changes++,
    });
    const options = { baseUrl: server.url, retries: 0 };
    const control = new SimulatedFleetControl(options);
    const provider = new HttpWorkerProvider(options);
    try {
      const vm = await provider.provision(provisionRequest('w-1'));
      expect(changes).toBe(1);
      await provider.describe(vm.id);
      expect(changes).toBe(1); // reads are not changes
      expect(await control.info()).toMatchObject({
        now: '2026-01-16T09:00:00.000Z',
        revision: fleet.revision,
        latency: { bootTimeMs: 10_000 },
      });
      await control.setLatency({ bootTimeMs: 1 });
      expect(fleet.latency.bootTimeMs).toBe(1);
      await expect(
        control.setFailureRates({ provisionFailureRate: 2 }),
      ).rejects.toMatchObject({
        code: 'INVALID_PARAMETER',
        field: 'provisionFailureRate',
      });
      const unmanaged = await control.launchUnmanaged({
        tags: { Owner: 'someone' },
      });
      expect(unmanaged.tags).toMatchObject({ Owner: 'someone' });
      expect((await control.stats()).instances.pending).toBe(2);
      expect(await control.instanceForHost(vm.hostname ?? '')).toMatchObject({
        id: vm.id,
      });
      await control.setImpaired(vm.id);
      const snapshot = await control.snapshot();
      await provider.terminate(vm.id);
      await control.restore(snapshot);
      expect((await provider.describe(vm.id))?.state).toBe('pending');
    } finally {
      await server.close();
    }
  });

  it('persists through FleetStateFile: a new fleet started from the file sees the same VMs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lcm-sim-'));
    try {
      const path = join(dir, 'nested', 'fleet.json');
      expect(readFleetStateFile(path)).toBeUndefined();
      const fleet = createSimulatedFleet({ ...CONTRACT_TIMING, clock });
      const file = new FleetStateFile(fleet, path, { intervalMs: 0 }).start();
      expect(file.save()).toBe(true);
      expect(file.save()).toBe(false); // unchanged
      const vm = await fleet.provider.provision(provisionRequest('w-1'));
      file.stop();
      const restored = createSimulatedFleet({
        ...CONTRACT_TIMING,
        clock,
        snapshot: readFleetStateFile(path),
      });
      expect(
        (await restored.provider.describe(vm.id))?.tags['lcm:worker-id'],
      ).toBe('w-1');
      expect(
        (await restored.provider.provision(provisionRequest('w-1'))).id,
      ).toBe(vm.id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
