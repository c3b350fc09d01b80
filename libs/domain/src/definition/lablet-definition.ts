import type { LicenseType } from '../values/license-type';
import type { PortTemplate } from '../values/port-template';
import type { ResourceRequirements } from '../values/resource-requirements';

/**
 * A LabletDefinition version (docs/domain.md#definitions with docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md: the lab YAML inline). Versions are immutable;
 * `deprecate` is the only change one ever sees. Stored by `@lcm/doc-store`, checked here.
 */
export interface LabletDefinition {
  /** UUID of this version. */
  id: string;
  name: string;
  /** Semver `MAJOR.MINOR.PATCH[-prerelease]`; (name, version) is unique. */
  version: string;
  description?: string;
  /** The CML lab YAML, at most 1 MiB, with `${PORT_<NAME>}` placeholders. */
  labYaml: string;
  /** `sha256:<hex>` of labYaml (`hashLabYaml`), always computed by the store. */
  labYamlHash: string;
  resourceRequirements: ResourceRequirements;
  licenseAffinity: LicenseType[];
  nodeCount: number;
  portTemplate: PortTemplate;
  gradingRulesUri?: string;
  maxDurationMinutes: number;
  /**
   * How long this lab takes from placement on a running worker to running (import and start), in
   * minutes (MIN_/MAX_INSTANTIATION_ALLOWANCE_MINUTES). Absent: the deployment's
   * INSTANTIATION_ALLOWANCE_MINUTES. Copied into every instance's spec (`instantiationAllowanceOf`).
   */
  instantiationAllowanceMinutes?: number;
  warmPoolDepth?: number;
  ownerNotification?: OwnerNotification;
  createdBy: string;
  /** ISO-8601 UTC. */
  createdAt: string;
  deprecated: boolean;
  deprecatedAt?: string;
  deprecatedBy?: string;
}

export interface OwnerNotification {
  emails?: string[];
  webhookUrl?: string;
}

/** What lists return: everything but the (large) lab YAML. */
export type LabletDefinitionSummary = Omit<LabletDefinition, 'labYaml'>;

/** A new version as submitted: the store adds id, labYamlHash, createdAt and the deprecation fields. */
export interface NewLabletDefinition {
  name: string;
  version: string;
  description?: string;
  labYaml: string;
  resourceRequirements: ResourceRequirements;
  licenseAffinity: LicenseType[];
  nodeCount: number;
  portTemplate: PortTemplate;
  gradingRulesUri?: string;
  maxDurationMinutes: number;
  instantiationAllowanceMinutes?: number;
  warmPoolDepth?: number;
  ownerNotification?: OwnerNotification;
  createdBy: string;
}

/** A registration (docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md): the version is optional, the next patch of the latest by default. */
export type RegisterDefinitionInput = Omit<NewLabletDefinition, 'version'> & {
  version?: string;
};
