import type { GradingScore } from '../values/grading-score';
import type { PortMap } from '../values/port-allocation';
import type { StateTransition } from '../values/state-transition';
import type { InstanceSpec } from './instance-spec';
import type { InstanceState } from './instance-state';

export const INSTANCE_SCHEMA_VERSION = 1 as const;

/**
 * What a user (through the api) asked for and the controller has not yet carried out.
 * The api writes the request; the transition that fulfils it clears it.
 *  - `stop`: running/collecting/grading -> ... -> stopped
 *  - `delete`: any live state -> ... -> terminated (walks stopping/stopped/archived when running)
 *  - `start`: stopped -> running
 *  - `collect`: running -> collecting
 */
export type InstanceAction = 'stop' | 'delete' | 'start' | 'collect';

export interface InstanceActionRequest {
  action: InstanceAction;
  requestedBy: string;
  requestedAt: string;
  reason?: string;
}

/** Value of `/lcm/instances/{id}/state`. */
export interface LabletInstance {
  schemaVersion: typeof INSTANCE_SCHEMA_VERSION;
  id: string;
  /** 0 at creation, +1 on every change; event ids are built from it. */
  generation: number;
  definitionId: string;
  definitionName: string;
  definitionVersion: string;
  spec: InstanceSpec;
  ownerId: string;
  reservationId: string | null;
  state: InstanceState;
  stateHistory: StateTransition[];
  timeslotStart: string;
  timeslotEnd: string;
  workerId: string | null;
  allocatedPorts: PortMap | null;
  cmlLabId: string | null;
  gradingScore: GradingScore | null;
  /** Instantiation retries on a draining worker (at most MAX_INSTANTIATION_RETRIES). */
  retryCount: number;
  /** The scheduler's explanation while the instance is unplaced. */
  pendingReason: string | null;
  requestedAction: InstanceActionRequest | null;
  /** Why the instance reached its current state, when there was a reason (failure, delete, ...). */
  stateReason: string | null;
  createdAt: string;
  scheduledAt: string | null;
  startedAt: string | null;
  terminatedAt: string | null;
  updatedAt: string;
}
