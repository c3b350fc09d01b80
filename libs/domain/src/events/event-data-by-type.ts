import type {
  AssessmentCollectionCompletedData,
  AssessmentGradingCompletedData,
} from './assessment-event-data';
import type {
  DefinitionCreatedData,
  DefinitionDeprecatedData,
  DefinitionVersionCreatedData,
} from './definition-event-data';
import type { DomainEvent } from './domain-event';
import type { EventType } from './event-types';
import type {
  InstanceArchivedData,
  InstanceCollectingStartedData,
  InstanceGradingCompletedData,
  InstanceGradingStartedData,
  InstanceOwnerNotifiedData,
  InstancePendingData,
  InstanceProvisioningRetriedData,
  InstanceProvisioningStartedData,
  InstanceRunningData,
  InstanceScheduledData,
  InstanceStoppedData,
  InstanceStoppingData,
  InstanceTerminatedData,
  InstanceTimeslotMissedData,
} from './instance-event-data';
import type {
  ScalingDownCompletedData,
  ScalingDownRequestedData,
  ScalingUpCompletedData,
  ScalingUpRequestedData,
  WorkerDrainCancelledData,
  WorkerCordonedData,
  WorkerUncordonedData,
  WorkerDrainingData,
  WorkerFailedData,
  WorkerLicenseChangedData,
  WorkerPendingData,
  WorkerProvisioningStartedData,
  WorkerRunningData,
  WorkerStoppedData,
  WorkerStoppingData,
  WorkerTerminatedData,
} from './worker-event-data';

/** The `data` shape of each event type: `DomainEvent<EventDataByType['lcm.worker.draining']>`. */
export interface EventDataByType {
  'lcm.lablet.definition.created': DefinitionCreatedData;
  'lcm.lablet.definition.version.created': DefinitionVersionCreatedData;
  'lcm.lablet.definition.deprecated': DefinitionDeprecatedData;

  'lcm.lablet.instance.pending': InstancePendingData;
  'lcm.lablet.instance.scheduled': InstanceScheduledData;
  'lcm.lablet.instance.provisioning.started': InstanceProvisioningStartedData;
  'lcm.lablet.instance.provisioning.retried': InstanceProvisioningRetriedData;
  'lcm.lablet.instance.running': InstanceRunningData;
  'lcm.lablet.instance.collecting.started': InstanceCollectingStartedData;
  'lcm.lablet.instance.grading.started': InstanceGradingStartedData;
  'lcm.lablet.instance.grading.completed': InstanceGradingCompletedData;
  'lcm.lablet.instance.stopping': InstanceStoppingData;
  'lcm.lablet.instance.stopped': InstanceStoppedData;
  'lcm.lablet.instance.archived': InstanceArchivedData;
  'lcm.lablet.instance.terminated': InstanceTerminatedData;
  'lcm.lablet.instance.timeslot.missed': InstanceTimeslotMissedData;
  'lcm.lablet.instance.owner.notified': InstanceOwnerNotifiedData;

  'lcm.worker.pending': WorkerPendingData;
  'lcm.worker.provisioning.started': WorkerProvisioningStartedData;
  'lcm.worker.running': WorkerRunningData;
  'lcm.worker.draining': WorkerDrainingData;
  'lcm.worker.drain.cancelled': WorkerDrainCancelledData;
  'lcm.worker.cordoned': WorkerCordonedData;
  'lcm.worker.uncordoned': WorkerUncordonedData;
  'lcm.worker.stopping': WorkerStoppingData;
  'lcm.worker.stopped': WorkerStoppedData;
  'lcm.worker.terminated': WorkerTerminatedData;
  'lcm.worker.failed': WorkerFailedData;
  'lcm.worker.license.changed': WorkerLicenseChangedData;

  'lcm.scaling.up.requested': ScalingUpRequestedData;
  'lcm.scaling.up.completed': ScalingUpCompletedData;
  'lcm.scaling.down.requested': ScalingDownRequestedData;
  'lcm.scaling.down.completed': ScalingDownCompletedData;

  'assessment.collection.completed': AssessmentCollectionCompletedData;
  'assessment.grading.completed': AssessmentGradingCompletedData;
}

// Compile-time check that the map and EVENT_TYPES list the same types.
type MissingFromMap = Exclude<EventType, keyof EventDataByType>;
type MissingFromTypes = Exclude<keyof EventDataByType, EventType>;
const _mapCoversEveryType: [MissingFromMap, MissingFromTypes] extends [
  never,
  never,
]
  ? true
  : false = true;
void _mapCoversEveryType;

export type TypedDomainEvent<K extends EventType> = DomainEvent<
  EventDataByType[K]
> & { type: K };

/** Narrows an event to its type's data shape (trusting `data`; validate consumed events first). */
export function isEventOfType<K extends EventType>(
  event: DomainEvent,
  type: K,
): event is TypedDomainEvent<K> {
  return event.type === type;
}
