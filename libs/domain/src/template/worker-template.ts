import type { LicenseType } from '../values/license-type';
import type { PortRange } from '../values/port-allocation';
import type { WorkerCapacity } from '../values/worker-capacity';

/**
 * A WorkerTemplate (docs/domain.md#workers-and-templates): a named worker profile, what the autoscaler provisions and the
 * scheduler places on. Stored by `@lcm/doc-store`, checked here; `workerInputFromTemplate` turns one
 * into a new worker's input.
 */

/** What a template's machine offers; the licence node limit is the template's `maxNodes`. */
export type TemplateCapacity = Omit<WorkerCapacity, 'maxNodes'>;

export interface WorkerTemplate {
  id: string;
  /** Unique, and the key seeding matches on. Immutable: workers refer to their template by name. */
  name: string;
  description: string;
  /** Cloud instance type, e.g. `m5zn.metal`. */
  instanceType: string;
  capacity: TemplateCapacity;
  licenseType: LicenseType;
  maxNodes: number;
  /** Glob used to find the image, e.g. `CML-2.9.*`. */
  amiPattern: string;
  /** The concrete image workers boot, e.g. `CML-2.9.1`, when pinned. */
  amiName?: string;
  /** How EC2 launches a worker (PROVIDER=aws); other providers ignore it. */
  ec2?: WorkerTemplateEc2;
  region: string;
  startupTimeMinutes: number;
  portRange: PortRange;
  drainTimeoutHours: number;
  /** Cloud tags; `ManagedBy: lcm` is always present. */
  tags: Record<string, string>;
  /** True when the start-up seeder created it. */
  isSeeded: boolean;
  createdAt: string;
  updatedAt: string;
}

/** EC2 launch settings of a template: image (by id, or amiName/amiPattern of `amiOwner`), network, access, disk. */
export interface WorkerTemplateEc2 {
  amiId?: string;
  /** Account id, `self` (default), `amazon` or `aws-marketplace`. */
  amiOwner?: string;
  subnetIds?: string[];
  securityGroupIds?: string[];
  keyName?: string;
  /** Instance profile name or ARN. */
  iamInstanceProfile?: string;
  rootVolumeGb?: number;
  userData?: string;
}

/** The tag every LCM-managed resource carries. */
export const MANAGED_BY_TAG = { key: 'ManagedBy', value: 'lcm' } as const;

/** Input of `create`. `description`, `tags` and `drainTimeoutHours` (4) have defaults. */
export interface NewWorkerTemplate {
  name: string;
  description?: string;
  instanceType: string;
  capacity: TemplateCapacity;
  licenseType: LicenseType;
  maxNodes: number;
  amiPattern: string;
  amiName?: string;
  ec2?: WorkerTemplateEc2;
  region: string;
  startupTimeMinutes: number;
  portRange: PortRange;
  drainTimeoutHours?: number;
  tags?: Record<string, string>;
}

/** Fields `update` may change (all but id, name, isSeeded and the timestamps). `amiName: null` clears it. */
export type WorkerTemplatePatch = Partial<
  Omit<NewWorkerTemplate, 'name' | 'amiName'>
> & { amiName?: string | null };
