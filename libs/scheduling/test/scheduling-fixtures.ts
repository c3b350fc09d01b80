// Builders for the scheduling tests: workers and instances reached through the domain's real
// transitions (createWorker, markWorkerRunning, createInstance, scheduleInstance, ...), so a
// fixture never holds a record the domain could not produce. Not exported from the library.
import {
  addMinutes,
  createInstance,
  createWorker,
  markWorkerRunning,
  markWorkerStopped,
  restartWorker,
  recordReportedLicense,
  scheduleInstance,
  setWorkerCordoned,
  startDraining,
  startProvisioning,
  stopWorker,
  type InstanceSpec,
  type LabletInstance,
  type LicenseReport,
  type LicenseType,
  type PortRange,
  type TransitionContext,
  type Worker,
  type WorkerCapacity,
  type WorkerCapacityRecord,
  type WorkerPorts,
  type WorkerState,
} from '@lcm/domain';
import type { TemplateView, WorkerView } from '../src/index';

export const T0 = '2026-01-16T10:00:00.000Z';

/** T0 plus some minutes, as ISO. */
export function at(minutes: number): string {
  return addMinutes(T0, minutes);
}

export function ctx(now = T0, triggeredBy = 'system'): TransitionContext {
  return { now, triggeredBy };
}

export const PERSONAL_CAPACITY: WorkerCapacity = {
  cpuCores: 48,
  memoryGb: 192,
  storageGb: 500,
  maxNodes: 20,
};

export interface SpecShape {
  cpuCores?: number;
  memoryGb?: number;
  storageGb?: number;
  nestedVirt?: boolean;
  nodeCount?: number;
  portCount?: number;
  licenseAffinity?: LicenseType[];
  amiRequirements?: InstanceSpec['requirements']['amiRequirements'];
  /** The definition's declared instantiation allowance (absent: the deployment's). */
  instantiationAllowanceMinutes?: number;
}

export function aSpec(shape: SpecShape = {}): InstanceSpec {
  return {
    requirements: {
      cpuCores: shape.cpuCores ?? 4,
      memoryGb: shape.memoryGb ?? 8,
      storageGb: shape.storageGb ?? 50,
      nestedVirt: shape.nestedVirt ?? true,
      ...(shape.amiRequirements !== undefined
        ? { amiRequirements: shape.amiRequirements }
        : {}),
    },
    licenseAffinity: shape.licenseAffinity ?? ['PERSONAL', 'ENTERPRISE'],
    nodeCount: shape.nodeCount ?? 2,
    ports: Array.from({ length: shape.portCount ?? 2 }, (_, i) => ({
      name: `port_${i}`,
      protocol: 'tcp' as const,
    })),
    labYamlHash: `sha256:${'a'.repeat(64)}`,
    maxDurationMinutes: 240,
    ...(shape.instantiationAllowanceMinutes !== undefined
      ? { instantiationAllowanceMinutes: shape.instantiationAllowanceMinutes }
      : {}),
  };
}

export interface InstanceShape extends SpecShape {
  id?: string;
  spec?: InstanceSpec;
  /** Minutes after T0. */
  startsIn?: number;
  createdAt?: string;
}

/** A pending instance created through `createInstance`. */
export function aPendingInstance(shape: InstanceShape = {}): LabletInstance {
  const createdAt = shape.createdAt ?? T0;
  const start = at(shape.startsIn ?? 0);
  return createInstance(
    {
      id: shape.id ?? 'i-1',
      definitionId: 'def-1',
      definitionName: 'devasc-lab',
      definitionVersion: '1.0.0',
      spec: shape.spec ?? aSpec(shape),
      ownerId: 'user-1',
      timeslotStart: start,
      timeslotEnd: addMinutes(start, 120),
    },
    ctx(createdAt, 'user-1'),
  ).instance;
}

