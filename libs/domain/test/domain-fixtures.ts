// Builders for the domain's unit tests: valid records in a given state, reached through the
// real transition functions (so fixtures never hold a state the machine cannot produce).
import {
  addMinutes,
  archiveInstance,
  completeGrading,
  createInstance,
  createWorker,
  markInstanceRunning,
  markInstanceStopped,
  markWorkerRunning,
  markWorkerTerminatedByCloud,
  markWorkerStopped,
  startCollection,
  startDraining,
  startGrading,
  startInstantiation,
  startProvisioning,
  stopWorker,
  failWorker,
  scheduleInstance,
  type CreateInstanceInput,
  type CreateWorkerInput,
  type GradingScore,
  type InstanceSpec,
  type InstanceState,
  type LabletInstance,
  type TransitionContext,
  type Worker,
  type WorkerCapacityRecord,
  type WorkerPorts,
  type WorkerState,
} from '../src/index';

export const T0 = '2026-01-16T10:00:00.000Z';

/** T0 plus some minutes, as ISO. */
export function at(minutes: number): string {
  return addMinutes(T0, minutes);
}

export function ctx(
  now = T0,
  triggeredBy = 'system',
  reason?: string,
): TransitionContext {
  return reason === undefined
    ? { now, triggeredBy }
    : { now, triggeredBy, reason };
}

export function aSpec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    requirements: { cpuCores: 4, memoryGb: 8, storageGb: 50, nestedVirt: true },
    licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
    nodeCount: 2,
    ports: [
      { name: 'serial_1', protocol: 'tcp' },
      { name: 'vnc_1', protocol: 'tcp' },
    ],
    labYamlHash: `sha256:${'a'.repeat(64)}`,
    maxDurationMinutes: 120,
    ...overrides,
  };
}

export function instanceInput(
  overrides: Partial<CreateInstanceInput> = {},
): CreateInstanceInput {
  return {
    id: 'i-1',
    definitionId: 'def-1',
    definitionName: 'devasc-lab',
    definitionVersion: '1.0.0',
    spec: aSpec(),
    ownerId: 'user-1',
    reservationId: null,
    timeslotStart: at(0),
    timeslotEnd: at(60),
    ...overrides,
  };
}

export function aPendingInstance(
  overrides: Partial<CreateInstanceInput> = {},
): LabletInstance {
  return createInstance(instanceInput(overrides), ctx(T0, 'user-1')).instance;
}

export function workerInput(
  overrides: Partial<CreateWorkerInput> = {},
): CreateWorkerInput {
  return {
    id: 'w-1',
    name: 'cml-worker-w-1',
    templateName: 'personal-standard',
    licenseType: 'PERSONAL',
    region: 'eu-west-1',
    portRange: { start: 2000, end: 9999 },
    declaredCapacity: {
      cpuCores: 48,
      memoryGb: 192,
      storageGb: 500,
      maxNodes: 20,
    },
    drainTimeoutHours: 4,
    startupTimeMinutes: 20,
    ...overrides,
  };
}

export interface WorkerFixture {
  worker: Worker;
  capacity: WorkerCapacityRecord;
  ports: WorkerPorts;
}

