import { CapacityExceeded, ValidationError } from '../errors';

/** Capacity in four dimensions; `maxNodes` is the licence's node limit, summed like the others. */
export interface WorkerCapacity {
  cpuCores: number;
  memoryGb: number;
  storageGb: number;
  maxNodes: number;
}

/** Value of `/lcm/workers/{id}/capacity`: what the template declares and what placed instances hold. */
export interface WorkerCapacityRecord {
  declared: WorkerCapacity;
  allocated: WorkerCapacity;
}

export type CapacityDimension = keyof WorkerCapacity;

export const CAPACITY_DIMENSIONS: readonly CapacityDimension[] = [
  'cpuCores',
  'memoryGb',
  'storageGb',
  'maxNodes',
];

export const ZERO_CAPACITY: Readonly<WorkerCapacity> = Object.freeze({
  cpuCores: 0,
  memoryGb: 0,
  storageGb: 0,
  maxNodes: 0,
});

function combine(
  a: WorkerCapacity,
  b: WorkerCapacity,
  f: (x: number, y: number) => number,
): WorkerCapacity {
  return {
    cpuCores: f(a.cpuCores, b.cpuCores),
    memoryGb: f(a.memoryGb, b.memoryGb),
    storageGb: f(a.storageGb, b.storageGb),
    maxNodes: f(a.maxNodes, b.maxNodes),
  };
}

export function addCapacity(
  a: WorkerCapacity,
  b: WorkerCapacity,
): WorkerCapacity {
  return combine(a, b, (x, y) => x + y);
}

/** a - b per dimension, floored at 0 (capacity is never negative). */
export function subtractCapacity(
  a: WorkerCapacity,
  b: WorkerCapacity,
): WorkerCapacity {
  return combine(a, b, (x, y) => Math.max(0, x - y));
}

export function validateWorkerCapacity(
  capacity: WorkerCapacity,
  field = 'capacity',
): void {
  for (const dimension of CAPACITY_DIMENSIONS) {
    const value = capacity[dimension];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ValidationError(
        `${field}.${dimension}`,
        `must be a number >= 0, got ${JSON.stringify(value)}`,
      );
    }
  }
}

/** A fresh record for a new worker: everything declared, nothing allocated. */
export function newCapacityRecord(
  declared: WorkerCapacity,
): WorkerCapacityRecord {
  validateWorkerCapacity(declared, 'declared');
  return { declared: { ...declared }, allocated: { ...ZERO_CAPACITY } };
}

/** Declared minus allocated, per dimension. */
export function availableCapacity(
  record: WorkerCapacityRecord,
): WorkerCapacity {
  return subtractCapacity(record.declared, record.allocated);
}

/** The dimensions in which `request` does not fit the available capacity (empty when it fits). */
export function capacityShortfall(
  record: WorkerCapacityRecord,
  request: WorkerCapacity,
): CapacityDimension[] {
  return CAPACITY_DIMENSIONS.filter(
    (d) => record.allocated[d] + request[d] > record.declared[d],
  );
}

export function fitsCapacity(
  record: WorkerCapacityRecord,
  request: WorkerCapacity,
): boolean {
  return capacityShortfall(record, request).length === 0;
}

/** Adds `request` to the allocation; throws CapacityExceeded rather than go above declared. */
export function reserveCapacity(
  record: WorkerCapacityRecord,
  request: WorkerCapacity,
  workerId: string,
): WorkerCapacityRecord {
  const short = capacityShortfall(record, request);
  if (short.length > 0) {
    throw new CapacityExceeded(workerId, short);
  }
  return {
    declared: record.declared,
    allocated: addCapacity(record.allocated, request),
  };
}

/** Takes `request` off the allocation, never below 0. */
export function releaseCapacity(
  record: WorkerCapacityRecord,
  request: WorkerCapacity,
): WorkerCapacityRecord {
  return {
    declared: record.declared,
    allocated: subtractCapacity(record.allocated, request),
  };
}

/** Mean over the four dimensions of allocated / declared (0 when nothing is declared). */
export function capacityUtilisation(
  record: WorkerCapacityRecord,
  extra: WorkerCapacity = ZERO_CAPACITY,
): number {
  const ratios = CAPACITY_DIMENSIONS.map((d) =>
    record.declared[d] > 0
      ? (record.allocated[d] + extra[d]) / record.declared[d]
      : 0,
  );
  return ratios.reduce((sum, r) => sum + r, 0) / ratios.length;
}

/** Checks a stored `/lcm/workers/{id}/capacity` value (already JSON-parsed). */
export function parseCapacityRecord(value: unknown): WorkerCapacityRecord {
  if (typeof value !== 'object' || value === null)
    throw new ValidationError('capacity', 'must be an object');
  const record = value as Partial<WorkerCapacityRecord>;
  if (typeof record.declared !== 'object' || record.declared === null) {
    throw new ValidationError('capacity.declared', 'must be an object');
  }
  if (typeof record.allocated !== 'object' || record.allocated === null) {
    throw new ValidationError('capacity.allocated', 'must be an object');
  }
  validateWorkerCapacity(record.declared, 'capacity.declared');
  validateWorkerCapacity(record.allocated, 'capacity.allocated');
  return record as WorkerCapacityRecord;
}
