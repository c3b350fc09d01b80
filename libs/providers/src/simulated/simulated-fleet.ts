import { type Clock } from '@lcm/domain';
import { LAB_STATES, type LabState } from '../ports/lab-runtime';
import { OperationFailed, type ProviderError } from '../ports/provider-errors';
import {
  CLOUD_INSTANCE_STATES,
  type CloudInstanceState,
  type CloudInstanceStatus,
} from '../ports/worker-provider';
import {
  mergeFailureRates,
  mergeLatency,
  type SimulatedFailureRates,
  type SimulatedFleetOptions,
  type SimulatedLatency,
} from './fleet-config';
import { FleetCore } from './fleet-core';
import { labState, vmState, type SimLicense } from './fleet-records';
import type { SimulatedFleetSnapshot } from './fleet-snapshot';
import { SimulatedLabRuntime } from './simulated-lab-runtime';
import { SimulatedWorkerProvider } from './simulated-worker-provider';

export interface FleetStats {
  /** VMs still known (terminated ones until their retention ends), by cloud state. */
  instances: Record<CloudInstanceState, number>;
  /** Labs on those VMs, by state. */
  labs: Record<LabState, number>;
}

/** A VM created outside LCM (no ManagedBy=lcm tag unless given), for orphan-detection tests. */
export interface LaunchUnmanagedInput {
  instanceType?: string;
  region?: string;
  amiName?: string;
  tags?: Record<string, string>;
}

/**
 * An in-process data plane: worker VMs (WorkerProvider) and the lab engine on each (LabRuntime)
 * over one shared state, with configurable latency, seeded faults and test hooks.
 */
export class SimulatedFleet {
  readonly provider: SimulatedWorkerProvider;
  readonly runtime: SimulatedLabRuntime;
  private readonly core: FleetCore;

  constructor(options: SimulatedFleetOptions = {}) {
    this.core = new FleetCore(options);
    this.provider = new SimulatedWorkerProvider(this.core);
    this.runtime = new SimulatedLabRuntime(this.core);
  }

  get clock(): Clock {
    return this.core.clock;
  }

  /** Increases on every change of the stored state; unchanged revision = nothing to persist. */
  get revision(): number {
    return this.core.revision;
  }

  get latency(): Readonly<SimulatedLatency> {
    return { ...this.core.config.latency };
  }

  get failureRates(): Readonly<SimulatedFailureRates> {
    return { ...this.core.config.failures };
  }

  /** Changes the latency of operations started from now on (running transitions keep theirs). */
  setLatency(patch: Partial<SimulatedLatency>): void {
    this.core.config = {
      ...this.core.config,
      latency: mergeLatency(this.core.config.latency, patch),
    };
  }

  setFailureRates(patch: Partial<SimulatedFailureRates>): void {
    this.core.config = {
      ...this.core.config,
      failures: mergeFailureRates(this.core.config.failures, patch),
    };
  }

  // ---- fault hooks ----

  /** The VM disappears now: describe reports `terminated` (then undefined), its labs are gone. */
  vanish(cloudId: string): void {
    const vm = this.core.require(cloudId);
    if (vmState(vm, this.core.now()) === 'terminated') return;
    this.core.beginTerminate(vm, this.core.now(), 0, true);
  }

  /** The next provision that would create a VM fails with `error` (default: retryable OperationFailed). */
  failNextProvision(error?: ProviderError): void {
    this.core.faults.provision.push(
      error ??
        new OperationFailed('injected provision failure', {
          retryable: true,
          reason: 'injected',
        }),
    );
  }

  /** The next import on `host` (any host when omitted) fails with `error`. */
  failNextImport(host?: string, error?: ProviderError): void {
    this.core.faults.imports.push({
      host,
      error:
        error ??
        new OperationFailed('injected lab import failure', {
          retryable: true,
          reason: 'injected',
        }),
    });
  }

  /** The next lab start on `host` (any host when omitted) fails with `error`. */
  failNextLabStart(host?: string, error?: ProviderError): void {
    this.core.faults.labStarts.push({
      host,
      error:
        error ??
        new OperationFailed('injected lab start failure', {
          retryable: true,
          reason: 'injected',
        }),
    });
  }

  /** The lab engine of a VM reports ERROR (until cleared, or until the VM boots again). */
  setEngineError(cloudId: string, error = true): void {
    this.core.require(cloudId).engineError = error;
    this.core.touch();
  }

  /** Changes the licence the VM's engine reports (an expired or shrunk licence, in tests). */
  setLicense(cloudId: string, patch: Partial<SimLicense>): void {
    const vm = this.core.require(cloudId);
    vm.license = { ...this.core.engineLicense(vm), ...patch };
    this.core.touch();
  }

  /** Status checks of a running VM report `impaired` (until cleared or the VM boots again). */
  setImpaired(cloudId: string, impaired = true): void {
    this.core.require(cloudId).impaired = impaired;
    this.core.touch();
  }

  /** Launches a VM as if someone created it outside LCM. */
  launchUnmanaged(input: LaunchUnmanagedInput = {}): CloudInstanceStatus {
    const index = this.core.nextUnmanagedIndex();
    const vm = this.core.launch({
      id: this.core.newVmId('unmanaged', index),
      idempotencyKey: null,
      templateName: null,
      instanceType: input.instanceType ?? 'm5.large',
      region: input.region ?? 'us-east-1',
      amiName: input.amiName ?? 'amzn2-ami-hvm',
      tags: { Name: `unmanaged-${index}`, ...input.tags },
    });
    return this.core.toStatus(vm);
  }

  // ---- inspection ----

  /** The VM a lab-engine host name belongs to. */
  instanceForHost(host: string): CloudInstanceStatus | undefined {
    const vm = this.core.getByHost(host);
    return vm ? this.core.toStatus(vm) : undefined;
  }

  stats(): FleetStats {
    const now = this.core.now();
    const instances = Object.fromEntries(
      CLOUD_INSTANCE_STATES.map((s) => [s, 0]),
    ) as Record<CloudInstanceState, number>;
    const labs = Object.fromEntries(LAB_STATES.map((s) => [s, 0])) as Record<
      LabState,
      number
    >;
    for (const vm of this.core.all()) {
      instances[vmState(vm, now)]++;
      for (const lab of Object.values(vm.labs)) labs[labState(lab, now)]++;
    }
    return { instances, labs };
  }

  // ---- persistence ----

  /**
   * Calls `listener` after every burst of changes of the stored state, before the operation that
   * made them returns to its caller: a persister saving here has saved what the caller then sees.
   */
  onChange(listener: () => void): void {
    this.core.onChange(listener);
  }

  /** The whole data plane as plain JSON. */
  snapshot(): SimulatedFleetSnapshot {
    return this.core.snapshot();
  }

  /** Replaces the whole data plane with a snapshot's (ValidationError on a malformed one). */
  restore(snapshot: SimulatedFleetSnapshot): void {
    this.core.restore(snapshot);
  }
}

/** Builds a simulated fleet; `fleet.provider` and `fleet.runtime` are the two ports. */
export function createSimulatedFleet(
  options: SimulatedFleetOptions = {},
): SimulatedFleet {
  return new SimulatedFleet(options);
}