export interface WorkerShape {
  id?: string;
  templateName?: string;
  licenseType?: LicenseType;
  declared?: Partial<WorkerCapacity>;
  portRange?: PortRange;
  /** null: the provider reported no AMI name. */
  amiName?: string | null;
  createdAt?: string;
  cordoned?: boolean;
  region?: string;
  drainTimeoutHours?: number;
}

/** A worker walked through the real transitions to `state`, with fresh capacity and ports records. */
export function aWorker(
  state: Exclude<WorkerState, 'terminated' | 'failed'> = 'running',
  shape: WorkerShape = {},
): WorkerView {
  const id = shape.id ?? 'w-1';
  const createdAt = shape.createdAt ?? T0;
  const later = (minutes: number): string => addMinutes(createdAt, minutes);
  const created = createWorker(
    {
      id,
      name: `cml-worker-${id}`,
      templateName: shape.templateName ?? 'personal-standard',
      licenseType: shape.licenseType ?? 'PERSONAL',
      region: shape.region ?? 'eu-west-1',
      portRange: shape.portRange ?? { start: 2000, end: 9999 },
      declaredCapacity: { ...PERSONAL_CAPACITY, ...shape.declared },
      drainTimeoutHours: shape.drainTimeoutHours ?? 4,
      startupTimeMinutes: 20,
    },
    ctx(createdAt, 'lcm/controller'),
  );
  const capacity = created.capacity as WorkerCapacityRecord;
  const ports = created.ports as WorkerPorts;
  let worker: Worker = created.worker;
  const done = (): WorkerView => {
    if (shape.cordoned === true) {
      worker = setWorkerCordoned(worker, true, ctx(later(25), 'admin')).worker;
    }
    return { worker, capacity, ports };
  };
  if (state === 'pending') return done();
  worker = startProvisioning(
    worker,
    {
      providerInstanceId: `ec2-${id}`,
      amiName: shape.amiName === undefined ? 'CML-2.9.1' : shape.amiName,
    },
    ctx(later(1)),
  ).worker;
  if (state === 'provisioning') return done();
  worker = markWorkerRunning(
    worker,
    { hostname: `${id}.lab.example` },
    ctx(later(20)),
  ).worker;
  if (state === 'running') return done();
  if (state === 'draining') {
    worker = startDraining(
      worker,
      { runningInstancesCount: 0 },
      ctx(later(30)),
    ).worker;
    return done();
  }
  worker = stopWorker(worker, ctx(later(30))).worker;
  if (state === 'stopping') return done();
  worker = markWorkerStopped(worker, ctx(later(31))).worker;
  return done();
}

/**
 * A stopped worker (`aWorker('stopped')`: stopped at +31 min) restarted and stopped again once per
 * entry of `restartMinutes`, each restart taking that long from `restartWorker` to running: the
 * history `restartEstimateMinutes` learns from. Restarts begin at +40, +80, ... after `createdAt`.
 */
export function restartedWorker(
  id: string,
  restartMinutes: readonly number[],
  templateName = 'personal-standard',
  createdAt = T0,
): WorkerView {
  const view = aWorker('stopped', { id, templateName, createdAt });
  let worker = view.worker;
  restartMinutes.forEach((took, k) => {
    const from = addMinutes(createdAt, 40 * (k + 1));
    worker = restartWorker(worker, ctx(from, 'lcm/controller')).worker;
    worker = startProvisioning(
      worker,
      { providerInstanceId: `ec2-${id}`, amiName: 'CML-2.9.1' },
      ctx(addMinutes(from, 1)),
    ).worker;
    worker = markWorkerRunning(
      worker,
      { hostname: `${id}.lab.example` },
      ctx(addMinutes(from, took)),
    ).worker;
    worker = stopWorker(worker, ctx(addMinutes(from, 30))).worker;
    worker = markWorkerStopped(worker, ctx(addMinutes(from, 31))).worker;
  });
  return { ...view, worker };
}

/**
 * The running worker after the controller recorded its engine's licence report (domain's
 * `recordReportedLicense`): the report on the record, the node capacity capped at its limit.
 */
