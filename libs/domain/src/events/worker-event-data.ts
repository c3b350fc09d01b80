import type { LicenseStatus, LicenseType } from '../values/license-type';
import type { WorkerState } from '../worker/worker-state';

/** Fields every worker event carries. */
export interface WorkerEventData {
  workerId: string;
  templateName: string;
  previousState: WorkerState | null;
  newState: WorkerState;
  timestamp: string;
  triggeredBy: string;
  reason: string;
}

export type WorkerPendingData = WorkerEventData;

export interface WorkerProvisioningStartedData extends WorkerEventData {
  providerInstanceId: string;
}

export interface WorkerRunningData extends WorkerEventData {
  hostname: string | null;
}

export interface WorkerDrainingData extends WorkerEventData {
  runningInstancesCount: number;
  estimatedDrainCompletion: string;
  drainStartedAt: string;
}

export interface WorkerDrainCancelledData extends WorkerEventData {
  cancelledBy: string;
  reason: 'admin_action';
}

/**
 * `lcm.worker.cordoned` / `lcm.worker.uncordoned`: an admin took the worker out of (or back into)
 * placement. The state does not change (previousState = newState); the worker keeps its instances.
 */
export interface WorkerCordonedData extends WorkerEventData {
  cordoned: true;
  reason: 'admin_action';
}

export interface WorkerUncordonedData extends WorkerEventData {
  cordoned: false;
  reason: 'admin_action';
}

export type WorkerCordonChangedData = WorkerCordonedData | WorkerUncordonedData;

export type WorkerStoppingData = WorkerEventData;
export type WorkerStoppedData = WorkerEventData;
export type WorkerTerminatedData = WorkerEventData;
export type WorkerFailedData = WorkerEventData;

/**
 * The licence the worker's lab engine reports changed (type, status or node limit), or its first
 * report is one under which it runs no labs. No state change: previous and new state are the same.
 */
export interface WorkerLicenseChangedData extends WorkerEventData {
  licenseType: LicenseType;
  status: LicenseStatus;
  nodeLimit: number | null;
  /** The recorded status before, null for the first report. */
  previousStatus: LicenseStatus | null;
  /** The node capacity placement may use now (the template's, capped at the limit). */
  maxNodes: number;
}

/** `lcm.scaling.*` data: `template` is the worker template name. */
export interface ScalingEventData {
  template: string;
  reason: string;
  workerId?: string;
  timestamp: string;
}

export interface ScalingUpRequestedData extends ScalingEventData {
  estimatedReadyTime: string;
}

export interface ScalingUpCompletedData extends ScalingEventData {
  workerId: string;
}

export interface ScalingDownRequestedData extends ScalingEventData {
  workerId: string;
  runningInstancesCount: number;
  estimatedDrainCompletion: string;
}

export interface ScalingDownCompletedData extends ScalingEventData {
  workerId: string;
}
