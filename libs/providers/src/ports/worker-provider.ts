import type { LicenseType } from '@lcm/domain';
/**
 * WorkerProvider: the port through which LCM creates and controls worker VMs (docs/data-plane.md#ports, "Cloud").
 * One call per cloud operation; state changes happen in the cloud over time, and LCM observes them
 * with `describe` (status sync, docs/controller.md#worker-lifecycle). The `simulated` fleet implements it in-process; a real
 * adapter (EC2, ...) implements the same interface.
 */
import { MANAGED_BY_TAG as DOMAIN_MANAGED_BY_TAG } from '@lcm/domain';

/** Cloud-side state of a VM, EC2 vocabulary. */
export type CloudInstanceState =
  | 'pending'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'shutting-down'
  | 'terminated';

export const CLOUD_INSTANCE_STATES: readonly CloudInstanceState[] = [
  'pending',
  'running',
  'stopping',
  'stopped',
  'shutting-down',
  'terminated',
];

/** Cloud status checks of a VM (EC2's instance and system checks combined, worst first). */
export type InstanceChecks =
  | 'ok'
  | 'impaired'
  | 'initializing'
  | 'insufficient-data';

export interface ProvisionRequest {
  /**
   * The LCM worker id. A repeated provision with the same key returns the VM already created for
   * it (unless that VM is shutting down or terminated, in which case a new one is created).
   */
  idempotencyKey: string;
  templateName: string;
  instanceType: string;
  /** Glob naming acceptable images (`CML-2.9.*`); the newest match is used. */
  amiPattern: string;
  /** Pins one image by name instead of the newest match of `amiPattern`. */
  amiName?: string;
  region: string;
  /** Template tags plus the caller's; see `buildManagedTags` for what the provider adds. */
  tags: Record<string, string>;
  /** The template's EC2 launch settings (used by the EC2 provider, ignored by the simulated fleet). */
  ec2?: Ec2LaunchSettings;
  /**
   * The licence the template declares for the worker's lab engine. A simulated engine registers
   * exactly this and reports it; a real one reports what its image and registration give (the EC2
   * provider ignores it), so the controller compares what it asked for with what it got.
   */
  license?: { licenseType: LicenseType; maxNodes: number };
}

/**
 * How an EC2 worker is launched, from its template. The image is `amiId` when given, else the
 * newest image named by `amiName` / `amiPattern` owned by `amiOwner` (default: this account).
 */
export interface Ec2LaunchSettings {
  amiId?: string;
  /** Account id or alias (`self`, `amazon`, `aws-marketplace`) owning the image. */
  amiOwner?: string;
  /** Tried in order: capacity missing in one subnet's zone moves to the next. */
  subnetIds?: string[];
  securityGroupIds?: string[];
  keyName?: string;
  /** Instance profile name or ARN. */
  iamInstanceProfile?: string;
  rootVolumeGb?: number;
  /** Plain text; the provider encodes it. */
  userData?: string;
}

export interface CloudInstanceStatus {
  /** Cloud instance id (`i-…`). */
  id: string;
  state: CloudInstanceState;
  checks: InstanceChecks;
  /** Host the lab engine (LabRuntime) is addressed by. Absent once terminated. */
  hostname?: string;
  privateIp?: string;
  /** Only while pending or running; it changes when a stopped VM starts again. */
  publicIp?: string;
  amiName: string;
  instanceType: string;
  region: string;
  /** ISO-8601 time of the first launch. */
  launchedAt: string;
  tags: Record<string, string>;
}

/** What `provision` returns: the status at creation plus which provider made it. */
export interface CloudInstance extends CloudInstanceStatus {
  provider: string;
}

/** Utilisation in percent (0–100), averaged by the provider over its sampling window. */
export interface InstanceMetrics {
  cpuUtilization: number;
  memoryUtilization: number;
}

export interface ListManagedOptions {
  /** Also return terminated VMs the provider still reports (default false). */
  includeTerminated?: boolean;
}

export interface WorkerProvider {
  /** Provider name, copied to `CloudInstance.provider` (`simulated`, `ec2`, …). */
  readonly name: string;

  /**
   * Creates a VM (or returns the one already created for `idempotencyKey`). Resolves as soon as the
   * cloud accepted the request; the VM is then usually `pending`.
   * Throws InvalidParameter, QuotaExceeded, AuthenticationFailed or OperationFailed.
   */
  provision(request: ProvisionRequest): Promise<CloudInstance>;

  /** Starts a stopped VM (no-op when pending/running). Throws InstanceNotFound, OperationFailed. */
  start(cloudId: string): Promise<void>;

  /** Stops a running VM (no-op when stopping/stopped). Throws InstanceNotFound, OperationFailed. */
  stop(cloudId: string): Promise<void>;

  /** Terminates a VM. Unknown or already terminated ids succeed. */
  terminate(cloudId: string): Promise<void>;

  /** Current status, or undefined when the provider does not know the id (any more). */
  describe(cloudId: string): Promise<CloudInstanceStatus | undefined>;

  /** Every VM tagged `ManagedBy=lcm`, for orphan detection (docs/controller.md#worker-lifecycle). */
  listManaged(options?: ListManagedOptions): Promise<CloudInstanceStatus[]>;

  /** CPU and memory utilisation. Throws InstanceNotFound for an unknown id. */
  metrics(cloudId: string): Promise<InstanceMetrics>;
}

/** Tag every LCM-created VM carries: the domain's, which templates also stamp (docs/controller.md#worker-lifecycle). */
export const MANAGED_BY_TAG = DOMAIN_MANAGED_BY_TAG.key;
export const MANAGED_BY_VALUE = DOMAIN_MANAGED_BY_TAG.value;
/** Tag holding the LCM worker id (the provision idempotency key), used to adopt or report orphans. */
export const WORKER_ID_TAG = 'lcm:worker-id';
export const TEMPLATE_TAG = 'lcm:template';
export const NAME_TAG = 'Name';

/** docs/controller.md#worker-lifecycle: the Name tag is `cml-worker-{worker_id}`. */
export function workerInstanceName(workerId: string): string {
  return `cml-worker-${workerId}`;
}

/**
 * The tags a provider applies to a new VM: a default Name, the request's tags, then the ones LCM
 * relies on (`ManagedBy=lcm`, worker id, template), which the request cannot override.
 */
export function buildManagedTags(
  request: Pick<ProvisionRequest, 'idempotencyKey' | 'templateName' | 'tags'>,
): Record<string, string> {
  return {
    [NAME_TAG]: workerInstanceName(request.idempotencyKey),
    ...request.tags,
    [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
    [WORKER_ID_TAG]: request.idempotencyKey,
    [TEMPLATE_TAG]: request.templateName,
  };
}

export function isManagedByLcm(tags: Record<string, string>): boolean {
  return tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE;
}
