import type { WorkerState } from '@lcm/domain';
import type { LabEngineHealth } from './lab-runtime';
import type { CloudInstanceStatus } from './worker-provider';

/** The worker states the cloud can tell us about (docs/data-plane.md#cloud-states, cloud-to-domain mapping). */
export type CloudObservedWorkerState = Extract<
  WorkerState,
  'pending' | 'running' | 'stopping' | 'stopped' | 'terminated'
>;

/**
 * docs/data-plane.md#cloud-states: running -> running, stopped -> stopped, stopping and shutting-down -> stopping,
 * pending -> pending, terminated or not found (undefined) -> terminated.
 */
export function workerStateFromCloud(
  status: Pick<CloudInstanceStatus, 'state'> | undefined,
): CloudObservedWorkerState {
  switch (status?.state) {
    case 'running':
      return 'running';
    case 'stopped':
      return 'stopped';
    case 'stopping':
    case 'shutting-down':
      return 'stopping';
    case 'pending':
      return 'pending';
    case 'terminated':
    case undefined:
      return 'terminated';
  }
}

/**
 * docs/data-plane.md#cloud-states `can_connect`: the VM runs, has a host to reach, and its lab engine is AVAILABLE.
 * This is the provisioning -> running condition of docs/domain.md#worker-state-machine
 */
export function canConnect(
  status: Pick<CloudInstanceStatus, 'state' | 'hostname'> | undefined,
  health: LabEngineHealth | undefined,
): boolean {
  return (
    status?.state === 'running' &&
    typeof status.hostname === 'string' &&
    status.hostname !== '' &&
    health?.status === 'AVAILABLE'
  );
}
