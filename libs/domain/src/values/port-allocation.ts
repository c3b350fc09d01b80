import { Conflict, PortExhausted, ValidationError } from '../errors';
import type { PortDefinition } from './port-template';

/** Port name -> port number, e.g. `{ serial_1: 5041, vnc_1: 5044 }`. */
export type PortMap = Record<string, number>;

/** Inclusive range of ports a worker hands out. */
export interface PortRange {
  start: number;
  end: number;
}

export interface PortAllocation {
  instanceId: string;
  ports: PortMap;
  allocatedAt: string;
}

/**
 * Value of `/lcm/workers/{id}/ports`: instance id -> its allocation. Every instance placed on the
 * worker has an entry, even one needing no port, so the record is also the ledger of who holds
 * capacity there (release is then idempotent).
 */
export type WorkerPorts = Record<string, PortAllocation>;

export const DEFAULT_PORT_RANGE: Readonly<PortRange> = Object.freeze({
  start: 2000,
  end: 9999,
});

const MIN_PORT = 1;
const MAX_PORT = 65535;

export function validatePortRange(range: PortRange, field = 'portRange'): void {
  const { start, end } = range;
  if (!Number.isInteger(start) || start < MIN_PORT || start > MAX_PORT) {
    throw new ValidationError(
      `${field}.start`,
      `must be an integer port in ${MIN_PORT}-${MAX_PORT}`,
    );
  }
  if (!Number.isInteger(end) || end < MIN_PORT || end > MAX_PORT) {
    throw new ValidationError(
      `${field}.end`,
      `must be an integer port in ${MIN_PORT}-${MAX_PORT}`,
    );
  }
  if (start > end) {
    throw new ValidationError(field, `start ${start} is after end ${end}`);
  }
}

export function portRangeSize(range: PortRange): number {
  return Math.max(0, range.end - range.start + 1);
}

export function isPortInRange(port: number, range: PortRange): boolean {
  return Number.isInteger(port) && port >= range.start && port <= range.end;
}

/** Every port some instance holds on the worker. */
export function usedPorts(ports: WorkerPorts): Set<number> {
  const used = new Set<number>();
  for (const allocation of Object.values(ports)) {
    for (const port of Object.values(allocation.ports)) {
      used.add(port);
    }
  }
  return used;
}

/** Ports of the range nobody holds. */
export function freePortCount(range: PortRange, ports: WorkerPorts): number {
  let inRange = 0;
  for (const port of usedPorts(ports)) {
    if (isPortInRange(port, range)) inRange++;
  }
  return portRangeSize(range) - inRange;
}

export interface AllocatePortsInput {
  workerId: string;
  range: PortRange;
  /** Current allocations on the worker. */
  ports: WorkerPorts;
  instanceId: string;
  /** The definition's port template; the i-th name gets the i-th port. */
  definitions: readonly PortDefinition[];
  now: string;
}

export interface AllocatePortsResult {
  allocation: PortAllocation;
  /** The worker's allocations including the new one. */
  ports: WorkerPorts;
}

/**
 * Lowest free ports first, inside the worker's range, not necessarily contiguous.
 * All or nothing: throws PortExhausted ("only X of N") and allocates nothing when short.
 */
export function allocatePorts(input: AllocatePortsInput): AllocatePortsResult {
  const { workerId, range, ports, instanceId, definitions, now } = input;
  if (Object.prototype.hasOwnProperty.call(ports, instanceId)) {
    throw new Conflict(
      'ports',
      workerId,
      `instance ${instanceId} already holds ports on this worker`,
    );
  }
  const used = usedPorts(ports);
  const chosen: number[] = [];
  for (
    let port = range.start;
    port <= range.end && chosen.length < definitions.length;
    port++
  ) {
    if (!used.has(port)) chosen.push(port);
  }
  if (chosen.length < definitions.length) {
    throw new PortExhausted(
      workerId,
      freePortCount(range, ports),
      definitions.length,
    );
  }
  const map: PortMap = {};
  definitions.forEach((definition, i) => {
    map[definition.name] = chosen[i];
  });
  const allocation: PortAllocation = {
    instanceId,
    ports: map,
    allocatedAt: now,
  };
  return { allocation, ports: { ...ports, [instanceId]: allocation } };
}

/** Removes the instance's allocation; unchanged (same object) when it holds none. */
export function releasePorts(
  ports: WorkerPorts,
  instanceId: string,
): WorkerPorts {
  if (!Object.prototype.hasOwnProperty.call(ports, instanceId)) return ports;
  const { [instanceId]: _released, ...rest } = ports;
  return rest;
}

/** Checks a stored `/lcm/workers/{id}/ports` value (already JSON-parsed). */
export function parseWorkerPorts(value: unknown): WorkerPorts {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(
      'ports',
      'must be an object of instance id -> allocation',
    );
  }
  for (const [instanceId, allocation] of Object.entries(
    value as Record<string, unknown>,
  )) {
    const a = allocation as Partial<PortAllocation> | null;
    if (typeof a !== 'object' || a === null || a.instanceId !== instanceId) {
      throw new ValidationError(
        `ports.${instanceId}`,
        'must be the allocation of that instance',
      );
    }
    if (typeof a.ports !== 'object' || a.ports === null) {
      throw new ValidationError(
        `ports.${instanceId}.ports`,
        'must map port names to ports',
      );
    }
    for (const [name, port] of Object.entries(a.ports)) {
      if (!Number.isInteger(port) || port < MIN_PORT || port > MAX_PORT) {
        throw new ValidationError(
          `ports.${instanceId}.ports.${name}`,
          `is not a valid port: ${JSON.stringify(port)}`,
        );
      }
    }
  }
  return value as WorkerPorts;
}
