import type { LicenseType } from '../values/license-type';
import type { PortRange } from '../values/port-allocation';
import type { StateTransition } from '../values/state-transition';
import type { ReportedLicense } from './worker-license';
import type { WorkerState } from './worker-state';

export const WORKER_SCHEMA_VERSION = 1 as const;

export type WorkerStateTransition = StateTransition<WorkerState>;

/**
 * What an admin (through the api) asked for and the controller has not yet carried out.
 * The transition that makes it done or moot clears it.
 */
export type WorkerAction =
  | 'drain'
  | 'cancel_drain'
  | 'stop'
  | 'start'
  | 'terminate';

export interface WorkerActionRequest {
  action: WorkerAction;
  requestedBy: string;
  requestedAt: string;
  reason?: string;
}

/** Value of `/lcm/workers/{id}/state`. Capacity and ports live in their own keys. */
export interface Worker {
  schemaVersion: typeof WORKER_SCHEMA_VERSION;
  id: string;
  /** 0 at creation, +1 on every change; event ids are built from it. */
  generation: number;
  name: string;
  templateName: string;
  state: WorkerState;
  /** The licence the template declares (what the worker should run with). */
  licenseType: LicenseType;
  /**
   * The licence the worker's lab engine reports (null until the controller first read it). Its
   * node limit caps the capacity record's `declared.maxNodes`; a status under which the engine
   * runs no labs keeps the worker from new placements (`acceptsNewInstances`).
   */
  reportedLicense: ReportedLicense | null;
  /** Known once the provider picked the AMI (by the template's pattern). */
  amiName: string | null;
  region: string;
  portRange: PortRange;
  hostname: string | null;
  providerInstanceId: string | null;
  stateHistory: WorkerStateTransition[];
  drainStartedAt: string | null;
  drainTimeoutHours: number;
  startupTimeMinutes: number;
  /** A cordoned worker keeps running its instances but takes no new ones. */
  cordoned: boolean;
  requestedAction: WorkerActionRequest | null;
  /** Why the worker reached its current state (scale_down_idle, provisioning_timeout, ...). */
  stateReason: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  terminatedAt: string | null;
}
