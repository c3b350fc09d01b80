import {
  EVENT_TYPES,
  isEventType,
  type EventDataByType,
  type EventType,
} from '@lcm/domain';
import { AssessmentCollectionCompletedPayload } from './assessment-collection-completed/assessment-collection-completed.data';
import { AssessmentGradingCompletedPayload } from './assessment-grading-completed/assessment-grading-completed.data';
import { DefinitionCreatedPayload } from './lcm-lablet-definition-created/definition-created.data';
import { DefinitionDeprecatedPayload } from './lcm-lablet-definition-deprecated/definition-deprecated.data';
import { DefinitionVersionCreatedPayload } from './lcm-lablet-definition-version-created/definition-version-created.data';
import { InstanceArchivedPayload } from './lcm-lablet-instance-archived/instance-archived.data';
import { InstanceCollectingStartedPayload } from './lcm-lablet-instance-collecting-started/instance-collecting-started.data';
import { InstanceGradingCompletedPayload } from './lcm-lablet-instance-grading-completed/instance-grading-completed.data';
import { InstanceGradingStartedPayload } from './lcm-lablet-instance-grading-started/instance-grading-started.data';
import { InstanceOwnerNotifiedPayload } from './lcm-lablet-instance-owner-notified/instance-owner-notified.data';
import { InstancePendingPayload } from './lcm-lablet-instance-pending/instance-pending.data';
import { InstanceProvisioningRetriedPayload } from './lcm-lablet-instance-provisioning-retried/instance-provisioning-retried.data';
import { InstanceProvisioningStartedPayload } from './lcm-lablet-instance-provisioning-started/instance-provisioning-started.data';
import { InstanceRunningPayload } from './lcm-lablet-instance-running/instance-running.data';
import { InstanceScheduledPayload } from './lcm-lablet-instance-scheduled/instance-scheduled.data';
import { InstanceStoppedPayload } from './lcm-lablet-instance-stopped/instance-stopped.data';
import { InstanceStoppingPayload } from './lcm-lablet-instance-stopping/instance-stopping.data';
import { InstanceTerminatedPayload } from './lcm-lablet-instance-terminated/instance-terminated.data';
import { InstanceTimeslotMissedPayload } from './lcm-lablet-instance-timeslot-missed/instance-timeslot-missed.data';
import { ScalingDownCompletedPayload } from './lcm-scaling-down-completed/scaling-down-completed.data';
import { ScalingDownRequestedPayload } from './lcm-scaling-down-requested/scaling-down-requested.data';
import { ScalingUpCompletedPayload } from './lcm-scaling-up-completed/scaling-up-completed.data';
import { ScalingUpRequestedPayload } from './lcm-scaling-up-requested/scaling-up-requested.data';
import { WorkerDrainCancelledPayload } from './lcm-worker-drain-cancelled/worker-drain-cancelled.data';
import { WorkerCordonedPayload } from './lcm-worker-cordoned/worker-cordoned.data';
import { WorkerUncordonedPayload } from './lcm-worker-uncordoned/worker-uncordoned.data';
import { WorkerDrainingPayload } from './lcm-worker-draining/worker-draining.data';
import { WorkerFailedPayload } from './lcm-worker-failed/worker-failed.data';
import { WorkerLicenseChangedPayload } from './lcm-worker-license-changed/worker-license-changed.data';
import { WorkerPendingPayload } from './lcm-worker-pending/worker-pending.data';
import { WorkerProvisioningStartedPayload } from './lcm-worker-provisioning-started/worker-provisioning-started.data';
import { WorkerRunningPayload } from './lcm-worker-running/worker-running.data';
import { WorkerStoppedPayload } from './lcm-worker-stopped/worker-stopped.data';
import { WorkerStoppingPayload } from './lcm-worker-stopping/worker-stopping.data';
import { WorkerTerminatedPayload } from './lcm-worker-terminated/worker-terminated.data';

/**
 * Who usually emits a type (docs/events.md#envelope): a hint for readers and docs. The envelope's own `source`
 * says who actually did; consumers must not rely on this one.
 */
export type EventSource =
  | 'lcm/api'
  | 'lcm/scheduler'
  | 'lcm/controller'
  | 'external';

/** A class-validator class whose instances have the domain's data shape for the type. */
export type EventDataClass<T> = new () => T;

export interface EventCatalogEntry<K extends EventType = EventType> {
  readonly type: K;
  readonly dataClass: EventDataClass<EventDataByType[K]>;
  readonly description: string;
  readonly source: EventSource;
}

function entry<
  K extends EventType,
  C extends EventDataClass<EventDataByType[K]>,
