import { ValidationError } from '../errors';
import { buildDomainEvents } from '../events/domain-event';
import { EVENT_TYPES } from '../events/event-types';
import type {
  ScalingUpRequestedData,
  WorkerPendingData,
} from '../events/worker-event-data';
import { addMinutes } from '../values/iso-timestamp';
import { isLicenseType, type LicenseType } from '../values/license-type';
import { validatePortRange, type PortRange } from '../values/port-allocation';
import {
  assertTransitionContext,
  type TransitionContext,
} from '../values/transition-context';
import {
  newCapacityRecord,
  type WorkerCapacity,
} from '../values/worker-capacity';
import type { WorkerTemplate } from '../template/worker-template';
import { WORKER_SCHEMA_VERSION, type Worker } from './worker';
import {
  scalingEventData,
  workerEventData,
  type WorkerChange,
} from './worker-change';
import { WORKER_INITIAL_STATE } from './worker-transitions';

/** Everything a worker takes from its template, plus its identity. */
export interface CreateWorkerInput {
  id: string;
  name: string;
  templateName: string;
  licenseType: LicenseType;
  region: string;
  portRange: PortRange;
  /** The template's capacity (cpu, memory, storage) and licence node limit. */
  declaredCapacity: WorkerCapacity;
  drainTimeoutHours: number;
  startupTimeMinutes: number;
}

/** The worker a template describes: everything but identity (and, for an adopted VM, its region) comes from the template. */
export function workerInputFromTemplate(
  template: Pick<
    WorkerTemplate,
    | 'name'
    | 'licenseType'
    | 'region'
    | 'portRange'
    | 'capacity'
    | 'maxNodes'
    | 'drainTimeoutHours'
    | 'startupTimeMinutes'
  >,
  identity: { id: string; name: string; region?: string },
): CreateWorkerInput {
  return {
    id: identity.id,
    name: identity.name,
    templateName: template.name,
    licenseType: template.licenseType,
    region: identity.region ?? template.region,
    portRange: template.portRange,
    declaredCapacity: { ...template.capacity, maxNodes: template.maxNodes },
    drainTimeoutHours: template.drainTimeoutHours,
    startupTimeMinutes: template.startupTimeMinutes,
  };
}

function requireText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(field, 'must be a non-empty string');
  }
}

function requirePositive(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(field, 'must be a positive number');
  }
}

/**
 * (new) -> pending: a scale-up decision (or an admin) creates a worker from a template. Emits
 * `lcm.worker.pending` and `lcm.scaling.up.requested` (ready in about `startupTimeMinutes`), and
 * returns the worker's initial `capacity` (all declared, none allocated) and empty `ports` records.
 */
export function createWorker(
  input: CreateWorkerInput,
  context: TransitionContext,
): WorkerChange {
  assertTransitionContext(context);
  requireText(input.id, 'id');
  requireText(input.name, 'name');
  requireText(input.templateName, 'templateName');
  requireText(input.region, 'region');
  if (!isLicenseType(input.licenseType)) {
    throw new ValidationError(
      'licenseType',
      `unknown licence type ${JSON.stringify(input.licenseType)}`,
    );
  }
  validatePortRange(input.portRange);
  requirePositive(input.drainTimeoutHours, 'drainTimeoutHours');
  requirePositive(input.startupTimeMinutes, 'startupTimeMinutes');
  const capacity = newCapacityRecord(input.declaredCapacity);

  const { now, triggeredBy } = context;
  const reason = context.reason ?? 'scale_up';
  const worker: Worker = {
    schemaVersion: WORKER_SCHEMA_VERSION,
    id: input.id,
    generation: 0,
    name: input.name,
    templateName: input.templateName,
    state: WORKER_INITIAL_STATE,
    licenseType: input.licenseType,
    reportedLicense: null,
    amiName: null,
    region: input.region,
    portRange: { start: input.portRange.start, end: input.portRange.end },
    hostname: null,
    providerInstanceId: null,
    stateHistory: [
      { from: null, to: WORKER_INITIAL_STATE, at: now, triggeredBy, reason },
    ],
    drainStartedAt: null,
    drainTimeoutHours: input.drainTimeoutHours,
    startupTimeMinutes: input.startupTimeMinutes,
    cordoned: false,
    requestedAction: null,
    stateReason: reason,
    createdBy: triggeredBy,
    createdAt: now,
    updatedAt: now,
    terminatedAt: null,
  };
  const base = workerEventData(null, worker, context, reason);
  const pending: WorkerPendingData = base;
  const requested: ScalingUpRequestedData = {
    ...scalingEventData(worker, base),
    estimatedReadyTime: addMinutes(now, worker.startupTimeMinutes),
  };
  return {
    worker,
    events: buildDomainEvents(worker.id, 0, now, [
      { type: EVENT_TYPES.workerPending, data: pending },
      { type: EVENT_TYPES.scalingUpRequested, data: requested },
    ]),
    capacity,
    ports: {},
  };
}
