// The CloudEvents catalog (one class-validator class per event type's `data`) and the envelope
// (domain event -> outbox CloudEvent, received HTTP CloudEvent -> checked structured event).
// Re-exported from index.ts.

export {
  EVENT_CATALOG,
  catalogEntryFor,
  type EventCatalogEntry,
  type EventDataClass,
  type EventSource,
} from './catalog/event-catalog';
export {
  validateEventData,
  type EventDataValidation,
  type EventIssue,
} from './catalog/validate-event-data';

// The data classes, for producers and consumers that want the class itself (e.g. OpenAPI docs).
export { AssessmentCollectionCompletedPayload } from './catalog/assessment-collection-completed/assessment-collection-completed.data';
export { AssessmentGradingCompletedPayload } from './catalog/assessment-grading-completed/assessment-grading-completed.data';
export { DefinitionCreatedPayload } from './catalog/lcm-lablet-definition-created/definition-created.data';
export { DefinitionDeprecatedPayload } from './catalog/lcm-lablet-definition-deprecated/definition-deprecated.data';
export { DefinitionVersionCreatedPayload } from './catalog/lcm-lablet-definition-version-created/definition-version-created.data';
export { InstanceArchivedPayload } from './catalog/lcm-lablet-instance-archived/instance-archived.data';
export {
  COLLECTION_REASONS,
  InstanceCollectingStartedPayload,
} from './catalog/lcm-lablet-instance-collecting-started/instance-collecting-started.data';
export { InstanceGradingCompletedPayload } from './catalog/lcm-lablet-instance-grading-completed/instance-grading-completed.data';
export { InstanceGradingStartedPayload } from './catalog/lcm-lablet-instance-grading-started/instance-grading-started.data';
export {
  InstanceOwnerNotifiedPayload,
  OWNER_NOTIFICATIONS,
} from './catalog/lcm-lablet-instance-owner-notified/instance-owner-notified.data';
export { InstancePendingPayload } from './catalog/lcm-lablet-instance-pending/instance-pending.data';
export { InstanceProvisioningRetriedPayload } from './catalog/lcm-lablet-instance-provisioning-retried/instance-provisioning-retried.data';
export { InstanceProvisioningStartedPayload } from './catalog/lcm-lablet-instance-provisioning-started/instance-provisioning-started.data';
export { InstanceRunningPayload } from './catalog/lcm-lablet-instance-running/instance-running.data';
export { InstanceScheduledPayload } from './catalog/lcm-lablet-instance-scheduled/instance-scheduled.data';
export { InstanceStoppedPayload } from './catalog/lcm-lablet-instance-stopped/instance-stopped.data';
export { InstanceStoppingPayload } from './catalog/lcm-lablet-instance-stopping/instance-stopping.data';
export { InstanceTerminatedPayload } from './catalog/lcm-lablet-instance-terminated/instance-terminated.data';
export { InstanceTimeslotMissedPayload } from './catalog/lcm-lablet-instance-timeslot-missed/instance-timeslot-missed.data';
export { ScalingDownCompletedPayload } from './catalog/lcm-scaling-down-completed/scaling-down-completed.data';
export { ScalingDownRequestedPayload } from './catalog/lcm-scaling-down-requested/scaling-down-requested.data';
export { ScalingUpCompletedPayload } from './catalog/lcm-scaling-up-completed/scaling-up-completed.data';
export { ScalingUpRequestedPayload } from './catalog/lcm-scaling-up-requested/scaling-up-requested.data';
export { WorkerDrainCancelledPayload } from './catalog/lcm-worker-drain-cancelled/worker-drain-cancelled.data';
export { WorkerCordonedPayload } from './catalog/lcm-worker-cordoned/worker-cordoned.data';
export { WorkerUncordonedPayload } from './catalog/lcm-worker-uncordoned/worker-uncordoned.data';
export { WorkerDrainingPayload } from './catalog/lcm-worker-draining/worker-draining.data';
export { WorkerFailedPayload } from './catalog/lcm-worker-failed/worker-failed.data';
export { WorkerLicenseChangedPayload } from './catalog/lcm-worker-license-changed/worker-license-changed.data';
export { WorkerPendingPayload } from './catalog/lcm-worker-pending/worker-pending.data';
export { WorkerProvisioningStartedPayload } from './catalog/lcm-worker-provisioning-started/worker-provisioning-started.data';
export { WorkerRunningPayload } from './catalog/lcm-worker-running/worker-running.data';
export { WorkerStoppedPayload } from './catalog/lcm-worker-stopped/worker-stopped.data';
export { WorkerStoppingPayload } from './catalog/lcm-worker-stopping/worker-stopping.data';
export { WorkerTerminatedPayload } from './catalog/lcm-worker-terminated/worker-terminated.data';
export {
  GradingCriterionScorePayload,
  AssessmentScorePayload,
  GradingScorePayload,
  GradingScoreSummaryPayload,
} from './catalog/common/grading-score.data';
export {
  GradingAuthenticationPayload,
  GradingDeviceInterfacePayload,
  GradingDevicePayload,
  GradingPodPayload,
} from './catalog/common/grading-pod.data';
export {
  InstanceEventCommonFields,
  InstanceEventPayload,
} from './catalog/common/instance-event.data';
export {
  WorkerEventCommonFields,
  WorkerEventPayload,
} from './catalog/common/worker-event.data';
export { ScalingEventCommonFields } from './catalog/common/scaling-event.data';

export {
  InvalidEventError,
  isInvalidEventError,
} from './envelope/invalid-event-error';
export { isRfc3339 } from './envelope/envelope-rules';
export { toOutboxEvent, toOutboxEvents } from './envelope/to-outbox-event';
export {
  parseIncomingCloudEvent,
  type IncomingCloudEvent,
  type IncomingHeaders,
} from './envelope/parse-incoming-cloud-event';
export { parseOutboxEventStrict } from './envelope/parse-outbox-event-strict';
