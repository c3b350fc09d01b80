import {
  allocatePorts,
  releasePorts,
  type PortMap,
  type PortRange,
  type WorkerPorts,
} from '../values/port-allocation';
import {
  releaseCapacity,
  reserveCapacity,
  type WorkerCapacityRecord,
} from '../values/worker-capacity';
import { capacityRequestOf } from './instance-spec';
import type { LabletInstance } from './lablet-instance';

/** A worker's two resource records, as read together from the state store. */
export interface WorkerResources {
  capacity: WorkerCapacityRecord;
  ports: WorkerPorts;
}

export interface ReservedResources extends WorkerResources {
  allocatedPorts: PortMap;
}

/**
 * Reserves the instance's capacity and its ports (lowest free first) on a worker, all or nothing.
 * Throws CapacityExceeded or PortExhausted and changes nothing when either does not fit.
 */
export function reserveInstanceResources(args: {
  instance: LabletInstance;
  workerId: string;
  portRange: PortRange;
  resources: WorkerResources;
  now: string;
}): ReservedResources {
  const { instance, workerId, portRange, resources, now } = args;
  const capacity = reserveCapacity(
    resources.capacity,
    capacityRequestOf(instance.spec),
    workerId,
  );
  const { allocation, ports } = allocatePorts({
    workerId,
    range: portRange,
    ports: resources.ports,
    instanceId: instance.id,
    definitions: instance.spec.ports,
    now,
  });
  return { capacity, ports, allocatedPorts: allocation.ports };
}

/**
 * Gives back what the instance holds on its worker. The ports record is the ledger: with no
 * entry for the instance nothing is held (already released), so releasing twice is harmless.
 */
export function releaseInstanceResources(
  instance: LabletInstance,
  resources: WorkerResources,
): WorkerResources {
  if (!Object.prototype.hasOwnProperty.call(resources.ports, instance.id)) {
    return resources;
  }
  return {
    capacity: releaseCapacity(
      resources.capacity,
      capacityRequestOf(instance.spec),
    ),
    ports: releasePorts(resources.ports, instance.id),
  };
}
