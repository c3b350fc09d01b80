/** Every CloudEvent type LCM emits or consumes (docs/events.md#envelope, docs/events.md#catalog). */
export const EVENT_TYPES = {
  definitionCreated: 'lcm.lablet.definition.created',
  definitionVersionCreated: 'lcm.lablet.definition.version.created',
  definitionDeprecated: 'lcm.lablet.definition.deprecated',

  instancePending: 'lcm.lablet.instance.pending',
  instanceScheduled: 'lcm.lablet.instance.scheduled',
  instanceProvisioningStarted: 'lcm.lablet.instance.provisioning.started',
  instanceProvisioningRetried: 'lcm.lablet.instance.provisioning.retried',
  instanceRunning: 'lcm.lablet.instance.running',
  instanceCollectingStarted: 'lcm.lablet.instance.collecting.started',
  instanceGradingStarted: 'lcm.lablet.instance.grading.started',
  instanceGradingCompleted: 'lcm.lablet.instance.grading.completed',
  instanceStopping: 'lcm.lablet.instance.stopping',
  instanceStopped: 'lcm.lablet.instance.stopped',
  instanceArchived: 'lcm.lablet.instance.archived',
  instanceTerminated: 'lcm.lablet.instance.terminated',
  instanceTimeslotMissed: 'lcm.lablet.instance.timeslot.missed',
  instanceOwnerNotified: 'lcm.lablet.instance.owner.notified',

  workerPending: 'lcm.worker.pending',
  workerProvisioningStarted: 'lcm.worker.provisioning.started',
  workerRunning: 'lcm.worker.running',
  workerDraining: 'lcm.worker.draining',
  workerDrainCancelled: 'lcm.worker.drain.cancelled',
  workerCordoned: 'lcm.worker.cordoned',
  workerUncordoned: 'lcm.worker.uncordoned',
  workerStopping: 'lcm.worker.stopping',
  workerStopped: 'lcm.worker.stopped',
  workerTerminated: 'lcm.worker.terminated',
  workerFailed: 'lcm.worker.failed',
  workerLicenseChanged: 'lcm.worker.license.changed',

  scalingUpRequested: 'lcm.scaling.up.requested',
  scalingUpCompleted: 'lcm.scaling.up.completed',
  scalingDownRequested: 'lcm.scaling.down.requested',
  scalingDownCompleted: 'lcm.scaling.down.completed',

  assessmentCollectionCompleted: 'assessment.collection.completed',
  assessmentGradingCompleted: 'assessment.grading.completed',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** Types LCM consumes from outside (through the api's CloudEvents endpoint). */
export const CONSUMED_EVENT_TYPES = [
  EVENT_TYPES.assessmentCollectionCompleted,
  EVENT_TYPES.assessmentGradingCompleted,
] as const;

export type ConsumedEventType = (typeof CONSUMED_EVENT_TYPES)[number];

/** Types LCM itself emits (all start with `lcm.`). */
export const EMITTED_EVENT_TYPES: readonly EventType[] = Object.values(
  EVENT_TYPES,
).filter((type) => type.startsWith('lcm.'));

export const ALL_EVENT_TYPES: readonly EventType[] = Object.values(EVENT_TYPES);

export function isEventType(value: unknown): value is EventType {
  return (
    typeof value === 'string' &&
    (ALL_EVENT_TYPES as readonly string[]).includes(value)
  );
}

export function isConsumedEventType(
  value: unknown,
): value is ConsumedEventType {
  return (
    typeof value === 'string' &&
    (CONSUMED_EVENT_TYPES as readonly string[]).includes(value)
  );
}
