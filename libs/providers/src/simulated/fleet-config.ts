import { ValidationError, type WorkerCapacity, type Clock } from '@lcm/domain';
import type { SimulatedFleetSnapshot } from './fleet-snapshot';

/** How long things take in the simulated data plane (milliseconds of the fleet's clock). */
export interface SimulatedLatency {
  /** Added to every provider and lab-engine call (network round trip). */
  apiLatencyMs: number;
  /** A new VM: pending -> running. */
  bootTimeMs: number;
  /** A stopped VM started again: pending -> running (SPEC: faster than a fresh boot). */
  restartTimeMs: number;
  /** Lab engine STARTING -> AVAILABLE, counted from the VM reaching running. */
  serviceStartMs: number;
  /** stopping -> stopped. */
  stopTimeMs: number;
  /** shutting-down -> terminated. */
  terminateTimeMs: number;
  /** Duration of an importLab call. */
  labImportMs: number;
  /** A started lab: STARTING -> STARTED. */
  labStartMs: number;
  /** Duration of a stopLab call (also paid by wipe/delete of a started lab). */
  labStopMs: number;
}

/** Injected faults. Rates are probabilities per attempt, except `vanishRate`. */
export interface SimulatedFailureRates {
  /** A provision call fails with OperationFailed (retryable, `insufficient_capacity`). */
  provisionFailureRate: number;
  /** An importLab call fails with OperationFailed (retryable). */
  labImportFailureRate: number;
  /** A startLab call fails with OperationFailed (retryable). */
  labStartFailureRate: number;
  /** Expected number of times per running-VM-hour that a running VM disappears (terminated). */
  vanishRate: number;
  /** Per boot: the lab engine comes up in ERROR instead of AVAILABLE. */
  engineFailureRate: number;
}

export type SimulatedProfile = 'zero' | 'fast' | 'realistic';

const MINUTE = 60_000;

/** Latency presets: `zero` for benchmarks, `fast` for the embedded default and e2e, `realistic` per SPEC. */
export const SIMULATED_PROFILES: Readonly<
  Record<SimulatedProfile, Readonly<SimulatedLatency>>
> = Object.freeze({
  zero: Object.freeze({
    apiLatencyMs: 0,
    bootTimeMs: 0,
    restartTimeMs: 0,
    serviceStartMs: 0,
    stopTimeMs: 0,
    terminateTimeMs: 0,
    labImportMs: 0,
    labStartMs: 0,
    labStopMs: 0,
  }),
  fast: Object.freeze({
    apiLatencyMs: 0,
    bootTimeMs: 2_000,
    restartTimeMs: 1_000,
    serviceStartMs: 1_000,
    stopTimeMs: 1_000,
    terminateTimeMs: 500,
    labImportMs: 200,
    labStartMs: 1_000,
    labStopMs: 300,
  }),
  // docs/domain.md#worker-state-machine: a fresh worker takes 15-20 min to boot, a restart ~5 min.
  realistic: Object.freeze({
    apiLatencyMs: 50,
    bootTimeMs: 15 * MINUTE,
    restartTimeMs: 3 * MINUTE,
    serviceStartMs: 3 * MINUTE,
    stopTimeMs: 1 * MINUTE,
    terminateTimeMs: 1 * MINUTE,
    labImportMs: 2_000,
    labStartMs: 2 * MINUTE,
    labStopMs: 20_000,
  }),
});

export const NO_FAILURES: Readonly<SimulatedFailureRates> = Object.freeze({
  provisionFailureRate: 0,
  labImportFailureRate: 0,
  labStartFailureRate: 0,
  vanishRate: 0,
  engineFailureRate: 0,
});

/** Capacity assumed for an instance type the options do not list (m5zn.metal, personal licence). */
export const DEFAULT_INSTANCE_CAPACITY: Readonly<WorkerCapacity> =
  Object.freeze({
    cpuCores: 48,
    memoryGb: 192,
    storageGb: 500,
    maxNodes: 20,
  });

