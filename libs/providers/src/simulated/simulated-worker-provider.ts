import { compareSemver, globMatches, versionInText } from '@lcm/domain';
import {
  InvalidParameter,
  OperationFailed,
  QuotaExceeded,
} from '../ports/provider-errors';
import {
  buildManagedTags,
  isManagedByLcm,
  type CloudInstance,
  type CloudInstanceStatus,
  type InstanceMetrics,
  type ListManagedOptions,
  type ProvisionRequest,
  type WorkerProvider,
} from '../ports/worker-provider';
import { DEFAULT_INSTANCE_CAPACITY } from './fleet-config';
import type { FleetCore } from './fleet-core';
import { labIsActive, vmState, type SimVmRecord } from './fleet-records';

function requireText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidParameter(field, 'must be a non-empty string');
  }
  return value;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Newest AMI by the version in its name, then by name. */
function newestAmi(names: readonly string[]): string {
  return [...names].sort((a, b) => {
    const byVersion = compareSemver(
      versionInText(a) ?? '0.0.0',
      versionInText(b) ?? '0.0.0',
    );
    return byVersion !== 0 ? -byVersion : a < b ? 1 : a > b ? -1 : 0;
  })[0];
}

/** The simulated fleet's WorkerProvider. Obtain it from `SimulatedFleet.provider`. */
export class SimulatedWorkerProvider implements WorkerProvider {
  readonly name = 'simulated';

  constructor(private readonly core: FleetCore) {}

  async provision(request: ProvisionRequest): Promise<CloudInstance> {
    const amiName = this.validate(request);
    await this.core.apiCall();
    const core = this.core;
    const now = core.now();

    const existing = core.getByKey(request.idempotencyKey);
    if (existing) {
      const state = vmState(existing, now);
      if (state !== 'shutting-down' && state !== 'terminated') {
        if (
          existing.instanceType !== request.instanceType ||
          existing.region !== request.region
        ) {
          throw new InvalidParameter(
            'idempotencyKey',
            `${request.idempotencyKey} already provisioned ${existing.id} as ${existing.instanceType} in ${existing.region}`,
          );
        }
        return this.toInstance(existing, now);
      }
    }

    const attempt = core.nextProvisionAttempt(request.idempotencyKey);
    const injected = core.faults.provision.shift();
    if (injected) throw injected;
    if (
      core.random.chance(
        core.config.failures.provisionFailureRate,
        'provision-fail',
        request.idempotencyKey,
        attempt,
      )
    ) {
      throw new OperationFailed(
        `InsufficientInstanceCapacity: no ${request.instanceType} capacity in ${request.region}`,
        { retryable: true, reason: 'insufficient_capacity' },
      );
    }
    const limit = core.config.maxInstances;
    if (limit !== undefined && core.activeCount(now) >= limit) {
      throw new QuotaExceeded(`instance limit of ${limit} reached`, limit);
    }

    const vm = core.launch({
      id: core.newVmId(request.idempotencyKey, attempt),
      idempotencyKey: request.idempotencyKey,
      templateName: request.templateName,
      instanceType: request.instanceType,
      region: request.region,
      amiName,
      tags: buildManagedTags(request),
      ...(request.license
        ? {
            license: {
              licenseType: request.license.licenseType,
              status:
                request.license.licenseType === 'EVALUATION'
                  ? 'EVALUATION'
                  : 'REGISTERED',
              nodeLimit: request.license.maxNodes,
            },
          }
        : {}),
    });
    return this.toInstance(vm, now);
  }

  async start(cloudId: string): Promise<void> {
    requireText('cloudId', cloudId);
    await this.core.apiCall();
    const core = this.core;
    const vm = core.require(cloudId);
    const now = core.now();
    const state = vmState(vm, now);
    switch (state) {
      case 'pending':
      case 'running':
        return;
      case 'stopped': {
        const limit = core.config.maxInstances;
        if (limit !== undefined && core.activeCount(now) >= limit) {
          throw new QuotaExceeded(`instance limit of ${limit} reached`, limit);
        }
        core.beginRun(vm, now, core.config.latency.restartTimeMs);
        return;
      }
      case 'stopping':
        throw new OperationFailed(
          `IncorrectInstanceState: ${cloudId} is stopping`,
          {
            retryable: true,
            reason: 'incorrect_state',
          },
        );
      case 'shutting-down':
      case 'terminated':
        throw new OperationFailed(
          `IncorrectInstanceState: ${cloudId} is ${state}`,
          {
            retryable: false,
            reason: 'incorrect_state',
          },
        );
    }
  }

