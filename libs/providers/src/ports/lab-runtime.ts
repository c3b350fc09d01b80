import type { LicenseStatus, LicenseType } from '@lcm/domain';

/**
 * LabRuntime: the port to the lab engine (a CML-like service) running on each worker, addressed by
 * the worker's hostname (docs/data-plane.md#ports, "CML"). A real adapter talks HTTPS to the engine; the
 * `simulated` fleet answers in-process from the same state as its WorkerProvider.
 *
 * Every call except `health` throws LabEngineUnavailable (retryable) while the engine cannot serve:
 * the VM is not running, the engine is still starting, or it reports ERROR.
 */

export type LabEngineStatus =
  | 'UNAVAILABLE'
  | 'STARTING'
  | 'AVAILABLE'
  | 'ERROR';

export interface LabEngineHealth {
  status: LabEngineStatus;
  /** Engine version when known (the simulated engine reads it from the AMI name). */
  version?: string;
}

/**
 * Simplified CML lab states: DEFINED (imported, never started), STARTING (nodes booting),
 * STARTED, STOPPED, WIPED (stopped and node disks wiped; can be started again).
 */
export type LabState = 'DEFINED' | 'STARTING' | 'STARTED' | 'STOPPED' | 'WIPED';

export const LAB_STATES: readonly LabState[] = [
  'DEFINED',
  'STARTING',
  'STARTED',
  'STOPPED',
  'WIPED',
];

export interface ImportLabRequest {
  /** The LCM instance id: a repeated import with the same key returns the same lab. */
  idempotencyKey: string;
  title: string;
  /** Lab YAML with ports already rewritten (docs/lab-yaml.md#rewriting). */
  yaml: string;
}

export interface ImportLabResult {
  labId: string;
  /** False when an existing lab (or an import already in flight) for the key was returned. */
  created: boolean;
}

export interface LabSummary {
  labId: string;
  title: string;
  state: LabState;
  idempotencyKey?: string;
  nodeCount: number;
  /** ISO-8601 time of the import. */
  createdAt: string;
}

/** A console/VNC endpoint of a node, read from its `protocol:port` tags. */
export interface NodePort {
  protocol: string;
  port: number;
}

export interface LabNode {
  label: string;
  state: LabState;
  ports?: NodePort[];
}

export interface LabRuntime {
  readonly name: string;

  /** Never throws for an unreachable host: reports UNAVAILABLE instead. */
  health(host: string): Promise<LabEngineHealth>;

  /** Imports (defines) a lab without starting it. Idempotent on `request.idempotencyKey`. */
  importLab(host: string, request: ImportLabRequest): Promise<ImportLabResult>;

  /** Starts the lab; it reports STARTING until its nodes booted. No-op when starting/started. */
  startLab(host: string, labId: string): Promise<void>;

  /** Stops the lab (resolves once stopped). No-op unless starting/started. */
  stopLab(host: string, labId: string): Promise<void>;

  /** Wipes node disks, stopping the lab first if needed. */
  wipeLab(host: string, labId: string): Promise<void>;

  /** Removes the lab, stopping it first if needed. An unknown lab id succeeds. */
  deleteLab(host: string, labId: string): Promise<void>;

  /** The lab's state, or undefined when the engine does not know the id. */
  labState(host: string, labId: string): Promise<LabState | undefined>;

  listLabs(host: string): Promise<LabSummary[]>;

  /** Node-level status with ports (optional: an adapter may not support it). */
  nodes?(host: string, labId: string): Promise<LabNode[]>;

  /**
   * The engine's licence (optional: an adapter whose engine cannot say, such as the HTTP fleet's,
   * leaves it out and the worker's licence stays unreported).
   */
  licensing?(host: string): Promise<LabEngineLicensing>;
}

/** What a worker's engine is licensed for, as reported by the engine itself. */
export interface LabEngineLicensing {
  /** CML reports PERSONAL or ENTERPRISE; a simulated engine registered for EVALUATION says so. */
  licenseType: LicenseType;
  /** Registered and in compliance, in evaluation, or a status under which it runs no labs. */
  status: LicenseStatus;
  /** The engine's own words for the status (`registration COMPLETED, authorization IN_COMPLIANCE`). */
  detail?: string;
  /** Most nodes the licence lets run at once, when the engine reports it. */
  nodeLimit?: number;
  /** Nodes the licence counts as in use now. */
  nodesInUse?: number;
}
