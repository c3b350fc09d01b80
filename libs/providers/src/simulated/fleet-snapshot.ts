import { ValidationError } from '@lcm/domain';
import type { SimVmRecord } from './fleet-records';

export const SNAPSHOT_FORMAT = 'lcm.simulated-fleet' as const;
export const SNAPSHOT_VERSION = 1 as const;

/**
 * The whole simulated data plane as plain JSON (JSON.stringify/parse round-trips it). Timestamps
 * are absolute, so time that passes between snapshot and restore counts: a VM booting when the
 * snapshot was taken is running after a restart that took longer than its boot.
 * Not included: calls in flight, and the one-shot fault hooks (failNext…).
 */
export interface SimulatedFleetSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** ISO-8601, fleet clock. */
  takenAt: string;
  counters: { privateIp: number; publicIp: number; unmanaged: number };
  /** Provision attempts per idempotency key (keyed random draws). */
  provisionAttempts: Record<string, number>;
  vms: SimVmRecord[];
}

function fail(field: string, message: string): never {
  throw new ValidationError(`snapshot.${field}`, message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the envelope and the fields the fleet indexes on; returns a deep copy. */
export function parseFleetSnapshot(value: unknown): SimulatedFleetSnapshot {
  if (!isRecord(value)) fail('', 'must be an object');
  if (value['format'] !== SNAPSHOT_FORMAT) {
    fail(
      'format',
      `expected ${SNAPSHOT_FORMAT}, got ${JSON.stringify(value['format'])}`,
    );
  }
  if (value['version'] !== SNAPSHOT_VERSION) {
    fail('version', `unsupported version ${JSON.stringify(value['version'])}`);
  }
  const counters = value['counters'];
  if (
    !isRecord(counters) ||
    !['privateIp', 'publicIp', 'unmanaged'].every(
      (k) => typeof counters[k] === 'number' && Number.isInteger(counters[k]),
    )
  ) {
    fail('counters', 'must hold integer privateIp, publicIp and unmanaged');
  }
  if (!isRecord(value['provisionAttempts']))
    fail('provisionAttempts', 'must be an object');
  const vms = value['vms'];
  if (!Array.isArray(vms)) fail('vms', 'must be an array');
  const ids = new Set<string>();
  vms.forEach((vm: unknown, i) => {
    if (!isRecord(vm)) fail(`vms[${i}]`, 'must be an object');
    for (const key of [
      'id',
      'hostname',
      'privateIp',
      'instanceType',
      'region',
      'amiName',
    ]) {
      if (typeof vm[key] !== 'string' || vm[key] === '')
        fail(`vms[${i}].${key}`, 'must be a non-empty string');
    }
    if (!['run', 'stop', 'terminate'].includes(vm['phase'] as string))
      fail(`vms[${i}].phase`, 'must be run, stop or terminate');
    for (const key of ['launchedAt', 'phaseAt', 'readyAt', 'runCount']) {
      if (typeof vm[key] !== 'number' || !Number.isFinite(vm[key]))
        fail(`vms[${i}].${key}`, 'must be a number');
    }
    if (
      !isRecord(vm['labs']) ||
      !isRecord(vm['tags']) ||
      !isRecord(vm['attempts'])
    ) {
      fail(`vms[${i}]`, 'labs, tags and attempts must be objects');
    }
    if (ids.has(vm['id'] as string))
      fail(`vms[${i}].id`, `duplicate id ${String(vm['id'])}`);
    ids.add(vm['id'] as string);
  });
  return structuredClone(value) as unknown as SimulatedFleetSnapshot;
}