>(
  type: K,
  dataClass: C,
  source: EventSource,
  description: string,
): {
  readonly type: K;
  readonly dataClass: C;
  readonly description: string;
  readonly source: EventSource;
} {
  return { type, dataClass, description, source };
}

const T = EVENT_TYPES;

const CATALOG = {
  [T.definitionCreated]: entry(
    T.definitionCreated,
    DefinitionCreatedPayload,
    'lcm/api',
    'A new lablet definition name was registered.',
  ),
  [T.definitionVersionCreated]: entry(
    T.definitionVersionCreated,
    DefinitionVersionCreatedPayload,
    'lcm/api',
    'A changed lab YAML hash created the next version of a definition.',
  ),
  [T.definitionDeprecated]: entry(
    T.definitionDeprecated,
    DefinitionDeprecatedPayload,
    'lcm/api',
    'A definition version was deprecated (soft delete).',
  ),

  [T.instancePending]: entry(
    T.instancePending,
    InstancePendingPayload,
    'lcm/api',
    'A lablet instance was created and waits for placement.',
  ),
  [T.instanceScheduled]: entry(
    T.instanceScheduled,
    InstanceScheduledPayload,
    'lcm/scheduler',
    'The instance was placed on a worker; capacity reserved and ports allocated.',
  ),
  [T.instanceProvisioningStarted]: entry(
    T.instanceProvisioningStarted,
    InstanceProvisioningStartedPayload,
    'lcm/controller',
    'The lab YAML was rewritten and its import on the worker began.',
  ),
  [T.instanceProvisioningRetried]: entry(
    T.instanceProvisioningRetried,
    InstanceProvisioningRetriedPayload,
    'lcm/controller',
    'A failed instantiation is retried on the same (draining) worker.',
  ),
  [T.instanceRunning]: entry(
    T.instanceRunning,
    InstanceRunningPayload,
    'lcm/controller',
    'The lab started (or restarted); carries the grading Pod.',
  ),
  [T.instanceCollectingStarted]: entry(
    T.instanceCollectingStarted,
    InstanceCollectingStartedPayload,
    'lcm/api',
    'Results collection was triggered; the assessment platform collects.',
  ),
  [T.instanceGradingStarted]: entry(
    T.instanceGradingStarted,
    InstanceGradingStartedPayload,
    'lcm/api',
    'Collection completed; grading is in progress.',
  ),
  [T.instanceGradingCompleted]: entry(
    T.instanceGradingCompleted,
    InstanceGradingCompletedPayload,
    'lcm/api',
    'The grading score was stored.',
  ),
  [T.instanceStopping]: entry(
    T.instanceStopping,
    InstanceStoppingPayload,
    'lcm/controller',
    'The lab is being stopped (user stop, timeslot end, grading done, drain force-stop).',
  ),
  [T.instanceStopped]: entry(
    T.instanceStopped,
    InstanceStoppedPayload,
    'lcm/controller',
    'The lab is stopped on the worker.',
  ),
  [T.instanceArchived]: entry(
    T.instanceArchived,
    InstanceArchivedPayload,
    'lcm/controller',
    'Results are stored and the lab is wiped from the worker.',
  ),
  [T.instanceTerminated]: entry(
    T.instanceTerminated,
    InstanceTerminatedPayload,
    'lcm/controller',
    'The instance reached its final state; its capacity and ports are released.',
  ),
  [T.instanceTimeslotMissed]: entry(
    T.instanceTimeslotMissed,
    InstanceTimeslotMissedPayload,
    'lcm/controller',
    'A PENDING instance got no room by its slot start plus the grace period: terminated (timeslot_missed).',
  ),
  [T.instanceOwnerNotified]: entry(
    T.instanceOwnerNotified,
    InstanceOwnerNotifiedPayload,
    'lcm/controller',
    'The owner must be told the instance failed or was force-terminated.',
  ),

  [T.workerPending]: entry(
    T.workerPending,
    WorkerPendingPayload,
    'lcm/controller',
    'A scale-up created (or reused) a worker from a template.',
  ),
  [T.workerProvisioningStarted]: entry(
    T.workerProvisioningStarted,
    WorkerProvisioningStartedPayload,
    'lcm/controller',
    "The cloud provider's create (or start) was called.",
  ),
  [T.workerRunning]: entry(
    T.workerRunning,
    WorkerRunningPayload,
    'lcm/controller',
    'The worker is ready and takes instances.',
  ),
  [T.workerDraining]: entry(
    T.workerDraining,
    WorkerDrainingPayload,
    'lcm/controller',
    'The worker takes no new instances; the current ones finish.',
  ),
  [T.workerDrainCancelled]: entry(
    T.workerDrainCancelled,
    WorkerDrainCancelledPayload,
    'lcm/controller',
    'An admin cancelled a drain; the worker runs again.',
  ),
  [T.workerCordoned]: entry(
    T.workerCordoned,
    WorkerCordonedPayload,
    'lcm/api',
    'An admin cordoned the worker: it keeps its instances and takes no new ones.',
  ),
  [T.workerUncordoned]: entry(
    T.workerUncordoned,
    WorkerUncordonedPayload,
    'lcm/api',
    'An admin uncordoned the worker: it takes new instances again.',
  ),
  [T.workerStopping]: entry(
    T.workerStopping,
    WorkerStoppingPayload,
    'lcm/controller',
    'The worker is being stopped.',
  ),
  [T.workerStopped]: entry(
    T.workerStopped,
    WorkerStoppedPayload,
    'lcm/controller',
    'The cloud reports the worker VM stopped.',
  ),
  [T.workerTerminated]: entry(
    T.workerTerminated,
    WorkerTerminatedPayload,
    'lcm/controller',
    'The worker VM is gone.',
  ),
  [T.workerFailed]: entry(
    T.workerFailed,
    WorkerFailedPayload,
    'lcm/controller',
    'Worker provisioning failed or timed out.',
  ),
  [T.workerLicenseChanged]: entry(
    T.workerLicenseChanged,
    WorkerLicenseChangedPayload,
    'lcm/controller',
    "The licence the worker's lab engine reports changed, or first reports one that runs no labs.",
  ),

  [T.scalingUpRequested]: entry(
    T.scalingUpRequested,
    ScalingUpRequestedPayload,
    'lcm/controller',
    'A capacity shortage was found for a template (the scheduler may signal it too).',
  ),
  [T.scalingUpCompleted]: entry(
    T.scalingUpCompleted,
    ScalingUpCompletedPayload,
    'lcm/controller',
    'The worker started for a scale-up is running.',
  ),
  [T.scalingDownRequested]: entry(
    T.scalingDownRequested,
    ScalingDownRequestedPayload,
    'lcm/controller',
    'An idle worker was chosen for scale-down and starts draining.',
  ),
  [T.scalingDownCompleted]: entry(
    T.scalingDownCompleted,
    ScalingDownCompletedPayload,
    'lcm/controller',
    'The scaled-down worker stopped or was terminated.',
  ),

  [T.assessmentCollectionCompleted]: entry(
    T.assessmentCollectionCompleted,
    AssessmentCollectionCompletedPayload,
    'external',
    'Consumed: the assessment platform collected the results (COLLECTING -> GRADING).',
  ),
  [T.assessmentGradingCompleted]: entry(
    T.assessmentGradingCompleted,
    AssessmentGradingCompletedPayload,
    'external',
    'Consumed: the Grading Engine graded the instance (store the score, GRADING -> STOPPING).',
  ),
} as const satisfies { readonly [K in EventType]: EventCatalogEntry<K> };

