import {
  allocatePorts,
  capacityRequestOf,
  reserveCapacity,
  type PortMap,
  type WorkerCapacityRecord,
  type WorkerPorts,
} from '@lcm/domain';
import type { PlacementRequest, WorkerView } from './worker-view';

// allocatedAt is not part of a decision (scheduleInstance stamps the real time), so a fixed
// instant keeps placement free of a clock argument.
export const DECISION_ALLOCATED_AT = '1970-01-01T00:00:00.000Z';

export interface ReservedOnWorker {
  capacity: WorkerCapacityRecord;
  ports: WorkerPorts;
  allocatedPorts: PortMap;
}

/**
 * What `scheduleInstance` will do to the worker's records (domain's `reserveCapacity` and
 * `allocatePorts`, lowest free port first), computed ahead so the decision carries the result.
 * `now` only stamps the allocation's `allocatedAt`.
 */
export function reserveOnWorker(
  view: WorkerView,
  request: PlacementRequest,
  now: string,
): ReservedOnWorker {
  const capacity = reserveCapacity(
    view.capacity,
    capacityRequestOf(request.spec),
    view.worker.id,
  );
  const { allocation, ports } = allocatePorts({
    workerId: view.worker.id,
    range: view.worker.portRange,
    ports: view.ports,
    instanceId: request.id,
    definitions: request.spec.ports,
    now,
  });
  return { capacity, ports, allocatedPorts: allocation.ports };
}

/** The view after the reservation: what the next placement in the same pass must see. */
export function withReservation(
  view: WorkerView,
  reserved: ReservedOnWorker,
): WorkerView {
  return {
    worker: view.worker,
    capacity: reserved.capacity,
    ports: reserved.ports,
  };
}