export interface SimulatedFleetOptions
  extends Partial<SimulatedLatency>,
    Partial<SimulatedFailureRates> {
  /** Latency preset the individual `…Ms` options override. Default `realistic`. */
  profile?: SimulatedProfile;
  /** Seed of every random outcome (ids, faults). Default 1. */
  seed?: number | string;
  /** Default: the system clock. Tests pass a ManualClock. */
  clock?: Clock;
  /**
   * Capacity per instance type. When given, only these types can be provisioned (others are an
   * InvalidParameter); capacity feeds the utilisation metrics. When absent, any type is accepted.
   */
  instanceTypes?: Record<string, WorkerCapacity>;
  /** AMI catalogue. When given, `amiPattern`/`amiName` must match an entry; when absent, the name
   * is synthesised from the pattern (`CML-2.9.*` -> `CML-2.9.0`). */
  amis?: readonly string[];
  /** When given, the only regions accepted. */
  regions?: readonly string[];
  /** Account limit: VMs pending, running or stopping at once. Beyond it: QuotaExceeded. */
  maxInstances?: number;
  /** How long `describe` still reports a terminated VM before forgetting it. Default 1 hour. */
  terminatedRetentionMs?: number;
  /** Domain of the generated hostnames. Default `sim.lcm.internal`. */
  hostDomain?: string;
  /** State to start from (see SimulatedFleet.snapshot). */
  snapshot?: SimulatedFleetSnapshot;
}

export interface FleetConfig {
  latency: SimulatedLatency;
  failures: SimulatedFailureRates;
  seed: number | string;
  instanceTypes: Record<string, WorkerCapacity> | undefined;
  amis: readonly string[] | undefined;
  regions: readonly string[] | undefined;
  maxInstances: number | undefined;
  terminatedRetentionMs: number;
  hostDomain: string;
}

const LATENCY_KEYS = Object.keys(
  SIMULATED_PROFILES.zero,
) as (keyof SimulatedLatency)[];
const FAILURE_KEYS = Object.keys(
  NO_FAILURES,
) as (keyof SimulatedFailureRates)[];

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Validates and applies a latency patch (ValidationError on a negative or non-finite value). */
export function mergeLatency(
  base: SimulatedLatency,
  patch: Partial<SimulatedLatency>,
): SimulatedLatency {
  const next = { ...base };
  for (const key of LATENCY_KEYS) {
    const value = patch[key];
    if (value === undefined) continue;
    if (!isNonNegative(value)) {
      throw new ValidationError(
        key,
        `must be a number >= 0, got ${String(value)}`,
      );
    }
    next[key] = value;
  }
  return next;
}

/** Validates and applies a failure-rate patch: probabilities in [0, 1], vanishRate >= 0. */
export function mergeFailureRates(
  base: SimulatedFailureRates,
  patch: Partial<SimulatedFailureRates>,
): SimulatedFailureRates {
  const next = { ...base };
  for (const key of FAILURE_KEYS) {
    const value = patch[key];
    if (value === undefined) continue;
    const ok =
      key === 'vanishRate'
        ? isNonNegative(value)
        : isNonNegative(value) && value <= 1;
    if (!ok) {
      throw new ValidationError(
        key,
        key === 'vanishRate'
          ? `must be a rate >= 0 per VM-hour, got ${String(value)}`
          : `must be a probability in [0, 1], got ${String(value)}`,
      );
    }
    next[key] = value;
  }
  return next;
}

export function resolveFleetConfig(
  options: SimulatedFleetOptions,
): FleetConfig {
  const profile = options.profile ?? 'realistic';
  const preset = SIMULATED_PROFILES[profile];
  if (!preset) {
    throw new ValidationError('profile', `unknown profile ${String(profile)}`);
  }
  if (
    options.maxInstances !== undefined &&
    !(Number.isInteger(options.maxInstances) && options.maxInstances >= 0)
  ) {
    throw new ValidationError('maxInstances', 'must be an integer >= 0');
  }
  if (
    options.terminatedRetentionMs !== undefined &&
    !isNonNegative(options.terminatedRetentionMs)
  ) {
    throw new ValidationError('terminatedRetentionMs', 'must be a number >= 0');
  }
  for (const [type, capacity] of Object.entries(options.instanceTypes ?? {})) {
    for (const [dimension, value] of Object.entries(capacity)) {
      if (!isNonNegative(value)) {
        throw new ValidationError(
          `instanceTypes.${type}.${dimension}`,
          'must be a number >= 0',
        );
      }
    }
  }
  if (options.amis !== undefined && options.amis.length === 0) {
    throw new ValidationError(
      'amis',
      'must list at least one AMI name when given',
    );
  }
  return {
    latency: mergeLatency(preset, options),
    failures: mergeFailureRates(NO_FAILURES, options),
    seed: options.seed ?? 1,
    instanceTypes: options.instanceTypes,
    amis: options.amis,
    regions: options.regions,
    maxInstances: options.maxInstances,
    terminatedRetentionMs: options.terminatedRetentionMs ?? 60 * MINUTE,
    hostDomain: options.hostDomain ?? 'sim.lcm.internal',
  };
}
