// Records for the state-store tests, built through the domain's real transitions.
import {
  createInstance,
  createWorker,
  DomainEvent,
  InstanceSpec,
  LabletInstance,
  markWorkerRunning,
  startProvisioning,
  TransitionContext,
  WorkerChange,
} from '@lcm/domain';
import { OutboxEvent } from '../src';

export const NOW = '2026-11-23T10:00:00.000Z';
export const ctx = (
  triggeredBy = 'lcm/test',
  now = NOW,
): TransitionContext => ({ now, triggeredBy });

export function spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    requirements: { cpuCores: 1, memoryGb: 1, storageGb: 1, nestedVirt: false },
    licenseAffinity: ['PERSONAL'],
    nodeCount: 1,
    ports: [{ name: 'serial_1', protocol: 'tcp' }],
    labYamlHash: `sha256:${'0'.repeat(64)}`,
    maxDurationMinutes: 120,
    ...overrides,
  };
}

export function newInstance(id: string, overrides: Partial<InstanceSpec> = {}) {
  return createInstance(
    {
      id,
      definitionId: 'def-1',
      definitionName: 'lab',
      definitionVersion: '1.0.0',
      spec: spec(overrides),
      ownerId: 'user-1',
      reservationId: null,
      timeslotStart: NOW,
      timeslotEnd: '2026-11-23T11:00:00.000Z',
    },
    ctx('user-1'),
  );
}

/** Creation change, and the running worker it becomes. */
export function newRunningWorker(
  id: string,
  options: { ports?: { start: number; end: number }; cpuCores?: number } = {},
) {
  const created = createWorker(
    {
      id,
      name: `cml-worker-${id}`,
      templateName: 'personal-standard',
      licenseType: 'PERSONAL',
      region: 'local',
      portRange: options.ports ?? { start: 2000, end: 9999 },
      declaredCapacity: {
        cpuCores: options.cpuCores ?? 48,
        memoryGb: options.cpuCores ? options.cpuCores * 4 : 192,
        storageGb: options.cpuCores ? options.cpuCores * 10 : 500,
        maxNodes: 2000,
      },
      drainTimeoutHours: 4,
      startupTimeMinutes: 20,
    },
    ctx('lcm/controller'),
  );
  const provisioning = startProvisioning(
    created.worker,
    { providerInstanceId: `sim-${id}`, amiName: 'CML-2.9.1' },
    ctx('lcm/controller'),
  );
  const running = markWorkerRunning(
    provisioning.worker,
    { hostname: `${id}.sim` },
    ctx('lcm/controller'),
  );
  return { created, running };
}

/** Minimal structured-CloudEvent envelope for tests (the real one is built by @lcm/events). */
export function envelope(
  events: DomainEvent[],
  source = 'lcm/test',
): OutboxEvent[] {
  return events.map((e) => ({
    specversion: '1.0',
    id: e.id,
    source,
    type: e.type,
    subject: e.subject,
    time: e.time,
    datacontenttype: 'application/json',
    data: e.data,
  }));
}

export type Created = { instance: LabletInstance; events: DomainEvent[] };
export type WorkerCreated = WorkerChange;