// Compile-time checks, like domain's event-data-by-type.ts: the catalog lists exactly the types of
// EVENT_TYPES, and each class has exactly its domain interface's fields (same names, same
// required/optional, same types), so a field added to the domain fails the build here.
type MissingFromCatalog = Exclude<EventType, keyof typeof CATALOG>;
type UnknownInCatalog = Exclude<keyof typeof CATALOG, EventType>;
const _catalogCoversEveryType: [MissingFromCatalog, UnknownInCatalog] extends [
  never,
  never,
]
  ? true
  : false = true;
void _catalogCoversEveryType;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type ClassesUnlikeTheirDomainData = {
  [K in EventType]: Same<
    InstanceType<(typeof CATALOG)[K]['dataClass']>,
    EventDataByType[K]
  > extends true
    ? never
    : K;
}[EventType];
// On error, the message names the event types whose class drifted from the domain interface.
type ExpectNone<T extends never> = T;
type _EveryClassMatchesItsDomainData = ExpectNone<ClassesUnlikeTheirDomainData>;

/** Every event type LCM emits or consumes, with the class that validates its `data`. */
export const EVENT_CATALOG: {
  readonly [K in EventType]: EventCatalogEntry<K>;
} = CATALOG;

/** The catalog entry of a type, or undefined for a type LCM does not know. */
export function catalogEntryFor(type: string): EventCatalogEntry | undefined {
  return isEventType(type) ? EVENT_CATALOG[type] : undefined;
}
