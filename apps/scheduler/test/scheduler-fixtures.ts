// Records for the scheduler's tests and benchmark, built through the domain's real transitions.
import {
  createInstance,
  createWorker,
  InstanceSpec,
  LicenseType,
  markWorkerRunning,
  startProvisioning,
  TransitionContext,
  Worker,
  WorkerCapacity,
  WorkerChange,
} from '@lcm/domain';
import type { TemplateView } from '@lcm/scheduling';
import { InstanceStore, WorkerStore } from '@lcm/state-store';

export const ctx = (
  triggeredBy = 'lcm/test',
  now = new Date().toISOString(),
): TransitionContext => ({ now, triggeredBy });

export function aSpec(
  overrides: Partial<Omit<InstanceSpec, 'requirements'>> & {
    cpuCores?: number;
    memoryGb?: number;
    storageGb?: number;
    portCount?: number;
  } = {},
): InstanceSpec {
  const {
    cpuCores = 4,
    memoryGb = 8,
    storageGb = 40,
    portCount = 2,
    ...rest
  } = overrides;
  return {
    requirements: { cpuCores, memoryGb, storageGb, nestedVirt: true },
    licenseAffinity: ['PERSONAL'],
    nodeCount: 2,
    ports: Array.from({ length: portCount }, (_, i) => ({
      name: `serial_${i + 1}`,
      protocol: 'tcp' as const,
    })),
    labYamlHash: `sha256:${'a'.repeat(64)}`,
    maxDurationMinutes: 240,
    ...rest,
  };
}

/** A PENDING instance; `startInMinutes` moves its timeslot (ASAP by default). */
export function aPendingInstance(
  id: string,
  options: { spec?: InstanceSpec; startInMinutes?: number; now?: Date } = {},
) {
  const now = options.now ?? new Date();
  const start = new Date(
    now.getTime() + (options.startInMinutes ?? 0) * 60_000,
  );
  return createInstance(
    {
      id,
      definitionId: 'def-1',
      definitionName: 'lab',
      definitionVersion: '1.0.0',
      spec: options.spec ?? aSpec(),
      ownerId: 'user-1',
      timeslotStart: start.toISOString(),
      timeslotEnd: new Date(start.getTime() + 60 * 60_000).toISOString(),
    },
    ctx('user-1', now.toISOString()),
  );
}

export interface WorkerOptions {
  template?: string;
  licenseType?: LicenseType;
  capacity?: Partial<WorkerCapacity>;
  portRange?: { start: number; end: number };
  amiName?: string;
}

export function aNewWorker(
  id: string,
  options: WorkerOptions = {},
): WorkerChange {
  return createWorker(
    {
      id,
      name: `cml-worker-${id}`,
      templateName: options.template ?? 'personal-standard',
      licenseType: options.licenseType ?? 'PERSONAL',
      region: 'local',
      portRange: options.portRange ?? { start: 2000, end: 9999 },
      declaredCapacity: {
        cpuCores: 48,
        memoryGb: 192,
        storageGb: 500,
        maxNodes: 20,
        ...options.capacity,
      },
      drainTimeoutHours: 4,
      startupTimeMinutes: 20,
    },
    ctx('lcm/controller'),
  );
}

/** The worker's creation, and the changes that make it running. */
export function aRunningWorker(id: string, options: WorkerOptions = {}) {
  const created = aNewWorker(id, options);
  const provisioning = startProvisioning(
    created.worker,
    {
      providerInstanceId: `sim-${id}`,
      amiName: options.amiName ?? 'CML-2.9.1',
    },
    ctx('lcm/controller'),
  );
  const running = markWorkerRunning(
    provisioning.worker,
    { hostname: `${id}.sim` },
    ctx('lcm/controller'),
  );
  return { created, provisioning, running };
}

/** Writes a worker straight into the store and walks it to `running` (as the controller would). */
export async function seedRunningWorker(
  workers: WorkerStore,
  id: string,
  options: WorkerOptions = {},
): Promise<Worker> {
  const { created, provisioning, running } = aRunningWorker(id, options);
  await workers.commit(created, { worker: 'absent' }, { events: [] });
  await workers.commit(
    provisioning,
    { worker: (await workers.require(id)).worker.revision },
    { events: [] },
  );
  await workers.commit(
    running,
    { worker: (await workers.require(id)).worker.revision },
    { events: [] },
  );
  return running.worker;
}

/** Walks a seeded worker from pending to running. */
export async function makeRunning(
  workers: WorkerStore,
  id: string,
): Promise<void> {
  const current = await workers.require(id);
  const provisioning = startProvisioning(
    current.worker.value,
    { providerInstanceId: `sim-${id}`, amiName: 'CML-2.9.1' },
    ctx('lcm/controller'),
  );
  await workers.commit(
    provisioning,
    { worker: current.worker.revision },
    { events: [] },
  );
  const next = await workers.require(id);
  const running = markWorkerRunning(
    next.worker.value,
    { hostname: `${id}.sim` },
    ctx('lcm/controller'),
  );
  await workers.commit(
    running,
    { worker: next.worker.revision },
    { events: [] },
  );
}

export async function seedPendingInstance(
  instances: InstanceStore,
  id: string,
  options: Parameters<typeof aPendingInstance>[1] = {},
): Promise<void> {
  const change = aPendingInstance(id, options);
  await instances.commit(change, { instance: 'absent' }, { events: [] });
}

export function aTemplate(overrides: Partial<TemplateView> = {}): TemplateView {
  return {
    name: 'personal-standard',
    licenseType: 'PERSONAL',
    capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
    maxNodes: 20,
    amiPattern: 'CML-2.9.*',
    region: 'local',
    portRange: { start: 2000, end: 9999 },
    startupTimeMinutes: 20,
    ...overrides,
  };
}