export function withReportedLicense(
  view: WorkerView,
  report: Partial<LicenseReport>,
  templateMaxNodes = view.capacity.declared.maxNodes,
): WorkerView {
  const change = recordReportedLicense(
    view.worker,
    {
      report: {
        licenseType: view.worker.licenseType,
        status: 'REGISTERED',
        nodeLimit: null,
        nodesInUse: 0,
        detail: null,
        ...report,
      },
      templateMaxNodes,
      capacity: view.capacity,
    },
    ctx(at(25), 'lcm/controller'),
  );
  return {
    worker: change.worker,
    capacity: change.capacity ?? view.capacity,
    ports: view.ports,
  };
}

/** Places `instance` on the worker through `scheduleInstance`; returns both updated. */
export function placeOn(
  view: WorkerView,
  instance: LabletInstance,
  now = at(1),
): { view: WorkerView; instance: LabletInstance } {
  const change = scheduleInstance(
    instance,
    { worker: view.worker, capacity: view.capacity, ports: view.ports },
    ctx(now, 'lcm/scheduler'),
  );
  return {
    view: {
      worker: view.worker,
      capacity: change.capacity as WorkerCapacityRecord,
      ports: change.ports as WorkerPorts,
    },
    instance: change.instance,
  };
}

/** A worker with `allocated` already held (for filter and scorer unit tests). */
export function withAllocated(
  view: WorkerView,
  allocated: Partial<WorkerCapacity>,
): WorkerView {
  return {
    ...view,
    capacity: {
      declared: view.capacity.declared,
      allocated: { ...view.capacity.allocated, ...allocated },
    },
  };
}

/** A worker whose ports `from..to` are held by some other instance. */
export function withPortsHeld(
  view: WorkerView,
  from: number,
  to: number,
): WorkerView {
  const held: Record<string, number> = {};
  for (let port = from; port <= to; port++) held[`p${port}`] = port;
  return {
    ...view,
    ports: {
      ...view.ports,
      'i-other': { instanceId: 'i-other', ports: held, allocatedAt: T0 },
    },
  };
}

export function aTemplate(overrides: Partial<TemplateView> = {}): TemplateView {
  return {
    name: 'personal-standard',
    licenseType: 'PERSONAL',
    capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
    maxNodes: 20,
    amiPattern: 'CML-2.9.*',
    region: 'eu-west-1',
    portRange: { start: 2000, end: 9999 },
    startupTimeMinutes: 20,
    ...overrides,
  };
}

export const PERSONAL_STANDARD = aTemplate();
export const ENTERPRISE_LARGE = aTemplate({
  name: 'enterprise-large',
  licenseType: 'ENTERPRISE',
  maxNodes: 500,
});

/** Every sized dimension of a request, all given (what the bin-packing tests vary). */
export type SizedShape = Required<
  Pick<
    SpecShape,
    'cpuCores' | 'memoryGb' | 'storageGb' | 'nodeCount' | 'portCount'
  >
>;

/** A worker of 16 cores, 64 GB, 400 GB, 16 nodes and 16 ports: every dimension a multiple of 16. */
export const SIXTEEN_WORKER = {
  declared: { cpuCores: 16, memoryGb: 64, storageGb: 400, maxNodes: 16 },
  ports: 16,
};

/** `units` sixteenths of a SIXTEEN_WORKER in every dimension (a one-dimensional problem). */
export function sixteenths(units: number): SizedShape {
  return {
    cpuCores: units,
    memoryGb: 4 * units,
    storageGb: 25 * units,
    nodeCount: units,
    portCount: units,
  };
}

/** `count` empty running SIXTEEN_WORKERs, `w-0`, `w-1`, ... */
export function sixteenWorkers(count: number): WorkerView[] {
  return Array.from({ length: count }, (_, i) =>
    aWorker('running', {
      id: `w-${i}`,
      declared: SIXTEEN_WORKER.declared,
      portRange: { start: 3000, end: 3000 + SIXTEEN_WORKER.ports - 1 },
    }),
  );
}
