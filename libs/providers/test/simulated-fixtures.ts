// Shared by the simulated fleet's specs (not exported from the library).
import { ManualClock } from '@lcm/domain';
import type { ProvisionRequest } from '../src/ports/worker-provider';
import type { SimulatedFleetOptions } from '../src/simulated/fleet-config';
import {
  createSimulatedFleet,
  type SimulatedFleet,
} from '../src/simulated/simulated-fleet';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;

/** Timings the specs reason about: boot 10 s + engine 5 s, stop 3 s, labs 1-2 s. */
export const TEST_TIMING = {
  profile: 'zero',
  bootTimeMs: 10 * SECOND,
  restartTimeMs: 4 * SECOND,
  serviceStartMs: 5 * SECOND,
  stopTimeMs: 3 * SECOND,
  terminateTimeMs: 2 * SECOND,
  labImportMs: 1 * SECOND,
  labStartMs: 2 * SECOND,
  labStopMs: 1 * SECOND,
} as const satisfies SimulatedFleetOptions;

export function makeFleet(options: SimulatedFleetOptions = {}): {
  fleet: SimulatedFleet;
  clock: ManualClock;
} {
  const clock = new ManualClock('2026-01-16T09:00:00.000Z');
  const fleet = createSimulatedFleet({ ...TEST_TIMING, clock, ...options });
  return { fleet, clock };
}

export function provisionRequest(
  workerId: string,
  overrides: Partial<ProvisionRequest> = {},
): ProvisionRequest {
  return {
    idempotencyKey: workerId,
    templateName: 'personal-standard',
    instanceType: 'm5zn.metal',
    amiPattern: 'CML-2.9.*',
    region: 'us-east-1',
    tags: { Team: 'labs' },
    ...overrides,
  };
}

/** A rewritten lab (ports filled in), shaped like the SPEC's sample. */
export const LAB_YAML = [
  'lab:',
  '  title: DEVASC sample',
  'nodes:',
  '  - id: n0',
  '    label: vmanage-mock',
  '    tags:',
  '      - serial:5041',
  '  - id: n1',
  '    label: ubuntu-desktop',
  '    tags: [serial:5042, vnc:5044]',
  '  - id: n2',
  '    label: router',
  'links:',
  '  - id: l0',
].join('\n');

/** Provisions a worker and waits until its lab engine is AVAILABLE; returns its cloud id and host. */
export async function readyWorker(
  fleet: SimulatedFleet,
  clock: ManualClock,
  workerId = 'w-1',
): Promise<{ cloudId: string; host: string }> {
  const instance = await fleet.provider.provision(provisionRequest(workerId));
  const latency = fleet.latency;
  await clock.advance(latency.bootTimeMs + latency.serviceStartMs);
  if (!instance.hostname) throw new Error('no hostname');
  return { cloudId: instance.id, host: instance.hostname };
}
