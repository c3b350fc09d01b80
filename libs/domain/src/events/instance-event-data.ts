import type { InstanceState } from '../instance/instance-state';
import type { GradingPod } from '../lab/grading-pod';
import type { GradingScore } from '../values/grading-score';
import type { PortMap } from '../values/port-allocation';

/** Fields every instance event carries (docs/events.md#envelope). */
export interface InstanceEventData {
  instanceId: string;
  definitionId: string;
  definitionVersion: string;
  previousState: InstanceState | null;
  newState: InstanceState;
  workerId: string | null;
  timestamp: string;
  /** Who caused the change: a user id, `system`, or the writing service. */
  triggeredBy: string;
  reason?: string;
}

export interface InstancePendingData extends InstanceEventData {
  ownerId: string;
  reservationId: string | null;
  timeslotStart: string;
  timeslotEnd: string;
  createdAt: string;
}

export interface InstanceScheduledData extends InstanceEventData {
  workerId: string;
  allocatedPorts: PortMap;
}

export interface InstanceProvisioningStartedData extends InstanceEventData {
  workerId: string;
  allocatedPorts: PortMap;
  labYamlHash: string;
}

export interface InstanceProvisioningRetriedData extends InstanceEventData {
  retryCount: number;
  maxRetries: number;
}

export interface InstanceRunningData extends InstanceEventData {
  workerId: string;
  workerHostname: string;
  cmlLabId: string;
  allocatedPorts: PortMap;
  startedAt: string;
  /** True when the Pod below was built (docs/lab-yaml.md#the-grading-pod: the Pod is part of this event). */
  podAssigned: boolean;
  pod: GradingPod | null;
  /** True for stopped -> running. */
  restarted: boolean;
}

export type CollectionReason = 'manual' | 'timeslot_end' | 'assessment_request';

export interface InstanceCollectingStartedData extends InstanceEventData {
  collectionReason: CollectionReason;
}

export interface InstanceGradingStartedData extends InstanceEventData {
  gradingEngineSessionId: string | null;
  collectionId: string | null;
  artifactsUri: string | null;
}

export interface InstanceGradingCompletedData extends InstanceEventData {
  score: GradingScore;
  gradingDurationSeconds: number;
}

export type InstanceStoppingData = InstanceEventData;
export type InstanceStoppedData = InstanceEventData;
export type InstanceArchivedData = InstanceEventData;

export interface InstanceTerminatedData extends InstanceEventData {
  /** The state the instance left (e.g. `archived`, or where an orphan was forced out). */
  finalState: InstanceState;
  gradingScore: Pick<GradingScore, 'total' | 'max' | 'passed'> | null;
  /** From first start to termination; null if it never ran. */
  durationMinutes: number | null;
  /** True for forceTerminateInstance (orphan, drain force-stop). */
  forced: boolean;
}

/**
 * A PENDING instance whose slot started more than the grace period ago without room: it ends as
 * terminated (reason `timeslot_missed`), and this event says so with the figures.
 */
export interface InstanceTimeslotMissedData extends InstanceEventData {
  ownerId: string;
  timeslotStart: string;
  graceMinutes: number;
  /** Why it was still unplaced (its last `pendingReason`), when known. */
  pendingReason: string | null;
}

/**
 * The owner must hear about a crash or forced termination (owner_notification). The outbox event
 * is the notification: whatever delivers it to the owner's channel consumes this type.
 */
export interface InstanceOwnerNotifiedData extends InstanceEventData {
  ownerId: string;
  notification: 'instance_failed' | 'instance_force_terminated';
}