  async stop(cloudId: string): Promise<void> {
    requireText('cloudId', cloudId);
    await this.core.apiCall();
    const core = this.core;
    const vm = core.require(cloudId);
    const now = core.now();
    const state = vmState(vm, now);
    switch (state) {
      case 'pending':
      case 'running':
        core.beginStop(vm, now);
        return;
      case 'stopping':
      case 'stopped':
        return;
      case 'shutting-down':
      case 'terminated':
        throw new OperationFailed(
          `IncorrectInstanceState: ${cloudId} is ${state}`,
          {
            retryable: false,
            reason: 'incorrect_state',
          },
        );
    }
  }

  async terminate(cloudId: string): Promise<void> {
    requireText('cloudId', cloudId);
    await this.core.apiCall();
    const core = this.core;
    const vm = core.get(cloudId);
    if (!vm || vm.phase === 'terminate') return;
    core.beginTerminate(vm, core.now(), core.config.latency.terminateTimeMs);
  }

  async describe(cloudId: string): Promise<CloudInstanceStatus | undefined> {
    requireText('cloudId', cloudId);
    await this.core.apiCall();
    const vm = this.core.get(cloudId);
    return vm ? this.core.toStatus(vm) : undefined;
  }

  async listManaged(
    options: ListManagedOptions = {},
  ): Promise<CloudInstanceStatus[]> {
    await this.core.apiCall();
    const now = this.core.now();
    return this.core
      .all()
      .filter((vm) => isManagedByLcm(vm.tags))
      .map((vm) => this.core.toStatus(vm, now))
      .filter(
        (s) => options.includeTerminated === true || s.state !== 'terminated',
      );
  }

  /**
   * A simple load model: a started node uses 2 vCPU and 8 GB over an idle baseline of 2 % CPU and
   * 5 % memory, against the instance type's capacity. 0 when the VM is not running.
   */
  async metrics(cloudId: string): Promise<InstanceMetrics> {
    requireText('cloudId', cloudId);
    await this.core.apiCall();
    const vm = this.core.require(cloudId);
    if (vmState(vm, this.core.now()) !== 'running') {
      return { cpuUtilization: 0, memoryUtilization: 0 };
    }
    const nodes = Object.values(vm.labs)
      .filter(labIsActive)
      .reduce((sum, lab) => sum + lab.nodes.length, 0);
    const capacity =
      this.core.config.instanceTypes?.[vm.instanceType] ??
      DEFAULT_INSTANCE_CAPACITY;
    const percent = (base: number, used: number, total: number) =>
      round1(Math.min(100, base + (total > 0 ? (100 * used) / total : 100)));
    return {
      cpuUtilization: percent(2, nodes * 2, capacity.cpuCores),
      memoryUtilization: percent(5, nodes * 8, capacity.memoryGb),
    };
  }

  private toInstance(vm: SimVmRecord, now: number): CloudInstance {
    return { ...this.core.toStatus(vm, now), provider: this.name };
  }

  /** Checks the request and picks the AMI (InvalidParameter on anything wrong). */
  private validate(request: ProvisionRequest): string {
    if (typeof request !== 'object' || request === null) {
      throw new InvalidParameter('request', 'must be an object');
    }
    requireText('idempotencyKey', request.idempotencyKey);
    requireText('templateName', request.templateName);
    requireText('instanceType', request.instanceType);
    requireText('region', request.region);
    requireText('amiPattern', request.amiPattern);
    if (request.amiName !== undefined) requireText('amiName', request.amiName);
    if (typeof request.tags !== 'object' || request.tags === null) {
      throw new InvalidParameter('tags', 'must be an object of strings');
    }
    for (const [key, value] of Object.entries(request.tags)) {
      if (typeof value !== 'string') {
        throw new InvalidParameter(`tags.${key}`, 'must be a string');
      }
    }
    const { instanceTypes, regions, amis } = this.core.config;
    if (instanceTypes && !Object.hasOwn(instanceTypes, request.instanceType)) {
      throw new InvalidParameter(
        'instanceType',
        `unknown instance type ${request.instanceType}`,
      );
    }
    if (regions && !regions.includes(request.region)) {
      throw new InvalidParameter('region', `unknown region ${request.region}`);
    }
    if (!amis) {
      return request.amiName ?? request.amiPattern.replace(/[*?]/g, '0');
    }
    if (request.amiName !== undefined) {
      if (!amis.includes(request.amiName)) {
        throw new InvalidParameter(
          'amiName',
          `no AMI named ${request.amiName}`,
        );
      }
      return request.amiName;
    }
    const matches = amis.filter((name) =>
      globMatches(request.amiPattern, name),
    );
    if (matches.length === 0) {
      throw new InvalidParameter(
        'amiPattern',
        `no AMI matches ${request.amiPattern}`,
      );
    }
    return newestAmi(matches);
  }
}