/** A worker walked through the real transitions to `state`, with its fresh capacity and ports records. */
export function aWorkerIn(
  state: WorkerState,
  overrides: Partial<CreateWorkerInput> = {},
): WorkerFixture {
  const created = createWorker(
    workerInput(overrides),
    ctx(T0, 'lcm/controller'),
  );
  const capacity = created.capacity as WorkerCapacityRecord;
  const ports = created.ports as WorkerPorts;
  let worker = created.worker;
  const step = (next: Worker): void => {
    worker = next;
  };
  if (state === 'pending') return { worker, capacity, ports };
  if (state === 'terminated') {
    step(
      markWorkerTerminatedByCloud(worker, ctx(at(1), 'lcm/controller')).worker,
    );
    return { worker, capacity, ports };
  }
  if (state === 'failed') {
    step(
      failWorker(worker, ctx(at(1), 'lcm/controller', 'provider_error')).worker,
    );
    return { worker, capacity, ports };
  }
  step(
    startProvisioning(
      worker,
      { providerInstanceId: 'ec2-1', amiName: 'CML-2.9.1' },
      ctx(at(1)),
    ).worker,
  );
  if (state === 'provisioning') return { worker, capacity, ports };
  step(
    markWorkerRunning(worker, { hostname: 'w1.lab.example' }, ctx(at(20)))
      .worker,
  );
  if (state === 'running') return { worker, capacity, ports };
  if (state === 'draining') {
    step(
      startDraining(worker, { runningInstancesCount: 0 }, ctx(at(30))).worker,
    );
    return { worker, capacity, ports };
  }
  step(stopWorker(worker, ctx(at(30))).worker);
  if (state === 'stopping') return { worker, capacity, ports };
  step(markWorkerStopped(worker, ctx(at(31))).worker);
  return { worker, capacity, ports };
}

export const A_SCORE: GradingScore = {
  total: 8,
  max: 10,
  passed: true,
  breakdown: [{ criterion: 'ping works', points: 8, max: 10 }],
};

export interface InstanceFixture extends WorkerFixture {
  instance: LabletInstance;
}

/**
 * An instance walked along the happy path to `state` on a running worker, together with the
 * worker's capacity and ports records as they are after that walk. (`terminated` is not offered:
 * each edge into it is tested on its own.)
 */
export function anInstanceIn(
  state: Exclude<InstanceState, 'terminated'>,
  overrides: Partial<CreateInstanceInput> = {},
): InstanceFixture {
  const fixture = aWorkerIn('running');
  let instance = aPendingInstance(overrides);
  if (state === 'pending') return { ...fixture, instance };
  const scheduled = scheduleInstance(
    instance,
    {
      worker: fixture.worker,
      capacity: fixture.capacity,
      ports: fixture.ports,
    },
    ctx(at(1), 'lcm/scheduler'),
  );
  instance = scheduled.instance;
  const capacity = scheduled.capacity as WorkerCapacityRecord;
  const ports = scheduled.ports as WorkerPorts;
  const done = (): InstanceFixture => ({
    worker: fixture.worker,
    capacity,
    ports,
    instance,
  });
  if (state === 'scheduled') return done();
  instance = startInstantiation(
    instance,
    ctx(at(2), 'lcm/controller'),
  ).instance;
  if (state === 'instantiating') return done();
  instance = markInstanceRunning(
    instance,
    { cmlLabId: 'lab-1', workerHostname: 'w1.lab.example' },
    ctx(at(3), 'lcm/controller'),
  ).instance;
  if (state === 'running') return done();
  if (state === 'collecting' || state === 'grading') {
    instance = startCollection(
      instance,
      { collectionReason: 'manual' },
      ctx(at(30), 'user-1'),
    ).instance;
    if (state === 'collecting') return done();
    instance = startGrading(
      instance,
      { gradingEngineSessionId: 'ge-1' },
      ctx(at(31), 'lcm/api'),
    ).instance;
    return done();
  }
  instance = startCollection(
    instance,
    { collectionReason: 'manual' },
    ctx(at(30), 'user-1'),
  ).instance;
  instance = startGrading(instance, {}, ctx(at(31), 'lcm/api')).instance;
  instance = completeGrading(
    instance,
    { score: A_SCORE },
    ctx(at(32), 'lcm/api'),
  ).instance;
  if (state === 'stopping') return done();
  instance = markInstanceStopped(
    instance,
    ctx(at(33), 'lcm/controller'),
  ).instance;
  if (state === 'stopped') return done();
  instance = archiveInstance(instance, ctx(at(34), 'lcm/controller')).instance;
  return done();
}
